"""The only module that writes files: replace an output tree atomically.

``plan_changes`` compares the rendered files with what is on disk. ``apply_changes``
builds the complete new tree in a staging directory beside the output (unchanged and
hand-written files are hard-linked, so their inode and mtime stay), then swaps staging and
output in one ``renameat2(RENAME_EXCHANGE)`` call and deletes the old tree. A process
killed at any moment therefore leaves either the old tree or the new one at the output
path; leftovers of a killed run are cleaned (or, in the two-rename fallback used where the
exchange is not supported, restored) by the next run. When nothing changed nothing is
written at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError

STAGING_TAG = ".gitops-seldon-"
KILL_AT_ENV = "GITOPS_SELDON_TEST_KILL_AT"
"""Test hook: SIGKILL this process at the N-th file operation (the kill test uses it)."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(GitopsSeldonError):
    """The output directory cannot be written as asked."""


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]
    old: dict[str, bytes]
    """Previous content of modified and removed files (for diffs)."""

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted((*self.added, *self.modified, *self.removed)))

    def __bool__(self) -> bool:
        return bool(self.added or self.modified or self.removed)


class _Steps:
    """Counts file operations; with the test hook set, dies at the chosen one."""

    def __init__(self) -> None:
        value = os.environ.get(KILL_AT_ENV, "")
        self.kill_at = int(value) if value.isdigit() else 0
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        if self.kill_at and self.count >= self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def _walk_files(root: Path) -> Iterator[str]:
    """Paths of files and symlinks under ``root``, relative and '/'-separated."""
    stack = [("", os.fspath(root))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            found = sorted(entries, key=lambda e: e.name, reverse=True)
        for entry in found:
            relative = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                stack.append((f"{relative}/", entry.path))
            else:
                yield relative


def _first_line(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.readline()
    except OSError:
        return b""


def plan_changes(output: Path, files: dict[str, bytes], in_scope: Callable[[str], bool],
                 is_generated: Callable[[bytes], bool]) -> Changes:
    """What writing ``files`` to ``output`` would add, modify and prune.

    A file is pruned only if it is generated (``is_generated`` of its first line), in
    scope, and not rendered any more. A hand-written file where a generated one should go
    is refused."""
    added: list[str] = []
    modified: list[str] = []
    removed: list[str] = []
    old: dict[str, bytes] = {}
    existing = set(_walk_files(output)) if output.is_dir() else set()
    for relative, content in files.items():
        path = output / relative
        if relative not in existing:
            if path.exists() or path.is_symlink():
                raise OutputError(f"{path} is in the way of a generated file; move it")
            added.append(relative)
            continue
        if path.is_symlink() or not path.is_file():
            raise OutputError(f"{path} is not a regular file; refusing to replace it")
        current = path.read_bytes()
        if current == content:
            continue
        if not is_generated(current.split(b"\n", 1)[0]):
            raise OutputError(f"refusing to overwrite {path}: it is not a generated file "
                              "(no gitops-seldon header); move it away first")
        modified.append(relative)
        old[relative] = current
    for relative in sorted(existing - set(files)):
        path = output / relative
        if path.is_symlink() or not in_scope(relative):
            continue
        if is_generated(_first_line(path)):
            removed.append(relative)
            old[relative] = path.read_bytes()
    return Changes(tuple(sorted(added)), tuple(sorted(modified)), tuple(sorted(removed)), old)


def _staging_name(output: Path, kind: str) -> Path:
    return output.parent / f".{output.name}{STAGING_TAG}{kind}"


def recover(output: Path) -> None:
    """Undo what a killed run left beside ``output``."""
    old = _staging_name(output, "old")
    if not output.exists() and old.is_dir():
        old.rename(output)  # killed between the two renames of the fallback
    for kind in ("new", "old"):
        leftover = _staging_name(output, kind)
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False when unsupported here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _write_new(path: Path, content: bytes) -> None:
    """Create ``path`` (it must not exist: staging is fresh) with ``content``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def apply_changes(output: Path, files: dict[str, bytes], changes: Changes) -> None:
    """Make ``output`` hold ``files`` (and everything else it held, minus pruned files),
    in one atomic swap. Does nothing when there are no changes. A symlinked output is
    followed: the directory it points to is replaced, the link stays."""
    if not changes:
        return
    output = output.absolute()
    if output.is_symlink():
        output = output.resolve()
    try:
        _apply(output, files, changes)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}"
                          f"{f' ({exc.filename})' if exc.filename else ''}; "
                          "the previous tree is left as it was") from exc


def _apply(output: Path, files: dict[str, bytes], changes: Changes) -> None:
    step = _Steps()
    output.parent.mkdir(parents=True, exist_ok=True)
    recover(output)
    staging = _staging_name(output, "new")
    staging.mkdir()
    step()
    removed = set(changes.removed)
    emptied: set[str] = set()
    if output.is_dir():
        staging.chmod(output.stat().st_mode & 0o7777)
        for directory, dirnames, filenames in os.walk(output):
            dirnames.sort()
            relative_dir = Path(directory).relative_to(output)
            for name in sorted(dirnames):
                source = Path(directory) / name
                target = staging / relative_dir / name
                if source.is_symlink():
                    target.symlink_to(source.readlink())
                else:
                    target.mkdir()
                    target.chmod(source.stat().st_mode & 0o7777)
                step()
            for name in sorted(filenames):
                relative = (relative_dir / name).as_posix()
                if relative in removed:
                    emptied.add(relative_dir.as_posix())
                    continue
                if relative in files and relative in changes.modified:
                    continue
                _link_or_copy(Path(directory) / name, staging / relative)
                step()
    made: set[Path] = set()
    for relative in sorted((*changes.added, *changes.modified)):
        target = staging / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        _write_new(target, files[relative])
        step()
    for emptied_dir in sorted(emptied, key=lambda d: -d.count("/")):
        _prune_empty(staging, emptied_dir)
    if output.is_dir():
        if not _exchange(staging, output):
            old = _staging_name(output, "old")
            output.rename(old)
            step()
            staging.rename(output)
            staging = old
        step()
        shutil.rmtree(staging)
    else:
        staging.rename(output)
    step()


def _prune_empty(root: Path, relative_dir: str) -> None:
    """Remove directories left empty by pruning, from ``relative_dir`` upwards."""
    current = Path(relative_dir)
    while current.parts:
        path = root / current
        with contextlib.suppress(OSError):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
            else:
                return
        current = current.parent
