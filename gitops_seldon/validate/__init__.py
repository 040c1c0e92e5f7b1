"""Validate stage: every rule returns problems; nothing here prints or exits."""

from __future__ import annotations

from pathlib import Path

from gitops_seldon.load import CONFIG_FILE, load_repository
from gitops_seldon.problems import Problem, sort_problems


def validate_repository(root: Path) -> list[Problem]:
    """All problems of a gitops-seldon repository."""
    loaded = load_repository(root)
    if isinstance(loaded, tuple):
        return sort_problems(loaded[1])
    return sort_problems(loaded.problems)


def validate(paths: list[Path], root: Path) -> list[Problem]:
    if not paths and (root / CONFIG_FILE).is_file():
        return validate_repository(root)
    return validate_repository(root)
