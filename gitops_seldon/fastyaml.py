"""The fast path of the loader: libyaml (PyYAML's C parser) first, ruamel only on demand.

ruamel's round-trip loader keeps a line and column for every node, which every problem
needs, but it is pure Python (ruamel.yaml.clib is not installed here) and costs about
2.5 ms per SeldonDeployment; libyaml parses the same text ten times faster. Most files
have no problem, and a file without problems never needs a position. So ``parse_fast``
builds the plain data with libyaml and leaves the positioned tree to be parsed by ruamel
the first time a position is asked for (``LazyTrees``).

The data must be exactly what the ruamel path gives, or validation would depend on the
path taken:

* scalars resolve as in YAML 1.2, with ruamel's own implicit resolvers (``yes`` stays a
  string, ``0o17`` is an int);
* a duplicate key, a file ruamel would refuse, anything unusual (directives, tags,
  anchors and aliases, timestamps, any libyaml error) returns None, and the caller takes
  the ruamel path, which reports the problem with its position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml  # type: ignore[import-untyped]
from yaml.constructor import ConstructorError, SafeConstructor  # type: ignore[import-untyped]
from yaml.nodes import MappingNode  # type: ignore[import-untyped]
from yaml.resolver import BaseResolver  # type: ignore[import-untyped]

try:  # libyaml is part of every PyYAML wheel; without it there is no fast path
    from yaml.cyaml import CParser  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the PyYAML build
    CParser = None

UNUSUAL = ("&", "*", "!")
"""Characters of anchors, aliases and tags. A text holding any of them is scanned by
libyaml's event parser, and takes the ruamel path only if it really uses one."""

SKIPPED_TAGS = {"tag:yaml.org,2002:value", "tag:yaml.org,2002:yaml"}


class _Resolver12(BaseResolver):  # type: ignore[misc]
    """YAML 1.2 implicit resolution, taken from ruamel's own table."""


def _install_resolvers() -> None:
    from ruamel.yaml.resolver import implicit_resolvers

    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions and tag not in SKIPPED_TAGS:
            _Resolver12.add_implicit_resolver(tag, re.compile(regexp.pattern, regexp.flags),
                                              list(first))


class _Constructor(SafeConstructor):  # type: ignore[misc]
    """Safe construction; a duplicate key is an error (ruamel reports it with a position)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        raise ConstructorError(None, None, "duplicate key", key_node.start_mark)
                    seen.add(key)
                except TypeError as exc:  # an unhashable key: let ruamel judge
                    raise ConstructorError(None, None, "unhashable key",
                                           key_node.start_mark) from exc
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_yaml_int(self, node: Any) -> int:
        """YAML 1.2 integers as ruamel reads them: ``0777`` is decimal, ``0o17`` octal."""
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
            if text.startswith(prefix):
                return sign * int(text[2:], base)
        return sign * int(text, 10)

    def refuse(self, node: Any) -> Any:
        """Timestamps, sets and ordered maps: ruamel's plain form differs; let it parse."""
        raise ConstructorError(None, None, f"{node.tag} is left to ruamel", node.start_mark)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
for _tag in ("timestamp", "set", "omap", "pairs"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _Constructor.refuse)

_loader: type | None = None


def _loader_class() -> type | None:
    global _loader
    if _loader is None and CParser is not None:
        _install_resolvers()

        class FastLoader(CParser, _Constructor, _Resolver12):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                _Constructor.__init__(self)
                _Resolver12.__init__(self)

        _loader = FastLoader
    return _loader


def load_all_fast(text: str) -> list[Any] | None:
    """Every document of ``text`` as libyaml builds it, or None when the fast path cannot
    be trusted to agree with ruamel (the caller then parses with ruamel)."""
    if text.startswith("%") or "\n%" in text:
        return None  # %YAML/%TAG directives: ruamel's version handling decides
    loader = _loader_class()
    if loader is None:
        return None
    try:
        if any(mark in text for mark in UNUSUAL) and _has_properties(text, loader):
            return None  # anchors, aliases and tags: libyaml and ruamel read names differently
        return list(yaml.load_all(text, Loader=loader))
    except Exception:  # any failure: ruamel parses and reports it
        return None


def _has_properties(text: str, loader: type) -> bool:
    """Whether any node of ``text`` carries an anchor or an explicit tag, or is an alias."""
    for event in yaml.parse(text, Loader=loader):
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
