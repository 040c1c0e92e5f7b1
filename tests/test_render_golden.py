"""Golden trees: tests/golden/<case>/input renders to tests/golden/<case>/expected, byte for
byte. Regenerate after a deliberate change with GITOPS_SELDON_REGEN_GOLDEN=1 and review
the diff."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gitops_seldon.write import render

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir())


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_golden_tree(case: str, tmp_path: Path) -> None:
    source = GOLDEN / case / "input"
    expected = GOLDEN / case / "expected"
    output = tmp_path / "out"
    render(source, output)
    if os.environ.get("GITOPS_SELDON_REGEN_GOLDEN") == "1":
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(output, expected)
    assert tree(output) == tree(expected)


@pytest.mark.parametrize("case", CASES)
def test_golden_tree_builds(case: str, kubectl: str) -> None:
    expected = GOLDEN / case / "expected"
    for overlay in sorted((expected / "overlays").iterdir()):
        built = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True,
                               text=True, check=False)
        assert built.returncode == 0, built.stderr


def test_cases_exist() -> None:
    assert {"minimal", "features"} <= set(CASES)
