"""gitops-seldon status: models, URIs and prediction URLs per environment, from git alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_seldon.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ml-platform"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["status", "--repo", str(EXAMPLE), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_lists_every_environment_with_uris_and_urls(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("dev (namespace models-dev): 7 model(s)\n")
    assert "prod (namespace models-prod): 6 model(s)\n" in out
    staging = out.split("staging (namespace")[1]
    assert "\n  iris  SKLEARN_SERVER  seldon  replicas 1\n" in staging
    assert "  main    s3://models/iris/v3  80%" in staging
    assert "  canary  s3://models/iris/v4  20%" in staging
    assert ("  url     https://staging.ml.example.com/seldon/models-staging/iris/api/v0.1/"
            "predictions") in staging
    assert "  shadow  s3://models/churn/2026-11-20  mirrors 50%" in staging
    assert "  not deployed here: resnet-triton" in out.split("prod (namespace")[1]


def test_env_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--env", "prod")
    assert code == 0
    assert out.startswith("prod (namespace models-prod)")
    assert "models-dev" not in out and "models-staging" not in out


def test_json_is_the_same_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", "--env", "staging")
    assert code == 0
    data = json.loads(out)
    assert [e["name"] for e in data["environments"]] == ["staging"]
    iris = next(d for d in data["deployments"] if d["model"] == "iris")
    assert iris["main"] == {"modelUri": "s3://models/iris/v3", "image": None, "traffic": 80,
                            "replicas": 1}
    assert iris["canary"]["modelUri"] == "s3://models/iris/v4"
    assert iris["canary"]["traffic"] == 20
    assert iris["predictionUrl"].endswith("/seldon/models-staging/iris/api/v0.1/predictions")
    assert iris["source"] == "models/iris.yaml"
    assert {d["env"] for d in data["deployments"]} == {"staging"}
    assert data["problems"] == []


def test_unknown_environment_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--env", "qa")
    assert code == 2 and out == ""
    assert "unknown environment 'qa'" in err


def test_broken_model_is_reported_and_exits_1(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "gitops-seldon.yaml").write_text(
        (Path(__file__).parent / "golden-promote" / "gitops-seldon.yaml").read_text())
    (tmp_path / "models" / "iris.yaml").write_text(
        "apiVersion: gitops-seldon.dev/v1alpha1\nkind: Model\nmetadata: {name: iris}\n"
        "spec: {implementation: SKLEARN_SERVER, modelUri: 'gs://b/iris'}\n")
    (tmp_path / "models" / "broken.yaml").write_text("kind: Model\nspec: [\n")
    code = main(["status", "--repo", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "  iris  SKLEARN_SERVER" in captured.out
    assert captured.err.startswith("models/broken.yaml:")


def test_no_repository_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--repo", str(tmp_path)]) == 2
    assert "gitops-seldon.yaml" in capsys.readouterr().err


def test_ref_reads_a_git_revision_not_the_working_tree(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from gitrepo import commit_all, init

    top = init(tmp_path / "top")
    root = top / "platform"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    commit_all(top, "initial")
    spec = root / "models" / "iris.yaml"
    spec.write_text(spec.read_text().replace("s3://models/iris/v3", "s3://models/iris/v9"))

    assert main(["status", "--repo", str(root), "--env", "dev"]) == 0
    assert "main    s3://models/iris/v9" in capsys.readouterr().out
    assert main(["status", "--repo", str(root), "--env", "dev", "--ref", "HEAD"]) == 0
    assert "main    s3://models/iris/v3" in capsys.readouterr().out
    assert main(["status", "--repo", str(root), "--ref", "no-such-branch"]) == 2
    assert "no-such-branch" in capsys.readouterr().err
