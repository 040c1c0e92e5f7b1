"""gitops-seldon check: the pull-request gate on real two-commit git repositories.

The golden summary lives in tests/golden-check/summary.md; regenerate it with
``UPDATE_GOLDEN=1 pytest tests/test_check.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from gitrepo import commit_all, git, init

from gitops_seldon.cli import main

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden-check"
CERTS = HERE.parent / "examples" / "ml-platform" / "certs"
PLAINTEXT = "plaintext-never-shown-4711"
SECRET_KEYS = {"RCLONE_CONFIG_S3_ACCESS_KEY_ID": "AKIAEXAMPLE0000",
               "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "first-secret-value"}


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def seal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, root: Path,
         env: str, values: dict[str, str]) -> None:
    with monkeypatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        code, out, err = run_cli(capsys, "seal", "minio", "--repo", str(root), "--env", env)
    assert code == 0, out + err


@pytest.fixture
def two_commits(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the base specs, rendered; branch feature: the change, rendered."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
    root = init(tmp_path / "models-repo")
    shutil.copytree(GOLDEN / "base", root, dirs_exist_ok=True)
    (root / "certs").mkdir()
    for env in ("staging", "prod"):
        shutil.copy(CERTS / f"{env}.pem", root / "certs" / f"{env}.pem")
        seal(capsys, monkeypatch, root, env, SECRET_KEYS)
    assert run_cli(capsys, "render", "--repo", str(root))[0] == 0
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "feature")
    shutil.copytree(GOLDEN / "change", root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
        "DELETED"))
    for relative in (GOLDEN / "change" / "DELETED").read_text().split():
        (root / relative).unlink()
    seal(capsys, monkeypatch, root, "prod", {"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": PLAINTEXT})
    assert run_cli(capsys, "render", "--repo", str(root))[0] == 0
    commit_all(root, "change")
    return root


def normalised(summary: str, root: Path) -> str:
    base = git(root, "rev-parse", "main").strip()
    return re.sub(re.escape(base[:12]), "<base>", summary)


def test_golden_summary_against_the_base_branch(two_commits: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    summary_file = tmp_path / "step-summary.md"
    summary_file.write_text("previous step's summary\n")
    code, out, err = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main",
                             "--summary-file", str(summary_file))
    assert (code, out, err) == (0, "", "")
    written = summary_file.read_text()
    assert written.startswith("previous step's summary\n"), "the summary file is appended to"
    summary = normalised(written.removeprefix("previous step's summary\n"), two_commits)
    golden = GOLDEN / "summary.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(summary)
    assert summary == golden.read_text()
    for value in (PLAINTEXT, *SECRET_KEYS.values(), "AgB", "AgA", "AgC", "AgD"):
        assert value not in written

    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main")
    assert code == 0
    assert normalised(out, two_commits) == summary


def test_default_base_is_head_or_the_pull_requests_target(
        two_commits: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits))
    assert code == 0
    assert "No change to the rendered output in any environment." in out
    git(two_commits, "update-ref", "refs/remotes/origin/main", "main")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits))
    assert code == 0
    assert "### Changes against merge base with `origin/main`" not in out  # main is an ancestor
    assert "### Changes against `origin/main`" in out
    assert "- `wine`: added" in out


def test_merge_base_is_used_when_the_base_branch_moved_on(
        two_commits: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(two_commits, "checkout", "--quiet", "main")
    (two_commits / "models" / "late.yaml").write_text(
        (GOLDEN / "change" / "models" / "wine.yaml").read_text().replace("wine", "late"))
    assert run_cli(capsys, "render", "--repo", str(two_commits))[0] == 0
    commit_all(two_commits, "main moves on")
    git(two_commits, "checkout", "--quiet", "feature")
    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main")
    assert code == 0
    assert "Changes against merge base with `main`" in out
    assert "late" not in out, "changes made on the base branch are not this branch's"


def test_stale_output_fails_with_annotations(two_commits: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    iris = two_commits / "models" / "iris.yaml"
    iris.write_text(iris.read_text().replace("replicas: 4", "replicas: 5"))
    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main",
                           "--format", "github")
    assert code == 1
    assert ("::error file=deploy/overlays/prod/patches/iris.yaml,title=stale-output::"
            "generated file differs") in out
    assert "- Render: output is stale, 1 file(s) differ" in out
    assert "- `iris`: canary 10% (modelUri s3://models/iris/v4), cpu request 500m -> 1, " \
        "replicas 2 -> 5" in out, "the summary describes the working tree, stale or not"


def test_invalid_specs_fail_and_skip_the_summary(two_commits: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    iris = two_commits / "models" / "iris.yaml"
    iris.write_text(iris.read_text().replace("replicas: 4", "replicas: many"))
    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main")
    assert code == 1
    assert re.search(r"^models/iris\.yaml:\d+:\d+: ", out, re.MULTILINE)
    assert "- Render: not checked (fix the problems first)" in out
    assert "### Changes against" not in out


def test_unknown_base_is_exit_2(two_commits: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "nope")
    assert code == 2
    assert err.strip() == "gitops-seldon check: unknown revision 'nope'"


def test_base_without_a_repository_shows_everything_as_new(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = init(tmp_path / "fresh")
    (root / "README.md").write_text("empty start\n")
    commit_all(root, "empty")
    shutil.copytree(GOLDEN / "base", root, dirs_exist_ok=True)
    (root / "certs").mkdir()
    for env in ("staging", "prod"):
        shutil.copy(CERTS / f"{env}.pem", root / "certs" / f"{env}.pem")
        seal(capsys, monkeypatch, root, env, SECRET_KEYS)
    assert run_cli(capsys, "render", "--repo", str(root))[0] == 0
    code, out, _ = run_cli(capsys, "check", "--repo", str(root))
    assert code == 0
    assert "- Base: no gitops-seldon.yaml at" in out
    assert ("#### prod (new environment)\n\n"
            "- `iris`: added (SKLEARN\\_SERVER, modelUri s3://models/iris/v3") in out
    assert "- SealedSecret `minio`: added (sealed keys: RCLONE\\_CONFIG\\_S3\\_ACCESS" in out


def test_json_format_is_one_document(two_commits: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, _ = run_cli(capsys, "check", "--repo", str(two_commits), "--base", "main",
                           "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["problems"] == [] and document["stale"] == []
    assert document["base"]["ref"] == "main" and document["base"]["mergeBase"] is False
    prod = next(e for e in document["environments"] if e["environment"] == "prod")
    wine = next(c for c in prod["changes"] if c["name"] == "wine")
    assert wine["action"] == "added"
    assert document["summary"].startswith("## gitops-seldon check")
    assert PLAINTEXT not in out


def test_without_git_the_gate_still_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "not-in-git"
    shutil.copytree(GOLDEN / "base", root)
    (root / "certs").mkdir()
    for env in ("staging", "prod"):
        shutil.copy(CERTS / f"{env}.pem", root / "certs" / f"{env}.pem")
        seal(capsys, monkeypatch, root, env, SECRET_KEYS)
    assert run_cli(capsys, "render", "--repo", str(root))[0] == 0
    code, out, _ = run_cli(capsys, "check", "--repo", str(root))
    assert code == 0
    assert "- Summary: not computed (" in out and "is not inside a git repository" in out
    assert "### Changes against" not in out
    code, _, err = run_cli(capsys, "check", "--repo", str(root), "--base", "main")
    assert code == 2 and "is not inside a git repository" in err


def test_github_annotations_are_placed_from_the_top_of_the_git_repository(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    top = init(tmp_path / "monorepo")
    root = top / "ml"
    shutil.copytree(GOLDEN / "base", root)
    (root / "certs").mkdir()
    for env in ("staging", "prod"):
        shutil.copy(CERTS / f"{env}.pem", root / "certs" / f"{env}.pem")
        seal(capsys, monkeypatch, root, env, SECRET_KEYS)
    assert run_cli(capsys, "render", "--repo", str(root))[0] == 0
    commit_all(top, "models in a subdirectory")
    iris = root / "models" / "iris.yaml"
    iris.write_text(iris.read_text().replace("replicas: 2", "replicas: many"))
    code, out, _ = run_cli(capsys, "check", "--repo", str(root), "--format", "github")
    assert code == 1
    assert re.search(r"^::error file=ml/models/iris\.yaml,line=\d+,col=\d+,", out, re.MULTILINE)
    code, out, _ = run_cli(capsys, "check", "--repo", str(root))
    assert re.search(r"^models/iris\.yaml:\d+:\d+: ", out, re.MULTILINE), "text: as validate"
