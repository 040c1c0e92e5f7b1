"""Commit stage: put the rendered output, and only it, into a git commit.

``commit_render`` is what ``render --commit`` (and ``promote --commit``) call after the
output tree has been written. It refuses, with the reason, rather than sweep anything
else into the commit or commit in a state the user did not expect.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError

DIGEST_TRAILER = "Gitops-Seldon-Spec-Digest"
LOCK_FILE = "gitops-seldon.lock"
DEFAULT_LOCK_TIMEOUT = 60.0
SUBJECT_LIMIT = 72


class CommitRefused(GitopsSeldonError):
    """The repository is in a state in which committing the output would be wrong."""


class OtherChangesStaged(CommitRefused):
    pass


class DetachedHead(CommitRefused):
    pass


class OperationInProgress(CommitRefused):
    pass


class MissingIdentity(CommitRefused):
    pass


class LockTimeout(CommitRefused):
    pass


def commit_render(root: Path, output: Path, changed: Mapping[str, Sequence[str]], digest: str,
                  allow_detached: bool = False, *,
                  lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> str | None:
    """Stage every addition, change and deletion under ``output`` and commit it.

    ``changed`` maps environment -> names of the models whose output changed (the commit
    message lists them); ``digest`` is the spec digest recorded as a trailer. Returns the
    new commit's sha, or None when the output is identical to HEAD (nothing committed).
    Raises a ``CommitRefused`` subclass when other changes are staged, HEAD is detached
    (unless ``allow_detached``), a merge/rebase/cherry-pick/revert is in progress, or no
    git identity is configured; ``vcs.GitError`` when git itself fails.
    """
    from gitops_seldon.vcs import open_repository

    with open_repository(root) as repository, commit_lock(repository.git_dir, lock_timeout):
        operation = repository.operation_in_progress()
        if operation is not None:
            raise OperationInProgress(
                f"refusing to commit the rendered output in the middle of {operation}; "
                "finish or abort it first")
        if repository.is_detached() and not allow_detached:
            raise DetachedHead(
                "refusing to commit on a detached HEAD; check out a branch, or pass "
                "--allow-detached to commit anyway")
        for role in ("author", "committer"):
            identity = repository.identity(role)
            if not identity.complete:
                missing = " and ".join(
                    key for key, value in (("user.name", identity.name),
                                           ("user.email", identity.email)) if not value)
                raise MissingIdentity(
                    f"no git {role} identity: set {missing} "
                    f"(git config user.name 'Your Name'; git config user.email you@example.com)")
        prefix = repository.relative(output)
        others = [p for p in repository.staged_paths() if not _inside(p, prefix)]
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                             else "")
            raise OtherChangesStaged(
                f"refusing to commit: changes outside {prefix}/ are staged ({shown}); "
                "commit or unstage them first so they are not swept into the render commit")
        if not output.exists() and not repository.tracked_under(prefix):
            return None
        repository.stage_all_under(prefix)
        if not any(_inside(p, prefix) for p in repository.staged_paths()):
            return None
        return repository.commit(commit_message(changed, digest))


def _inside(path: str, prefix: str) -> bool:
    return prefix == "." or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def commit_message(changed: Mapping[str, Sequence[str]], digest: str) -> str:
    """Subject naming the models (or counting them when too many), a body listing the
    models per environment, and the spec digest as a git trailer."""
    per_env = {env: sorted(set(models)) for env, models in sorted(changed.items()) if models}
    models = sorted({m for names in per_env.values() for m in names})
    envs = sorted(per_env)
    if not models:
        subject = "gitops-seldon: re-render deploy output"
    else:
        subject = f"gitops-seldon: render {', '.join(models)} ({', '.join(envs)})"
        if len(subject) > SUBJECT_LIMIT:
            subject = (f"gitops-seldon: render {len(models)} model{'s' * (len(models) != 1)} "
                       f"in {len(envs)} environment{'s' * (len(envs) != 1)}")
    lines = [subject, ""]
    if per_env:
        lines += [f"{env}: {', '.join(names)}" for env, names in per_env.items()]
        lines.append("")
    lines.append(f"{DIGEST_TRAILER}: {digest}")
    return "\n".join(lines) + "\n"


# -- the lock -------------------------------------------------------------------------

_held: dict[Path, int] = {}
"""Locks this process holds, with their depth, so nested calls do not wait on themselves."""


@contextmanager
def commit_lock(git_dir: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Serialise ``render --commit`` runs on one repository: an exclusive ``flock`` on
    ``.git/gitops-seldon.lock``. The kernel drops it when a holder dies, so a crash never
    leaves a stale lock behind. Waits up to ``timeout`` seconds, then raises LockTimeout."""
    path = (git_dir / LOCK_FILE).resolve()
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    import fcntl

    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = _holder(descriptor)
                    raise LockTimeout(
                        f"another gitops-seldon commit is running in this repository"
                        f"{f' (pid {holder})' if holder else ''}; gave up after waiting "
                        f"{timeout:g}s for {path}") from None
                time.sleep(0.05)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _holder(descriptor: int) -> str:
    try:
        return os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
