"""Arbitrary input never crashes the loader or the validator.

Bytes and YAML trees go through ``source.load_file``, ``validate.validate`` and the CLI
(``main``, in-process). The only allowed outcomes are "valid" or reported problems: no
exception escapes, and the CLI never answers with exit 2 (internal error).
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from gitops_seldon.cli import main
from gitops_seldon.problems import Problem
from gitops_seldon.source import load_file
from gitops_seldon.validate import validate, validate_repository

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

CONFIG = """\
apiVersion: gitops-seldon.dev/v1alpha1
kind: Config
spec:
  environments:
    dev:
      namespace: models-dev
    prod:
      namespace: models-prod
      defaults:
        replicas: 2
"""
CREDENTIALS = """\
apiVersion: gitops-seldon.dev/v1alpha1
kind: Credentials
metadata:
  name: store
spec:
  schema: seldon_s3
  provider: minio
"""

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["SKLEARN_SERVER", "custom", "MODEL", "TRANSFORMER", "s3://b/x", "gs:x",
                     "pvc://p/x", "store", "dev", "prod", "v2", "tensorflow", "{{ x }}", "1Gi",
                     "500m", "INT", "all", "seldon_gs", "seldon_az", "SeldonDeployment"]),
)
keys = st.one_of(
    st.text(min_size=1, max_size=12),
    st.sampled_from(["name", "implementation", "modelUri", "image", "credentials", "graph",
                     "children", "type", "canary", "shadow", "explainer", "traffic",
                     "environments", "enabled", "replicas", "parameters", "value", "protocol",
                     "predictors", "componentSpecs", "containers", "hpa", "pdb", "logger",
                     "resources", "requests", "limits", "env", "schema", "remote"]),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)
model_documents = st.builds(
    lambda spec, name: {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Model",
                        "metadata": {"name": name}, "spec": spec},
    st.dictionaries(keys, trees, max_size=8)
    | st.fixed_dictionaries({"implementation": st.sampled_from(["SKLEARN_SERVER", "custom",
                                                                  "TRITON_SERVER"])},
                            optional={"modelUri": scalars, "credentials": scalars,
                                      "graph": trees, "canary": trees, "shadow": trees,
                                      "explainer": trees, "environments": trees,
                                      "protocol": scalars, "image": scalars}),
    st.sampled_from(["fuzz", "Fuzz", "a" * 70]),
)
manifests = st.builds(
    lambda spec, kind: {"apiVersion": "machinelearning.seldon.io/v1", "kind": kind,
                        "metadata": {"name": "fuzz"}, "spec": spec},
    trees, st.sampled_from(["SeldonDeployment", "SealedSecret", "Secret"]),
)


def dump(tree: Any) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.dump(tree, stream)
    return stream.getvalue()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-repo")
    (root / "gitops-seldon.yaml").write_text(CONFIG)
    (root / "models").mkdir()
    (root / "credentials").mkdir()
    (root / "credentials" / "store.yaml").write_text(CREDENTIALS)
    return root


@pytest.fixture(scope="module")
def loose(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-loose")


def run_cli(*argv: str) -> int:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    assert code in (0, 1), f"exit {code}: {err.getvalue()}"
    return code


def check_all_ways(path: Path, root: Path) -> None:
    documents, problems = load_file(path)
    assert all(isinstance(p, Problem) for p in problems)
    assert isinstance(documents, list)
    found = validate([path], root)
    assert all(isinstance(p, Problem) for p in found)
    run_cli("validate", "--repo", str(root), str(path))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_a_loose_file(loose: Path, data: bytes) -> None:
    path = loose / "input.yaml"
    path.write_bytes(data)
    check_all_ways(path, loose)


@FUZZ
@given(st.binary(max_size=400) | trees.map(lambda t: dump(t).encode()))
def test_arbitrary_input_as_a_model_file(repo: Path, data: bytes) -> None:
    path = repo / "models" / "fuzz.yaml"
    path.write_bytes(data)
    try:
        check_all_ways(path, repo)
        run_cli("validate", "--repo", str(repo))
        run_cli("validate", "--secrets-only", str(path))
    finally:
        path.unlink()


@FUZZ
@given(model_documents)
def test_model_shaped_trees(repo: Path, document: dict[str, Any]) -> None:
    path = repo / "models" / "fuzz.yaml"
    path.write_text(dump(document))
    try:
        check_all_ways(path, repo)
        assert all(isinstance(p, Problem) for p in validate_repository(repo))
    finally:
        path.unlink()


@FUZZ
@given(manifests | trees)
def test_manifest_shaped_trees(loose: Path, document: Any) -> None:
    path = loose / "manifest.yaml"
    path.write_text(dump(document))
    check_all_ways(path, loose)
    run_cli("validate", "--secrets-only", str(path))


ROLES = ["gitops-seldon.yaml", "credentials/store.yaml", "credentials/sealed/dev/store.yaml"]


@FUZZ
@given(st.sampled_from(ROLES),
       st.binary(max_size=300) | trees.map(lambda t: dump(t).encode())
       | manifests.map(lambda t: dump(t).encode()))
def test_arbitrary_config_credentials_and_sealed_files(
        tmp_path_factory: pytest.TempPathFactory, role: str, data: bytes) -> None:
    root = tmp_path_factory.mktemp("fuzz-roles")
    (root / "models").mkdir()
    (root / "models" / "iris.yaml").write_text(
        "apiVersion: gitops-seldon.dev/v1alpha1\nkind: Model\nmetadata:\n  name: iris\n"
        "spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://m/iris\n"
        "  credentials: store\n")
    (root / "gitops-seldon.yaml").write_text(CONFIG)
    (root / "credentials").mkdir()
    (root / "credentials" / "store.yaml").write_text(CREDENTIALS)
    path = root / role
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert all(isinstance(p, Problem) for p in validate_repository(root))
    check_all_ways(path, root)
