"""The edit itself (pure): requests that make no sense, operations, layouts the goldens do
not cover, and every bundled example model edited with a minimal diff."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from gitops_seldon.promotion import (
    DELETE,
    Operation,
    Promotion,
    PromotionError,
    apply_operations,
    check_promotion,
    edit_model,
    guess_indent,
    plan_operations,
)
from gitops_seldon.source import to_plain
from gitops_seldon.spec import API_VERSION

EXAMPLE_MODELS = sorted((Path(__file__).resolve().parent.parent / "examples" / "ml-platform"
                         / "models").glob("*.yaml"))
ENVS = ("dev", "prod", "staging")


def edit(text: str | None, **kwargs: object) -> str:
    promotion = Promotion(model="iris", **kwargs)  # type: ignore[arg-type]
    check_promotion(promotion, ENVS)
    return edit_model(text, promotion, "models/iris.yaml", api_version=API_VERSION,
                      environments=ENVS).after


def plain(text: str) -> object:
    return to_plain(YAML(typ="rt").load(text))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"env": "qa", "model_uri": "s3://x"}, "unknown environment 'qa' (environments: dev, "
                                           "prod, staging)"),
    ({"canary": 0, "model_uri": "s3://x"}, "out of range"),
    ({"canary": 100, "model_uri": "s3://x"}, "--promote-canary"),
    ({"promote_canary": True, "model_uri": "s3://x"}, "do not combine"),
    ({"promote_canary": True, "canary": 5}, "do not combine"),
    ({"replicas": -2}, "0 or more"),
    ({"implementation": "SKLEARN_SERVER", "model_uri": "s3://x"}, "only used with --create"),
    ({}, "nothing to promote"),
])
def test_requests_that_make_no_sense(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PromotionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_promotion(Promotion(model="iris", **kwargs), ENVS)  # type: ignore[arg-type]


BASE = {"spec": {"implementation": "SKLEARN_SERVER", "modelUri": "s3://a",
                 "canary": {"modelUri": "s3://b", "traffic": 10, "replicas": 2}}}


def test_promote_canary_of_the_base_spec_in_one_environment_drops_it_there_only() -> None:
    ops = plan_operations(BASE, Promotion("iris", env="prod", promote_canary=True))
    assert ops == [Operation(("spec", "environments", "prod", "modelUri"), "s3://b"),
                   Operation(("spec", "environments", "prod", "canary"), None)]


def test_ramping_an_inherited_canary_copies_it_into_the_override() -> None:
    ops = plan_operations(BASE, Promotion("iris", env="prod", canary=30))
    assert ops == [Operation(("spec", "environments", "prod", "canary"),
                             {"modelUri": "s3://b", "traffic": 30, "replicas": 2})]


def test_a_new_canary_replaces_only_what_is_given() -> None:
    ops = plan_operations(BASE, Promotion("iris", canary=5, model_uri="s3://c"))
    assert ops == [Operation(("spec", "canary", "modelUri"), "s3://c"),
                   Operation(("spec", "canary", "traffic"), 5)]


def test_no_canary_to_ramp() -> None:
    with pytest.raises(PromotionError, match=r"no canary in spec\.environments\.dev"):
        plan_operations({"spec": {"modelUri": "s3://a"}}, Promotion("iris", env="dev",
                                                                    canary=20))


def test_unchanged_values_make_no_operation() -> None:
    assert plan_operations(BASE, Promotion("iris", model_uri="s3://a")) == []


def test_promote_canary_inside_a_flow_mapping() -> None:
    text = ("spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n"
            "  environments:\n    prod: {canary: {modelUri: s3://b, traffic: 10}, replicas: 2}"
            "  # flow\n")
    after = edit(text, env="prod", promote_canary=True)
    lines = after.splitlines()
    assert lines[:4] == text.splitlines()[:4]
    assert lines[4].startswith("    prod: {replicas: 2, modelUri: s3://b}")
    assert lines[4].endswith("# flow") and len(lines) == 5


def test_removing_the_last_key_of_an_override_then_setting_one() -> None:
    text = ("spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n  environments:\n"
            "    prod:   # production\n      canary:\n        modelUri: s3://b\n"
            "        traffic: 10\n    dev:\n      replicas: 1\n")
    after = edit(text, env="prod", promote_canary=True)
    assert after == ("spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n"
                     "  environments:\n    prod:   # production\n      modelUri: s3://b\n"
                     "    dev:\n      replicas: 1\n")


def test_the_edit_is_checked_against_the_plain_operations() -> None:
    text = "spec:\n  modelUri: s3://a\n"
    ops = [Operation(("spec", "modelUri"), "s3://b"), Operation(("spec", "gone"), DELETE)]
    assert plain(apply_operations(text, ops, "x.yaml")) == {"spec": {"modelUri": "s3://b"}}


def test_no_final_newline_stays_without_one() -> None:
    text = "spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a"
    assert edit(text, model_uri="s3://b") == text.replace("s3://a", "s3://b")


@pytest.mark.parametrize(("text", "expected"), [
    ("a:\n  b: 1\n", (2, 0)),
    ("a:\n    b: 1\n", (4, 0)),
    ("a:\n  b:\n    - 1\n", (2, 2)),
    ("a:\n  b:\n  - 1\n", (2, 0)),
    ("a:  # c\n   b: 1\n", (3, 0)),
    ("a: 1\n", (2, 0)),
])
def test_guess_indent(text: str, expected: tuple[int, int]) -> None:
    assert guess_indent(text) == expected


def test_create_without_implementation() -> None:
    with pytest.raises(PromotionError, match="needs --implementation"):
        edit(None, create=True, model_uri="s3://x")


def test_created_model_text_is_plain_and_valid_yaml() -> None:
    after = edit(None, create=True, implementation="custom", image="r.example.com/m:1",
                 model_uri="s3://x: y", credentials="minio")
    assert plain(after) == {
        "apiVersion": API_VERSION, "kind": "Model", "metadata": {"name": "iris"},
        "spec": {"implementation": "custom", "credentials": "minio",
                 "modelUri": "s3://x: y", "image": "r.example.com/m:1"}}


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=[p.stem for p in EXAMPLE_MODELS])
@pytest.mark.parametrize(("kwargs", "most"), [
    ({"env": "dev", "replicas": 5}, 3),
    ({"model_uri": "s3://models/next/1"}, 2),
    ({"env": "staging", "canary": 15, "image": "registry.example.com/next:2"}, 5),
])
def test_every_example_model_is_edited_with_a_minimal_diff(
        path: Path, kwargs: dict[str, object], most: int) -> None:
    before = path.read_text()
    after = edit(before, **kwargs)
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
               if line[:1] in "+-"]
    assert 0 < len(changed) <= most, "\n".join(changed)
    assert all(line.startswith("+") or "modelUri" in line or "traffic" in line
               for line in changed), "\n".join(changed)


def test_dropping_an_inherited_canary_writes_null_and_keeps_other_nulls() -> None:
    text = ("spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n  serviceAccountName:\n"
            "  canary: {modelUri: s3://b, traffic: 3}\n")
    after = edit(text, env="prod", promote_canary=True)
    assert after == text + ("  environments:\n    prod:\n      modelUri: s3://b\n"
                            "      canary: null\n")


@pytest.mark.parametrize("name", ["../gitops-seldon", "Iris", "iris_v2", "a/b", "", "-x"])
def test_model_names_that_are_not_names(name: str) -> None:
    with pytest.raises(PromotionError, match="is not a Model name"):
        check_promotion(Promotion(model=name, model_uri="s3://x"), ENVS)


def test_document_markers_and_what_surrounds_them_stay() -> None:
    text = ("%YAML 1.2\n# before the start\n---\nspec:\n  implementation: SKLEARN_SERVER\n"
            "  modelUri: s3://a  # x\n...\n# after the end\n")
    after = edit(text, model_uri="s3://b")
    assert after == text.replace("s3://a", "s3://b")


def test_anchors_and_aliases_survive() -> None:
    text = ("spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n"
            "  resources: &res\n    requests: {cpu: 100m}\n  environments:\n    prod:\n"
            "      resources: *res\n")
    after = edit(text, env="prod", replicas=3)
    assert after == text + "      replicas: 3\n"


def test_a_value_ruamel_reads_as_a_broken_int_is_kept_as_text() -> None:
    """"-_" and "0x_" match ruamel's int pattern without a digit; ruamel alone fails on
    them with an IndexError, validate reads them as text, and promote must too."""
    text = ("apiVersion: gitops-seldon.dev/v1alpha1\nkind: Model\nmetadata:\n  name: iris\n"
            "  annotations:\n    note: -_\n    hex: 0x_\n"
            "spec:\n  implementation: SKLEARN_SERVER\n  modelUri: s3://a\n")
    after = edit(text, model_uri="s3://b")
    assert "    note: -_\n" in after and "    hex: 0x_\n" in after
    assert "modelUri: s3://b" in after
