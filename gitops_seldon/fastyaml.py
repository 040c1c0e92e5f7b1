"""The fast path of the loader: libyaml (PyYAML's C parser) first, ruamel only on demand.

ruamel's round-trip loader keeps a line and column for every node, which every problem
needs, but it is pure Python (ruamel.yaml.clib is not installed here) and costs about
2.5 ms per SeldonDeployment; libyaml parses the same text ten times faster. Most files
have no problem, and a file without problems never needs a position. So ``parse_fast``
builds the plain data with libyaml and leaves the positioned tree to be parsed by ruamel
the first time a position is asked for (``LazyTrees``).

libyaml composes the node tree (in C); ``_convert`` turns it into plain data directly,
without PyYAML's generic constructor. The data must be exactly what the ruamel path
gives, or validation would depend on the path taken:

* plain scalars resolve as in YAML 1.2, with ruamel's own implicit resolvers (``yes``
  stays a string, ``0o17`` is an int, ``0777`` is decimal);
* a duplicate key, a file ruamel would refuse, anything unusual (tabs, directives, tags,
  anchors and aliases, merge keys, timestamps, non-string keys, any libyaml error) returns
  None, and the caller takes the ruamel path, which reports the problem with its
  position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml  # type: ignore[import-untyped]
from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # type: ignore[import-untyped]

try:  # libyaml is part of every PyYAML wheel; without it there is no fast path
    from yaml.cyaml import CParser  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the PyYAML build
    CParser = None

_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
"""A block scalar header with a comment glued to it, which only libyaml accepts (any
text that merely looks like one takes the slower ruamel path, which is still right)."""

UNUSUAL = ("&", "*", "!")
"""Characters of anchors, aliases and tags. A text holding any of them is scanned by
libyaml's event parser, and takes the ruamel path only if it really uses one."""

STR = "tag:yaml.org,2002:str"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
PLAIN = "!plain"
"""The composer leaves plain scalars unresolved; ``_plain`` resolves them as ruamel does."""


class Unusual(Exception):
    """Something the fast path does not reproduce exactly: ruamel must read this text."""


_DIGITS = list("0123456789")
RESOLVERS_12: tuple[tuple[str, str, list[str]], ...] = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("float", r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", ["-", "+", *_DIGITS, "."]),
    ("int", r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", ["-", "+", *_DIGITS]),
    ("merge", r"^(?:<<)$", ["<"]),
    ("null", r"""^(?: ~
        |null|Null|NULL
        | )$""", ["~", "n", "N", ""]),
    ("timestamp", r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", _DIGITS),
    ("value", r"^(?:=)$", ["="]),
    ("yaml", r"^(?:!|&|\*)$", ["!", "&", "*"]),
)
"""ruamel.yaml's YAML 1.2 implicit resolvers (verbose regexes, first characters), copied so
that the fast path does not import ruamel; a test checks they still match ruamel's."""

_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


def _install_resolvers() -> None:
    for kind, pattern, first in RESOLVERS_12:
        compiled = re.compile(pattern, re.VERBOSE)
        for char in first:
            _IMPLICIT.setdefault(char, []).append((kind, compiled))


def _plain(value: str) -> Any:
    """A plain scalar as YAML 1.2 (ruamel) reads it."""
    for kind, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            if kind == "null":
                return None
            if kind == "bool":
                return value in ("true", "True", "TRUE")
            if kind == "int":
                return _int(value)
            if kind == "float":
                return _float(value)
            raise Unusual(kind)  # timestamp, merge, value, yaml: ruamel's forms differ
    return value


def int_digits(text: str) -> str:
    """The digits of an int as YAML writes it: no sign, underscores or base prefix."""
    body = text.replace("_", "").lstrip("+-")
    return body[2:] if body[:2] in ("0x", "0o", "0b") else body


def _int(value: str) -> int | str:
    """``0777`` is decimal in YAML 1.2, ``0o17`` octal, ``0x1F`` hex, ``0b11`` binary."""
    if not int_digits(value):
        return value  # "-_", "0x_": the pattern's, but no digit: text, as in source
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text, 10)


def _float(value: str) -> float:
    text = value.replace("_", "").lower()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == ".inf":
        return sign * float("inf")
    if text == ".nan":
        return float("nan")
    return sign * float(text)


class _Composer(CParser if CParser is not None else object):  # type: ignore[misc]
    """libyaml's scanner, parser and composer; tags resolved as cheaply as possible."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR
        return SEQ if kind is SequenceNode else MAP

    def descend_resolver(self, parent: Any, index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def _convert(node: Any) -> Any:
    kind = node.__class__
    if kind is ScalarNode:
        if node.tag == PLAIN:
            return _plain(node.value)
        if node.tag == STR:
            return node.value
        raise Unusual(node.tag)
    if kind is MappingNode and node.tag == MAP:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node)
            if key.__class__ is not str or key in mapping:
                raise Unusual("key")  # duplicate, or a key to_plain would turn into text
            if key == "<<" and key_node.tag == PLAIN:
                raise Unusual("merge")
            mapping[key] = _convert(value_node)
        return mapping
    if kind is SequenceNode and node.tag == SEQ:
        return [_convert(item) for item in node.value]
    raise Unusual(str(node.tag))


_ready = False


def load_all_fast(text: str) -> list[Any] | None:
    """Every document of ``text`` as plain data, or None when the fast path cannot be
    trusted to agree with ruamel (the caller then parses with ruamel)."""
    global _ready
    if CParser is None:
        return None
    if text.startswith("%") or "\n%" in text:
        return None  # %YAML/%TAG directives: ruamel's version handling decides
    if "\t" in text:
        return None  # ruamel refuses tabs libyaml accepts as whitespace; it reports them
    if _BLOCK_HEADER_COMMENT.search(text):
        return None  # "|#": libyaml reads an empty scalar, YAML (and ruamel) want a space
    if not _ready:
        _install_resolvers()
        _ready = True
    try:
        if any(mark in text for mark in UNUSUAL) and _has_properties(text):
            return None  # anchors, aliases and tags: libyaml and ruamel read names differently
        composer = _Composer(text)
        try:
            documents = []
            while composer.check_node():
                documents.append(_convert(composer.get_node()))
            return documents
        finally:
            composer.dispose()
    except Exception:  # any failure (Unusual, YAMLError, RecursionError): ruamel decides
        return None


def _has_properties(text: str) -> bool:
    """Whether any node of ``text`` carries an anchor or an explicit tag, or is an alias."""
    for event in yaml.parse(text, Loader=_Composer):
        if isinstance(event, yaml.AliasEvent):
            return True
        if getattr(event, "anchor", None) is not None or getattr(event, "tag", None) is not None:
            return True
    return False


class LazyTrees:
    """ruamel's positioned trees of one text, parsed on first use and kept."""

    def __init__(self, text: str, parse: Callable[[str], list[Any]]) -> None:
        self.text = text
        self.parse = parse
        self.trees: list[Any] | None = None

    def tree(self, index: int) -> Any:
        if self.trees is None:
            try:
                self.trees = self.parse(self.text)
            except Exception:  # positions are best effort: (1, 1)
                self.trees = []
        return self.trees[index] if 0 <= index < len(self.trees) else None
