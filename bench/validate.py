"""Benchmark: gitops-seldon validate against check-jsonschema, same files, same schema.

    .venv/bin/python bench/validate.py [--runs 5]

Builds, in a temporary directory:

* 1,000 SeldonDeployment manifests: the 35 upstream valid examples from
  ../shared/reference/seldon/examples/valid, renamed (metadata.name) and cycled;
* a 1,000-Model repository: the bundled example (examples/ml-platform) with its Models
  copied under new names.

Then times (subprocess wall time, median of ``--runs``):

1. ``gitops-seldon validate <dir>`` vs ``check-jsonschema --schemafile
   gitops_seldon/data/seldondeployment.schema.json <1,000 files>`` (goal: >= 5x faster);
2. ``gitops-seldon validate`` of the 1,000-Model repository (every rule, every
   environment rendered and checked) vs ``check-jsonschema --schemafile
   schemas/model.schema.json models/*.yaml`` (schema only; for scale);
3. one Model file, the pre-commit case: ``gitops-seldon validate models/<one>.yaml`` vs
   ``check-jsonschema --schemafile schemas/model.schema.json models/<one>.yaml``
   (goal: < 0.6x).

Both tools must agree that the files are valid (exit 0), and a broken copy of the
manifests must make gitops-seldon report a line number: the speed is measured with
positions still available.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT.parent / "shared" / "reference"
VALID = REFERENCE / "seldon" / "examples" / "valid"
EXAMPLE = PROJECT / "examples" / "ml-platform"
SDEP_SCHEMA = PROJECT / "gitops_seldon" / "data" / "seldondeployment.schema.json"
MODEL_SCHEMA = PROJECT / "schemas" / "model.schema.json"
BIN = Path(sys.executable).parent
GITOPS = str(BIN / "gitops-seldon")
CHECK_JSONSCHEMA = str(BIN / "check-jsonschema")
COUNT = 1000


def build_manifests(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    examples = sorted(VALID.iterdir())
    files = []
    for index in range(COUNT):
        source = examples[index % len(examples)]
        text = source.read_text(encoding="utf-8")
        suffix = f"-b{index:04d}"
        if source.suffix == ".json":
            data = json.loads(text)
            data["metadata"]["name"] += suffix
            text = json.dumps(data, indent=2)
        else:
            text, count = re.subn(r"(?m)^(metadata:\n(?:  .*\n)*?  name: )(\S+)",
                                  rf"\g<1>\g<2>{suffix}", text, count=1)
            assert count == 1, source
        target = folder / f"{index:04d}-{source.name}"
        target.write_text(text, encoding="utf-8")
        files.append(target)
    return files


def build_repository(root: Path) -> list[Path]:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    models = sorted((root / "models").glob("*.yaml"))
    originals = [(m.stem, m.read_text(encoding="utf-8")) for m in models]
    for model in models:
        model.unlink()
    files = []
    for index in range(COUNT):
        stem, text = originals[index % len(originals)]
        name = f"{stem[:12]}-{index:04d}"
        text = re.sub(rf"(?m)^  name: {re.escape(stem)}$", f"  name: {name}", text, count=1)
        target = root / "models" / f"{name}.yaml"
        target.write_text(text, encoding="utf-8")
        files.append(target)
    return files


ENV = dict(os.environ)
"""Subprocess environment: bytecode is cached (in a temporary prefix, outside the tree) as
it is for any installed package, even when the caller sets PYTHONDONTWRITEBYTECODE."""


def wall(argv: list[str], cwd: Path, runs: int, expect: int = 0) -> float:
    times = []
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False, env=ENV)  # warm-up
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                                env=ENV)
        times.append(time.perf_counter() - start)
        if result.returncode != expect:
            sys.exit(f"{argv[0]} exited {result.returncode}, expected {expect}:\n"
                     f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return statistics.median(times)


def model_schema(work: Path) -> Path:
    if MODEL_SCHEMA.is_file():
        return MODEL_SCHEMA
    from gitops_seldon.spec.jsonschema import generate

    path = work / "model.schema.json"
    path.write_bytes(generate()["model.schema.json"])
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as temporary:
        work = Path(temporary)
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        manifests = build_manifests(work / "manifests")
        repo = work / "repo"
        models = build_repository(repo)
        schema = model_schema(work)
        one = models[0].relative_to(repo)

        # positions are still there: a broken copy is reported with its line
        broken = work / "broken"
        broken.mkdir()
        shutil.copy(manifests[0], broken / "a.yaml")
        (broken / "a.yaml").write_text((broken / "a.yaml").read_text().replace(
            "name:", "nmae:", 2), encoding="utf-8")
        result = subprocess.run([GITOPS, "validate", str(broken)], capture_output=True,
                                text=True, check=False, cwd=work, env=ENV)
        assert result.returncode == 1 and re.search(r"a\.yaml:\d+:\d+: ", result.stdout), \
            result.stdout

        rows = []
        ours = wall([GITOPS, "validate", str(work / "manifests")], work, args.runs)
        theirs = wall([CHECK_JSONSCHEMA, "--schemafile", str(SDEP_SCHEMA),
                       *map(str, manifests)], work, args.runs)
        rows.append(("1,000 SeldonDeployment manifests", ours, theirs, ">= 5x faster"))
        ours = wall([GITOPS, "validate"], repo, args.runs)
        theirs = wall([CHECK_JSONSCHEMA, "--schemafile", str(schema),
                       *[str(m.relative_to(repo)) for m in models]], repo, args.runs)
        rows.append(("1,000-Model repository (full validate)", ours, theirs, "for scale"))
        single_runs = max(args.runs, 7)
        ours = wall([GITOPS, "validate", str(one)], repo, single_runs)
        theirs = wall([CHECK_JSONSCHEMA, "--schemafile", str(schema), str(one)], repo,
                      single_runs)
        rows.append(("one Model file (pre-commit)", ours, theirs, "< 0.6x the time"))

    print(f"{'case':42} {'gitops-seldon':>14} {'check-jsonschema':>17} {'time ratio':>11}"
          f" {'speed-up':>9}  goal")
    for case, ours, theirs, goal in rows:
        print(f"{case:42} {ours:13.3f}s {theirs:16.3f}s {ours / theirs:10.2f}x"
              f" {theirs / ours:8.1f}x  {goal}")
    print(f"(median of {args.runs} runs, {max(args.runs, 7)} for the single file; "
          f"python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
