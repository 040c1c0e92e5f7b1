"""Benchmark: the pre-commit hooks on a one-file change in a 1,000-Model repository.

Builds a git repository of ``--models`` Models (tests/render_repo.py: the example's config,
certificates and sealed credentials), renders and commits it, then per round changes one
Model's modelUri and times, as subprocesses (so each pays its start-up, as under
pre-commit):

- each hook's own command line, from .pre-commit-hooks.yaml, on the changed file;
- the whole pre-commit run (``pre-commit run --files <changed>``) with the three hooks as
  local ``language: system`` hooks (the same entries; no hook venv to install);
- the peers in the same run: a full ``gitops-seldon validate`` of the repository and the
  CLI's bare start-up (``gitops-seldon --version``).

    .venv/bin/python bench/hooks.py [--models 1000] [--rounds 5]

Prints the median wall time of each and its ratio to the full validate.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))

from render_repo import make_repo  # noqa: E402 (after the sys.path entry)

BIN = Path(sys.executable).parent
CHANGED = "models/m0500.yaml"
"""Set from --models: a Model in the middle of the repository (an s3 SKLEARN one)."""


def hooks() -> dict[str, dict[str, object]]:
    manifest = YAML(typ="safe").load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: hook for hook in manifest}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def timed(argv: list[str], root: Path, allowed: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in allowed:
        raise SystemExit(f"{shlex.join(argv)} exited {result.returncode}:\n"
                         f"{result.stdout}{result.stderr}")
    return elapsed


def hook_argv(hook: dict[str, object]) -> list[str]:
    entry = shlex.split(str(hook["entry"]))
    argv = [str(BIN / entry[0]), *entry[1:]]
    return [*argv, CHANGED] if hook.get("pass_filenames", True) else argv


def change(root: Path, round_: int) -> None:
    path = root / CHANGED
    text = path.read_text()
    old = next(line for line in text.splitlines() if "modelUri:" in line)
    path.write_text(text.replace(old, f"  modelUri: s3://models/{path.stem}/r{round_}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    global CHANGED
    middle = args.models // 2
    CHANGED = f"models/m{middle - middle % 5:04d}.yaml"
    os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
                      GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
                      NO_COLOR="1")
    manifest = hooks()
    times: dict[str, list[float]] = {name: [] for name in
                                     [*manifest, "pre-commit run (3 hooks)",
                                      "validate (whole repository)", "start-up (--version)"]}
    with tempfile.TemporaryDirectory() as scratch:
        root = make_repo(Path(scratch) / "repo", args.models)
        git(root, "init", "--quiet", "--initial-branch=main")
        subprocess.run([str(BIN / "gitops-seldon"), "render", "--repo", str(root)], check=True,
                       capture_output=True)
        local = {"repos": [{"repo": "local", "hooks": [
            {**{k: v for k, v in hook.items() if k != "language"}, "language": "system",
             "entry": str(BIN / str(hook["entry"]))}
            for hook in manifest.values()]}]}
        with (root / ".pre-commit-config.yaml").open("w") as handle:
            YAML(typ="safe", pure=True).dump(local, handle)
        git(root, "add", "--all")
        git(root, "commit", "--quiet", "-m", "models")
        for round_ in range(args.rounds):
            change(root, 2 * round_)
            times["gitops-seldon-validate"].append(
                timed(hook_argv(manifest["gitops-seldon-validate"]), root))
            times["gitops-seldon-no-plaintext-secrets"].append(
                timed(hook_argv(manifest["gitops-seldon-no-plaintext-secrets"]), root))
            times["gitops-seldon-render"].append(
                timed(hook_argv(manifest["gitops-seldon-render"]), root, allowed=(1,)))
            times["validate (whole repository)"].append(
                timed([str(BIN / "gitops-seldon"), "validate"], root))
            times["start-up (--version)"].append(
                timed([str(BIN / "gitops-seldon"), "--version"], root))
            change(root, 2 * round_ + 1)
            times["pre-commit run (3 hooks)"].append(timed(
                [sys.executable, "-m", "pre_commit", "run", "--files", CHANGED], root,
                allowed=(1,)))
    peer = statistics.median(times["validate (whole repository)"])
    print(f"{args.models} Models, one changed file ({CHANGED}), median of {args.rounds} rounds")
    print(f"{'command':40} {'median s':>9} {'vs full validate':>17}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:40} {median:9.3f} {median / peer:16.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
