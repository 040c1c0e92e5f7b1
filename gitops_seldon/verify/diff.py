"""Field-level comparison of a normalised git object with a normalised live object.

Two modes:

- **two-way** (the default, as Argo CD compares without a last-applied annotation): only
  the fields git sets are compared. A map key the live object has and git does not set is
  not drift; an extra element in a keyed list git sets is (an env var or a predictor added
  by hand).
- **full** (``--server-side``): both sides came from the API server (the live object and
  the server's dry-run apply of git's manifest), so every field counts.

Secret material never leaves this module in clear: values under a SealedSecret's
``spec.encryptedData`` or a Secret's ``data``/``stringData`` are masked in changes and in
the YAML views.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with the kubernetes client

from gitops_seldon.verify.normalise import Path, describe_key, list_key, values_equal

MASK = "***"


@dataclass(frozen=True)
class Change:
    """One difference. ``op``: ``changed`` (both sides have it, values differ),
    ``missing`` (git sets it, live lacks it) or ``extra`` (live only)."""

    op: str
    path: str
    """Readable path: ``spec.predictors[default].graph.children[0].name``."""
    pointer: str
    """JSON pointer into git's object (into the live object for ``extra``)."""
    git: Any = None
    live: Any = None
    secret: bool = False

    def message(self) -> str:
        if self.secret:
            key = self.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            return {
                "changed": f"encrypted value of {key} differs",
                "missing": f"encrypted value of {key} is in git but not in the cluster",
                "extra": f"encrypted value of {key} is in the cluster but not in git",
            }[self.op]
        if self.op == "changed":
            return f"{self.path}: git {_short(self.git)}, live {_short(self.live)}"
        if self.op == "missing":
            return f"{self.path}: git {_short(self.git)}, absent live"
        return f"{self.path}: live only {_short(self.live)}"

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"op": self.op, "path": self.path, "pointer": self.pointer,
                                  "message": self.message()}
        if self.secret:
            result["secret"] = True
        else:
            if self.op != "extra":
                result["git"] = self.git
            if self.op != "missing":
                result["live"] = self.live
        return result


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def is_secret_map(kind: str, path: Path) -> bool:
    if kind == "SealedSecret":
        return path == ("spec", "encryptedData")
    if kind == "Secret":
        return path in (("data",), ("stringData",))
    return False


def full_map(kind: str, path: Path) -> bool:
    """Maps compared key by key in both directions even in two-way mode: the keys of the
    Secret a SealedSecret produces."""
    return kind == "SealedSecret" and path in (
        ("spec", "encryptedData"), ("spec", "template", "data"))


class _Walker:
    def __init__(self, kind: str, two_way: bool) -> None:
        self.kind = kind
        self.two_way = two_way
        self.changes: list[Change] = []

    def add(self, op: str, path: Path, readable: str, pointer: str, git: Any, live: Any,
            secret: bool = False) -> None:
        self.changes.append(Change(op, readable or "/", pointer or "/",
                                   None if secret else git, None if secret else live, secret))

    def walk(self, git: Any, live: Any, path: Path, readable: str, pointer: str) -> Any:
        """Compare; returns the live value as seen through git's fields (for the YAML view),
        with values equal by the rules replaced by git's spelling."""
        if isinstance(git, dict) and isinstance(live, dict):
            return self._walk_map(git, live, path, readable, pointer)
        if isinstance(git, list) and isinstance(live, list):
            return self._walk_list(git, live, path, readable, pointer)
        if isinstance(git, dict | list) or isinstance(live, dict | list):
            self.add("changed", path, readable, pointer, git, live)
            return live
        if values_equal(path, git, live):
            return git
        self.add("changed", path, readable, pointer, git, live,
                 secret=len(path) > 0 and is_secret_map(self.kind, path[:-1]))
        return live

    def _walk_map(self, git: dict[str, Any], live: dict[str, Any], path: Path, readable: str,
                  pointer: str) -> dict[str, Any]:
        view: dict[str, Any] = {}
        secret = is_secret_map(self.kind, path)
        for key in git:
            child_path = (*path, key)
            child_readable = f"{readable}.{key}" if readable else key
            child_pointer = f"{pointer}/{_escape(key)}"
            if key not in live:
                self.add("missing", child_path, child_readable, child_pointer, git[key], None,
                         secret=secret)
                continue
            view[key] = self.walk(git[key], live[key], child_path, child_readable, child_pointer)
        if not self.two_way or full_map(self.kind, path):
            for key in live:
                if key not in git:
                    self.add("extra", (*path, key), f"{readable}.{key}" if readable else key,
                             f"{pointer}/{_escape(key)}", None, live[key], secret=secret)
                    view[key] = live[key]
        return view

    def _walk_list(self, git: list[Any], live: list[Any], path: Path, readable: str,
                   pointer: str) -> list[Any]:
        git_key, live_key = list_key(path, git), list_key(path, live)
        if git_key is not None and (live_key is not None or not live):
            live_by_key: dict[Hashable, tuple[int, Any]] = {
                git_key(item): (index, item) for index, item in enumerate(live)
            }
            view: list[Any] = []
            seen: set[Hashable] = set()
            for index, item in enumerate(git):
                key = git_key(item)
                seen.add(key)
                child_readable = f"{readable}[{describe_key(key)}]"
                child_pointer = f"{pointer}/{index}"
                if key not in live_by_key:
                    self.add("missing", (*path, index), child_readable, child_pointer, item, None)
                    continue
                view.append(self.walk(item, live_by_key[key][1], (*path, index),
                                      child_readable, child_pointer))
            for key, (index, item) in live_by_key.items():
                if key not in seen:
                    self.add("extra", (*path, index), f"{readable}[{describe_key(key)}]",
                             f"{pointer}/{index}", None, item)
                    view.append(item)
            return view
        if len(git) != len(live):
            self.add("changed", path, readable, pointer, git, live)
            return live
        return [
            self.walk(g, lv, (*path, index), f"{readable}[{index}]", f"{pointer}/{index}")
            for index, (g, lv) in enumerate(zip(git, live, strict=True))
        ]


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    git_view: dict[str, Any]
    live_view: dict[str, Any]


def compare(kind: str, git: dict[str, Any], live: dict[str, Any], *, two_way: bool = True
            ) -> Comparison:
    """Compare two normalised objects of ``kind``. ``apiVersion`` is not compared (the
    same object is served under every version of its CRD)."""
    git_body = {k: v for k, v in git.items() if k != "apiVersion"}
    live_body = {k: v for k, v in live.items() if k != "apiVersion"}
    walker = _Walker(kind, two_way)
    view = walker.walk(git_body, live_body, (), "", "")
    live_view = {"apiVersion": live.get("apiVersion"), **view} if "apiVersion" in git else view
    return Comparison(tuple(walker.changes), mask(kind, git, None), mask(kind, live_view, git))


def mask(kind: str, obj: dict[str, Any], other: dict[str, Any] | None) -> dict[str, Any]:
    """``obj`` with secret values replaced by ``***``; where ``other`` (git's side) has a
    different value for the key, ``*** (differs)``, as kubectl diff masks Secrets."""
    result = dict(obj)
    for path in (("spec", "encryptedData"), ("data",), ("stringData",)):
        if not is_secret_map(kind, path):
            continue
        values = _get(obj, path)
        if not isinstance(values, dict):
            continue
        reference = _get(other, path) if other is not None else None
        masked = {}
        for key, value in values.items():
            differs = isinstance(reference, dict) and reference.get(key) != value
            masked[key] = f"{MASK} (differs)" if differs else MASK
        result = _set(result, path, masked)
    return result


def _get(obj: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _set(obj: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    head = path[0]
    assert isinstance(head, str)
    if len(path) == 1:
        return {**obj, head: value}
    child = obj.get(head)
    return {**obj, head: _set(child if isinstance(child, dict) else {}, path[1:], value)}


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(obj: Any) -> str:
    text: str = yaml.dump(obj, Dumper=_DUMPER, sort_keys=True, default_flow_style=False,
                          width=4096, allow_unicode=True)
    return text


def unified_diff(title: str, git_view: dict[str, Any], live_view: dict[str, Any]) -> str:
    """A unified diff of the two YAML views, named as kubectl diff names its files."""
    lines = difflib.unified_diff(
        to_yaml(git_view).splitlines(keepends=True),
        to_yaml(live_view).splitlines(keepends=True),
        fromfile=f"git/{title}", tofile=f"live/{title}", n=3,
    )
    return "".join(lines)
