"""Planning: each Model feature lands where Seldon reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from render_repo import EXAMPLE

from gitops_seldon.load import Repository
from gitops_seldon.plan import PlannedObject, plan_environment, plan_repository
from gitops_seldon.write import load


@pytest.fixture(scope="module")
def repo() -> Repository:
    return load(EXAMPLE)


def sdep(repo: Repository, env: str, name: str) -> dict[str, Any]:
    found = [p for p in plan_environment(repo, env) if p.name == name
             and p.kind == "SeldonDeployment"]
    assert len(found) == 1
    return found[0].obj


def test_plan_repository_covers_every_environment(repo: Repository) -> None:
    plan = plan_repository(repo)
    assert sorted(plan) == ["dev", "prod", "staging"]
    assert plan_repository(repo, ["prod"]).keys() == {"prod"}
    first = plan["dev"][0]
    assert isinstance(first, PlannedObject)
    assert [(p.kind, p.name) for p in plan["dev"]] == sorted((p.kind, p.name) for p in plan["dev"])
    assert {p.namespace for p in plan["dev"]} == {"models-dev"}
    assert {p.env for p in plan["dev"]} == {"dev"}


def test_labels_annotations_and_digest(repo: Repository) -> None:
    obj = sdep(repo, "prod", "iris")
    meta = obj["metadata"]
    assert obj["apiVersion"] == "machinelearning.seldon.io/v1"
    assert meta["namespace"] == "models-prod"
    assert meta["labels"] == {"app.kubernetes.io/managed-by": "gitops-seldon",
                              "app.kubernetes.io/name": "iris",
                              "gitops-seldon.dev/environment": "prod",
                              "team": "data-science"}
    assert meta["annotations"]["gitops-seldon.dev/source"] == "models/iris.yaml"
    digest = meta["annotations"]["gitops-seldon.dev/spec-digest"]
    assert digest.startswith("sha256:") and len(digest) == 71
    assert digest != sdep(repo, "dev", "iris")["metadata"]["annotations"][
        "gitops-seldon.dev/spec-digest"]


def test_prepackaged_server_and_credentials(repo: Repository) -> None:
    main = sdep(repo, "dev", "iris")["spec"]["predictors"][0]
    assert main["name"] == "main"
    graph = main["graph"]
    assert graph["implementation"] == "SKLEARN_SERVER"
    assert graph["modelUri"] == "s3://models/iris/v3"
    assert graph["envSecretRefName"] == "minio"
    assert graph["name"] == "iris"
    # resources (config default in dev) go on the model container, not engineResources
    assert "engineResources" not in main
    container = main["componentSpecs"][0]["spec"]["containers"][0]
    assert container == {"name": "iris", "resources": {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "256Mi"}}}
    assert main["explainer"] == {"type": "AnchorTabular",
                                 "modelUri": "s3://models/iris/v3-explainer",
                                 "envSecretRefName": "minio"}


def test_protocols(repo: Repository) -> None:
    assert sdep(repo, "dev", "churn-xgb")["spec"]["protocol"] == "v2"
    assert sdep(repo, "dev", "resnet-triton")["spec"]["protocol"] == "v2"
    assert sdep(repo, "dev", "mnist-tf")["spec"]["protocol"] == "seldon"
    assert "protocol" not in sdep(repo, "dev", "iris")["spec"]


def test_canary_splits_traffic(repo: Repository) -> None:
    predictors = sdep(repo, "staging", "iris")["spec"]["predictors"]
    assert [(p["name"], p["traffic"]) for p in predictors] == [("main", 80), ("canary", 20)]
    assert predictors[1]["graph"]["modelUri"] == "s3://models/iris/v4"
    assert "explainer" not in predictors[1]
    assert [p["name"] for p in sdep(repo, "dev", "iris")["spec"]["predictors"]] == ["main"]
    assert "traffic" not in sdep(repo, "dev", "iris")["spec"]["predictors"][0]


def test_shadow_mirrors(repo: Repository) -> None:
    predictors = sdep(repo, "staging", "churn-xgb")["spec"]["predictors"]
    assert [p["name"] for p in predictors] == ["main", "shadow"]
    assert predictors[1]["shadow"] is True
    assert predictors[1]["traffic"] == 50
    assert "traffic" not in predictors[0]


def test_custom_image_gets_container_and_secret(repo: Repository) -> None:
    predictors = sdep(repo, "prod", "fraud-custom")["spec"]["predictors"]
    main, canary = predictors
    assert "implementation" not in main["graph"]
    assert main["graph"]["envSecretRefName"] == "azure-blob"
    assert main["graph"]["modelUri"] == "azureblob:models/fraud/1.8.1"
    assert main["graph"]["logger"]["mode"] == "request"
    pod = main["componentSpecs"][0]["spec"]
    assert pod["serviceAccountName"] == "fraud-model"
    assert pod["containers"][0]["image"] == "registry.example.com/payments/fraud-model:1.8.1"
    assert pod["containers"][0]["env"] == [{"name": "FRAUD_THRESHOLD", "value": "0.82"}]
    assert canary["componentSpecs"][0]["spec"]["containers"][0]["image"].endswith(":1.8.2")
    assert (main["traffic"], canary["traffic"]) == (90, 10)


def test_hpa_and_pdb(repo: Repository) -> None:
    component = sdep(repo, "prod", "churn-xgb")["spec"]["predictors"][0]["componentSpecs"][0]
    assert component["hpaSpec"] == {"minReplicas": 2, "maxReplicas": 8, "metricsv2": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 60}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "Utilization", "averageUtilization": 80}}}]}
    assert component["pdbSpec"] == {"maxUnavailable": 1}  # prod default
    assert "pdbSpec" not in sdep(repo, "dev", "churn-xgb")["spec"]["predictors"][0][
        "componentSpecs"][0]


def test_graph_nodes(repo: Repository) -> None:
    main = sdep(repo, "dev", "reviews")["spec"]["predictors"][0]
    graph = main["graph"]
    assert (graph["name"], graph["type"]) == ("tokenize", "TRANSFORMER")
    output = graph["children"][0]
    assert output["type"] == "OUTPUT_TRANSFORMER"
    router = output["children"][0]
    assert router["implementation"] == "RANDOM_ABTEST"
    assert router["parameters"] == [{"name": "ratioA", "type": "FLOAT", "value": "0.5"}]
    model, combiner = router["children"]
    assert model["implementation"] == "SKLEARN_SERVER"
    assert model["envSecretRefName"] == "minio"
    assert combiner["type"] == "COMBINER"
    component = main["componentSpecs"][0]
    assert component["metadata"] == {"name": "graph"}
    assert [c["name"] for c in component["spec"]["containers"]] == [
        "tokenize", "postprocess", "classifier", "ensemble", "lexicon", "embedding"]


def test_disabled_model_renders_nothing(repo: Repository) -> None:
    assert "resnet-triton" not in [p.name for p in plan_environment(repo, "prod")]


def test_sealed_secrets_get_clear_values_as_template_data(repo: Repository) -> None:
    sealed = [p for p in plan_environment(repo, "dev") if p.kind == "SealedSecret"]
    assert [p.name for p in sealed] == ["azure-blob", "gcs-models", "minio"]
    gcs = next(p for p in sealed if p.name == "gcs-models")
    assert gcs.source == "credentials/gcs-models.yaml"
    data = gcs.obj["spec"]["template"]["data"]
    assert data["RCLONE_CONFIG_GCS_TYPE"] == "google cloud storage"
    assert data["RCLONE_CONFIG_GCS_ANONYMOUS"] == "false"
    assert not set(data) & set(gcs.obj["spec"]["encryptedData"])
    assert gcs.obj["metadata"]["namespace"] == "models-dev"
    assert gcs.obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "gitops-seldon"


def test_missing_sealed_file_is_left_out(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    (root / "credentials/sealed/dev/minio.yaml").unlink()
    names = [p.name for p in plan_environment(load(root), "dev") if p.kind == "SealedSecret"]
    assert names == ["azure-blob", "gcs-models"]


def test_keyless_credentials_still_get_a_secret(tmp_path: Path, kubectl: str) -> None:
    """env_auth needs no sealed value, but the storage initializer reads RCLONE_CONFIG_*
    from the Secret the SeldonDeployment names: render places one with clear fields only."""
    import shutil
    import subprocess

    from gitops_seldon.cli import main

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    shutil.rmtree(root / "credentials/sealed")
    minio = root / "credentials/minio.yaml"
    minio.write_text(minio.read_text().replace("env_auth: false", "env_auth: true"))
    placed = {p.name: p for p in plan_environment(load(root), "dev")
              if p.kind == "SealedSecret"}
    assert sorted(placed) == ["minio"]  # the keyed ones have nothing sealed: left out
    secret = placed["minio"].obj
    assert secret["spec"]["encryptedData"] == {}
    assert secret["spec"]["template"]["data"]["RCLONE_CONFIG_S3_ENV_AUTH"] == "true"
    assert secret["spec"]["template"]["data"]["RCLONE_CONFIG_S3_TYPE"] == "s3"
    iris = sdep(load(root), "dev", "iris")
    assert iris["spec"]["predictors"][0]["graph"]["envSecretRefName"] == "minio"

    for path in (root / "models").glob("*.yaml"):  # keep only models on minio
        if "credentials: minio" not in path.read_text():
            path.unlink()
    assert main(["render", "--repo", str(root)]) == 0
    built = subprocess.run([kubectl, "kustomize", str(root / "deploy/overlays/dev")],
                           capture_output=True, text=True, check=True).stdout
    assert "kind: SealedSecret" in built and "RCLONE_CONFIG_S3_ENV_AUTH" in built
    assert main(["validate", "--repo", str(root), str(root / "deploy")]) == 0
