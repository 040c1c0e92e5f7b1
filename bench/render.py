"""Benchmark: render 1,000 Models x 3 environments from cold, and a no-change re-render,
against ``kubectl kustomize`` building the three resulting overlays, in the same run.

    .venv/bin/python bench/render.py [--models 1000] [--rounds 3]

Goal (issue 3): full render <= 1/2 of kustomize's time; no-change re-render < 1/5.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from render_repo import make_repo


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(commands: list[list[str]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes) of running ``commands``."""
    start, cpu = time.perf_counter(), child_cpu()
    for command in commands:
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start, child_cpu() - cpu


def timed_render(root: Path) -> tuple[float, float]:
    return timed([[sys.executable, "-m", "gitops_seldon", "render", "--repo", str(root)]])


def timed_kustomize(root: Path, envs: list[str]) -> tuple[float, float]:
    return timed([["kubectl", "kustomize", str(root / "deploy" / "overlays" / env)]
                  for env in envs])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    envs = ["dev", "prod", "staging"]
    cold, warm, kustomize = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        template = make_repo(Path(scratch) / "template", args.models)
        for round_ in range(args.rounds):
            root = Path(scratch) / f"round-{round_}"
            shutil.copytree(template, root)
            cold.append(timed_render(root))
            warm.append(timed_render(root))
            kustomize.append(timed_kustomize(root, envs))
    print(f"{args.models} models x {len(envs)} environments, median of {args.rounds} rounds "
          "(wall seconds; CPU seconds in brackets, steadier on a busy machine)")
    for index, label in ((0, "wall"), (1, "cpu")):
        k = statistics.median(t[index] for t in kustomize)
        c = statistics.median(t[index] for t in cold)
        w = statistics.median(t[index] for t in warm)
        print(f"[{label}] kubectl kustomize (3 overlays): {k:7.3f} s")
        print(f"[{label}] render from cold:               {c:7.3f} s  ratio {c / k:.2f} "
              "(goal <= 0.50)")
        print(f"[{label}] render, no change:              {w:7.3f} s  ratio {w / k:.2f} "
              "(goal <  0.20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
