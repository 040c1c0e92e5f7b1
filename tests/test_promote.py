"""promote on real git repositories: API and CLI make the same commits, --branch leaves the
current branch alone, failing promotions change nothing and exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gitrepo import commit_all, git, init

from gitops_seldon.api import promote
from gitops_seldon.cli import main
from gitops_seldon.promotion import PromotionError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ml-platform"


@pytest.fixture(scope="session")
def rendered_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example with its output rendered once (copied for every test)."""
    template = tmp_path_factory.mktemp("template") / "repo"
    shutil.copytree(EXAMPLE, template, ignore=shutil.ignore_patterns("deploy"))
    assert main(["render", "--repo", str(template)]) == 0
    return template


def make_repo(template: Path, where: Path) -> Path:
    root = where / "repo"
    shutil.copytree(template, root)
    init(root)
    commit_all(root, "initial: example with rendered output")
    return root


@pytest.fixture
def repo(rendered_example: Path, tmp_path: Path) -> Path:
    return make_repo(rendered_example, tmp_path)


@pytest.fixture
def twin(rendered_example: Path, tmp_path: Path) -> Path:
    return make_repo(rendered_example, tmp_path / "twin")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file outside .git: bytes and mtime."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def tree_and_message(root: Path, revision: str = "HEAD") -> tuple[str, str]:
    tree = git(root, "rev-parse", f"{revision}^{{tree}}").strip()
    message = git(root, "log", "-1", "--format=%B", revision)
    return tree, message


def cli(root: Path, *args: str) -> int:
    return main(["promote", "--repo", str(root), *args])


PROMOTIONS = [
    (["iris", "--env", "prod", "--model-uri", "s3://models/iris/v5"],
     {"model": "iris", "env": "prod", "model_uri": "s3://models/iris/v5"}),
    (["iris", "--env", "prod", "--canary", "10", "--model-uri", "s3://models/iris/v5"],
     {"model": "iris", "env": "prod", "canary": 10, "model_uri": "s3://models/iris/v5"}),
    (["iris", "--env", "staging", "--promote-canary"],
     {"model": "iris", "env": "staging", "promote_canary": True}),
    (["mnist-tf", "--model-uri", "gcs:ml-platform-models/mnist/2", "--replicas", "2"],
     {"model": "mnist-tf", "model_uri": "gcs:ml-platform-models/mnist/2", "replicas": 2}),
]


@pytest.mark.parametrize(("args", "kwargs"), PROMOTIONS, ids=["uri", "canary", "promote-canary",
                                                             "base"])
def test_api_and_cli_make_the_same_commit(repo: Path, twin: Path, args: list[str],
                                          kwargs: dict[str, object]) -> None:
    before = head(repo)
    model = str(kwargs.pop("model"))
    result = promote(repo, model, **kwargs)  # type: ignore[arg-type]
    assert cli(twin, *args, "--commit") == 0

    assert result.commit == head(repo) != before
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert tree_and_message(repo) == tree_and_message(twin)
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == sorted(result.files)
    assert result.spec_file in committed
    assert any(f.startswith("deploy/") for f in committed), "spec and output go together"
    assert git(repo, "status", "--porcelain") == ""
    # the committed output is what render makes of the committed spec
    assert main(["render", "--repo", str(repo), "--check"]) == 0


def test_promotion_result_says_what_changed(repo: Path) -> None:
    result = promote(repo, "iris", env="prod", model_uri="s3://models/iris/v5")
    assert result.changed and not result.created
    assert [str(c) for c in result.changes] == [
        "spec.environments.prod.modelUri: s3://models/iris/v5"]
    assert result.prediction_url == (
        "https://ml.example.com/seldon/models-prod/iris/api/v0.1/predictions")
    assert result.branch is None
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("gitops-seldon: promote iris (prod)\n")
    assert "prod: iris" in message
    assert "Gitops-Seldon-Spec-Digest: sha256:" in message


def test_canary_then_promote_canary_round_trip(repo: Path) -> None:
    original = (repo / "models/iris.yaml").read_bytes()
    promote(repo, "iris", env="prod", canary=10, model_uri="s3://models/iris/v5")
    promote(repo, "iris", env="prod", canary=60)
    final = promote(repo, "iris", env="prod", promote_canary=True)
    text = (repo / "models/iris.yaml").read_text()
    assert "canary" not in text.split("prod:")[1]
    assert "modelUri: s3://models/iris/v5" in text.split("prod:")[1]
    assert [str(c) for c in final.changes] == [
        "spec.environments.prod.modelUri: s3://models/iris/v5",
        "spec.environments.prod.canary: removed"]
    # everything above the prod block is as the author wrote it
    assert text.split("    prod:")[0] == original.decode().split("    prod:")[0]
    assert len(git(repo, "log", "--format=%H").split()) == 4


def test_without_commit_files_change_and_nothing_is_committed(repo: Path) -> None:
    before = head(repo)
    assert cli(repo, "iris", "--env", "dev", "--replicas", "2") == 0
    assert head(repo) == before
    changed = sorted(line[3:] for line in git(repo, "status", "--porcelain").splitlines())
    assert "models/iris.yaml" in changed
    assert any(p.startswith("deploy/") for p in changed)
    assert main(["render", "--repo", str(repo), "--check"]) == 0


def test_same_value_again_changes_and_commits_nothing(repo: Path) -> None:
    before, files = head(repo), snapshot(repo)
    result = promote(repo, "iris", model_uri="s3://models/iris/v3")
    assert not result.changed and result.commit is None and result.files == ()
    assert head(repo) == before and snapshot(repo) == files


def test_create_adds_a_model_deployed_only_in_one_environment(repo: Path) -> None:
    result = promote(repo, "wine", create=True, implementation="SKLEARN_SERVER",
                     model_uri="s3://models/wine/1", credentials="minio", env="dev")
    assert result.created and result.commit == head(repo)
    assert git(repo, "log", "-1", "--format=%s").startswith("gitops-seldon: add wine (dev)")
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "models/wine.yaml" in committed
    assert "deploy/base/wine/seldondeployment.yaml" in committed
    assert set(result.prediction_urls) == {"dev"}
    # a second run (the next pipeline run) edits the file it created
    again = promote(repo, "wine", create=True, implementation="SKLEARN_SERVER",
                    model_uri="s3://models/wine/2")
    assert [str(c) for c in again.changes] == ["spec.modelUri: s3://models/wine/1 -> "
                                               "s3://models/wine/2"]


# -- --branch ---------------------------------------------------------------------------


def test_branch_leaves_the_current_branch_and_working_tree_untouched(repo: Path,
                                                                     twin: Path) -> None:
    (repo / "notes.txt").write_text("untracked work in progress\n")
    before, files = head(repo), snapshot(repo)

    result = promote(repo, "iris", env="prod", model_uri="s3://models/iris/v5",
                     branch="promote/iris-v5")

    assert head(repo) == before
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert snapshot(repo) == files
    assert git(repo, "status", "--porcelain") == "?? notes.txt\n"
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert result.branch == "promote/iris-v5"
    assert result.commit == git(repo, "rev-parse", "promote/iris-v5").strip()
    assert git(repo, "rev-parse", "promote/iris-v5~1").strip() == before
    shown = git(repo, "show", "promote/iris-v5:models/iris.yaml")
    assert "modelUri: s3://models/iris/v5" in shown

    # the CLI makes the same branch commit
    assert cli(twin, "iris", "--env", "prod", "--model-uri", "s3://models/iris/v5",
               "--branch", "promote/iris-v5") == 0
    assert git(twin, "branch", "--show-current").strip() == "main"
    assert (tree_and_message(repo, "promote/iris-v5")
            == tree_and_message(twin, "promote/iris-v5"))


def test_branch_in_a_subdirectory_of_the_git_repository(rendered_example: Path,
                                                        tmp_path: Path) -> None:
    top = init(tmp_path / "top")
    shutil.copytree(rendered_example, top / "platform")
    (top / "README.md").write_text("monorepo\n")
    commit_all(top, "initial")
    result = promote(top / "platform", "iris", env="prod", model_uri="s3://models/iris/v5",
                     branch="promote/iris")
    committed = git(top, "show", "--name-only", "--format=", "promote/iris").split()
    assert "platform/models/iris.yaml" in committed
    assert result.files[0] == "models/iris.yaml"


def test_existing_branch_is_refused_and_nothing_changes(repo: Path) -> None:
    git(repo, "branch", "taken")
    before, files = head(repo), snapshot(repo)
    with pytest.raises(PromotionError, match="already exists"):
        promote(repo, "iris", model_uri="s3://models/iris/v5", branch="taken")
    assert head(repo) == before and snapshot(repo) == files
    assert git(repo, "rev-parse", "taken").strip() == before


def test_failed_promotion_on_a_branch_leaves_no_branch(repo: Path) -> None:
    with pytest.raises(PromotionError):
        promote(repo, "iris", env="nowhere", model_uri="s3://x/y", branch="promote/bad")
    assert git(repo, "branch", "--list", "promote/bad") == ""
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


# -- failures change nothing --------------------------------------------------------------


FAILURES = [
    (["iris", "--model-uri", "gs://models/iris/v5"], "remote"),
    (["iris", "--env", "qa", "--model-uri", "s3://models/iris/v5"], "unknown environment"),
    (["iris", "--env", "prod", "--canary", "0", "--model-uri", "s3://m/x"], "out of range"),
    (["iris", "--env", "prod", "--canary", "100", "--model-uri", "s3://m/x"], "out of range"),
    (["iris", "--env", "prod", "--canary", "150", "--model-uri", "s3://m/x"], "out of range"),
    (["wine", "--model-uri", "s3://models/wine/1"], "unknown model"),
    (["iris", "--env", "prod", "--promote-canary"], "no canary"),
    (["iris", "--model-uri", "not a uri"], "would not validate"),
    (["resnet-triton", "--env", "prod", "--model-uri", "azureblob:m/2"], "not deployed"),
    (["iris", "--replicas", "-1"], "replicas"),
    (["wine", "--create", "--model-uri", "s3://models/wine/1"], "--implementation"),
]


@pytest.mark.parametrize(("args", "reason"), FAILURES,
                         ids=[f"{a[0]}-{r.replace(' ', '-')}" for a, r in FAILURES])
def test_failing_promotion_changes_no_file_and_exits_1(
        repo: Path, args: list[str], reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    before, files = head(repo), snapshot(repo)
    assert cli(repo, *args, "--commit") == 1
    captured = capsys.readouterr()
    assert reason in captured.err
    assert captured.err.startswith("gitops-seldon promote: ")
    assert len(captured.err.strip().splitlines()) == 1, "one line with the reason"
    assert snapshot(repo) == files
    assert head(repo) == before


def test_validation_failure_reports_the_positioned_problem(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(repo, "iris", "--env", "prod", "--model-uri", "gs://models/iris/v5") == 1
    out = capsys.readouterr().out
    assert out.startswith("models/iris.yaml:")
    assert "credentials-remote" in out


def test_api_failure_is_a_promotion_error_with_problems(repo: Path) -> None:
    with pytest.raises(PromotionError) as caught:
        promote(repo, "iris", model_uri="gs://models/iris/v5")
    assert "\n" not in str(caught.value)
    assert caught.value.problems
    assert all(p.path == "models/iris.yaml" for p in caught.value.problems)


def test_commit_refusal_is_checked_before_any_file_changes(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "notes.txt").write_text("staged elsewhere\n")
    git(repo, "add", "notes.txt")
    before, files = head(repo), snapshot(repo)
    assert cli(repo, "iris", "--model-uri", "s3://models/iris/v5", "--commit") == 2
    assert "staged" in capsys.readouterr().err
    assert snapshot(repo) == files and head(repo) == before


def test_json_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["promote", "--repo", str(repo), "--format", "json", "iris", "--env",
                 "staging", "--canary", "40"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] == [{"path": "spec.environments.staging.canary.traffic",
                                "old": 20, "new": 40}]
    assert data["predictionUrl"].endswith("/seldon/models-staging/iris/api/v0.1/predictions")
    assert data["commit"] is None


def test_a_refused_commit_puts_the_spec_output_and_index_back(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text("#!/bin/sh\necho 'policy says no' >&2\nexit 1\n")
    (hooks / "pre-commit").chmod(0o755)
    before, files = head(repo), snapshot(repo)
    assert cli(repo, "iris", "--env", "prod", "--model-uri", "s3://models/iris/v5",
               "--commit") == 2
    assert "gitops-seldon promote:" in capsys.readouterr().err
    assert head(repo) == before
    assert git(repo, "status", "--porcelain") == ""
    assert {k: v[0] for k, v in snapshot(repo).items()} == {k: v[0] for k, v in files.items()}
