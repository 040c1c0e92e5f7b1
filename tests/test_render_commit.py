"""render --commit, in a real git repository: only the output is committed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gitrepo import commit_all, files_in, git, init
from render_repo import EXAMPLE

from gitops_seldon.cli import main


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    for item in EXAMPLE.iterdir():
        if item.is_dir():
            shutil.copytree(item, root / item.name)
        else:
            shutil.copy(item, root / item.name)
    commit_all(root, "specs")
    return root


def test_render_commit_commits_the_output_only(repo: Path) -> None:
    (repo / "notes.txt").write_text("not part of the render\n")
    git(repo, "add", "notes.txt")
    git(repo, "reset", "--quiet", "notes.txt")  # untracked, must stay out of the commit
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    committed = files_in(repo)
    assert committed and all(path.startswith("deploy/") for path in committed)
    message = git(repo, "log", "-1", "--format=%B")
    assert "iris" in message and "Gitops-Seldon-Spec-Digest: sha256:" in message
    head = git(repo, "rev-parse", "HEAD")
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    assert git(repo, "rev-parse", "HEAD") == head  # nothing changed, nothing committed


def test_render_commit_names_the_changed_model(repo: Path) -> None:
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    model = repo / "models" / "churn-xgb.yaml"
    model.write_text(model.read_text().replace("2026-11-01", "2026-11-24"))
    commit_all(repo, "new churn model")
    assert main(["render", "--repo", str(repo), "--commit"]) == 0
    subject = git(repo, "log", "-1", "--format=%s").strip()
    assert subject == "gitops-seldon: render churn-xgb (dev, prod, staging)"
    assert files_in(repo) == ["deploy/base/churn-xgb/seldondeployment.yaml",
                              "deploy/overlays/dev/patches/churn-xgb.yaml",
                              "deploy/overlays/prod/patches/churn-xgb.yaml",
                              "deploy/overlays/staging/patches/churn-xgb.yaml"]
