"""Load YAML and JSON files keeping the line and column of every node.

Everything the rest of the package reads from disk goes through here, so that any later
finding (pydantic, JSON Schema or a Seldon rule) can be pointed at ``file:line:col``.
Malformed input never raises: it comes back as problems.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_seldon.fastyaml import LazyTrees, int_digits, load_all_fast
from gitops_seldon.problems import Problem
from gitops_seldon.schema_check import is_text

if TYPE_CHECKING:  # ruamel is imported on first use: a clean file never needs it
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Spec and manifest files larger than this are refused rather than parsed."""

MAX_EXPANDED_NODES = 200_000
"""Aliases may not expand a document beyond this many nodes (the billion-laughs guard)."""

Loc = Sequence[str | int]


@dataclass(frozen=True)
class Document:
    """One YAML document: its plain data and the positioned tree it came from.

    Documents read through the fast path (``fastyaml``) have no tree until a position is
    asked for; ``tree`` then parses the file with ruamel, once."""

    path: str
    index: int
    _tree: Any = field(repr=False)
    data: Any
    lazy: LazyTrees | None = field(default=None, repr=False, compare=False)

    @property
    def tree(self) -> Any:
        if self._tree is None and self.lazy is not None:
            return self.lazy.tree(self.index)
        return self._tree

    def position(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, col) of the node at ``loc``, or of its deepest existing parent."""
        return locate(self.tree, loc)

    def problem(self, loc: Loc, rule: str, message: str) -> Problem:
        line, col = self.position(loc)
        return Problem(self.path, line, col, rule, message)


def locate(tree: Any, loc: Loc) -> tuple[int, int]:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = tree
    line, col = _own_position(tree)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            key_line, key_col = node.lc.key(part)
            line, col = key_line + 1, key_col + 1
            value = node[part]
            if isinstance(value, CommentedMap | CommentedSeq) and not value:
                pass
            node = value
        elif (
            isinstance(node, CommentedSeq)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            item_line, item_col = node.lc.item(part)
            line, col = item_line + 1, item_col + 1
            node = node[part]
        else:
            break
    return line, col


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return lc.line + 1, lc.col + 1
    return 1, 1


def to_plain(node: Any) -> Any:
    """The tree as plain dicts, lists, str, int, float, bool and None."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    # Timestamps, binary and other YAML types: keep their text form.
    return str(node)


def _expanded_size(node: Any, seen: dict[int, int], budget: int) -> int:
    """Number of nodes the tree has once aliases are expanded, stopping past ``budget``."""
    key = id(node)
    if key in seen:
        return seen[key]
    total = 1
    if isinstance(node, dict):
        children: Iterator[Any] = iter(node.values())
    elif isinstance(node, list):
        children = iter(node)
    else:
        children = iter(())
    seen[key] = budget + 1  # a cycle counts as unbounded
    for child in children:
        total += _expanded_size(child, seen, budget)
        if total > budget:
            break
    seen[key] = total
    return total


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.Constructor = round_trip_constructor()
    return yaml


class IntLikeText(str):
    """Text that ruamel's int pattern takes (``-_``); ``promote`` writes it back plain."""


@functools.cache
def round_trip_constructor() -> type[Any]:
    """ruamel's round-trip constructor, except that a plain scalar its int pattern takes
    but which has no digit after the sign and base prefix (``-_``, ``0x_``) is text, as
    YAML 1.2 says; ruamel itself fails on it with an IndexError. Every ruamel reader of
    spec files uses it (``promotion`` too)."""
    from ruamel.yaml.constructor import RoundTripConstructor

    class Constructor(RoundTripConstructor):
        def construct_yaml_int(self, node: Any) -> Any:
            value = self.construct_scalar(node)  # "!!int [1]": ruamel's own error
            if not int_digits(str(value)):
                return IntLikeText(value)
            return super().construct_yaml_int(node)

    Constructor.add_constructor("tag:yaml.org,2002:int", Constructor.construct_yaml_int)
    return Constructor


MAX_DEPTH = 100
"""Documents nesting deeper than this are refused before any rule walks them (Kubernetes
objects nest a few dozen levels at most; the rules recurse)."""


def nesting_depth(data: Any, limit: int = MAX_DEPTH) -> int:
    """How deep mappings and lists nest in ``data`` (stops counting past ``limit``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        if isinstance(node, dict):
            stack += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            stack += [(value, depth + 1) for value in node]
    return deepest


def depth_problem(document: Document) -> Problem | None:
    """The problem of a document nested too deeply to check, if it is."""
    if nesting_depth(document.data) <= MAX_DEPTH:
        return None
    return document.problem((), "yaml-depth",
                            f"the document nests more than {MAX_DEPTH} levels deep; "
                            "no Kubernetes object does")


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """File text, or the problem that prevents reading it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                Problem(display, 1, 1, "file-too-large",
                        f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 0, 0, "unreadable", exc.strerror or str(exc))]
    return decode(raw, display)


def decode(raw: bytes, display: str) -> tuple[str | None, list[Problem]]:
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            Problem(display, 1, 1, "file-too-large",
                    f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}")
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Problem(display, line, col, "encoding",
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return None, [Problem(display, line, col, "encoding", "NUL byte in a text file")]
    return text, []


def parse(text: str, display: str) -> tuple[list[Document], list[Problem]]:
    """All documents of a YAML (or JSON) stream; empty documents are skipped."""
    fast = _parse_fast(text, display)
    if fast is not None:
        return fast, []
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        trees = _load_trees(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        rule, message = _yaml_message(exc)
        return [], [Problem(display, line, col, rule, message)]
    except (YAMLError, RecursionError) as exc:
        return [], [Problem(display, 1, 1, "yaml-syntax", str(exc).splitlines()[0] or "bad YAML")]
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        # ruamel's constructors trip over some explicit tags ("!!int abc", "!!bool x",
        # "!!set x"); their messages quote the value, which may be a secret
        return [], [Problem(display, 1, 1, "yaml-syntax",
                            f"the YAML library could not read this file ({type(exc).__name__});"
                            " check explicit tags such as !!bool, !!int, !!float and !!set")]
    documents: list[Document] = []
    problems: list[Problem] = []
    for index, tree in enumerate(trees):
        if tree is None:
            continue
        if _expanded_size(tree, {}, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            line, col = _own_position(tree)
            problems.append(
                Problem(display, line, col, "yaml-aliases",
                        f"aliases expand this document past {MAX_EXPANDED_NODES} nodes")
            )
            continue
        try:
            data = to_plain(tree)
        except RecursionError:
            problems.append(Problem(display, 1, 1, "yaml-aliases", "document nests too deeply"))
            continue
        document = Document(display, index, tree, data)
        bad = _lone_surrogate(data)
        if bad is not None:
            problems.append(document.problem(
                bad, "encoding", "an escape such as \\ud800 stands for half of a UTF-16 "
                "pair, not a character; write the character itself or its \\U escape"))
            continue
        documents.append(document)
    return documents, problems


def _lone_surrogate(data: Any) -> Loc | None:
    """Where the first string holding a lone surrogate is (a ``"\\ud800"`` escape, which
    ruamel reads and libyaml refuses): no text, no file and no API takes one."""
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if not is_text(key):  # keys are str here (to_plain)
                    return (*loc, key)
                stack.append(((*loc, key), value))
        elif isinstance(node, list):
            stack += [((*loc, index), value) for index, value in enumerate(node)]
        elif isinstance(node, str) and not is_text(node):
            return loc
    return None


def _load_trees(text: str) -> list[Any]:
    """ruamel's positioned trees. Its warnings (a re-defined anchor, which YAML allows)
    are not problems and must not reach stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(_yaml().load_all(text))


def _parse_fast(text: str, display: str) -> list[Document] | None:
    """The documents as libyaml reads them, positions parsed by ruamel only when asked;
    None when anything is unusual, so that ruamel parses and reports it. The fast path's
    data is already plain (string keys, no aliases, so no expansion to guard)."""
    trees = load_all_fast(text)
    if trees is None:
        return None
    lazy = LazyTrees(text, _load_trees)
    return [Document(display, index, None, data, lazy)
            for index, data in enumerate(trees) if data is not None]


def _yaml_message(exc: MarkedYAMLError) -> tuple[str, str]:
    """(rule, message) for a ruamel error, in the user's terms."""
    text = exc.problem or exc.context or "malformed YAML"
    if "'\\t'" in text or "\t" in text:
        return "yaml-tab", "tab character where YAML needs spaces; indent with spaces"
    if "duplicate key" in text:
        # ruamel quotes both values; a value may be a secret, so name the key only.
        key = text.split('"')[1] if text.count('"') >= 2 else "?"
        return "duplicate-key", f'duplicate key "{key}": a key may appear once in a mapping'

    return "yaml-syntax", " ".join(text.split())


def load_file(path: Path, display: str | None = None) -> tuple[list[Document], list[Problem]]:
    """Read and parse a file; any problem with reading or YAML comes back as data."""
    shown = display if display is not None else str(path)
    text, problems = read_text(path, shown)
    if text is None:
        return [], problems
    if not text.strip():
        return [], [Problem(shown, 1, 1, "empty-file", "file is empty")]
    documents, problems = parse(text, shown)
    if not documents and not problems:
        problems = [Problem(shown, 1, 1, "empty-file", "file holds no YAML document")]
    return documents, problems


def load_single(path: Path, display: str | None = None) -> tuple[Document | None, list[Problem]]:
    """A file that must hold exactly one document (spec files, the config)."""
    documents, problems = load_file(path, display)
    if problems:
        return None, problems
    if len(documents) > 1:
        extra = documents[1]
        line, col = extra.position(())
        return None, [
            Problem(extra.path, line, col, "multiple-documents",
                    "this file must hold one document; split the others into their own files")
        ]
    return documents[0], []
