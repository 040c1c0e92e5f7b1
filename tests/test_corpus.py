"""The bad-input corpus: every directory under tests/corpus/ is one case.

A case holds its input files (a small gitops-seldon repository, or loose manifests) and:

- ``expected.txt``: the exact text ``gitops-seldon validate`` prints;
- ``args.txt`` (optional): the command line after ``gitops-seldon``, default
  ``validate`` for a repository (a ``gitops-seldon.yaml`` in the case) and ``validate .``
  otherwise; the command runs in a copy of the case directory;
- ``exit.txt`` (optional): the expected exit code, default 1;
- ``pad.txt`` (optional): ``<file> <bytes>``, grow that file with a YAML comment to that
  size before running (over-size inputs without committing megabytes).

Adding a case means adding a directory. ``CORPUS_REGEN=1 pytest tests/test_corpus.py``
writes ``expected.txt`` and ``exit.txt`` from the current output: review every change by
hand before committing it.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from gitops_seldon.cli import main

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
REGEN = os.environ.get("CORPUS_REGEN") == "1"
CONTROL_FILES = {"expected.txt", "args.txt", "exit.txt", "pad.txt"}


def _arguments(case: Path) -> list[str]:
    args_file = case / "args.txt"
    if args_file.is_file():
        return shlex.split(args_file.read_text(encoding="utf-8"))
    if (case / "gitops-seldon.yaml").is_file():
        return ["validate"]
    return ["validate", "."]


def _pad(workdir: Path) -> None:
    pad = workdir / "pad.txt"
    if not pad.is_file():
        return
    name, size = pad.read_text(encoding="utf-8").split()
    target = workdir / name
    current = target.stat().st_size
    with target.open("ab") as stream:
        stream.write(b"#" + b"x" * (int(size) - current - 2) + b"\n")


def _copy(case: Path, workdir: Path) -> None:
    shutil.copytree(case, workdir, ignore=lambda d, names: [
        n for n in names if Path(d) == case and n in CONTROL_FILES - {"pad.txt"}])


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40, f"the corpus has {len(CASES)} cases; at least 40 are required"


@pytest.mark.parametrize("name", CASES)
def test_case(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> None:
    case = CORPUS / name
    workdir = tmp_path / name
    _copy(case, workdir)
    _pad(workdir)
    (workdir / "pad.txt").unlink(missing_ok=True)
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(_arguments(case))
    output = capsys.readouterr()
    if REGEN:
        (case / "expected.txt").write_text(output.out, encoding="utf-8")
        if code != 1:
            (case / "exit.txt").write_text(f"{code}\n", encoding="utf-8")
        else:
            (case / "exit.txt").unlink(missing_ok=True)
        return
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    exit_file = case / "exit.txt"
    expected_code = int(exit_file.read_text(encoding="utf-8")) if exit_file.is_file() else 1
    assert output.out == expected, f"stderr: {output.err}"
    assert code == expected_code, f"stderr: {output.err}"
    assert "Traceback" not in output.err
