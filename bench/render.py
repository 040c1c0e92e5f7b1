"""Benchmark: render 1,000 Models x 3 environments from cold, and a no-change re-render,
against ``kubectl kustomize`` building the three resulting overlays, in the same run.

    .venv/bin/python bench/render.py [--models 1000] [--rounds 3]

Goal (issue 3): full render <= 1/2 of kustomize's time; no-change re-render < 1/5.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from render_repo import make_repo


def timed_render(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gitops_seldon", "render", "--repo", str(root)],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def timed_kustomize(root: Path, envs: list[str]) -> float:
    start = time.perf_counter()
    for env in envs:
        subprocess.run(["kubectl", "kustomize", str(root / "deploy" / "overlays" / env)],
                       check=True, capture_output=True)
    return time.perf_counter() - start


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
    k = statistics.median(kustomize)
    c = statistics.median(cold)
    w = statistics.median(warm)
    print(f"{args.models} models x {len(envs)} environments, median of {args.rounds} rounds")
    print(f"kubectl kustomize (3 overlays): {k:7.3f} s")
    print(f"render from cold:               {c:7.3f} s  ratio {c / k:.2f} (goal <= 0.50)")
    print(f"render, no change:              {w:7.3f} s  ratio {w / k:.2f} (goal <  0.20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
