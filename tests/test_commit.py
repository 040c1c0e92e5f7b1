"""render --commit: exactly the output paths, or a refusal with the reason (real git)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import subprocess
import time
from pathlib import Path

import pytest
from gitrepo import commit_all, files_in, git, init, write

from gitops_seldon.commit import (
    DIGEST_TRAILER,
    LOCK_FILE,
    DetachedHead,
    LockTimeout,
    MissingIdentity,
    OperationInProgress,
    OtherChangesStaged,
    commit_lock,
    commit_message,
    commit_render,
)
from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.vcs import GitError, NotAGitRepository

DIGEST = "sha256:" + "ab" * 32
CHANGED = {"prod": ["iris"], "staging": ["iris", "wine"]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    write(root / "gitops-seldon.yaml", "kind: Config\n")
    write(root / "models/iris.yaml", "kind: Model\n")
    write(root / "deploy/base/iris/seldondeployment.yaml", "iris: 1\n")
    write(root / "deploy/base/old/seldondeployment.yaml", "old: 1\n")
    write(root / "deploy/overlays/prod/kustomization.yaml", "resources: []\n")
    commit_all(root, "initial")
    return root


def render_change(root: Path) -> None:
    """What a render that changed iris, added wine and pruned old leaves on disk."""
    write(root / "deploy/base/iris/seldondeployment.yaml", "iris: 2\n")
    write(root / "deploy/base/wine/seldondeployment.yaml", "wine: 1\n")
    (root / "deploy/base/old/seldondeployment.yaml").unlink()
    (root / "deploy/base/old").rmdir()


def test_commits_exactly_the_output_paths_including_deletions(repo: Path) -> None:
    render_change(repo)
    write(repo / "models/iris.yaml", "kind: Model  # edited, not staged\n")
    write(repo / "notes.txt", "untracked\n")
    before = git(repo, "rev-parse", "HEAD").strip()

    sha = commit_render(repo, repo / "deploy", CHANGED, DIGEST)

    assert sha == git(repo, "rev-parse", "HEAD").strip() != before
    assert files_in(repo) == [
        "deploy/base/iris/seldondeployment.yaml",
        "deploy/base/old/seldondeployment.yaml",
        "deploy/base/wine/seldondeployment.yaml",
    ]
    status = git(repo, "status", "--porcelain")
    assert " M models/iris.yaml" in status and "?? notes.txt" in status
    assert git(repo, "log", "-1", "--format=%s").strip() == (
        "gitops-seldon: render iris, wine (prod, staging)")
    body = git(repo, "log", "-1", "--format=%b")
    assert "prod: iris\nstaging: iris, wine\n" in body
    trailers = git(repo, "log", "-1", f"--format=%(trailers:key={DIGEST_TRAILER},valueonly)")
    assert trailers.strip() == DIGEST
    author = git(repo, "log", "-1", "--format=%an <%ae>").strip()
    assert author == "Test Author <author@example.com>"


def test_nothing_changed_commits_nothing(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    write(repo / "models/iris.yaml", "kind: Model  # a spec edit outside the output\n")
    assert commit_render(repo, repo / "deploy", CHANGED, DIGEST) is None
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert git(repo, "diff", "--cached", "--name-only") == ""


def test_output_already_staged_is_fine(repo: Path) -> None:
    render_change(repo)
    git(repo, "add", "deploy/base/wine")
    sha = commit_render(repo, repo / "deploy", CHANGED, DIGEST)
    assert sha is not None
    assert "deploy/base/wine/seldondeployment.yaml" in files_in(repo)


def test_refuses_other_staged_changes_and_leaves_the_index_alone(repo: Path) -> None:
    render_change(repo)
    write(repo / "models/iris.yaml", "kind: Model  # staged\n")
    git(repo, "add", "models/iris.yaml")
    head = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(OtherChangesStaged, match=r"models/iris\.yaml"):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST)
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert git(repo, "diff", "--cached", "--name-only").split() == ["models/iris.yaml"]


def test_refuses_detached_head_unless_allowed(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "--detach")
    render_change(repo)
    with pytest.raises(DetachedHead, match="--allow-detached"):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST)
    assert git(repo, "diff", "--cached", "--name-only") == ""
    sha = commit_render(repo, repo / "deploy", CHANGED, DIGEST, allow_detached=True)
    assert sha == git(repo, "rev-parse", "HEAD").strip()


def _conflict(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "-b", "other")
    write(repo / "models/iris.yaml", "kind: Model\nother: 1\n")
    commit_all(repo, "other")
    git(repo, "checkout", "--quiet", "main")
    write(repo / "models/iris.yaml", "kind: Model\nmain: 1\n")
    commit_all(repo, "main")


@pytest.mark.parametrize(("start", "what"), [
    (("merge", "other"), "a merge"),
    (("rebase", "other"), "a rebase"),
    (("cherry-pick", "other"), "a cherry-pick"),
    (("revert", "--no-edit", "HEAD"), "a revert"),
])
def test_refuses_in_the_middle_of_an_operation(repo: Path, start: tuple[str, ...],
                                                what: str) -> None:
    _conflict(repo)
    if start[0] == "revert":  # make reverting HEAD conflict with the working tree state
        write(repo / "models/iris.yaml", "kind: Model\nlater: 1\n")
        commit_all(repo, "later")
        start = ("revert", "--no-edit", "HEAD~1")
    result = subprocess.run(["git", *start], cwd=repo, capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0, "the operation should stop on a conflict"
    render_change(repo)
    with pytest.raises(OperationInProgress, match=what):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST, allow_detached=True)


def test_refuses_without_identity(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                     "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(variable, raising=False)
    render_change(repo)
    with pytest.raises(MissingIdentity, match=r"user\.name and user\.email"):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST)
    git(repo, "config", "user.name", "Configured Person")
    with pytest.raises(MissingIdentity, match=r"set user\.email"):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST)
    git(repo, "config", "user.email", "person@example.com")
    assert commit_render(repo, repo / "deploy", CHANGED, DIGEST) is not None
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == (
        "Configured Person <person@example.com>")


def test_not_a_repository_and_output_outside(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "deploy").mkdir(parents=True)
    with pytest.raises(NotAGitRepository):
        commit_render(plain, plain / "deploy", CHANGED, DIGEST)
    with pytest.raises(GitError, match="outside the git working tree"):
        commit_render(repo, plain / "deploy", CHANGED, DIGEST)


def test_output_in_a_subdirectory_repository(tmp_path: Path) -> None:
    top = init(tmp_path / "mono")
    write(top / "README", "x\n")
    commit_all(top, "initial")
    root = top / "ml"
    write(root / "deploy/base/a.yaml", "a: 1\n")
    write(top / "other/b.yaml", "b: 1\n")
    sha = commit_render(root, root / "deploy", {"prod": ["a"]}, DIGEST)
    assert sha is not None
    assert files_in(top) == ["ml/deploy/base/a.yaml"]


def test_a_failing_commit_hook_is_an_error_not_a_traceback(repo: Path) -> None:
    hook = write(repo / ".git/hooks/pre-commit", "#!/bin/sh\necho 'no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    render_change(repo)
    with pytest.raises(GitopsSeldonError, match="git commit failed: no commits today"):
        commit_render(repo, repo / "deploy", CHANGED, DIGEST)


def test_commit_message_shapes() -> None:
    many = {"prod": [f"model-{i:02d}" for i in range(12)], "staging": ["model-00"]}
    message = commit_message(many, DIGEST)
    subject, blank, *rest = message.splitlines()
    assert subject == "gitops-seldon: render 12 models in 2 environments"
    assert blank == ""
    assert rest[-1] == f"{DIGEST_TRAILER}: {DIGEST}"
    assert commit_message({}, DIGEST).splitlines()[0] == "gitops-seldon: re-render deploy output"


def _hold_lock(git_dir: str, ready: multiprocessing.synchronize.Event,
               release: multiprocessing.synchronize.Event) -> None:
    with commit_lock(Path(git_dir)):
        ready.set()
        release.wait(30)


def test_concurrent_runs_are_serialised_by_the_lock(repo: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(repo / ".git"), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        render_change(repo)
        with pytest.raises(LockTimeout, match=rf"pid {holder.pid}.*{LOCK_FILE}"):
            commit_render(repo, repo / "deploy", CHANGED, DIGEST, lock_timeout=0.2)
        assert git(repo, "diff", "--cached", "--name-only") == ""
        release.set()
        holder.join(30)
        started = time.monotonic()
        assert commit_render(repo, repo / "deploy", CHANGED, DIGEST, lock_timeout=30) is not None
        assert time.monotonic() - started < 30
    finally:
        release.set()
        holder.join(30)


def test_lock_is_reentrant_within_a_process(repo: Path) -> None:
    render_change(repo)
    with commit_lock(repo / ".git", timeout=0.1):
        assert commit_render(repo, repo / "deploy", CHANGED, DIGEST, lock_timeout=0.1)


def _commit_in_process(root: str, start: multiprocessing.synchronize.Event,
                       results: multiprocessing.queues.Queue[str]) -> None:
    start.wait(30)
    try:
        sha = commit_render(Path(root), Path(root) / "deploy", CHANGED, DIGEST, lock_timeout=30)
        results.put(f"sha:{sha}")
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"error:{type(exc).__name__}: {exc}")


def test_two_simultaneous_commits_make_one_commit_and_no_error(repo: Path) -> None:
    render_change(repo)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_commit_in_process, args=(str(repo), start, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert sorted(outcomes) == sorted(["sha:None", f"sha:{head}"]), outcomes
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
