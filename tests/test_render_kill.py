"""A render SIGKILLed at any file operation leaves the old tree or the new one, byte for
byte; the next render cleans up and completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from render_repo import make_repo

from gitops_seldon.fsio import KILL_AT_ENV
from gitops_seldon.write import render


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_render(root: Path, kill_at: int) -> int:
    """Render in a forked child that SIGKILLs itself at operation ``kill_at``; its status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.environ[KILL_AT_ENV] = str(kill_at)
            render(root)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def test_kill_hook_kills_a_real_subprocess(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", 1)
    env = {**os.environ, KILL_AT_ENV: "1"}
    done = subprocess.run([sys.executable, "-m", "gitops_seldon", "render", "--repo", str(root)],
                          env=env, capture_output=True, check=False)
    assert done.returncode == -signal.SIGKILL
    assert not (root / "deploy").exists()
    assert render(root).written


def test_killed_render_leaves_old_or_new_tree(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", 2)
    (root / "deploy").mkdir()
    (root / "deploy" / "NOTES.md").write_text("kept\n")
    render(root)
    old = tree(root / "deploy")
    for path in (root / "models").iterdir():  # change every model: many operations
        path.write_text(path.read_text().replace("/models/", "/models-v2/").replace(
            "bucket/", "bucket2/"))
    (root / "models" / "m0001.yaml").unlink()  # and prune one
    new_root = tmp_path / "expected"
    shutil.copytree(root, new_root)
    render(new_root)
    new = tree(new_root / "deploy")
    assert old != new

    outcomes = {"old": 0, "new": 0}
    kill_at = 1
    while True:
        code = run_render(root, kill_at)
        current = tree(root / "deploy")
        if code == 0:
            assert current == new
            break
        assert code == -signal.SIGKILL, code
        assert current in (old, new), f"mixed tree after a kill at operation {kill_at}"
        outcomes["old" if current == old else "new"] += 1
        if current == new:  # killed after the swap: start over from the old tree
            shutil.rmtree(root / "deploy")
            shutil.copytree(new_root / "deploy", root / "deploy")
            for path, content in old.items():
                target = root / "deploy" / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            for path in set(new) - set(old):
                (root / "deploy" / path).unlink()
            assert tree(root / "deploy") == old
        kill_at += 1
    assert outcomes["old"] >= 15  # every operation up to the swap
    assert outcomes["new"] >= 1  # a kill during the cleanup after the swap
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".deploy")]
    assert leftovers == []
