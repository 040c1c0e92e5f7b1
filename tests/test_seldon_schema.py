"""The product's SeldonDeployment schema and the compiled checker that applies it."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitops_seldon.crd_schema import crd_versions, read_crd
from gitops_seldon.schema_check import CompiledSchema, compiled
from gitops_seldon.source import load_file
from gitops_seldon.validate.sdep_schema import SCHEMA_FILE, load_product_schema
from gitops_seldon.validate.sdep_schema.compare import compare
from gitops_seldon.validate.sdep_schema.generate import render
from gitops_seldon.validate.seldon import check_seldondeployment

KNOWN_DIFFERENCES = [
    # Kubernetes made HostAlias.ip required after the PodSpec the v1.17.1 CRD embeds.
    ".spec.predictors[].componentSpecs[].spec.hostAliases[]: required CRD [], product ['ip']",
]


def test_package_data_is_not_stale() -> None:
    """Fails when seldon_types, the generator or the kubernetes client changed; fix with
    ``python -m gitops_seldon.validate.sdep_schema.generate``."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render()


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(load_product_schema())


@pytest.fixture(scope="module")
def crd_schema(reference: Path) -> dict[str, Any]:
    return crd_versions(read_crd(reference / "seldon" / "seldondeployment-crd.yaml"))["v1"]


def test_product_schema_covers_the_upstream_crd(crd_schema: dict[str, Any]) -> None:
    """Every field of the pinned upstream CRD exists in the product schema with the same
    type, format and required set (the product may know newer Kubernetes fields)."""
    assert compare(crd_schema, load_product_schema()) == KNOWN_DIFFERENCES


def test_compare_notices_a_missing_field(crd_schema: dict[str, Any]) -> None:
    product = copy.deepcopy(load_product_schema())
    del product["$defs"]["Explainer"]["properties"]["initParameters"]
    product["$defs"]["k8s.V1PodSecurityContext"]["properties"]["fsGroup"] = {
        "type": "integer", "format": "int32"}
    differences = compare(crd_schema, product)
    assert ".spec.predictors[].explainer.initParameters: only in the CRD" in differences
    assert any("fsGroup: CRD integer/int64, product integer/int32" in d for d in differences)


def examples(reference: Path, kind: str) -> Iterator[tuple[str, Any]]:
    for path in sorted((reference / "seldon" / "examples" / kind).iterdir()):
        documents, problems = load_file(path)
        assert not problems
        for document in documents:
            yield path.name, document.data


def mutations(obj: Any, rng: random.Random, count: int) -> Iterator[Any]:
    """Copies of ``obj`` with one value replaced, one key added or one key removed."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(obj, ())
    replacements: list[Any] = [5, -1, 2**40, "text", "1Gi", True, None, [], {}, 1.5,
                               [{"name": "x"}], {"name": "x"}]
    for _ in range(count):
        path = rng.choice(paths)
        copied = copy.deepcopy(obj)
        node = copied
        for part in path[:-1]:
            node = node[part]
        action = rng.random()
        if not path:
            yield rng.choice(replacements)
            continue
        if action < 0.2 and isinstance(node, dict):
            del node[path[-1]]
        elif action < 0.35:
            target = node[path[-1]]
            if isinstance(target, dict):
                target["unknownField"] = "x"
            else:
                node[path[-1]] = {"unknownField": 1}
        else:
            node[path[-1]] = rng.choice(replacements)
        yield copied


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def agree(checker: CompiledSchema, reference_validator: Any, obj: Any) -> None:
    ours = checker.errors(obj)
    theirs = list(reference_validator.iter_errors(obj))
    assert bool(ours) == bool(theirs), (
        json.dumps(obj)[:300], ours[:3], [e.message[:200] for e in theirs[:3]])


@pytest.mark.parametrize("which", ["product", "imported"])
def test_checker_agrees_with_jsonschema(reference: Path, crd_schema: dict[str, Any],
                                        which: str) -> None:
    schema = load_product_schema() if which == "product" else crd_schema
    checker = CompiledSchema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    rng = random.Random(20261125)
    for kind in ("valid", "invalid"):
        for _, data in examples(reference, kind):
            agree(checker, validator, data)
            for mutated in mutations(data, rng, 12 if which == "product" else 4):
                agree(checker, validator, mutated)


def test_findings_are_sorted_and_located() -> None:
    obj = {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
           "metadata": {"name": "x", "creationTimestamp": None},
           "spec": {"replicas": 2**31, "colour": "red", "predictors": [{
               "name": "p", "graph": {"name": "m", "parameters": [
                   {"name": "a", "type": "BOOL", "value": True}]},
               "componentSpecs": [{"metadata": {"creationTimestamp": None},
                                   "pdbSpec": {"minAvailable": "50%"},
                                   "spec": {"containers": [{
                                       "name": "m", "resources": {"limits": {"cpu": 1,
                                                                             "memory": "1 Gi"}},
                                       "ports": [{"containerPort": "http"}]}]}}]}]}}
    found = [(f.loc, f.message) for f in check_seldondeployment(obj)
             if f.rule == "seldon-schema"]
    c0 = ("spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0)
    assert found == sorted(found, key=lambda item: tuple(str(p) for p in item[0]))
    assert dict(found) == {
        ("spec", "colour"): "unknown field 'colour'",
        ("spec", "replicas"): "'replicas' is out of the int32 range",
        ("spec", "predictors", 0, "graph", "parameters", 0, "value"):
            "'value' must be a string, not a boolean (quote it)",
        (*c0, "resources", "limits", "memory"): "'memory' does not match "
            + repr(load_product_schema()["$defs"]["k8s.V1ResourceRequirements"]["properties"]
                   ["limits"]["additionalProperties"]["anyOf"][1]["pattern"]),
        (*c0, "ports", 0, "containerPort"): "'containerPort' must be an integer, not a string",
    }


def test_compiled_schema_is_cached() -> None:
    schema = load_product_schema()
    assert compiled(schema) is compiled(schema)
