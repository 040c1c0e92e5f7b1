"""Benchmark: promoting one Model in a repository of ``--models`` Models.

Builds a git repository (tests/render_repo.py: the example's config, certificates and
sealed credentials, generated Models), renders and commits it, then per round times, in
process:

- ``promote``: ``gitops_seldon.promote(root, MODEL, env="prod", model_uri=NEW)`` (edit,
  validate the edited repository, render, commit spec and output);
- the peer, what a person does by hand in the same run: replace the modelUri in the file
  with a text edit, ``gitops_seldon.write.render(root)`` (render's core, which validates
  first), then ``git add`` and ``git commit`` of the spec and the output;
- ``status``: ``gitops_seldon.load_repository(root)`` (what ``gitops-seldon status`` reads).

    .venv/bin/python bench/promote.py [--models 200] [--rounds 5]

Prints the median wall time of each and the ratio of promote and status to the peer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gitops_seldon
from gitops_seldon.write import render

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))

from render_repo import make_repo  # noqa: E402 (after the sys.path entry)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
                      GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        make_repo(root, options.models)
        git(root, "init", "--quiet", "--initial-branch=main")
        render(root)
        git(root, "add", "--all")
        git(root, "commit", "--quiet", "-m", "initial")
        model = f"m{options.models // 2:04d}"
        spec = root / "models" / f"{model}.yaml"
        if "s3://" not in spec.read_text():
            model = f"m{(options.models // 2) - (options.models // 2) % 5:04d}"
            spec = root / "models" / f"{model}.yaml"
        times: dict[str, list[float]] = {"promote": [], "peer (edit+render+commit)": [],
                                         "status (load_repository)": []}
        for index in range(options.rounds):
            start = time.perf_counter()
            result = gitops_seldon.promote(root, model, model_uri=f"s3://models/{model}/p{index}")
            times["promote"].append(time.perf_counter() - start)
            assert result.commit, "promote committed nothing"

            start = time.perf_counter()
            text = spec.read_text()
            old = text.split("modelUri: ", 1)[1].split("\n", 1)[0]
            spec.write_text(text.replace(f"modelUri: {old}",
                                         f"modelUri: s3://models/{model}/h{index}", 1))
            outcome = render(root)
            git(root, "add", "--", str(spec.relative_to(root)),
                str(outcome.output.relative_to(root)))
            git(root, "commit", "--quiet", "-m", f"hand promotion {index}")
            times["peer (edit+render+commit)"].append(time.perf_counter() - start)

            start = time.perf_counter()
            info = gitops_seldon.load_repository(root)
            times["status (load_repository)"].append(time.perf_counter() - start)
            assert len(info.models) == options.models
    peer = statistics.median(times["peer (edit+render+commit)"])
    print(f"{options.models} models, {options.rounds} rounds, median wall time")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:28s} {median * 1000:8.0f} ms   x{median / peer:.2f} of the peer")


if __name__ == "__main__":
    main()
