"""verify on the bundled example (examples/ml-platform): desired state from the plan in
memory, three environments at once against the emulator, and the same answer from
``kubectl kustomize`` output given with ``-f``."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kube_emulator import Kube, use_emulator, write_kubeconfig
from kubernetes import client, config

from gitops_seldon.cli import main
from gitops_seldon.load import load_repository
from gitops_seldon.plan import plan_environment

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"
OVERLAYS = PROJECT / "overlays" / "overlays"
PLURALS = {"SeldonDeployment": ("machinelearning.seldon.io", "v1", "seldondeployments"),
           "SealedSecret": ("bitnami.com", "v1alpha1", "sealedsecrets")}


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kube]:
    for running in use_emulator(tmp_path, monkeypatch):
        # the example's kubeContexts
        kubeconfig = write_kubeconfig(tmp_path / "example-kubeconfig", running.url,
                                      contexts=("kind-dev", "staging", "prod"),
                                      current="kind-dev")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        yield Kube(running.api, running.url, kubeconfig)


def planned() -> dict[str, list[dict[str, Any]]]:
    repo = load_repository(EXAMPLE)
    assert not isinstance(repo, tuple)
    return {env: [p.obj for p in plan_environment(repo, env)] for env in repo.environments}


def apply_everything(kube: Kube) -> dict[str, list[dict[str, Any]]]:
    objects = planned()
    api = config.new_client_from_config(config_file=str(kube.kubeconfig))
    custom = client.CustomObjectsApi(api)
    for items in objects.values():
        for obj in items:
            group, version, plural = PLURALS[obj["kind"]]
            namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
            custom.create_namespaced_custom_object(group, version, namespace, plural,
                                                   copy.deepcopy(obj))
            if obj["kind"] == "SeldonDeployment":
                kube.api.edit(obj["kind"], namespace, name,
                              lambda o: o.update(status={"state": "Available"}))
            else:
                kube.api.edit(obj["kind"], namespace, name, lambda o: o.update(status={
                    "observedGeneration": 1,
                    "conditions": [{"type": "Synced", "status": "True"}]}))
                keys = [*obj["spec"]["encryptedData"], *obj["spec"]["template"].get("data", {})]
                kube.api.put({"apiVersion": "v1", "kind": "Secret",
                              "metadata": {"name": name, "namespace": namespace},
                              "data": dict.fromkeys(keys, "ZmFrZQ==")})
    return objects


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", "--repo", str(EXAMPLE), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_the_applied_example_is_in_sync_in_every_environment(
        kube: Kube, capsys: pytest.CaptureFixture[str]) -> None:
    objects = apply_everything(kube)
    kube.api.requests = 0
    code, out = run(capsys)
    assert code == 0, out
    assert out.splitlines() == [
        f"{env} (namespace models-{env}; context {context}): "
        f"in sync ({len(objects[env])} objects)"
        for env, context in (("dev", "kind-dev"), ("prod", "prod"), ("staging", "staging"))
    ]
    assert kube.api.requests == 9  # 3 lists per environment, whatever the number of objects


def test_drift_in_one_environment_only(kube: Kube, capsys: pytest.CaptureFixture[str]) -> None:
    apply_everything(kube)
    kube.api.edit("SeldonDeployment", "models-prod", "iris",
                  lambda o: o["spec"]["predictors"][0].update(replicas=7))
    orphan = copy.deepcopy(kube.api.get("SeldonDeployment", "models-staging", "iris"))
    assert orphan is not None
    orphan["metadata"]["name"] = "iris-old"
    kube.api.put(orphan)
    code, out = run(capsys, "--format", "json")
    assert code == 1
    report = json.loads(out)
    found = {e["name"]: [(o["action"], o["name"]) for o in e["objects"]]
             for e in report["environments"]}
    assert found == {"dev": [], "prod": [("changed", "iris")],
                     "staging": [("orphaned", "iris-old")]}
    [iris] = report["environments"][1]["objects"]
    assert [c["path"] for c in iris["changes"]] == ["spec.predictors[main].replicas"]
    assert iris["source"] == "models/iris.yaml"


def test_one_environment_with_env(kube: Kube, capsys: pytest.CaptureFixture[str]) -> None:
    apply_everything(kube)
    code, out = run(capsys, "--env", "prod")
    assert code == 0, out
    assert out.startswith("prod (namespace models-prod; context prod): in sync")


def test_kustomize_output_verifies_like_the_plan(kube: Kube, kubectl: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    apply_everything(kube)
    built = subprocess.run([kubectl, "kustomize", str(OVERLAYS / "prod")], capture_output=True,
                           text=True, check=True).stdout
    path = tmp_path / "prod.yaml"
    path.write_text(built)
    code, out = run(capsys, "--env", "prod", "-f", str(path))
    assert code == 0, out
    kube.api.edit("SealedSecret", "models-prod", "minio",
                  lambda o: o["spec"]["encryptedData"].update(
                      RCLONE_CONFIG_S3_ACCESS_KEY_ID="Ag=="))
    code, out = run(capsys, "--env", "prod", "-f", str(path), "--no-diff")
    assert code == 1
    assert out.splitlines()[1:] == [
        "  changed   SealedSecret models-prod/minio",
        "      encrypted value of RCLONE_CONFIG_S3_ACCESS_KEY_ID differs",
        # the edit bumped the generation; the controller has not caught up
        "  unhealthy SealedSecret models-prod/minio: Progressing: the controller has seen "
        "generation 1, not 2",
    ]


def test_unknown_environment_is_a_usage_error(kube: Kube, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    code = main(["verify", "--repo", str(EXAMPLE), "--env", "qa"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == ("gitops-seldon verify: unknown environment 'qa' (the config has: dev, prod, "
                   "staging)\n")


def test_config_ignore_rules_and_timeout(kube: Kube, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    config_file = repo / "gitops-seldon.yaml"
    config_file.write_text(config_file.read_text() + (
        "  verify:\n"
        "    timeoutSeconds: 0.3\n"
        "    ignore:\n"
        "      - /spec/predictors/*/replicas\n"))
    apply_everything(kube)
    kube.api.edit("SeldonDeployment", "models-prod", "iris",
                  lambda o: o["spec"]["predictors"][0].update(replicas=7))
    assert main(["verify", "--repo", str(repo), "--env", "prod"]) == 0
    assert main(["verify", "--repo", str(repo), "--env", "prod", "--ignore",
                 "/metadata/labels"]) == 0
    kube.api.edit("SeldonDeployment", "models-prod", "iris",
                  lambda o: o["spec"]["predictors"][0]["graph"].update(modelUri="s3://x/y"))
    assert main(["verify", "--repo", str(repo), "--env", "prod"]) == 1
    capsys.readouterr()
    kube.api.fail(delay=1.0)
    assert main(["verify", "--repo", str(repo), "--env", "prod"]) == 2
    out = capsys.readouterr().out
    assert out.endswith(f"could not tell: timed out after 0.3s waiting for {kube.url}\n")
