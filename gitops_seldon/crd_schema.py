"""Convert a CRD's ``openAPIV3Schema`` into a JSON Schema validate can use.

``gitops-seldon schema import`` stores the result in the user's repository
(``<paths.schemas>/seldondeployment.<version>.json``), so validation follows the Seldon
version the cluster runs, offline. The rules are reference/drift-and-validation.md
section 2.5:

* an object with ``properties`` is strict (``additionalProperties: false``) unless it
  has ``x-kubernetes-preserve-unknown-fields``, which leaves it open;
* ``x-kubernetes-int-or-string`` becomes ``anyOf: [integer, string]`` (a quantity's
  ``pattern`` stays, and applies to strings only); the swagger ``format: int-or-string``
  becomes ``oneOf: [string, integer]``;
* ``nullable: true`` adds ``null``; an optional field also accepts ``null``, because the
  API server prunes a null value instead of rejecting it (reference/seldon/facts.md 1);
* ``x-kubernetes-embedded-resource`` requires ``apiVersion`` and ``kind``;
* ``x-kubernetes-list-type: set`` becomes ``uniqueItems``; ``map`` keeps its
  ``x-kubernetes-list-map-keys``, which the product's checker enforces;
* ``default`` stays as an annotation (never injected); descriptions are dropped;
* formats (int32, int64, date-time, byte, ...) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitops_seldon.problems import GitopsSeldonError

CRD_NAME = "seldondeployments.machinelearning.seldon.io"
SCHEMA_PREFIX = "seldondeployment"

KEPT = (
    "type", "format", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
    "uniqueItems", "minProperties", "maxProperties", "default", "required",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
)


class CrdError(GitopsSeldonError):
    """The file is not a usable SeldonDeployment CRD."""


def convert(node: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """JSON Schema for one ``openAPIV3Schema`` node (recursively)."""
    out: dict[str, Any] = {k: node[k] for k in KEPT if k in node}
    if node.get("nullable") is True:
        out = _with_null(out)
    if node.get("format") == "int-or-string":
        out.pop("format")
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if node.get("x-kubernetes-int-or-string") is True:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if node.get("nullable") is True:
            out["anyOf"].append({"type": "null"})
    for keyword in ("anyOf", "oneOf", "allOf"):
        if keyword in node and keyword not in out:
            out[keyword] = [convert(sub, strict=strict) for sub in node[keyword]]
    if "not" in node:
        out["not"] = convert(node["not"], strict=strict)
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if "items" in node and isinstance(node["items"], Mapping):
        out["items"] = convert(node["items"], strict=strict)
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        required = set(node.get("required", ()))
        out["properties"] = {
            name: (convert(sub, strict=strict) if name in required
                   else _with_null(convert(sub, strict=strict)))
            for name, sub in properties.items()
        }
    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        out["additionalProperties"] = convert(additional, strict=strict)
    elif additional is not None:
        out["additionalProperties"] = bool(additional)
    elif preserve:
        out["additionalProperties"] = True
    elif strict and isinstance(properties, Mapping):
        out["additionalProperties"] = False
    if node.get("x-kubernetes-embedded-resource") is True:
        out["required"] = sorted({*out.get("required", ()), "apiVersion", "kind"})
    return out


def _with_null(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    if "anyOf" in schema and {"type": "null"} not in schema["anyOf"] and len(schema) == 1:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    if not schema:
        return schema
    return {"anyOf": [{"type": "null"}, schema]}


def crd_versions(crd: Any, *, strict: bool = True) -> dict[str, dict[str, Any]]:
    """JSON Schema per served version of a SeldonDeployment CRD object."""
    if not isinstance(crd, Mapping) or crd.get("kind") != "CustomResourceDefinition":
        raise CrdError("not a CustomResourceDefinition")
    spec = crd.get("spec") if isinstance(crd.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    names = spec.get("names") if isinstance(spec.get("names"), Mapping) else {}
    assert isinstance(names, Mapping)
    if spec.get("group") != "machinelearning.seldon.io" or names.get("kind") != "SeldonDeployment":
        raise CrdError(f"the CRD is {names.get('kind')!r} in group {spec.get('group')!r}, "
                       "not SeldonDeployment in machinelearning.seldon.io")
    found: dict[str, dict[str, Any]] = {}
    shared = spec.get("validation", {}).get("openAPIV3Schema") if isinstance(
        spec.get("validation"), Mapping) else None  # apiextensions v1beta1
    for version in spec.get("versions") or []:
        if not isinstance(version, Mapping) or version.get("served") is False:
            continue
        schema = (version.get("schema") or {}).get("openAPIV3Schema") or shared
        if isinstance(schema, Mapping):
            name = str(version.get("name"))
            found[name] = document_schema(schema, name, strict=strict)
    if not found:
        raise CrdError("the CRD has no served version with an openAPIV3Schema")
    return found


def document_schema(open_api: Mapping[str, Any], version: str, *, strict: bool = True
                    ) -> dict[str, Any]:
    converted = convert(open_api, strict=strict)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"SeldonDeployment machinelearning.seldon.io/{version} "
                 "(converted from the CRD by gitops-seldon schema import)",
        **converted,
    }


def read_crd(path: Path) -> Any:
    """The CRD object in a YAML or JSON file (the first CustomResourceDefinition)."""
    from gitops_seldon.source import load_file

    documents, problems = load_file(path)
    if problems:
        raise CrdError(f"cannot read {path}: {problems[0]}")
    for document in documents:
        data = document.data
        if isinstance(data, Mapping) and data.get("kind") == "CustomResourceDefinition":
            return data
        if isinstance(data, Mapping) and data.get("kind") == "List":
            for item in data.get("items") or []:
                if isinstance(item, Mapping) and item.get("kind") == "CustomResourceDefinition":
                    return item
    raise CrdError(f"{path} holds no CustomResourceDefinition")


def read_cluster_crd(kubeconfig: str | None = None, context: str | None = None,
                     timeout: float = 30.0) -> Any:
    """The installed SeldonDeployment CRD, read through ``gitops_seldon.cluster`` (the one
    module that talks to the Kubernetes API; imported here, never on the validate path)."""
    from gitops_seldon.cluster import connect

    cluster = connect(kubeconfig, context, timeout)
    try:
        text = cluster.get_text(
            f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{CRD_NAME}",
            f"read CRD {CRD_NAME}")
    finally:
        cluster.close()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CrdError(f"the API server answered with something other than JSON for "
                       f"CRD {CRD_NAME}") from exc


def schema_path(root: Path, schemas_dir: str, version: str) -> Path:
    return root / schemas_dir / f"{SCHEMA_PREFIX}.{version}.json"


def write_schemas(root: Path, schemas_dir: str, schemas: Mapping[str, Any]) -> list[Path]:
    """Write one file per version (atomically, deterministic bytes); return the paths."""
    written = []
    for version, schema in sorted(schemas.items()):
        target = schema_path(root, schemas_dir, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(schema, indent=1, sort_keys=True) + "\n"
        if target.exists() and target.read_text(encoding="utf-8") == text:
            written.append(target)
            continue
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
        written.append(target)
    return written


PREFERRED_VERSIONS = ("v1", "v1alpha3", "v1alpha2")


def load_repo_schema(root: Path, config: Any = None) -> dict[str, Any] | None:
    """The SeldonDeployment schema imported into this repository (``v1`` preferred; the
    three versions share one schema), or None when none was imported. ``config`` is the
    repository ``Config`` (its ``spec.paths.schemas``); without it, ``schemas``."""
    schemas_dir = "schemas"
    spec = getattr(config, "spec", None)
    paths = getattr(spec, "paths", None)
    configured = getattr(paths, "schemas", None)
    if isinstance(configured, str):
        schemas_dir = configured
    for version in PREFERRED_VERSIONS:
        path = schema_path(root, schemas_dir, version)
        if path.is_file():
            return _read_schema(path)
    return None


_loaded: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}
"""Schemas already read, by path, with the (mtime, size) they were read at: callers get
the same dict object back, so the compiled checker (cached by schema) is reused."""


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _loaded.get(path.resolve())
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GitopsSeldonError(f"{path}: not a readable JSON Schema ({exc}); "
                                "run 'gitops-seldon schema import' again") from exc
    if not isinstance(data, dict):
        raise GitopsSeldonError(f"{path}: not a JSON Schema object")
    _loaded[path.resolve()] = (stamp, data)
    return data
