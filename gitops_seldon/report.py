"""Reporters: the only code that turns problems into text."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import TextIO

from gitops_seldon.problems import Level, Problem

FORMATS = ("text", "json", "github")


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _text(problems: Sequence[Problem], stream: TextIO) -> None:
    colour = use_colour(stream)
    for p in problems:
        where = f"{p.path}:{p.line}:{p.col}:"
        rule = f"{p.rule}:"
        if colour:
            tint = "\033[31m" if p.level is Level.ERROR else "\033[33m"
            where, rule = f"\033[1m{where}\033[0m", f"{tint}{rule}\033[0m"
        stream.write(f"{where} {rule} {p.message}\n")


def _json(problems: Sequence[Problem], stream: TextIO) -> None:
    json.dump(
        [
            {"file": p.path, "line": p.line, "col": p.col, "rule": p.rule,
             "level": p.level.value, "message": p.message}
            for p in problems
        ],
        stream,
        indent=2,
    )
    stream.write("\n")


def github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(problems: Sequence[Problem], stream: TextIO) -> None:
    for p in problems:
        props = f"file={github_escape(p.path, property_value=True)}"
        if p.line:
            props += f",line={p.line},col={p.col}"
        props += f",title={github_escape(p.rule, property_value=True)}"
        stream.write(f"::{p.level.value} {props}::{github_escape(p.message)}\n")


REPORTERS: dict[str, Callable[[Sequence[Problem], TextIO], None]] = {
    "text": _text,
    "json": _json,
    "github": _github,
}


def report(problems: Sequence[Problem], fmt: str, stream: TextIO) -> None:
    REPORTERS[fmt](problems, stream)
