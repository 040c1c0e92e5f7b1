"""The generated JSON Schemas: current, deterministic, and in agreement with the models."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from gitops_seldon.problems import has_errors
from gitops_seldon.spec import Config, Credentials, Model, strict
from gitops_seldon.spec.accept import PACKAGED_SCHEMAS
from gitops_seldon.spec.jsonschema import generate, main, stale_files, write
from gitops_seldon.validate import validate_repository

PROJECT = Path(__file__).resolve().parent.parent
SCHEMAS = PROJECT / "schemas"
DOC = PROJECT / "docs" / "spec-format.md"
CORPUS = PROJECT / "tests" / "corpus"
MODELS = {"Config": Config, "Model": Model, "Credentials": Credentials}
SCHEMA_FILES = {"Config": "config.schema.json", "Model": "model.schema.json",
                "Credentials": "credentials.schema.json"}
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


@functools.cache
def validator(kind: str) -> Draft7Validator:
    import json

    schema = json.loads((SCHEMAS / SCHEMA_FILES[kind]).read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def doc_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    return [b for b in blocks if "apiVersion: gitops-seldon.dev/v1alpha1" in b
            and "kind: Config | Model" not in b]


def test_committed_schemas_are_current() -> None:
    assert stale_files(SCHEMAS) == [], (
        "schemas/ is stale: run python -m gitops_seldon.spec.jsonschema --write schemas")


def test_the_package_ships_the_same_schemas() -> None:
    assert stale_files(PACKAGED_SCHEMAS) == []
    for name in SCHEMA_FILES.values():
        assert (PACKAGED_SCHEMAS / name).read_bytes() == (SCHEMAS / name).read_bytes()


def test_generation_is_deterministic() -> None:
    assert generate() == generate()
    for content in generate().values():
        assert content.endswith(b"\n")
        assert b"\r" not in content


def test_check_names_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    assert main(["--check", str(tmp_path / "schemas")]) == 0
    model = tmp_path / "schemas" / "model.schema.json"
    model.write_text(model.read_text().replace('"Model"', '"Modle"', 1))
    (tmp_path / "schemas" / "config.schema.json").unlink()
    assert main(["--check", str(tmp_path / "schemas")]) == 1
    err = capsys.readouterr().err
    assert "model.schema.json: stale" in err
    assert "config.schema.json: stale" in err
    assert "credentials.schema.json" not in err


def test_write_leaves_current_files_alone(tmp_path: Path) -> None:
    target = tmp_path / "schemas"
    assert sorted(write(target)) == sorted(SCHEMA_FILES.values())
    before = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    assert write(target) == []
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == before
    assert stale_files(target) == []


def test_every_field_has_a_description_or_a_title() -> None:
    import json

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            # Object definitions have a title; cross-field rules (anyOf/oneOf) only restate
            # properties already described.
            properties = node.get("properties", {}) if "title" in node else {}
            for name, prop in properties.items():
                described = "title" in prop or "description" in prop
                assert described or "$ref" in json.dumps(prop), f"{where}.{name}"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for name in SCHEMA_FILES.values():
        schema = json.loads((SCHEMAS / name).read_text())
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert schema["description"]
        walk(schema, name)


def test_doc_examples_pass_models_and_schemas() -> None:
    examples = doc_examples()
    kinds = [load_yaml(text)["kind"] for text in examples]
    assert {"Config", "Model", "Credentials"} <= set(kinds)
    for text in examples:
        data = load_yaml(text)
        kind = data["kind"]
        strict.validate(MODELS[kind], data)
        errors = list(validator(kind).iter_errors(data))
        assert not errors, [e.message for e in errors]
        modeline = MODELINE.search(text)
        assert modeline is not None, "every docs example carries the editor modeline"
        assert modeline.group(1).endswith(SCHEMA_FILES[kind])


def test_doc_credentials_cover_every_schema() -> None:
    schemas = {load_yaml(t)["spec"]["schema"] for t in doc_examples()
               if "kind: Credentials" in t}
    assert schemas == {"seldon_s3", "seldon_gs", "seldon_az"}


def test_doc_examples_form_a_valid_repository(tmp_path: Path) -> None:
    """The docs examples together are a repository with nothing wrong but what needs a
    cluster: certificates and sealed secrets."""
    for text in doc_examples():
        data = load_yaml(text)
        kind = data["kind"]
        if kind == "Config":
            path = tmp_path / "gitops-seldon.yaml"
        else:
            folder = "models" if kind == "Model" else "credentials"
            path = tmp_path / folder / f"{data['metadata']['name']}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    problems = [p for p in validate_repository(tmp_path)
                if p.rule not in {"certificate-missing", "sealed-missing"}]
    assert not has_errors(problems), "\n".join(map(str, problems))


def test_bundled_example_passes_the_schemas() -> None:
    example = PROJECT / "examples" / "ml-platform"
    files = [example / "gitops-seldon.yaml", *sorted((example / "models").glob("*.yaml")),
             *sorted((example / "credentials").glob("*.yaml"))]
    assert len(files) > 3
    for path in files:
        data = load_yaml(path.read_text())
        errors = list(validator(data["kind"]).iter_errors(data))
        assert not errors, f"{path}: {[e.message for e in errors]}"


def corpus_spec_rejections() -> list[Path]:
    """Corpus inputs that the pydantic models refuse (rule config/model/credentials)."""
    found = []
    for expected in sorted(CORPUS.glob("*/expected.txt")):
        for line in expected.read_text().splitlines():
            match = re.match(r"^([^:]+):\d+:\d+: (config|model|credentials): ", line)
            if match and (expected.parent / match.group(1)).is_file():
                found.append(expected.parent / match.group(1))
    return sorted(set(found))


@pytest.mark.parametrize("path", corpus_spec_rejections(),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schemas_reject_what_the_models_reject(path: Path) -> None:
    """Cross-field rules included: the graph node, HPA and PDB validators are restated in
    the schemas (``CROSS_FIELD_RULES``)."""
    data = load_yaml(path.read_text())
    kind = data.get("kind") if isinstance(data, dict) else None
    for name in ([kind] if kind in SCHEMA_FILES else list(SCHEMA_FILES)):
        assert list(validator(name).iter_errors(data)), f"{name} schema accepts {path}"


@pytest.mark.parametrize(("field", "value", "accepted"), [
    ("pdb", {"minAvailable": 1}, True),
    ("pdb", {"minAvailable": 1, "maxUnavailable": None}, True),
    ("pdb", {"minAvailable": 1, "maxUnavailable": "10%"}, False),
    ("pdb", {}, False),
    ("hpa", {"maxReplicas": 3}, False),
    ("hpa", {"maxReplicas": 3, "memoryUtilization": 80}, True),
    ("graph", {"name": "a", "image": "i", "implementation": None}, True),
    ("graph", {"name": "a", "image": "i", "implementation": "SIMPLE_MODEL"}, False),
])
def test_cross_field_rules_match_the_model(field: str, value: Any, accepted: bool) -> None:
    from pydantic import ValidationError

    data = {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Model",
            "metadata": {"name": "m"},
            "spec": {"implementation": "SKLEARN_SERVER", field: value}}
    assert (not list(validator("Model").iter_errors(data))) is accepted
    try:
        strict.validate(Model, data)
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert model_accepts is accepted
