"""Git, behind one small module: the only place that imports GitPython.

GitPython is imported inside functions so that ``validate`` and ``render`` (the pre-commit
hooks) never pay for it. Every git failure becomes a ``GitError`` with git's own first
line of explanation; nothing here prints.

Git commands run through GitPython's ``repo.git`` (the real ``git`` binary) rather than
GitPython's pure-Python index writer, so that index extensions, hooks, signing and
``core.*`` settings behave exactly as they do for the user's own ``git commit``.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_seldon.problems import GitopsSeldonError

if TYPE_CHECKING:
    import git

IN_PROGRESS_MARKERS: tuple[tuple[str, str], ...] = (
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or 'git am'"),
    ("MERGE_HEAD", "a merge"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
    ("sequencer", "a cherry-pick or revert sequence"),
    ("BISECT_LOG", "a bisect"),
)
"""Files and directories in ``.git`` that mean an operation is half done."""


class GitError(GitopsSeldonError):
    """Git could not do what was asked (exit code 2)."""


class NotAGitRepository(GitError):
    pass


class UnknownRevision(GitError):
    pass


def _git_module() -> Any:
    import git

    return git


def _first_line(error: BaseException) -> str:
    stderr = getattr(error, "stderr", "") or ""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    for line in str(stderr).splitlines():
        line = line.strip().removeprefix("stderr:").strip().strip("'").strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return type(error).__name__


@dataclass(frozen=True)
class Identity:
    name: str | None
    email: str | None

    @property
    def complete(self) -> bool:
        return bool(self.name) and bool(self.email)


class GitRepository:
    """A working tree and its repository, opened from any directory inside it."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        if repo.working_tree_dir is None:
            raise NotAGitRepository("a bare repository has no working tree to commit from")
        self.top = Path(repo.working_tree_dir).resolve()
        self.git_dir = Path(repo.git_dir).resolve()

    @classmethod
    def open(cls, path: Path) -> GitRepository:
        git_module = _git_module()
        try:
            repo = git_module.Repo(path, search_parent_directories=True)
        except (git_module.InvalidGitRepositoryError, git_module.NoSuchPathError) as exc:
            raise NotAGitRepository(f"{path} is not inside a git repository") from exc
        return cls(repo)

    def run(self, *args: str, **kwargs: Any) -> str:
        """``git <args>`` in the top of the working tree; failures become GitError."""
        git_module = _git_module()
        try:
            return str(self._repo.git.execute(["git", *args], **kwargs))
        except git_module.GitCommandError as exc:
            raise GitError(f"git {args[0]} failed: {_first_line(exc)}") from exc

    def relative(self, path: Path) -> str:
        """``path`` as a POSIX path relative to the top of the working tree."""
        resolved = path.resolve()
        try:
            relative = resolved.relative_to(self.top)
        except ValueError as exc:
            raise GitError(f"{path} is outside the git working tree {self.top}") from exc
        return relative.as_posix() or "."

    # -- state ------------------------------------------------------------------------

    def operation_in_progress(self) -> str | None:
        for marker, what in IN_PROGRESS_MARKERS:
            if (self.git_dir / marker).exists():
                return what
        return None

    def is_detached(self) -> bool:
        return bool(self._repo.head.is_detached)

    def branch(self) -> str | None:
        return None if self.is_detached() else str(self._repo.head.ref.name)

    def identity(self, role: str) -> Identity:
        """Who git will record as ``role`` ("author" or "committer"), only from what the
        user set (environment or config), never git's guess from the host name."""
        upper = role.upper()
        reader = self._repo.config_reader()

        def config(section: str, option: str) -> str | None:
            value = reader.get_value(section, option, default="")
            return str(value) or None

        name = os.environ.get(f"GIT_{upper}_NAME") or config(role, "name") or config("user", "name")
        email = (os.environ.get(f"GIT_{upper}_EMAIL") or config(role, "email")
                 or config("user", "email") or os.environ.get("EMAIL"))
        return Identity(name, email)

    def staged_paths(self) -> list[str]:
        """Paths whose staged content differs from HEAD (or every staged path on an
        unborn branch), relative to the top of the working tree."""
        output = self.run("diff", "--cached", "--name-only", "--no-renames", "-z")
        return [p for p in output.split("\0") if p]

    def tracked_under(self, relative: str) -> bool:
        return bool(self.run("ls-files", "-z", "--", relative))

    def stage_all_under(self, relative: str) -> None:
        """Stage additions, changes and deletions under ``relative`` and nothing else."""
        self.run("add", "--all", "--", relative)

    def commit(self, message: str) -> str:
        self.run("commit", "--quiet", "--cleanup=strip", "-m", message)
        return self.head_sha()

    def head_sha(self) -> str:
        return str(self._repo.head.commit.hexsha)

    def resolve(self, revision: str) -> str:
        git_module = _git_module()
        try:
            return str(self._repo.commit(revision).hexsha)
        except (git_module.BadName, ValueError) as exc:
            raise UnknownRevision(f"unknown revision {revision!r}") from exc

    def merge_base(self, first: str, second: str) -> str | None:
        bases = self._repo.merge_base(first, second)
        return str(bases[0].hexsha) if bases else None

    def extract(self, revision: str, subdirectory: str, destination: Path) -> bool:
        """Write the files of ``revision:subdirectory`` into ``destination``. Returns False
        when the subdirectory does not exist in that revision."""
        sha = self.resolve(revision)
        treeish = sha if subdirectory in ("", ".") else f"{sha}:{subdirectory}"
        git_module = _git_module()
        try:
            data = self._repo.git.execute(["git", "archive", "--format=tar", treeish],
                                          stdout_as_string=False)
        except git_module.GitCommandError:
            return False
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
                archive.extractall(destination, filter="data")
            else:  # git archive writes regular files, directories and symlinks only
                members = [m for m in archive.getmembers() if m.isfile() or m.isdir()]
                archive.extractall(destination, members=members)  # noqa: S202
        return True

    # -- locking ----------------------------------------------------------------------

    def lock_path(self, name: str) -> Path:
        return self.git_dir / name


@contextmanager
def open_repository(path: Path) -> Iterator[GitRepository]:
    """Open the repository containing ``path`` and release GitPython's helpers after."""
    repository = GitRepository.open(path)
    try:
        yield repository
    finally:
        repository._repo.close()
