"""The upstream Seldon corpus through ``gitops-seldon validate``: every valid example passes
with no problem at all; each invalid one fails for the reason SOURCES.md gives, on the
line that holds the mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_seldon.cli import main

INVALID = {
    # SOURCES.md: rejected by CRD schema: spec.predictors[0].graph is required
    "testing__resources__bad_no_graph.yaml": ("seldon-schema", 8, "missing required field 'graph'"),
    # rejected by webhook: duplicate predictor name
    "testing__resources__bad_duplicate_predictor_name.json": (
        "seldon-predictor-name-unique", 72, "predictor name 'mymodel' is used twice"),
    # rejected by webhook: graph node name has no matching container
    "testing__resources__bad_name_mismatch.json": (
        "seldon-node-container", 35, "graph node 'complex-model_bad_name' has no "),
    # rejected by CRD schema: imagePullPolicy is an integer
    "notebooks__resources__model_invalid1.json": (
        "seldon-schema", 24, "'imagePullPolicy' must be a string, not an integer"),
    # rejected by webhook: graph node "mean-classifier_" has no matching container
    "notebooks__resources__model_invalid2.json": (
        "seldon-node-container", 39, "graph node 'mean-classifier_' has no "),
    # rejected by CRD schema: graph.parameters[].value given as a YAML boolean
    "doc__source__servers__huggingface.md.block1.yaml": (
        "seldon-schema", 20, "'value' must be a string, not a boolean (quote it)"),
    # admitted, but reconcile fails: volumeMount refers to a volume that is not defined
    "notebooks__resources__model_bad_volume.yaml": (
        "seldon-volume-mount", 15, "volumeMount 'myvolume' names no volume of this pod"),
}


def run_json(paths: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
             ) -> tuple[int, list[dict[str, object]]]:
    code = main(["validate", "--repo", str(tmp_path), "--format", "json",
                 *[str(p) for p in paths]])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_every_valid_example_passes(reference: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((reference / "seldon" / "examples" / "valid").iterdir())
    assert len(files) == 35
    code, problems = run_json(files, tmp_path, capsys)
    assert problems == []
    assert code == 0


def test_the_valid_directory_passes_in_one_run(reference: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, problems = run_json([reference / "seldon" / "examples" / "valid"], tmp_path, capsys)
    assert (code, problems) == (0, [])


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_example_fails_for_its_reason(name: str, reference: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rule, line, message = INVALID[name]
    path = reference / "seldon" / "examples" / "invalid" / name
    code, problems = run_json([path], tmp_path, capsys)
    assert code == 1
    hits = [p for p in problems if p["rule"] == rule and p["line"] == line]
    assert hits, problems
    assert str(hits[0]["message"]).startswith(message)
    assert isinstance(hits[0]["col"], int) and hits[0]["col"] > 0
    assert str(hits[0]["file"]).endswith(name)


def test_all_invalid_examples_in_one_text_run(reference: Path) -> None:
    """The console script, as CI and pre-commit run it: file:line:col: rule: message."""
    folder = reference / "seldon" / "examples" / "invalid"
    result = subprocess.run([sys.executable, "-m", "gitops_seldon", "validate", str(folder)],
                            capture_output=True, text=True, check=False, cwd=folder)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    for name, (rule, line, _) in INVALID.items():
        assert any(f"{name}:{line}:" in text and f": {rule}: " in text
                   for text in lines), (name, lines)
