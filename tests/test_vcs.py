"""vcs: the one module that talks to git, on real repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import commit_all, git, init, write

from gitops_seldon.vcs import GitError, GitRepository, NotAGitRepository, UnknownRevision

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    write(root / "ml/gitops-seldon.yaml", "first\n")
    write(root / "ml/models/a.yaml", "a: 1\n")
    write(root / "other.txt", "x\n")
    commit_all(root, "one")
    write(root / "ml/gitops-seldon.yaml", "second\n")
    (root / "ml/models/a.yaml").unlink()
    commit_all(root, "two")
    return root


def test_extract_a_subdirectory_at_a_revision(history: Path, tmp_path: Path) -> None:
    repository = GitRepository.open(history / "ml" / "models")
    assert repository.top == history.resolve()
    assert repository.relative(history / "ml") == "ml"
    out = tmp_path / "out"
    assert repository.extract("HEAD~1", "ml", out)
    assert (out / "gitops-seldon.yaml").read_text() == "first\n"
    assert (out / "models/a.yaml").read_text() == "a: 1\n"
    assert not (out / "other.txt").exists()
    assert not repository.extract("HEAD", "ml/models", tmp_path / "gone"), "deleted directory"
    assert not repository.extract("HEAD", "nowhere", tmp_path / "none")


def test_revisions(history: Path) -> None:
    repository = GitRepository.open(history)
    head = git(history, "rev-parse", "HEAD").strip()
    first = git(history, "rev-parse", "HEAD~1").strip()
    assert repository.resolve("HEAD") == head
    assert repository.merge_base("HEAD~1", "HEAD") == first
    with pytest.raises(UnknownRevision, match="unknown revision 'no-such-branch'"):
        repository.resolve("no-such-branch")
    assert repository.branch() == "main" and not repository.is_detached()


def test_identity_comes_from_environment_then_config(history: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repository = GitRepository.open(history)
    assert repository.identity("author").name == "Test Author"
    monkeypatch.delenv("GIT_AUTHOR_NAME")
    monkeypatch.delenv("GIT_AUTHOR_EMAIL")
    assert not repository.identity("author").complete
    git(history, "config", "user.name", "From Config")
    git(history, "config", "author.email", "author-only@example.com")
    identity = GitRepository.open(history).identity("author")
    assert (identity.name, identity.email) == ("From Config", "author-only@example.com")


def test_errors_are_one_line_git_errors(history: Path, tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepository):
        GitRepository.open(tmp_path)
    repository = GitRepository.open(history)
    with pytest.raises(GitError, match=r"^git add failed: .*outside repository"):
        repository.run("add", "--", str(tmp_path))
    with pytest.raises(GitError, match="outside the git working tree"):
        repository.relative(tmp_path)


@pytest.mark.parametrize("argv", [
    ["validate", "--repo", str(EXAMPLE)],
    ["render", "--repo", str(EXAMPLE), "--check"],
    ["render", "--repo", str(EXAMPLE), "--stdout", "--env", "prod"],
])
def test_validate_and_render_never_import_git(argv: list[str]) -> None:
    """The pre-commit hooks stay lean: GitPython is imported only for commit and check."""
    script = ("import sys\nfrom gitops_seldon.cli import main\n"
              f"code = main({argv!r})\n"
              "sys.stdout.flush()\n"
              "leaked = sorted(m for m in sys.modules if m == 'git' or m.startswith('git.'))\n"
              "print('GIT-MODULES', leaked, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, cwd=PROJECT)
    assert "GIT-MODULES []" in result.stderr, result.stderr[-2000:]
