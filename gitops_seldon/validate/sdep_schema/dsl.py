"""A few constructors for writing JSON Schema by hand, Kubernetes style.

Every object is strict (``additionalProperties: false``, as ``kubectl --validate=strict``
treats unknown fields); optional properties also accept ``null``, because the API server
prunes a null value instead of rejecting it (reference/seldon/facts.md section 1).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
INT32: Schema = {"type": "integer", "format": "int32"}
INT64: Schema = {"type": "integer", "format": "int64"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
BYTES: Schema = {"type": "string", "format": "byte"}
ANY: Schema = {}
INT_OR_STRING: Schema = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
"""The Kubernetes resource.Quantity grammar: a signed decimal, then a binary or decimal SI
suffix or a decimal exponent."""
QUANTITY: Schema = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": QUANTITY_PATTERN}]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def smap(values: Schema = STR) -> Schema:
    """A map with free keys: labels, annotations, resource lists."""
    return {"type": "object", "additionalProperties": values}


def free_object() -> Schema:
    return {"type": "object"}


def optional(schema: Schema) -> Schema:
    """``schema`` or null (a null optional field is pruned by the API server)."""
    kind = schema.get("type")
    if isinstance(kind, str) and set(schema) <= {"type", "format", "items",
                                                 "additionalProperties", "pattern"}:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [{"type": "null"}, schema]}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    missing = [r for r in required if r not in properties]
    if missing:
        raise ValueError(f"required fields without a schema: {missing}")
    schema: Schema = {
        "type": "object",
        "properties": {
            name: (value if name in required else optional(value))
            for name, value in sorted(properties.items())
        },
        "additionalProperties": False,
    }
    if required:
        schema["required"] = sorted(required)
    return schema
