"""Problems are data: every check returns them, reporters print them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Level(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, located in a file. ``line`` and ``col`` are 1-based; 0 means unknown."""

    path: str
    line: int
    col: int
    rule: str
    message: str
    level: Level = field(default=Level.ERROR, compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule}: {self.message}"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Sorted by path and position, duplicates dropped."""
    return sorted(set(problems))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.level is Level.ERROR for p in problems)


class GitopsSeldonError(Exception):
    """An expected failure with a one-line message for the user (exit code 2)."""


class UsageError(GitopsSeldonError):
    """The command line asked for something that cannot be done."""


class ProblemsFound(GitopsSeldonError):
    """Raised by stages that cannot go on when their input has problems."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sort_problems(problems)
        super().__init__(f"{len(self.problems)} problem(s) found")


@dataclass(frozen=True)
class Finding:
    """A rule's finding before it is placed in a file: ``loc`` is the path of keys and
    indexes inside the checked object. Callers turn it into a Problem with the position
    of ``loc`` in the document (or in the spec the object was planned from)."""

    loc: tuple[str | int, ...]
    rule: str
    message: str
    level: Level = Level.ERROR
