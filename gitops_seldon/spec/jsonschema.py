"""JSON Schemas of the spec files, generated from the pydantic models.

``schemas/config.schema.json``, ``schemas/model.schema.json`` and
``schemas/credentials.schema.json`` are what editors use (through a
``# yaml-language-server: $schema=...`` modeline) to complete and check spec files while
they are typed. They are generated, never edited::

    python -m gitops_seldon.spec.jsonschema --write schemas   # regenerate
    python -m gitops_seldon.spec.jsonschema --check schemas   # exit 1 when stale (CI)

The bytes are deterministic: same models, same files, on any machine.
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import itertools
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from gitops_seldon.spec import Config, Credentials, Model

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
"""Draft-07: what yaml-language-server (VS Code YAML and most editors) fully supports;
it warns on 2020-12. The generated keywords are all draft-07 (``$defs`` is only a
location for ``$ref`` pointers)."""
SCHEMA_ID_BASE = "https://gitops-seldon.dev/schemas/v1alpha1/"

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "config.schema.json": (
        Config,
        "gitops-seldon repository config (gitops-seldon.yaml): paths and environments.",
    ),
    "model.schema.json": (
        Model,
        "gitops-seldon Model (models/<name>.yaml): one deployable model, rendered to one "
        "SeldonDeployment per environment.",
    ),
    "credentials.schema.json": (
        Credentials,
        "gitops-seldon Credentials (credentials/<name>.yaml): storage credential schema and "
        "its non-secret fields; secret values are only ever sealed.",
    ),
}


@functools.cache
def attribute_docstrings(cls: type) -> dict[str, str]:
    """Field name -> the string literal right below its annotation in the class body.

    The spec models document fields that way; reading the docstrings here, rather than
    with pydantic's ``use_attribute_docstrings``, keeps the source parsing out of every
    ``gitops-seldon validate`` start (the pre-commit hook)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found = {}
    for node, following in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            found[node.target.id] = inspect.cleandoc(following.value.value)
    return found


def _model_classes(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model class the schema of ``model`` refers to, by schema title (class name)."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[Any] = [model]
    while pending:
        item = pending.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__name__ in found:
                continue
            found[item.__name__] = item
            pending += [field.annotation for field in item.model_fields.values()]
        else:
            pending += list(get_args(item))
    return found


def _describe_fields(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Add each field's docstring as its ``description`` (and the class docstring)."""
    classes = _model_classes(model)
    definitions = [schema, *schema.get("$defs", {}).values()]
    for definition in definitions:
        cls = classes.get(definition.get("title", ""))
        if cls is None:
            continue
        docs: dict[str, str] = {}
        for base in reversed(cls.__mro__):
            if isinstance(base, type) and issubclass(base, BaseModel):
                docs.update(attribute_docstrings(base))
        properties = definition.get("properties", {})
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key in properties and name in docs:
                properties[key].setdefault("description", docs[name])


def _present(field: str) -> dict[str, Any]:
    """Schema of "``field`` is set": pydantic treats an explicit null as unset."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


CROSS_FIELD_RULES: dict[str, dict[str, Any]] = {
    "GraphNode": {"not": {"allOf": [_present("image"), _present("implementation")]}},
    "Hpa": {"anyOf": [_present("cpuUtilization"), _present("memoryUtilization")]},
    "Pdb": {"oneOf": [_present("minAvailable"), _present("maxUnavailable")]},
}
"""The models' ``model_validator`` rules that JSON Schema can say too, so editors flag
them (``minReplicas <= maxReplicas`` cannot be said; validate checks it)."""


def _add_cross_field_rules(schema: dict[str, Any]) -> None:
    for name, rule in CROSS_FIELD_RULES.items():
        definition = schema.get("$defs", {}).get(name)
        if definition is not None:
            definition.update(rule)


def schema_for(model: type[BaseModel], file_name: str, description: str) -> dict[str, Any]:
    """The JSON Schema of ``model`` as it is written in YAML (field aliases, not names)."""
    generated = model.model_json_schema(by_alias=True, mode="validation")
    _describe_fields(generated, model)
    _add_cross_field_rules(generated)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID_BASE + file_name,
    }
    schema.update(generated)
    schema["description"] = description
    _close_pattern_properties(schema)
    return schema


def _close_pattern_properties(node: Any) -> None:
    """Maps keyed by a pattern (environment names) accept no key outside the pattern, as
    the pydantic model does; pydantic leaves ``additionalProperties`` open there."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_properties(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_properties(value)


def render_schema(schema: dict[str, Any]) -> bytes:
    """Stable bytes: two-space indent, key order as generated, ASCII, final newline."""
    return (json.dumps(schema, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def generate() -> dict[str, bytes]:
    """File name -> file bytes for every spec schema."""
    return {
        name: render_schema(schema_for(model, name, description))
        for name, (model, description) in SCHEMAS.items()
    }


def stale_files(directory: Path) -> list[str]:
    """Names of schema files in ``directory`` that are missing or differ from the models."""
    stale = []
    for name, content in generate().items():
        path = directory / name
        try:
            current = path.read_bytes()
        except OSError:
            current = None
        if current != content:
            stale.append(name)
    return stale


def write(directory: Path) -> list[str]:
    """Write the schemas that changed; returns their names (unchanged files keep their
    mtime)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generate().items():
        path = directory / name
        if path.is_file() and path.read_bytes() == content:
            continue
        temporary = path.with_name(f".{name}.tmp")
        temporary.write_bytes(content)
        temporary.replace(path)
        written.append(name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gitops_seldon.spec.jsonschema",
        description="Generate (--write) or check (--check) the spec JSON Schemas.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", type=Path, help="write the schemas into DIR")
    mode.add_argument("--check", metavar="DIR", type=Path,
                      help="exit 1 and name the files in DIR that are stale")
    args = parser.parse_args(argv)
    if args.write is not None:
        for name in write(args.write):
            print(f"wrote {args.write / name}")
        return 0
    stale = stale_files(args.check)
    for name in stale:
        print(f"{args.check / name}: stale; run python -m gitops_seldon.spec.jsonschema "
              f"--write {args.check}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
