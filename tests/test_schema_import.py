"""gitops-seldon schema import: CRD openAPIV3Schema -> repo-local JSON Schema -> validate.

The upstream CRD is converted at test time (never committed)."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitops_seldon.cli import main
from gitops_seldon.crd_schema import convert, crd_versions, load_repo_schema, read_crd
from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.source import load_file
from gitops_seldon.validate.manifests import check_manifest_documents
from gitops_seldon.validate.seldon import check_seldondeployment

SCHEMA_INVALID = {
    "testing__resources__bad_no_graph.yaml": ("spec", "predictors", 0),
    "notebooks__resources__model_invalid1.json": (
        "spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0,
        "imagePullPolicy"),
    "doc__source__servers__huggingface.md.block1.yaml": (
        "spec", "predictors", 0, "graph", "parameters", 2, "value"),
}

CONFIG = """\
apiVersion: gitops-seldon.dev/v1alpha1
kind: Config
spec:
  paths:
    schemas: crds
  environments:
    dev:
      namespace: dev
"""


@pytest.fixture(scope="module")
def crd_file(reference: Path) -> Path:
    return reference / "seldon" / "seldondeployment-crd.yaml"


@pytest.fixture(scope="module")
def imported(crd_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository into which the upstream CRD was imported through the CLI."""
    root = tmp_path_factory.mktemp("repo")
    (root / "gitops-seldon.yaml").write_text(CONFIG, encoding="utf-8")
    assert main(["schema", "import", str(crd_file), "--repo", str(root)]) == 0
    return root


def documents(reference: Path, kind: str) -> Iterator[tuple[str, Any]]:
    for path in sorted((reference / "seldon" / "examples" / kind).iterdir()):
        docs, problems = load_file(path)
        assert not problems
        for document in docs:
            yield path.name, document


def test_import_writes_one_schema_per_version_where_config_says(imported: Path) -> None:
    names = sorted(p.name for p in (imported / "crds").iterdir())
    assert names == ["seldondeployment.v1.json", "seldondeployment.v1alpha2.json",
                     "seldondeployment.v1alpha3.json"]
    schema = json.loads((imported / "crds" / "seldondeployment.v1.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "description" not in json.dumps(schema)[:2000]


def test_import_is_deterministic(imported: Path, crd_file: Path) -> None:
    path = imported / "crds" / "seldondeployment.v1.json"
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert main(["schema", "import", str(crd_file), "--repo", str(imported)]) == 0
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


def test_load_repo_schema(imported: Path, tmp_path: Path) -> None:
    from gitops_seldon.load import load_config

    config, _ = load_config(imported)
    assert config is not None
    schema = load_repo_schema(imported, config.value)
    assert schema is not None and schema["title"].startswith("SeldonDeployment")
    assert load_repo_schema(imported) is None  # default folder "schemas": nothing there
    assert load_repo_schema(tmp_path) is None


def test_valid_examples_pass_the_imported_schema(imported: Path, reference: Path) -> None:
    schema = load_repo_schema(imported, _config(imported))
    assert schema is not None
    count = 0
    for name, document in documents(reference, "valid"):
        assert check_seldondeployment(document.data, schema) == [], name
        count += 1
    assert count == 35


def test_schema_invalid_examples_fail_the_imported_schema(imported: Path,
                                                          reference: Path) -> None:
    schema = load_repo_schema(imported, _config(imported))
    for name, document in documents(reference, "invalid"):
        found = [f.loc for f in check_seldondeployment(document.data, schema)
                 if f.rule == "seldon-schema"]
        if name in SCHEMA_INVALID:
            assert found == [SCHEMA_INVALID[name]], name
        else:
            assert found == [], name


def test_validate_follows_the_imported_version(crd_file: Path, tmp_path: Path,
                                               reference: Path) -> None:
    """An older Seldon without predictors[].progressDeadlineSeconds (before 1.15): the
    imported schema reports the field, the product schema does not."""
    crd = copy.deepcopy(read_crd(crd_file))
    for version in crd["spec"]["versions"]:
        predictor = (version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
                     ["predictors"]["items"])
        del predictor["properties"]["progressDeadlineSeconds"]
    old = tmp_path / "old-crd.json"
    old.write_text(json.dumps(crd), encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    assert main(["schema", "import", str(old), "--repo", str(repo)]) == 0
    manifest = tmp_path / "sdep.yaml"
    source = reference / "seldon" / "examples" / "valid" / "notebooks__resources__model.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "    name: example\n", "    name: example\n    progressDeadlineSeconds: 60\n", 1)
    assert "progressDeadlineSeconds" in text
    manifest.write_text(text, encoding="utf-8")
    docs, _ = load_file(manifest, "sdep.yaml")
    assert check_manifest_documents(docs) == []
    problems = check_manifest_documents(docs, schema=load_repo_schema(repo))
    assert [(p.rule, p.message) for p in problems] == [
        ("seldon-schema", "unknown field 'progressDeadlineSeconds'")]
    assert problems[0].line == text.splitlines().index("    progressDeadlineSeconds: 60") + 1


def _config(root: Path) -> Any:
    from gitops_seldon.load import load_config

    loaded, _ = load_config(root)
    assert loaded is not None
    return loaded.value


# --------------------------------------------------------------------------- conversion

def test_convert_rules() -> None:
    node = {
        "type": "object", "required": ["a"],
        "properties": {
            "a": {"type": "string", "description": "dropped"},
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"x": {"type": "integer"}}},
            "any": {"x-kubernetes-preserve-unknown-fields": True},
            "port": {"x-kubernetes-int-or-string": True,
                     "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "swagger": {"type": "string", "format": "int-or-string"},
            "ts": {"type": "string", "format": "date-time", "nullable": True},
            "tags": {"type": "array", "items": {"type": "string"},
                     "x-kubernetes-list-type": "set"},
            "ports": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                      "items": {"type": "object", "properties": {
                          "containerPort": {"type": "integer", "format": "int32"},
                          "protocol": {"type": "string", "default": "TCP"}}}},
            "embedded": {"type": "object", "x-kubernetes-embedded-resource": True,
                         "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    schema = convert(node)
    validator = jsonschema.Draft202012Validator(schema)

    def ok(value: dict[str, Any]) -> bool:
        from gitops_seldon.schema_check import CompiledSchema

        ours = not CompiledSchema(schema).errors({"a": "x", **value})
        assert ours == validator.is_valid({"a": "x", **value})
        return ours

    assert "description" not in json.dumps(schema)
    assert not ok({"unknown": 1})                          # strict
    assert ok({"open": {"x": 1, "extra": True}})           # preserve-unknown-fields
    assert ok({"any": {"whatever": [1]}})
    assert ok({"port": 80}) and ok({"port": "http"}) and not ok({"port": 1.5})
    assert ok({"swagger": 1}) and ok({"swagger": "1"})
    assert ok({"ts": None})                                # nullable
    assert ok({"tags": None})                              # optional null is pruned
    assert not ok({"tags": ["a", "a"]})                    # list-type set
    assert ok({"embedded": {"apiVersion": "v1", "kind": "X"}})
    assert not ok({"embedded": {"kind": "X"}})             # embedded resource
    assert not ok({"labels": {"a": 1}})
    assert schema["properties"]["ports"]["items"]["properties"]["protocol"]["default"] == "TCP"
    assert not _map_keys_ok(schema, [{"containerPort": 80, "protocol": "TCP"},
                                     {"containerPort": 80, "protocol": "TCP"}])
    assert _map_keys_ok(schema, [{"containerPort": 80, "protocol": "TCP"},
                                 {"containerPort": 80, "protocol": "UDP"}])
    lenient = convert(node, strict=False)
    assert jsonschema.Draft202012Validator(lenient).is_valid({"a": "x", "unknown": 1})


def _map_keys_ok(schema: dict[str, Any], ports: list[dict[str, Any]]) -> bool:
    from gitops_seldon.schema_check import CompiledSchema

    return not CompiledSchema(schema).errors({"a": "x", "ports": ports})


def test_crd_versions_refuses_other_crds(reference: Path) -> None:
    from gitops_seldon.crd_schema import CrdError

    other = read_crd(reference / "seldon" / "v2" / "mlops.seldon.io_models.yaml")
    with pytest.raises(CrdError, match="not SeldonDeployment"):
        crd_versions(other)
    with pytest.raises(CrdError, match="not a CustomResourceDefinition"):
        crd_versions({"kind": "Deployment"})


@pytest.mark.parametrize("argv", [["schema", "import"],
                                  ["schema", "import", "x.yaml", "--from-cluster"],
                                  ["schema", "import", "missing.yaml"],
                                  ["schema", "import", "x.yaml", "--context", "c"]])
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.yaml").write_text("kind: ConfigMap\n", encoding="utf-8")
    assert main([*argv, "--repo", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("gitops-seldon schema: ")
    assert not (tmp_path / "schemas").exists()


# --------------------------------------------------------------------------- --from-cluster



def test_from_cluster_reads_the_installed_crd(kube: Any, crd_file: Path, tmp_path: Path,
                                              imported: Path) -> None:
    import kmock

    key = ("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    kube.api.resources["/".join(key)] = kmock.ResourceInfo(
        kind="CustomResourceDefinition", namespaced=False, verbs={"get", "list"})
    kube.api.kinds[key] = "CustomResourceDefinition"
    crd = read_crd(crd_file)
    kube.api.put({**crd, "metadata": {**crd["metadata"], "namespace": ""}})
    repo = tmp_path / "cluster-repo"
    repo.mkdir()
    assert main(["schema", "import", "--from-cluster", "--context", "prod",
                 "--kubeconfig", str(kube.kubeconfig), "--repo", str(repo)]) == 0
    written = repo / "schemas" / "seldondeployment.v1.json"
    assert written.read_bytes() == (imported / "crds" / "seldondeployment.v1.json").read_bytes()


def test_from_cluster_without_the_crd_is_exit_2(kube: Any, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "import", "--from-cluster", "--repo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gitops-seldon schema: ") and "seldondeployments" in err, err
    assert not (tmp_path / "schemas").exists()


def test_load_repo_schema_returns_the_same_object_until_the_file_changes(
        imported: Path, tmp_path: Path) -> None:
    config = _config(imported)
    first = load_repo_schema(imported, config)
    assert first is not None and load_repo_schema(imported, config) is first
    copy_root = tmp_path / "copy"
    shutil.copytree(imported, copy_root)
    schema_file = copy_root / "crds" / "seldondeployment.v1.json"
    before = load_repo_schema(copy_root, config)
    schema_file.write_text(json.dumps({"type": "object"}), encoding="utf-8")
    after = load_repo_schema(copy_root, config)
    assert after == {"type": "object"} and after is not before
    schema_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(GitopsSeldonError, match="not a readable JSON Schema"):
        load_repo_schema(copy_root, config)
