"""render --commit through the command line, on the bundled example in a real repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gitrepo import commit_all, files_in, git, init

from gitops_seldon.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ml-platform"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "models-repo")
    shutil.copytree(EXAMPLE, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("deploy"))
    commit_all(root, "specs")
    return root


def test_render_commit_commits_the_output_then_nothing(repo: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    committed = files_in(repo)
    assert committed and all(path.startswith("deploy/") for path in committed)
    assert "deploy/overlays/prod/kustomization.yaml" in committed
    assert git(repo, "status", "--porcelain") == ""
    head = git(repo, "rev-parse", "HEAD").strip()

    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    assert git(repo, "rev-parse", "HEAD").strip() == head, "nothing changed, nothing committed"

    iris = repo / "models" / "iris.yaml"
    iris.write_text(iris.read_text().replace("replicas: 3", "replicas: 4"))
    (repo / "models" / "sentiment-hf.yaml").unlink()
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    committed = files_in(repo)
    assert "deploy/overlays/prod/patches/iris.yaml" in committed
    assert "deploy/base/sentiment-hf/seldondeployment.yaml" in committed, "deletions included"
    assert all(path.startswith("deploy/") for path in committed)
    assert git(repo, "log", "-1", "--format=%s").strip().startswith("gitops-seldon: render ")
    body = git(repo, "log", "-1", "--format=%B")
    assert "prod: iris" in body
    assert "sentiment-hf" in body, "a removed model is named in the message"
    assert "Gitops-Seldon-Spec-Digest: sha256:" in body
    status = git(repo, "status", "--porcelain")
    assert " M models/iris.yaml" in status and " D models/sentiment-hf.yaml" in status
    capsys.readouterr()


def test_render_commit_refusal_is_exit_2_with_the_reason(repo: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    (repo / "NOTES.md").write_text("staged by the user\n")
    git(repo, "add", "NOTES.md")
    assert main(["render", "--repo", str(repo), "--commit"]) == 2
    err = capsys.readouterr().err
    assert "gitops-seldon render: refusing to commit: changes outside deploy/ are staged " \
           "(NOTES.md)" in err
    assert git(repo, "diff", "--cached", "--name-only").split() == ["NOTES.md"]
    assert "Traceback" not in err
