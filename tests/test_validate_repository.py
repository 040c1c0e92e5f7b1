"""Cross-file rules: the finer points the corpus does not spell out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_seldon.problems import Level
from gitops_seldon.validate import validate_repository
from gitops_seldon.validate.repository import uri_remote

HEADER = "apiVersion: gitops-seldon.dev/v1alpha1\n"
CONFIG = HEADER + """\
kind: Config
spec:
  environments:
    dev:
      namespace: models-dev
    prod:
      namespace: models-prod
"""


def credentials(name: str, body: str) -> str:
    return HEADER + f"kind: Credentials\nmetadata:\n  name: {name}\nspec:\n{body}"


S3 = credentials("store", "  schema: seldon_s3\n  provider: minio\n")
GCS = credentials("gcs", "  schema: seldon_gs\n  remote: gcs\n")


def model(name: str, body: str) -> str:
    return HEADER + f"kind: Model\nmetadata:\n  name: {name}\nspec:\n{body}"


def write_repo(root: Path, files: dict[str, str], config: str = CONFIG) -> Path:
    (root / "gitops-seldon.yaml").write_text(config)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check(tmp_path: Path, files: dict[str, str], config: str = CONFIG,
          ignore: frozenset[str] = frozenset({"sealed-missing"})) -> list[tuple[str, int, str]]:
    write_repo(tmp_path, files, config)
    return [(p.path, p.line, p.rule) for p in validate_repository(tmp_path)
            if p.rule not in ignore]


@pytest.mark.parametrize(("uri", "remote"), [
    ("s3://bucket/x", "s3"), ("s3:bucket/x", "s3"), ("gs://b", "gs"), ("pvc://claim/x", "pvc"),
    ("azureblob:container/path", "azureblob"), ("mys3:b", "mys3"),
])
def test_remote_is_the_part_before_the_colon(uri: str, remote: str) -> None:
    assert uri_remote(uri) == remote


@pytest.mark.parametrize("uri", ["s3://models/iris", "s3:models/iris"])
def test_both_uri_spellings_match_the_remote(tmp_path: Path, uri: str) -> None:
    files = {"credentials/store.yaml": S3, "models/iris.yaml": model(
        "iris", f"  implementation: SKLEARN_SERVER\n  modelUri: {uri}\n  credentials: store\n")}
    assert check(tmp_path, files) == []


def test_credentials_from_config_defaults_are_checked_at_the_model_uri(tmp_path: Path) -> None:
    config = CONFIG + "      defaults:\n        credentials: gcs\n"
    files = {"credentials/gcs.yaml": GCS, "models/iris.yaml": model(
        "iris", "  implementation: SKLEARN_SERVER\n  modelUri: s3://models/iris\n")}
    # dev has no credentials: s3 needs some; prod gets gcs from the defaults: wrong remote.
    assert check(tmp_path, files, config) == [("models/iris.yaml", 7, "credentials-remote"),
                                              ("models/iris.yaml", 7, "credentials-required")]


def test_explainer_and_canary_use_the_model_credentials(tmp_path: Path) -> None:
    files = {"credentials/store.yaml": S3, "models/iris.yaml": model("iris", (
        "  implementation: SKLEARN_SERVER\n  modelUri: s3://models/iris/1\n"
        "  credentials: store\n"
        "  canary:\n    modelUri: gcs://models/iris/2\n    traffic: 10\n"
        "  explainer:\n    type: AnchorTabular\n    modelUri: s3://models/explainer\n"))}
    assert check(tmp_path, files) == [("models/iris.yaml", 10, "credentials-remote")]


def test_disabled_environments_are_not_checked(tmp_path: Path) -> None:
    files = {"models/fraud.yaml": model("fraud", (
        "  implementation: custom\n  environments:\n    dev:\n      image: r.example.com/f:1\n"
        "    prod:\n      enabled: false\n"))}
    assert check(tmp_path, files) == []


def test_custom_image_from_config_defaults(tmp_path: Path) -> None:
    config = CONFIG.replace("      namespace: models-dev\n",
                            "      namespace: models-dev\n      defaults:\n"
                            "        image: r.example.com/f:dev\n")
    files = {"models/fraud.yaml": model("fraud", "  implementation: custom\n")}
    problems = check(tmp_path, files, config)
    assert problems == [("models/fraud.yaml", 6, "custom-image-missing")]
    text = validate_repository(tmp_path)[0].message
    assert text.endswith("none is set in environment(s) prod")


def test_graph_names_are_unique_at_any_depth(tmp_path: Path) -> None:
    files = {"models/iris.yaml": model("iris", (
        "  implementation: SKLEARN_SERVER\n  modelUri: gs://b/iris\n  graph:\n"
        "    name: t\n    type: TRANSFORMER\n    image: r.example.com/t:1\n    children:\n"
        "    - name: c\n      type: COMBINER\n      image: r.example.com/c:1\n      children:\n"
        "      - name: iris\n      - name: t\n        image: r.example.com/t:2\n"))}
    assert check(tmp_path, files) == [("models/iris.yaml", 18, "graph-duplicate-name")]


def test_canary_with_only_a_new_image_is_a_change(tmp_path: Path) -> None:
    files = {"models/fraud.yaml": model("fraud", (
        "  implementation: custom\n  image: r.example.com/f:1\n"
        "  canary:\n    image: r.example.com/f:2\n    traffic: 5\n"
        "  shadow:\n    image: r.example.com/f:1\n"))}
    assert check(tmp_path, files) == [("models/fraud.yaml", 11, "shadow-no-change")]


def test_variant_rules_follow_environment_overrides(tmp_path: Path) -> None:
    files = {"models/iris.yaml": model("iris", (
        "  implementation: SKLEARN_SERVER\n  modelUri: gs://b/iris/1\n"
        "  canary:\n    modelUri: gs://b/iris/2\n    traffic: 5\n"
        "  environments:\n    prod:\n      modelUri: gs://b/iris/2\n"))}
    # In prod the main predictor already serves version 2: the canary changes nothing there.
    [problem] = [p for p in validate_repository(write_repo(tmp_path, files))
                 if p.rule == "canary-no-change"]
    assert (problem.path, problem.line) == ("models/iris.yaml", 8)


def test_sealed_files_are_not_needed_for_pvc(tmp_path: Path) -> None:
    files = {"credentials/store.yaml": S3, "models/iris.yaml": model(
        "iris", "  implementation: SKLEARN_SERVER\n  modelUri: pvc://claim/iris\n"
                "  credentials: store\n")}
    problems = validate_repository(write_repo(tmp_path, files))
    assert [(p.rule, p.level) for p in problems] == [("credentials-unused", Level.WARNING)]


def test_closing_braces_alone_are_refused_too(tmp_path: Path) -> None:
    files = {"credentials/store.yaml": S3.replace("provider: minio", "provider: mi}}nio")}
    assert check(tmp_path, files) == [("credentials/store.yaml", 7, "template-braces")]


@pytest.mark.parametrize(("body", "expected"), [
    ("  schema: seldon_s3\n", [("sealed-missing", Level.ERROR)]),
    ("  schema: seldon_s3\n  env_auth: true\n", []),
    ("  schema: seldon_gs\n  remote: s3\n", [("sealed-missing", Level.WARNING)]),
    ("  schema: seldon_gs\n  remote: s3\n  anonymous: true\n", []),
    ("  schema: seldon_az\n  remote: s3\n  account: a\n", [("sealed-missing", Level.ERROR)]),
    ("  schema: seldon_az\n  remote: s3\n  use_msi: true\n", []),
    ("  schema: seldon_az\n  remote: s3\n  env_auth: true\n", []),
])
def test_keyless_credentials_need_no_sealed_file(tmp_path: Path, body: str,
                                                 expected: list[tuple[str, Level]]) -> None:
    files = {"credentials/store.yaml": credentials("store", body), "models/iris.yaml": model(
        "iris", "  implementation: SKLEARN_SERVER\n  modelUri: s3://m/iris\n"
                "  credentials: store\n")}
    problems = validate_repository(write_repo(tmp_path, files))
    assert [(p.rule, p.level) for p in problems] == expected
