"""Where the plaintext values for ``seal`` come from: an env file kept out of git,
environment variables named like the Secret's keys, or a prompt without echo.

Nothing here logs or formats a value; problems name the file, line and key only.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError, Problem

_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(?P<rest>.*)$")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


@dataclass(frozen=True)
class Value:
    key: str
    text: str
    origin: str
    """Display path of the env file, ``environment`` or ``prompt``."""
    line: int = 0

    def __repr__(self) -> str:  # a value must never end up in a log or traceback
        return f"Value(key={self.key!r}, origin={self.origin!r}, line={self.line})"


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def parse_env_file(text: str, display: str) -> tuple[dict[str, Value], list[Problem]]:
    """``KEY=VALUE`` lines (``export`` allowed, ``#`` comments, blank lines). Values may be
    single-quoted (literal) or double-quoted (``\\n`` escapes, may span lines); unquoted
    values end at `` #``. A later line for the same key is a problem, not an override."""
    values: dict[str, Value] = {}
    problems: list[Problem] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index]
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(Problem(display, number, 1, "env-file",
                                    "expected KEY=VALUE (the line is not shown)"))
            continue
        key, rest = match.group("key"), match.group("rest")
        quote = rest[:1]
        if quote in ("'", '"'):
            body = rest[1:]
            while quote not in body and index < len(lines):
                body += "\n" + lines[index]
                index += 1
            end = body.find(quote) if quote == "'" else _closing_quote(body)
            if end < 0:
                problems.append(Problem(display, number, match.start("rest") + 1, "env-file",
                                        f"{key}: the quote is never closed"))
                continue
            value = body[:end] if quote == "'" else _unescape(body[:end])
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].rstrip()
        if key in values:
            problems.append(Problem(display, number, 1, "env-file",
                                    f"{key} is set twice (first on line {values[key].line})"))
            continue
        values[key] = Value(key, value, display, number)
    return values, problems


def _closing_quote(body: str) -> int:
    escaped = False
    for position, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return position
    return -1


def refuse_tracked(path: Path, root: Path) -> None:
    """A values file inside the repository must be ignored by git (and not tracked), or a
    ``git add .`` would publish it. Outside the repository anything goes."""
    resolved, top = path.resolve(), root.resolve()
    if not resolved.is_relative_to(top):
        return
    try:
        result = subprocess.run(
            ["git", "-C", str(top), "check-ignore", "-q", "--", str(resolved)],
            capture_output=True, check=False, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        raise GitopsSeldonError(
            f"{path}: is inside the repository and git could not tell whether it is "
            "ignored; keep plaintext files outside the repository") from None
    if result.returncode == 0:
        return
    if result.returncode == 1:
        raise GitopsSeldonError(
            f"{path}: is inside the repository and not ignored by git; add it to "
            ".gitignore or keep it outside the repository")
    raise GitopsSeldonError(
        f"{path}: is inside the repository, which is not a git work tree (or git failed); "
        "keep plaintext files outside the repository")


def read_env_file(path: Path, root: Path) -> tuple[dict[str, Value], list[Problem]]:
    refuse_tracked(path, root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GitopsSeldonError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GitopsSeldonError(f"{path}: is not UTF-8 text") from None
    return parse_env_file(text.removeprefix("\ufeff"), str(path))


def read_value_file(key: str, path: Path, root: Path) -> Value:
    """``--from-file KEY=PATH``: the whole file is the value (one trailing newline dropped)."""
    refuse_tracked(path, root)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise GitopsSeldonError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise GitopsSeldonError(f"{path}: is not UTF-8 text") from None
    return Value(key, text.removesuffix("\n"), str(path), 0)


def from_environment(keys: Iterable[str], environ: Mapping[str, str]) -> dict[str, Value]:
    """Environment variables named exactly like the Secret keys; empty ones count as unset."""
    return {k: Value(k, environ[k], "environment") for k in keys if environ.get(k)}


def from_prompt(keys: Iterable[str], ask: Callable[[str], str]) -> dict[str, Value]:
    """Ask for each key without echo; an empty answer skips the key."""
    values = {}
    for key in keys:
        answer = ask(f"{key} (empty to skip): ")
        if answer:
            values[key] = Value(key, answer, "prompt")
    return values
