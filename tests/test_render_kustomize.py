"""Every rendered overlay builds with real ``kubectl kustomize``, builds exactly what
``plan_environment`` says, and every SeldonDeployment in the build passes the CRD schema
(converted from the upstream CRD) and Seldon's admission and reconcile rules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from render_repo import EXAMPLE, make_repo

from gitops_seldon.crd_schema import crd_versions, read_crd
from gitops_seldon.plan import plan_environment
from gitops_seldon.problems import Level
from gitops_seldon.validate.seldon import check_seldondeployment
from gitops_seldon.write import load, render


def kustomize(kubectl: str, overlay: Path) -> list[dict[str, Any]]:
    built = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True,
                           text=True, check=False)
    assert built.returncode == 0, built.stderr
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@pytest.fixture(scope="module")
def crd_schema(reference: Path) -> dict[str, Any]:
    return crd_versions(read_crd(reference / "seldon" / "seldondeployment-crd.yaml"))["v1"]


def assert_builds_as_planned(kubectl: str, root: Path, output: Path,
                             schema: dict[str, Any]) -> int:
    import jsonschema

    repo = load(root)
    validator = jsonschema.Draft202012Validator(schema)
    checked = 0
    for env in repo.environments:
        built = kustomize(kubectl, output / "overlays" / env)
        got = {(d["kind"], d["metadata"]["name"]): d for d in built}
        want = {(p.kind, p.name): p.obj for p in plan_environment(repo, env)}
        assert sorted(got) == sorted(want)
        for key, obj in want.items():
            assert got[key] == obj, key
        for obj in built:
            if obj["kind"] != "SeldonDeployment":
                continue
            errors = [e.message for e in validator.iter_errors(obj)]
            assert errors == [], (obj["metadata"]["name"], errors)
            findings = [f for f in check_seldondeployment(obj) if f.level is Level.ERROR]
            assert findings == [], (env, obj["metadata"]["name"], findings)
            checked += 1
    return checked


def test_example_overlays_build_as_planned(tmp_path: Path, kubectl: str,
                                           crd_schema: dict[str, Any]) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    render(root, root / "deploy")
    checked = assert_builds_as_planned(kubectl, root, root / "deploy", crd_schema)
    assert checked == 20  # 7 models x 3 environments, one disabled in prod


def test_committed_example_output_builds(kubectl: str, crd_schema: dict[str, Any]) -> None:
    project = EXAMPLE.parent.parent
    assert_builds_as_planned(kubectl, EXAMPLE, project / "overlays", crd_schema)


def test_generated_200_model_repository(tmp_path: Path, kubectl: str,
                                        crd_schema: dict[str, Any]) -> None:
    root = make_repo(tmp_path / "repo", 200)
    result = render(root)
    assert result.written
    checked = assert_builds_as_planned(kubectl, root, root / "deploy", crd_schema)
    assert checked == 200 * 3 - 40  # every fifth model is not deployed to prod


def test_other_overlays_still_build_after_an_env_subset_render(tmp_path: Path,
                                                               kubectl: str) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    render(root)
    (root / "models" / "resnet-triton.yaml").unlink()  # deployed in dev and staging
    render(root, envs=["dev"])
    overlays = root / "deploy" / "overlays"
    names = {env: [d["metadata"]["name"] for d in kustomize(kubectl, overlays / env)]
             for env in ("dev", "prod", "staging")}
    assert "resnet-triton" not in names["dev"]
    assert "resnet-triton" in names["staging"]  # stale until staging is rendered
    render(root)
    assert not (root / "deploy/base/resnet-triton").exists()
    assert "resnet-triton" not in [
        d["metadata"]["name"] for d in kustomize(kubectl, root / "deploy/overlays/staging")]
