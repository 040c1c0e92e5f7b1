"""Compare the product schema with a schema converted from an upstream CRD.

Used by the tests (and by hand after a kubernetes client upgrade) to show where the
product's own description disagrees with what a real Seldon CRD accepts: a field the CRD
has and the product lacks, a different type, a different required set. Fields only the
product knows (newer Kubernetes fields) are not differences: the product is as strict as
the newest API server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _resolve(root: Mapping[str, Any], node: Any) -> Mapping[str, Any]:
    seen = 0
    while isinstance(node, Mapping) and seen < 50:
        seen += 1
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
            continue
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:
            node = next(o for o in options if o != {"type": "null"})
            continue
        break
    return node if isinstance(node, Mapping) else {}


def kind(node: Mapping[str, Any]) -> str:
    options = node.get("anyOf") or node.get("oneOf")
    if isinstance(options, list):
        types = sorted(str(o.get("type")) for o in options if o.get("type") != "null")
        if types == ["integer", "string"]:
            pattern = node.get("pattern") or next(
                (o.get("pattern") for o in options if o.get("pattern")), None)
            return "quantity" if pattern else "int-or-string"
    value = node.get("type")
    if isinstance(value, list):
        rest = [v for v in value if v != "null"]
        value = rest[0] if len(rest) == 1 else None
    if value == "integer":
        return f"integer/{node.get('format', 'int64')}"
    return str(value) if value else "any"


def compare(crd: Mapping[str, Any], product: Mapping[str, Any]) -> list[str]:
    """Differences, one line each, as ``path: what``."""
    out: list[str] = []
    _walk(crd, crd, product, product, "", out, 0)
    return out


def _walk(crd_root: Mapping[str, Any], crd_node: Any, product_root: Mapping[str, Any],
          product_node: Any, path: str, out: list[str], depth: int) -> None:
    left = _resolve(crd_root, crd_node)
    right = _resolve(product_root, product_node)
    if depth > 40:
        return
    left_kind, right_kind = kind(left), kind(right)
    if left_kind != right_kind:
        out.append(f"{path or '.'}: CRD {left_kind}, product {right_kind}")
        return
    left_required = set(left.get("required", ()))
    right_required = set(right.get("required", ()))
    if left_required != right_required:
        out.append(f"{path or '.'}: required CRD {sorted(left_required)}, "
                   f"product {sorted(right_required)}")
    left_props = left.get("properties") or {}
    right_props = right.get("properties") or {}
    if left_props and not right_props and right.get("additionalProperties") is not False:
        return  # the product leaves this object open (status)
    for name, sub in left_props.items():
        if name not in right_props:
            out.append(f"{path}.{name}: only in the CRD")
            continue
        _walk(crd_root, sub, product_root, right_props[name], f"{path}.{name}", out, depth + 1)
    if "items" in left and "items" in right:
        _walk(crd_root, left["items"], product_root, right["items"], f"{path}[]", out,
              depth + 1)
    left_extra, right_extra = left.get("additionalProperties"), right.get("additionalProperties")
    if isinstance(left_extra, Mapping) and isinstance(right_extra, Mapping):
        _walk(crd_root, left_extra, product_root, right_extra, f"{path}{{}}", out, depth + 1)
