"""The fast acceptance of spec files (``spec.accept``) never disagrees with pydantic.

``accept`` checks a document against the generated JSON Schema and builds the spec value
without importing pydantic; whatever it refuses goes to pydantic. So the property that
matters is one-sided: a document ``accept`` takes must be one pydantic takes, with the
same value. The other side matters for speed only: every valid spec file we have
(examples, docs, the corpus) must be accepted fast, or the pre-commit hook silently pays
for pydantic again.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import scalars

from gitops_seldon.source import load_single
from gitops_seldon.spec import Config, Credentials, Model, strict
from gitops_seldon.spec.accept import accept
from gitops_seldon.spec.base import Strict, fields_set
from gitops_seldon.spec.build import build, dump

PROJECT = Path(__file__).resolve().parent.parent
KINDS: dict[str, type[Strict]] = {"Config": Config, "Model": Model, "Credentials": Credentials}


def spec_documents() -> list[tuple[str, dict[str, Any]]]:
    """(path, data) of every spec file in the examples and the corpus that loads."""
    found = []
    for root in (PROJECT / "examples", PROJECT / "tests" / "corpus", PROJECT / "tests" / "golden"):
        for path in sorted(root.rglob("*.y*ml")):
            document, problems = load_single(path, path.as_posix())
            data = document.data if document is not None and not problems else None
            if (isinstance(data, dict) and data.get("kind") in KINDS
                    and data.get("apiVersion") == "gitops-seldon.dev/v1alpha1"):
                found.append((path.relative_to(PROJECT).as_posix(), data))
    return found


DOCUMENTS = spec_documents()


def agree(cls: type[Strict], data: Any) -> bool:
    """Assert the one-sided property; returns whether pydantic accepts ``data``."""
    fast = accept(cls, data)
    errors = strict.errors(cls, data)
    if fast is not None:
        assert errors == [], f"accepted fast, but pydantic says {errors}"
        assert fast == strict.validate(cls, data)
    return not errors


def test_there_are_documents_of_every_kind() -> None:
    kinds = {data["kind"] for _, data in DOCUMENTS}
    assert kinds == set(KINDS)
    assert len(DOCUMENTS) > 100


@pytest.mark.parametrize(("path", "data"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_every_spec_file_gets_the_same_verdict(path: str, data: dict[str, Any]) -> None:
    cls = KINDS[data["kind"]]
    valid = agree(cls, data)
    if valid:
        assert accept(cls, data) is not None, f"{path} is valid but was not accepted fast"


EDGE_CASES = [
    ("replicas: a float", ("spec", "replicas"), 2.0),
    ("replicas: a boolean", ("spec", "replicas"), True),
    ("name ending in a newline", ("metadata", "name"), "iris\n"),
    ("label with an integer key", ("metadata", "labels"), {1: "a"}),
    ("label with a non-string value", ("metadata", "labels"), {"a": 1}),
    ("resource not in the list", ("spec", "resources"), {"requests": {"gpu": "1"}}),
    ("quantity as a number", ("spec", "resources"), {"requests": {"cpu": 1}}),
    ("hpa min above max", ("spec", "hpa"), {"minReplicas": 3, "maxReplicas": 2,
                                             "cpuUtilization": 50}),
    ("hpa without a target", ("spec", "hpa"), {"maxReplicas": 2}),
    ("pdb with both", ("spec", "pdb"), {"minAvailable": 1, "maxUnavailable": 1}),
    ("graph node with image and implementation", ("spec", "graph"),
     {"name": "a", "image": "x", "implementation": "SIMPLE_MODEL"}),
    ("unknown nested field", ("spec", "canary"), {"traffic": 10, "weight": 1}),
    ("traffic out of range", ("spec", "canary"), {"traffic": 100}),
    ("parameters as a mapping", ("spec", "parameters"), {"a": "b"}),
    ("parameter value as a number", ("spec", "parameters"),
     [{"name": "a", "type": "INT", "value": 1}]),
    ("enabled as a string", ("spec", "environments"), {"prod": {"enabled": "no"}}),
    ("env var as a tuple item", ("spec", "env"), [["A", "b"]]),
    ("modelUri with a lone surrogate", ("spec", "modelUri"), "s3:\ud800"),
    ("image with a lone surrogate", ("spec", "image"), "a\udfff"),
]
MODEL = {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Model",
         "metadata": {"name": "iris"},
         "spec": {"implementation": "SKLEARN_SERVER", "modelUri": "s3:models/iris"}}


@pytest.mark.parametrize(("what", "where", "value"), EDGE_CASES,
                         ids=[case[0] for case in EDGE_CASES])
def test_edge_cases_are_refused_by_both(what: str, where: tuple[str, ...], value: Any) -> None:
    data = copy.deepcopy(MODEL)
    data[where[0]][where[1]] = value
    assert accept(Model, data) is None
    assert not agree(Model, data)


def test_config_paths_must_stay_inside_the_repository() -> None:
    config = {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Config",
              "spec": {"environments": {"dev": {"namespace": "d"}}}}
    for bad in ("../out", "/abs", "a/../../b", ""):
        data = copy.deepcopy(config)
        data["spec"]["paths"] = {"output": bad}
        assert accept(Config, data) is None
        assert not agree(Config, data)
    data["spec"]["paths"] = {"output": "deploy/x"}
    assert agree(Config, data)
    assert accept(Config, data) is not None


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1.0, 0])
def test_timeouts_out_of_range_are_refused_by_both(timeout: float) -> None:
    data = {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Config",
            "spec": {"environments": {}, "verify": {"timeoutSeconds": timeout}}}
    assert accept(Config, data) is None
    assert not agree(Config, data)


def deep_model(levels: int) -> dict[str, Any]:
    graph: dict[str, Any] = {"name": "leaf"}
    for level in range(levels):
        graph = {"name": f"n{level}", "type": "TRANSFORMER", "image": "t", "children": [graph]}
    data = copy.deepcopy(MODEL)
    data["spec"]["graph"] = graph
    return data


def test_deep_graphs_are_accepted_or_refused_but_never_crash() -> None:
    from gitops_seldon.load import parse_model
    from gitops_seldon.source import Document

    shallow = Document("m.yaml", 0, None, deep_model(45))
    value, problems = parse_model(shallow, Model, "model")
    assert problems == [] and value is not None
    assert accept(Model, shallow.data) == value
    deep = Document("m.yaml", 0, None, deep_model(300))
    value, problems = parse_model(deep, Model, "model")
    assert value is None
    assert [p.rule for p in problems] == ["yaml-depth"]


def test_timeout_integer_becomes_a_float_as_pydantic_makes_it() -> None:
    data = {"apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Config",
            "spec": {"environments": {}, "verify": {"timeoutSeconds": 5}}}
    value = accept(Config, data)
    assert value is not None
    assert type(value.spec.verify.timeoutSeconds) is float
    assert value == strict.validate(Config, data)


def test_fields_set_records_what_the_document_wrote() -> None:
    data = copy.deepcopy(MODEL)
    data["spec"]["hpa"] = {"maxReplicas": 3, "cpuUtilization": 60}
    data["spec"]["environments"] = {"prod": {"hpa": None, "replicas": 3}}
    model = accept(Model, data)
    assert model is not None
    assert fields_set(model.spec) == {"implementation", "modelUri", "hpa", "environments"}
    assert fields_set(model.spec.environments["prod"]) == {"hpa", "replicas"}
    assert fields_set(model.spec.hpa) == {"maxReplicas", "cpuUtilization"}
    prod = model.settings_for("prod")
    assert prod.hpa is None and prod.replicas == 3
    assert model.settings_for("dev").hpa == model.spec.hpa


def test_values_made_in_code_remember_their_fields_too() -> None:
    from gitops_seldon.spec.model import Hpa, ModelSpec, Overrides

    spec = ModelSpec(implementation="SKLEARN_SERVER", modelUri="s3:m",
                     hpa=Hpa(maxReplicas=3, cpuUtilization=50),
                     environments={"prod": Overrides(hpa=None)})
    assert fields_set(spec.environments["prod"]) == {"hpa"}
    model = Model(apiVersion="gitops-seldon.dev/v1alpha1", kind="Model",
                  metadata=accept(Model, MODEL).metadata, spec=spec)  # type: ignore[union-attr]
    assert model.settings_for("prod").hpa is None
    assert model.settings_for("dev").hpa == Hpa(maxReplicas=3, cpuUtilization=50)
    # pydantic makes values without the constructor: the fallback is "not the default"
    made = strict.validate(Model, {**MODEL, "spec": {**MODEL["spec"], "replicas": 2}})
    assert fields_set(made.spec) >= {"implementation", "modelUri", "replicas"}


def test_values_are_frozen_comparable_and_readable() -> None:
    import dataclasses

    from gitops_seldon.spec.model import Canary

    fast = accept(Model, MODEL)
    made = strict.validate(Model, MODEL)
    assert fast is not None
    for value in (fast, made, fast.spec, made.metadata):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.kind = "x"  # type: ignore[misc,union-attr]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del value.kind  # type: ignore[misc,union-attr]
    assert fast == made and fast is not made
    assert fast != dataclasses.replace(fast, kind="Other")  # type: ignore[arg-type]
    assert Canary(traffic=10) == Canary(traffic=10) != Canary(traffic=20)
    assert hash(Canary(traffic=10)) == hash(Canary(traffic=10))
    assert Canary(traffic=10) != ("Canary", 10)
    assert repr(Canary(traffic=10)) == (
        "Canary(modelUri=None, image=None, traffic=10, replicas=None)")


def test_values_stay_frozen_when_construction_fails_or_is_repeated() -> None:
    import dataclasses

    from gitops_seldon.spec.model import Canary, Hpa

    half = object.__new__(Hpa)
    with pytest.raises(ValueError, match="greater than"):
        Hpa.__init__(half, minReplicas=3, maxReplicas=2, cpuUtilization=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        half.minReplicas = 1  # type: ignore[misc]
    canary = Canary(traffic=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        canary.__init__(traffic=20)  # type: ignore[misc]
    assert canary.traffic == 10


def test_no_spec_annotation_stacks_two_markers() -> None:
    """``Check`` and ``Validated`` each rebuild the type they annotate, so a second marker
    in the same ``Annotated`` would silently drop the first one's constraints."""
    import dataclasses
    import typing

    from gitops_seldon.spec.base import Check, Lax, Validated
    from gitops_seldon.spec.jsonschema import _spec_classes

    markers = (Check, Lax, Validated)
    seen = 0
    pending: list[Any] = []
    for kind in KINDS.values():
        for cls in _spec_classes(kind).values():
            hints = typing.get_type_hints(cls, include_extras=True)
            pending += [hints[f.name] for f in dataclasses.fields(cls)]
    while pending:
        annotation = pending.pop()
        if typing.get_origin(annotation) is typing.Annotated:
            count = sum(isinstance(m, markers) for m in annotation.__metadata__)
            assert count <= 1, annotation
            seen += count
        pending += list(typing.get_args(annotation))
    assert seen > 20


def test_dump_is_the_inverse_of_build() -> None:
    for _, data in DOCUMENTS:
        cls = KINDS[data["kind"]]
        value = accept(cls, data)
        if value is not None:
            assert accept(cls, dump(value)) == value


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid spec file with one value replaced, removed or added somewhere."""
    valid = [(p, d) for p, d in DOCUMENTS if not strict.errors(KINDS[d["kind"]], d)]
    _, data = draw(st.sampled_from(valid))
    kind, data = data["kind"], copy.deepcopy(data)
    containers: list[Any] = []
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            containers.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    node = draw(st.sampled_from(containers))
    new = draw(scalars | st.dictionaries(st.sampled_from(["name", "traffic", "x"]), scalars,
                                         max_size=2) | st.lists(scalars, max_size=2))
    if isinstance(node, dict):
        keys = sorted(node, key=str)
        action = draw(st.sampled_from(["replace", "delete", "add"] if keys else ["add"]))
        if action == "add":
            node[draw(st.sampled_from(["extra", "name", "hpa", "replicas", "enabled"]))] = new
        else:
            key = draw(st.sampled_from(keys))
            if action == "delete":
                del node[key]
            else:
                node[key] = new
    elif node:
        node[draw(st.integers(0, len(node) - 1))] = new
    else:
        node.append(new)
    return kind, data


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_never_pass_fast_alone(case: tuple[str, Any]) -> None:
    kind, data = case
    agree(KINDS[kind], data)


def test_build_gives_what_pydantic_gives_for_every_valid_file() -> None:
    built = 0
    for _, data in DOCUMENTS:
        cls = KINDS[data["kind"]]
        if not strict.errors(cls, data):
            assert build(cls, data) == strict.validate(cls, data)
            built += 1
    assert built > 20


HOOK = textwrap.dedent("""
    import sys
    from gitops_seldon.cli import main
    code = main(sys.argv[1:])
    print(code, sorted(m for m in sys.modules if m.split(".")[0] in
                       ("pydantic", "pydantic_core", "kubernetes", "git")))
""")


def run_and_list_heavy_imports(*argv: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    result = subprocess.run([sys.executable, "-c", HOOK, *argv], capture_output=True,
                            text=True, check=False, env=env, cwd=PROJECT)
    code, imported = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(code), imported


def test_validating_a_valid_model_never_imports_pydantic() -> None:
    code, imported = run_and_list_heavy_imports(
        "validate", "--repo", "examples/ml-platform", "examples/ml-platform/models/iris.yaml")
    assert code == 0
    assert imported == "[]"


def test_rendering_a_valid_repository_never_imports_pydantic(tmp_path: Path) -> None:
    code, imported = run_and_list_heavy_imports(
        "render", "--repo", "examples/ml-platform", "--output", str(tmp_path / "out"))
    assert code == 0
    assert imported == "[]"


def test_an_invalid_model_is_explained_by_pydantic(tmp_path: Path) -> None:
    bad = tmp_path / "iris.yaml"
    bad.write_text((PROJECT / "examples/ml-platform/models/iris.yaml").read_text()
                   .replace("replicas: 3", "replicas: three"), encoding="utf-8")
    assert "replicas: three" in bad.read_text()
    code, imported = run_and_list_heavy_imports("validate", str(bad))
    assert code == 1
    assert "'pydantic'" in imported
