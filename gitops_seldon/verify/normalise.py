"""Normalisation: make a manifest from git and an object read from the API comparable.

Pure functions on plain JSON-like data. Nothing here talks to a cluster or prints.
The rules follow what kubectl, Argo CD and Flux learned (see docs/verify.md):

- server-owned fields never count: ``status``, ``metadata.uid``, ``resourceVersion``,
  ``generation``, ``creationTimestamp``, ``managedFields``, ``selfLink`` and the
  ``last-applied-configuration`` annotation;
- the CRD's defaults are applied to git's side (container ports get ``protocol: TCP``);
- ``null``, ``{}``, ``[]`` and an absent field are the same thing;
- quantities compare by value (``1000m`` = ``1``, ``1Gi`` = ``1024Mi``), only where a
  quantity is expected (``resources.requests``/``limits`` and HPA metric targets);
- lists of objects are matched by their key (containers, env, volumes, predictors,
  graph children, parameters by ``name``; ports by ``containerPort``/``protocol``;
  volumeMounts by ``mountPath``), so a reordering is not drift;
- user ignore rules are JSON pointers removed from both sides (``*`` matches any key or
  index).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Path = tuple[str | int, ...]

SERVER_METADATA = (
    "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
    "deletionTimestamp", "deletionGracePeriodSeconds",
)
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)
QUANTITY_PARENTS = ("requests", "limits")
QUANTITY_KEYS = ("averageValue", "targetAverageValue")

_SUFFIX = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:(?P<exponent>[eE][+-]?\d+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$"
)


def parse_quantity(value: object) -> Decimal | None:
    """The value of a Kubernetes quantity, or None if ``value`` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    try:
        number = Decimal(match["number"])
        if match["exponent"]:
            return number * Decimal(10) ** int(match["exponent"][1:])
        return number * _SUFFIX[match["suffix"] or ""]
    except (InvalidOperation, ValueError):
        return None


def is_quantity_path(path: Path) -> bool:
    if len(path) >= 2 and path[-2] in QUANTITY_PARENTS:
        return True
    return bool(path) and path[-1] in QUANTITY_KEYS


def values_equal(path: Path, git: object, live: object) -> bool:
    """Scalar equality as the API means it: quantities by value, ``1`` = ``1.0``, but
    ``8080`` != ``"8080"`` and ``true`` != ``1``."""
    if is_quantity_path(path):
        a, b = parse_quantity(git), parse_quantity(live)
        if a is not None and b is not None:
            return a == b
    if isinstance(git, bool) or isinstance(live, bool):
        return type(git) is type(live) and git == live
    if isinstance(git, str) != isinstance(live, str):
        return False
    return git == live


# --- keyed lists -----------------------------------------------------------------------

KeyFunction = Callable[[dict[str, Any]], Hashable]


def _port_key(item: dict[str, Any]) -> Hashable:
    return (item.get("containerPort"), item.get("protocol") or "TCP")


def _field_key(field: str) -> KeyFunction:
    return lambda item: item.get(field)


def list_key(path: Path, items: Sequence[Any]) -> KeyFunction | None:
    """How to match the elements of the list at ``path``, or None to compare in order."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    last = path[-1] if path else None
    key: KeyFunction
    if last == "ports" and all("containerPort" in item for item in items):
        key = _port_key
    elif last == "volumeMounts" and all("mountPath" in item for item in items):
        key = _field_key("mountPath")
    elif all(isinstance(item.get("name"), str) for item in items):
        key = _field_key("name")
    else:
        return None
    keys = [key(item) for item in items]
    return key if len(set(keys)) == len(keys) else None


def describe_key(key: Hashable) -> str:
    if isinstance(key, tuple):
        return "/".join(str(part) for part in key)
    return str(key)


# --- the normalisation steps -------------------------------------------------------------


def strip_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Without what the API server owns: status and server metadata. Copies only what it
    changes (the top level, metadata, annotations); ``obj`` is never modified."""
    result = {k: v for k, v in obj.items() if k != "status"}
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        metadata = {k: v for k, v in metadata.items() if k not in SERVER_METADATA}
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            metadata["annotations"] = {k: v for k, v in annotations.items()
                                       if k not in SERVER_ANNOTATIONS}
        result["metadata"] = metadata
    return result


def apply_crd_defaults(value: Any, path: Path = ()) -> Any:
    """Add the defaults the API server writes into a stored object: the Seldon CRD's
    twelve ``default:`` entries are all ``protocol: TCP`` on container ports."""
    if isinstance(value, dict):
        return {k: apply_crd_defaults(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        items = [apply_crd_defaults(v, (*path, i)) for i, v in enumerate(value)]
        if path and path[-1] == "ports":
            items = [
                {**item, "protocol": "TCP"} if _port_without_protocol(item) else item
                for item in items
            ]
        return items
    return value


def _port_without_protocol(item: Any) -> bool:
    return isinstance(item, dict) and "containerPort" in item and item.get("protocol") is None


def is_empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def prune_empty(value: Any) -> Any:
    """Drop ``null``, ``{}`` and ``[]`` (after pruning their children) from maps; empty
    containers inside lists become None so that list positions stay put."""
    if isinstance(value, dict):
        pruned = {k: prune_empty(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not is_empty(v)}
    if isinstance(value, list):
        return [prune_empty(v) for v in value]
    return value


def parse_pointer(pointer: str) -> tuple[str, ...]:
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/"))


def remove_pointer(value: Any, parts: Sequence[str]) -> None:
    """Delete the node at ``parts`` (in place); ``*`` matches any key or index."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else [head] if head in value else []
        for key in keys:
            if rest:
                remove_pointer(value[key], rest)
            else:
                del value[key]
    elif isinstance(value, list):
        if head == "*":
            indexes = list(range(len(value)))
        elif head.isdigit() and int(head) < len(value):
            indexes = [int(head)]
        else:
            indexes = []
        for index in reversed(indexes):
            if rest:
                remove_pointer(value[index], rest)
            else:
                del value[index]


def drop_ignored(obj: dict[str, Any], pointers: Iterable[str]) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    for pointer in pointers:
        remove_pointer(result, parse_pointer(pointer))
    return result


def normalise(obj: dict[str, Any], ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The comparable form of one object, from git or from the API server alike; a new
    structure (``obj`` is never modified)."""
    result = apply_crd_defaults(strip_server_fields(obj))  # a fresh copy from here on
    for pointer in ignore:
        remove_pointer(result, parse_pointer(pointer))
    pruned = prune_empty(result)
    assert isinstance(pruned, dict)
    metadata = pruned.get("metadata")
    if isinstance(metadata, dict):
        # kustomize and kubeseal outputs carry creationTimestamp: null; the namespace is
        # part of the identity, compared separately.
        metadata.pop("namespace", None)
    return pruned
