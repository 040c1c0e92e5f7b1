"""check_rendered: Seldon's findings on planned objects, placed in the Model file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from render_repo import EXAMPLE

from gitops_seldon.problems import Finding
from gitops_seldon.validate.rendered import check_rendered
from gitops_seldon.write import load


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    return root


def line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and text in line)


def test_example_is_clean() -> None:
    assert check_rendered(load(EXAMPLE)) == []


def test_finding_is_placed_at_the_spec_field_and_names_the_environment(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    model = root / "models" / "resnet-triton.yaml"
    model.write_text(model.read_text() + "    staging:\n      protocol: seldon\n")
    problems = check_rendered(load(root))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == "models/resnet-triton.yaml"
    assert problem.rule == "seldon-server-protocol"
    assert problem.line == line_of(model, "implementation: TRITON_SERVER")
    assert problem.message.endswith("(environment staging)")


def test_name_too_long_points_at_the_name(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    name = "customer-lifetime-value-regression-model"
    source = root / "models" / "iris.yaml"
    target = root / "models" / f"{name}.yaml"
    target.write_text(source.read_text().replace("name: iris", f"name: {name}"))
    source.unlink()
    problems = [p for p in check_rendered(load(root)) if p.rule == "name-too-long"]
    messages = " ".join(p.message for p in problems)
    assert f"'{name}-canary-{name}'" in messages
    assert {p.line for p in problems} == {line_of(target, f"name: {name}")}
    assert any(p.message.endswith("(environment staging)") for p in problems)
    # the same finding in several environments is reported once, naming them all
    assert any("(environment dev, prod, staging)" in p.message for p in problems)


def test_findings_on_every_part_map_to_a_field(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_example(tmp_path)
    locs = {
        ("spec", "predictors", 0, "componentSpecs", 0, "hpaSpec", "maxReplicas"): "hpa:",
        ("spec", "predictors", 0, "graph", "modelUri"): "modelUri: s3://models/churn",
        ("spec", "predictors", 1, "graph", "modelUri"): "modelUri: s3://models/churn/2026-11-20",
        ("spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0, "resources"):
            "resources:",
        ("metadata", "labels"): "name: churn-xgb",
    }

    def fake(obj: dict[str, Any], schema: object = None) -> list[Finding]:
        if obj["metadata"]["name"] != "churn-xgb" or obj["metadata"]["namespace"] != (
                "models-staging"):
            return []
        return [Finding(loc, "fake", repr(loc)) for loc in locs
                if loc[2:3] != (1,) or len(obj["spec"]["predictors"]) > 1]

    import gitops_seldon.validate.seldon as seldon

    monkeypatch.setattr(seldon, "check_seldondeployment", fake)
    model = root / "models" / "churn-xgb.yaml"
    problems = {p.message.rsplit(" (environment", 1)[0]: p for p in check_rendered(load(root))}
    for loc, text in locs.items():
        if loc[-1] == "maxReplicas":
            # hpa is set for prod only, so in staging it falls back to metadata.name
            text = "name: churn-xgb"
        assert problems[repr(loc)].line == line_of(model, text), loc


def test_each_environment_is_named_once(tmp_path: Path) -> None:
    """Main and canary predictors break the same rule: one problem, each env named once."""
    root = copy_example(tmp_path)
    iris = root / "models/iris.yaml"
    iris.write_text(iris.read_text().replace("implementation: SKLEARN_SERVER",
                                             "implementation: TRITON_SERVER"))
    problems = [p for p in check_rendered(load(root)) if p.rule == "seldon-server-protocol"]
    assert len(problems) == 1
    assert problems[0].message.endswith("(environment dev, prod, staging)")
