"""Promote: the edit of one Model spec file, as a person would make it.

A promotion is a small set of operations on key paths of the Model file (set a value,
drop a key). They are computed on the plain data (``plan_operations``), then applied to
the text so that the file stays as its author wrote it (``apply_operations``): ruamel.yaml
round trip with the indentation detected from the file, quoting kept, comments kept and
moved with the key they describe, and a removed block cut out line by line. The result is
checked against the same operations applied to the plain data, so an edit can never
change more than it says.

Nothing here reads or writes files; ``gitops_seldon.api`` does the I/O, validation,
rendering and committing.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.tokens import CommentToken

from gitops_seldon.problems import GitopsSeldonError, Problem
from gitops_seldon.source import IntLikeText, round_trip_constructor, to_plain
from gitops_seldon.spec.base import DNS_LABEL

CANARY_MIN, CANARY_MAX = 1, 99
"""Canary traffic bounds (percent); 100 is ``--promote-canary``."""

KeyPath = tuple[str, ...]


class _Delete:
    def __repr__(self) -> str:
        return "<deleted>"


DELETE: Any = _Delete()
"""Marker value of an operation that removes its key."""


class PromotionError(GitopsSeldonError):
    """A promotion that cannot be made; nothing was changed. ``problems`` holds the
    positioned problems behind it, when there are any (validation after the edit)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


@dataclass(frozen=True)
class Promotion:
    """What to change in one Model. ``env`` None means the base spec."""

    model: str
    model_uri: str | None = None
    env: str | None = None
    image: str | None = None
    replicas: int | None = None
    canary: int | None = None
    promote_canary: bool = False
    create: bool = False
    implementation: str | None = None
    credentials: str | None = None


@dataclass(frozen=True)
class Change:
    """One value that changes: ``path`` is dotted (``spec.environments.prod.modelUri``);
    ``old`` is None for a new key, ``new`` is None for a removed one."""

    path: str
    old: Any
    new: Any

    def __str__(self) -> str:
        if self.new is None:
            return f"{self.path}: removed"
        if self.old is None:
            return f"{self.path}: {_short(self.new)}"
        return f"{self.path}: {_short(self.old)} -> {_short(self.new)}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return str(value)


@dataclass(frozen=True)
class Operation:
    path: KeyPath
    value: Any  # DELETE removes the key


@dataclass(frozen=True)
class SpecEdit:
    """The new text of a Model file and what changed in it."""

    before: str | None
    after: str
    changes: tuple[Change, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.before != self.after


# --------------------------------------------------------------------------- checks


def check_promotion(promotion: Promotion, environments: Sequence[str]) -> None:
    """Refuse requests that cannot make sense, before looking at any file."""
    p = promotion
    if not re.fullmatch(DNS_LABEL, p.model) or len(p.model) > 63:
        raise PromotionError(f"{p.model!r} is not a Model name (lower case letters, digits "
                             "and '-', at most 63 characters)")
    if p.env is not None and p.env not in environments:
        known = ", ".join(environments) or "none"
        raise PromotionError(f"unknown environment {p.env!r} (environments: {known})")
    if p.canary is not None and not CANARY_MIN <= p.canary <= CANARY_MAX:
        raise PromotionError(
            f"canary traffic {p.canary}% is out of range: give {CANARY_MIN} to {CANARY_MAX} "
            "percent (use --promote-canary to send all traffic to the canary)")
    if p.promote_canary and (p.canary is not None or p.model_uri is not None
                             or p.image is not None):
        raise PromotionError("--promote-canary takes the canary's own modelUri and image; "
                             "do not combine it with --canary, --model-uri or --image")
    if p.replicas is not None and p.replicas < 0:
        raise PromotionError(f"replicas must be 0 or more, not {p.replicas}")
    if p.implementation is not None and not p.create:
        raise PromotionError("--implementation is only used with --create")
    if p.create and p.promote_canary:
        raise PromotionError("--create makes a new Model, which has no canary to promote")
    if not (p.model_uri or p.image or p.replicas is not None or p.canary is not None
            or p.promote_canary):
        raise PromotionError("nothing to promote: give --model-uri, --image, --replicas, "
                             "--canary or --promote-canary")


# ----------------------------------------------------------------- the operations


def plan_operations(data: Mapping[str, Any], promotion: Promotion) -> list[Operation]:
    """The key-path operations a promotion makes on a Model's plain data."""
    p = promotion
    spec = data.get("spec")
    if not isinstance(spec, Mapping):
        raise PromotionError(f"model {p.model!r} has no spec mapping to edit")
    if p.env is None:
        where: KeyPath = ("spec",)
        target: Mapping[str, Any] = spec
        inherited: Mapping[str, Any] = {}
    else:
        where = ("spec", "environments", p.env)
        environments = spec.get("environments") or {}
        override = environments.get(p.env) if isinstance(environments, Mapping) else None
        target = override if isinstance(override, Mapping) else {}
        if target.get("enabled") is False:
            raise PromotionError(f"model {p.model!r} is not deployed in {p.env!r} "
                                 f"(spec.environments.{p.env}.enabled is false)")
        inherited = spec
    where_text = ".".join(where)
    ops: list[Operation] = []

    def own_or_inherited(key: str) -> tuple[Any, bool]:
        if key in target:
            return target[key], True
        return inherited.get(key), False

    if p.promote_canary:
        canary, own = own_or_inherited("canary")
        if not isinstance(canary, Mapping):
            raise PromotionError(f"model {p.model!r} has no canary to promote in {where_text}")
        if canary.get("modelUri") is None and canary.get("image") is None:
            raise PromotionError(f"the canary of {p.model!r} sets neither modelUri nor image")
        for key in ("modelUri", "image"):
            if canary.get(key) is not None:
                ops.append(Operation((*where, key), canary[key]))
        # A canary of the base spec is dropped for this environment only.
        ops.append(Operation((*where, "canary"), DELETE if own else None))
    elif p.canary is not None:
        canary, own = own_or_inherited("canary")
        if p.model_uri is None and p.image is None:
            if not isinstance(canary, Mapping):
                raise PromotionError(
                    f"model {p.model!r} has no canary in {where_text}; give --model-uri "
                    "(or --image) for the new canary")
            if own:
                ops.append(Operation((*where, "canary", "traffic"), p.canary))
            else:
                ops.append(Operation((*where, "canary"), {**canary, "traffic": p.canary}))
        elif own and isinstance(canary, Mapping):
            for key, value in (("modelUri", p.model_uri), ("image", p.image),
                               ("traffic", p.canary)):
                if value is not None:
                    ops.append(Operation((*where, "canary", key), value))
        else:
            new: dict[str, Any] = {}
            if p.model_uri is not None:
                new["modelUri"] = p.model_uri
            if p.image is not None:
                new["image"] = p.image
            new["traffic"] = p.canary
            ops.append(Operation((*where, "canary"), new))
    else:
        if p.model_uri is not None:
            ops.append(Operation((*where, "modelUri"), p.model_uri))
        if p.image is not None:
            ops.append(Operation((*where, "image"), p.image))
    if p.replicas is not None:
        ops.append(Operation((*where, "replicas"), p.replicas))
    return [op for op in ops if not _already(data, op)]


def _already(data: Mapping[str, Any], op: Operation) -> bool:
    node: Any = data
    for part in op.path[:-1]:
        if not isinstance(node, Mapping) or part not in node:
            return op.value is DELETE
        node = node[part]
    if not isinstance(node, Mapping):
        return op.value is DELETE
    last = op.path[-1]
    if op.value is DELETE:
        return last not in node
    return last in node and node[last] == op.value and type(node[last]) is type(op.value)


def apply_to_plain(data: Any, operations: Sequence[Operation]) -> Any:
    """The operations applied to plain data (a copy): what the edited file must parse to."""
    result = copy.deepcopy(data)
    for op in operations:
        node = result
        for part in op.path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if op.value is DELETE:
            node.pop(op.path[-1], None)
        else:
            node[op.path[-1]] = copy.deepcopy(op.value)
    return result


def describe(data: Any, operations: Sequence[Operation]) -> tuple[Change, ...]:
    changes = []
    for op in operations:
        node = data
        for part in op.path:
            node = node.get(part) if isinstance(node, Mapping) else None
        new = None if op.value is DELETE else op.value
        changes.append(Change(".".join(op.path), node, new))
    return tuple(changes)


# ------------------------------------------------------------------ text editing


@dataclass(frozen=True)
class _Layout:
    header: str
    """Lines kept verbatim before the document (comments and a ``---`` marker)."""
    crlf: bool
    final_newline: bool
    footer: str = ""
    """A document end marker (``...``) and what follows it, kept verbatim."""


def _split_layout(text: str) -> tuple[_Layout, str]:
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    lines = text.splitlines(keepends=True)
    header_end = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("---"):
            header_end = index + 1
            break
        if stripped and not stripped.startswith(("#", "%")):
            break
    footer_start = len(lines)
    for index in range(len(lines) - 1, header_end - 1, -1):
        stripped = lines[index].strip()
        if stripped.startswith("..."):
            footer_start = index
            break
        if stripped and not stripped.startswith("#"):
            break
    header = "".join(lines[:header_end])
    body = "".join(lines[header_end:footer_start])
    footer = "".join(lines[footer_start:])
    return _Layout(header, crlf, text.endswith("\n") or not text, footer), body


def _join_layout(layout: _Layout, body: str) -> str:
    text = layout.header + body + layout.footer
    if not layout.final_newline:
        text = text.rstrip("\n")
    if layout.crlf:
        text = text.replace("\n", "\r\n")
    return text


_COMMENT = re.compile(r"\s+#.*$")


def guess_indent(body: str) -> tuple[int, int]:
    """(mapping indent, dash offset of block sequences) as the file's author wrote them:
    the first nested mapping and the first block sequence under a key decide."""
    content = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            content.append((len(line) - len(line.lstrip(" ")),
                            _COMMENT.sub("", stripped)))
    mapping: int | None = None
    offset: int | None = None
    for (parent, text), (child, child_text) in itertools.pairwise(content):
        if child <= parent or not text.endswith(":") or text.startswith("- "):
            continue
        if child_text.startswith("- ") or child_text == "-":
            offset = child - parent if offset is None else offset
        elif mapping is None:
            mapping = child - parent
        if mapping is not None and offset is not None:
            break
    return mapping or 2, offset if offset is not None else 0


def _yaml_for(body: str) -> tuple[YAML, Any]:
    indent, offset = guess_indent(body)
    yaml = _round_trip()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=indent, sequence=max(indent, offset + 2), offset=offset)
    yaml.representer.add_representer(_Null, _represent_null)
    return yaml, yaml.load(body)


def _round_trip() -> YAML:
    """ruamel's round trip, reading scalars as ``source`` does (``-_`` is text) and
    writing such text back as it was (plain, not quoted)."""
    yaml = YAML(typ="rt")
    yaml.Constructor = round_trip_constructor()
    yaml.representer.add_representer(IntLikeText, _represent_int_like)
    return yaml


def _represent_int_like(representer: Any, data: IntLikeText) -> Any:
    # tagged as the int pattern resolves it, so the emitter may keep it plain
    return representer.represent_scalar("tag:yaml.org,2002:int", str(data))


def _node(tree: Any, path: Sequence[str]) -> Any:
    node = tree
    for part in path:
        if not isinstance(node, CommentedMap) or part not in node:
            return None
        node = node[part]
    return node


def _cut_block(body: str, tree: Any, path: KeyPath) -> str | None:
    """``body`` without the lines of the key at ``path`` and its value (nested lines and
    comments indented below the key). None when the key is inside a flow collection."""
    parent = _node(tree, path[:-1])
    if not isinstance(parent, CommentedMap) or path[-1] not in parent:
        return body
    if parent.fa.flow_style():
        return None
    line, col = parent.lc.key(path[-1])
    lines = body.splitlines(keepends=True)
    end = line
    for index in range(line + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            continue
        if len(text) - len(text.lstrip(" ")) > col:
            end = index
            continue
        break
    return "".join(lines[:line] + lines[end + 1:])


def _tail(container: Any, key: Any) -> tuple[Any, Any]:
    """Where the comment lines that follow an entry (and its nested block) are kept."""
    value = container[key]
    if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        return _tail(value, list(value)[-1])
    if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
        return _tail(value, len(value) - 1)
    return container, key


def _slot(container: Any) -> int:
    return 0 if isinstance(container, CommentedSeq) else 2


def _take_following_comments(container: Any, key: Any, column: int | None, *,
                              at_end: bool) -> CommentToken | None:
    """Detach the comment lines after an entry's own line that describe what follows it.

    Lines indented deeper than the mapping's keys (``column``) belong to the entry's block
    and stay. Before a following sibling, lines at the keys' column describe that sibling
    and move; at the end of the mapping they close it and stay too. Lines further left
    belong to an outer level and move.
    """
    holder, where = _tail(container, key)
    entry = holder.ca.items.get(where)
    slot = _slot(holder)
    if not entry or entry[slot] is None or not isinstance(entry[slot], CommentToken):
        return None
    token = entry[slot]
    first, newline, rest = token.value.partition("\n")
    if not rest:
        return None
    lines = rest.splitlines(keepends=True)
    split = 0
    if column is not None:
        kept = 0
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent > column or (at_end and indent == column):
                kept = index + 1
                continue
            break
        split = kept
    stay, move = "".join(lines[:split]), "".join(lines[split:])
    if not move:
        return None
    if first or stay:
        token.value = first + newline + stay
    else:
        entry[slot] = None
    return CommentToken("\n" + move, token.start_mark, None)


def _give_following_comments(container: Any, key: Any, token: CommentToken) -> None:
    holder, where = _tail(container, key)
    slot = _slot(holder)
    entry = holder.ca.items.setdefault(where, [None, None, None, None])
    entry[slot] = token


class _Null:
    """A null this edit writes: spelled ``null`` (ruamel writes an empty value, which reads
    like an unfinished edit). Nulls already in the file keep their spelling."""


def _represent_null(representer: Any, _: _Null) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _to_tree(value: Any) -> Any:
    if value is None:
        return _Null()
    if isinstance(value, Mapping):
        tree = CommentedMap()
        for key, item in value.items():
            tree[key] = _to_tree(item)
        return tree
    return value


def _insert_position(mapping: CommentedMap) -> int:
    """New keys go before ``environments`` (which closes a spec), else at the end."""
    keys = list(mapping)
    return keys.index("environments") if "environments" in keys else len(keys)


def _key_column(mapping: CommentedMap) -> int | None:
    for key in mapping:
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            return int(mapping.lc.key(key)[1])
    return None


def _insert(mapping: CommentedMap, key: str, value: Any) -> None:
    position = _insert_position(mapping)
    keys = list(mapping)
    moved = None
    if position > 0:
        moved = _take_following_comments(mapping, keys[position - 1], _key_column(mapping),
                                         at_end=position == len(keys))
    mapping.insert(position, key, _to_tree(value))
    if moved is not None:
        _give_following_comments(mapping, key, moved)


def _set(tree: Any, path: KeyPath, value: Any) -> None:
    node = tree
    for depth, part in enumerate(path[:-1]):
        child = node.get(part)
        if not isinstance(child, CommentedMap):
            if value is DELETE:
                return
            nested: Any = value
            for inner in reversed(path[depth + 1:]):
                nested = {inner: nested}
            if part in node:
                node[part] = _to_tree(nested)
            else:
                _insert(node, part, nested)
            return
        node = child
    key = path[-1]
    if value is DELETE:
        node.pop(key, None)
        return
    if key in node:
        old = node[key]
        if isinstance(old, ScalarString) and isinstance(value, str):
            node[key] = type(old)(value)
        else:
            node[key] = _to_tree(value)
        _keep_comment_gap(node, key, old, value)
    else:
        _insert(node, key, value)


def _keep_comment_gap(mapping: CommentedMap, key: str, old: Any, new: Any) -> None:
    """Keep the spaces between a changed value and its end-of-line comment as written
    (ruamel keeps the comment's column instead, or squeezes it to one space)."""
    entry = mapping.ca.items.get(key)
    if not entry or not isinstance(entry[2], CommentToken) or isinstance(new, Mapping):
        return
    token = entry[2]
    if token.value.startswith("\n") or token.start_mark is None:
        return
    delta = len(str(new)) - len(str(old))
    column = max(token.start_mark.column + delta, 0)
    entry[2] = CommentToken(token.value, CommentMark(column), None)


def apply_operations(text: str, operations: Sequence[Operation], display: str) -> str:
    """``text`` with the operations applied, keeping everything else as written."""
    layout, body = _split_layout(text)
    original = to_plain(_yaml_for(body)[1]) if body.strip() else {}
    remaining: list[Operation] = []
    for op in operations:
        if op.value is DELETE:
            cut = _cut_block(body, _yaml_for(body)[1], op.path)
            if cut is not None:
                body = cut
                continue
        remaining.append(op)
    if remaining:
        yaml, tree = _yaml_for(body)
        for op in remaining:
            _set(tree, op.path, op.value)
        out = io.StringIO()
        yaml.dump(tree, out)
        body = out.getvalue()
    expected = apply_to_plain(original, operations)
    if to_plain(_round_trip().load(body)) != expected:
        raise PromotionError(f"{display}: the edit cannot be made without changing other "
                             "values; edit the file by hand")
    return _join_layout(layout, body)


# ---------------------------------------------------------------- new Model files


def new_model_text(promotion: Promotion, api_version: str,
                   other_environments: Sequence[str]) -> str:
    """A new Model file: the envelope and the implementation; the values come from the
    promotion's operations. With an environment, the Model is deployed only there."""
    p = promotion
    if p.implementation is None:
        raise PromotionError(f"model {p.model!r} does not exist; --create needs "
                             "--implementation (e.g. SKLEARN_SERVER, or custom with --image)")
    if p.canary is not None:
        raise PromotionError("--create makes a new Model: deploy it first, add a canary later")
    spec: dict[str, Any] = {"implementation": p.implementation}
    if p.credentials is not None:
        spec["credentials"] = p.credentials
    if p.env is not None:
        spec["environments"] = {env: {"enabled": False} for env in other_environments}
    document = {
        "apiVersion": api_version,
        "kind": "Model",
        "metadata": {"name": p.model},
        "spec": spec,
    }
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_to_tree(document), out)
    return out.getvalue()


def edit_model(text: str | None, promotion: Promotion, display: str, *,
               api_version: str, environments: Sequence[str]) -> SpecEdit:
    """The edit a promotion makes to a Model file (``text`` None: the file is new)."""
    if text is None:
        others = [e for e in environments if e != promotion.env]
        text_before = new_model_text(promotion, api_version, others)
        # In a new file the values go to the base spec; the environments select where.
        promotion = Promotion(**{**promotion.__dict__, "env": None})
    else:
        text_before = text
    layout, body = _split_layout(text_before)
    del layout
    data = to_plain(_yaml_for(body)[1]) if body.strip() else None
    if not isinstance(data, dict):
        raise PromotionError(f"{display}: expected a Model mapping")
    operations = plan_operations(data, promotion)
    after = apply_operations(text_before, operations, display) if operations else text_before
    return SpecEdit(text, after, describe(data, operations))
