"""Deterministic YAML text for generated files.

A small block-style emitter rather than a YAML library: the output depends only on the
data (mapping order as built, which the planner fixes), never on locale, hash seed or a
library's version, and it is fast. Strings are written plain only when no YAML 1.1 or 1.2
reader can take them for anything else; otherwise they are double-quoted JSON strings,
which are valid YAML. Indentation is two spaces, sequences in the Kubernetes style (``-``
at the parent key's indent), LF line ends and a final newline.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/.][-A-Za-z0-9_./@+=:~]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", ".inf",
                       ".nan"})
_DOT_NUMBER = re.compile(r"\.([0-9].*)?")
"""``.5`` or ``.``: plain, YAML readers take them for floats (or worse)."""
_NOT_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Characters a YAML stream may not hold as they are (C0 ones are escaped by json.dumps)."""


def scalar(value: Any) -> str:
    if type(value) is str:
        return string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"  # YAML 1.1 readers need the dot
        return text
    return string(str(value))


@functools.lru_cache(maxsize=65536)
def string(text: str) -> str:
    """``text`` as a YAML scalar (memoized: keys and many values repeat)."""
    if (_PLAIN.fullmatch(text) and not text.endswith(":")
            and text.lower() not in _RESERVED and not _DOT_NUMBER.fullmatch(text)):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _NOT_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _empty(value: Any) -> str:
    return "{}" if isinstance(value, dict) else "[]"


def _mapping(data: dict[str, Any], indent: int, out: list[str], first_prefix: str | None
             ) -> None:
    pad = " " * indent
    for position, (key, value) in enumerate(data.items()):
        lead = first_prefix if (position == 0 and first_prefix is not None) else pad
        name = string(str(key))
        if _is_block(value):
            out.append(f"{lead}{name}:")
            if isinstance(value, dict):
                _mapping(value, indent + 2, out, None)
            else:
                _sequence(value, indent, out)
        elif isinstance(value, dict | list):
            out.append(f"{lead}{name}: {_empty(value)}")
        else:
            out.append(f"{lead}{name}: {scalar(value)}")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if _is_block(item):
            if isinstance(item, dict):
                _mapping(item, indent + 2, out, pad + "- ")
            else:
                out.append(f"{pad}-")
                _sequence(item, indent + 2, out)
        elif isinstance(item, dict | list):
            out.append(f"{pad}- {_empty(item)}")
        else:
            out.append(f"{pad}- {scalar(item)}")


def dump(data: Any, header: str | None = None) -> str:
    """One YAML document; ``header`` is a comment line put first."""
    out: list[str] = [] if header is None else [header]
    if isinstance(data, dict) and data:
        _mapping(data, 0, out, None)
    elif isinstance(data, list) and data:
        _sequence(data, 0, out)
    elif isinstance(data, dict | list):
        out.append(_empty(data))
    else:
        out.append(scalar(data))
    return "\n".join(out) + "\n"


def dump_all(documents: Iterable[Any]) -> str:
    """A multi-document stream, each document introduced by ``---``."""
    return "".join(f"---\n{dump(document)}" for document in documents)
