"""Generate the product's SeldonDeployment JSON Schema into package data.

    python -m gitops_seldon.validate.sdep_schema.generate      # rewrite the data file
    python -m gitops_seldon.validate.sdep_schema.generate --check

The Seldon types come from ``seldon_types`` (the product's own description); every
Kubernetes type they embed is generated from the kubernetes client's models:
``openapi_types`` gives each attribute's type, ``attribute_map`` its JSON name and the
pydantic field whether it is required. What the client's type strings do not say is
filled in from two small tables: which integers are int64 (the rest are int32) and
which strings are resource quantities (integer or quantity string); ``object`` is
Kubernetes' IntOrString. Output is deterministic (sorted keys), so a test can tell when
the committed file is stale (for instance after a kubernetes client upgrade).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from gitops_seldon.validate.sdep_schema.dsl import (
    BOOL,
    BYTES,
    DATE_TIME,
    INT32,
    INT64,
    INT_OR_STRING,
    NUMBER,
    QUANTITY,
    STR,
    Schema,
    arr,
    obj,
    ref,
    smap,
)
from gitops_seldon.validate.sdep_schema.seldon_types import K8S, ROOT, SELDON_TYPES

DATA_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "seldondeployment.schema.json"
SCHEMA_ID = "https://gitops-seldon.dev/schemas/seldondeployment.schema.json"

INT64_FIELDS: frozenset[tuple[str, str]] = frozenset({
    ("V1PodSpec", "activeDeadlineSeconds"),
    ("V1PodSpec", "terminationGracePeriodSeconds"),
    ("V1Probe", "terminationGracePeriodSeconds"),
    ("V1SecurityContext", "runAsUser"),
    ("V1SecurityContext", "runAsGroup"),
    ("V1PodSecurityContext", "runAsUser"),
    ("V1PodSecurityContext", "runAsGroup"),
    ("V1PodSecurityContext", "fsGroup"),
    ("V1PodSecurityContext", "supplementalGroups"),
    ("V1Toleration", "tolerationSeconds"),
    ("V1ServiceAccountTokenProjection", "expirationSeconds"),
    ("V1ObjectMeta", "generation"),
    ("V1ObjectMeta", "deletionGracePeriodSeconds"),
    ("V1SleepAction", "seconds"),
    ("V1PodCertificateProjection", "maxExpirationSeconds"),
})
"""Fields Kubernetes declares as int64; every other integer is int32."""

QUANTITY_FIELDS: frozenset[tuple[str, str]] = frozenset({
    ("V1ResourceRequirements", "limits"),
    ("V1ResourceRequirements", "requests"),
    ("V1VolumeResourceRequirements", "limits"),
    ("V1VolumeResourceRequirements", "requests"),
    ("V1EmptyDirVolumeSource", "sizeLimit"),
    ("V1PodSpec", "overhead"),
    ("V1ResourceFieldSelector", "divisor"),
    ("V2MetricTarget", "averageValue"),
    ("V2MetricTarget", "value"),
})
"""Fields holding a resource.Quantity (or a map of them), which the client types as str."""

_LIST = re.compile(r"List\[(.+)\]\Z")
_DICT = re.compile(r"Dict\[str, (.+)\]\Z")


class _K8sTypes:
    """JSON Schemas of kubernetes client models, collected transitively from a root set."""

    def __init__(self) -> None:
        import kubernetes.client

        self.client = kubernetes.client
        self.defs: dict[str, Schema] = {}

    def model(self, name: str) -> Schema:
        key = K8S + name
        if key not in self.defs:
            self.defs[key] = {}  # placeholder: breaks recursion (JSONSchemaProps and co.)
            self.defs[key] = self._build(name)
        return ref(key)

    def _build(self, name: str) -> Schema:
        cls = getattr(self.client, name)
        properties: dict[str, Schema] = {}
        required: list[str] = []
        fields = {
            (info.serialization_alias or info.alias or attribute): info
            for attribute, info in cls.model_fields.items()
        }
        for attribute, type_text in sorted(cls.openapi_types.items()):
            field = cls.attribute_map[attribute]
            properties[field] = self._type(type_text, name, field)
            info = fields.get(field) or cls.model_fields.get(attribute.lstrip("_"))
            if info is not None and info.is_required():
                required.append(field)
        return obj(properties, required=tuple(required))

    def _type(self, text: str, owner: str, field: str) -> Schema:
        match = _LIST.match(text)
        if match:
            return arr(self._type(match.group(1), owner, field))
        match = _DICT.match(text)
        if match:
            return smap(self._type(match.group(1), owner, field))
        if text == "str":
            return QUANTITY if (owner, field) in QUANTITY_FIELDS else STR
        if text == "int":
            return INT64 if (owner, field) in INT64_FIELDS else INT32
        simple = {"bool": BOOL, "float": NUMBER, "datetime": DATE_TIME, "bytes": BYTES,
                  "object": INT_OR_STRING}
        if text in simple:
            return simple[text]
        if hasattr(self.client, text):
            return self.model(text)
        raise ValueError(f"{owner}.{field}: unknown client type {text!r}")


def build_schema() -> dict[str, Any]:
    """The complete product schema, as a JSON-ready dict."""
    k8s = _K8sTypes()
    defs: dict[str, Schema] = {}
    for name, schema in SELDON_TYPES.items():
        defs[name] = schema
        for model in sorted(_k8s_refs(schema)):
            k8s.model(model)
    defs.update(k8s.defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "SeldonDeployment (machinelearning.seldon.io v1, v1alpha2, v1alpha3)",
        "description": "Generated by gitops_seldon.validate.sdep_schema.generate from the "
                       "product's description of the Seldon types and the kubernetes "
                       "client's models. Do not edit.",
        "$ref": f"#/$defs/{ROOT}",
        "$defs": dict(sorted(defs.items())),
    }


def _k8s_refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith(f"#/$defs/{K8S}"):
            found.add(target.removeprefix(f"#/$defs/{K8S}"))
        for value in node.values():
            found |= _k8s_refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _k8s_refs(value)
    return found


def render() -> str:
    return json.dumps(build_schema(), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the data file is stale")
    args = parser.parse_args(argv)
    text = render()
    current = DATA_FILE.read_text(encoding="utf-8") if DATA_FILE.exists() else ""
    if args.check:
        return 0 if current == text else 1
    if current != text:
        DATA_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
