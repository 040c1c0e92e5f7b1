"""The change summary: field-level, per environment, never a secret value."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.load import Repository, load_repository
from gitops_seldon.plan import PlannedObject, plan_repository
from gitops_seldon.summary import (
    EnvironmentChanges,
    ObjectChange,
    flatten,
    markdown_escape,
    summarise,
    to_markdown,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ml-platform"
Plans = dict[str, list[PlannedObject]]


@pytest.fixture(scope="module")
def plans() -> Plans:
    repo = load_repository(EXAMPLE)
    assert isinstance(repo, Repository)
    return plan_repository(repo)


def edited(plans: Plans, env: str, name: str, edit: Any, kind: str = "SeldonDeployment"
           ) -> Plans:
    result = {e: list(objects) for e, objects in plans.items()}
    for index, planned in enumerate(result[env]):
        if planned.kind == kind and planned.name == name:
            obj = copy.deepcopy(planned.obj)
            edit(obj)
            result[env][index] = replace(planned, obj=obj)
            return result
    raise AssertionError(f"{kind} {name} not planned in {env}")


def changes_in(base: Plans, head: Plans, env: str) -> list[ObjectChange]:
    return next(e.changes for e in summarise(base, head) if e.env == env)


def sentence(base: Plans, head: Plans, env: str, name: str) -> str:
    return next(c.sentence() for c in changes_in(base, head, env) if c.name == name)


def main_predictor(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["predictors"][0]  # type: ignore[no-any-return]


def test_identical_plans_have_no_changes(plans: Plans) -> None:
    assert all(not e.changes and e.note is None for e in summarise(plans, plans))
    assert "No change to the rendered output" in to_markdown(summarise(plans, plans), "`x`")


def test_replicas_and_a_new_canary(plans: Plans) -> None:
    def edit(obj: dict[str, Any]) -> None:
        main = main_predictor(obj)
        main["replicas"] = 4
        main["traffic"] = 90
        canary = copy.deepcopy(main)
        canary.update(name="canary", traffic=10, replicas=1)
        canary["graph"]["modelUri"] = "s3://models/iris/v4"
        obj["spec"]["predictors"].append(canary)

    head = edited(plans, "prod", "iris", edit)
    assert sentence(plans, head, "prod", "iris") == (
        "canary 10% (modelUri s3://models/iris/v4), replicas 3 -> 4")
    assert [e.env for e in summarise(plans, head) if e.changes] == ["prod"]


def test_canary_traffic_model_uri_and_removal(plans: Plans) -> None:
    staging_iris = next(p for p in plans["staging"] if p.name == "iris")
    assert [p["name"] for p in staging_iris.obj["spec"]["predictors"]][1:] == ["canary"]

    def shift(obj: dict[str, Any]) -> None:
        canary = obj["spec"]["predictors"][1]
        canary["traffic"] = 50
        canary["graph"]["modelUri"] = "s3://models/iris/v5"

    head = edited(plans, "staging", "iris", shift)
    text = sentence(plans, head, "staging", "iris")
    assert "canary traffic 20% -> 50%" in text
    assert "canary modelUri s3://models/iris/v4 -> s3://models/iris/v5" in text

    head = edited(plans, "staging", "iris", lambda o: o["spec"]["predictors"].pop(1))
    assert "canary removed" in sentence(plans, head, "staging", "iris")


def test_field_labels(plans: Plans) -> None:
    def edit(obj: dict[str, Any]) -> None:
        main = main_predictor(obj)
        obj["spec"]["protocol"] = "v2"
        main["graph"]["modelUri"] = "s3://models/iris/v9"
        main["graph"]["parameters"][0]["value"] = "predict"
        main["componentSpecs"][0]["spec"]["containers"][0]["image"] = "seldonio/sklearn:9"
        main["componentSpecs"][0]["spec"]["containers"][0]["resources"] = {
            "requests": {"cpu": "2"}}
        main["componentSpecs"][0]["hpaSpec"]["metricsv2"][0]["resource"]["target"][
            "averageUtilization"] = 80
        obj["metadata"]["annotations"]["gitops-seldon.dev/spec-digest"] = "sha256:" + "0" * 64

    text = sentence(plans, edited(plans, "prod", "iris", edit), "prod", "iris")
    for expected in ("protocol unset -> v2",
                     "modelUri s3://models/iris/v3 -> s3://models/iris/v9",
                     "parameter method predict_proba -> predict",
                     "image unset -> seldonio/sklearn:9",
                     "cpu request unset -> 2", "hpa cpu utilization 70 -> 80"):
        assert expected in text
    assert "spec-digest" not in text


def test_graph_components_are_named(plans: Plans) -> None:
    def edit(obj: dict[str, Any]) -> None:
        for container in main_predictor(obj)["componentSpecs"][0]["spec"]["containers"]:
            if container["name"] == "tokenize":
                container["image"] = "registry.example.com/nlp/tokenizer:2.2.0"

    text = sentence(plans, edited(plans, "prod", "reviews", edit), "prod", "reviews")
    assert text == ("tokenize image registry.example.com/nlp/tokenizer:2.1.0 -> "
                    "registry.example.com/nlp/tokenizer:2.2.0")


def test_added_removed_and_environment_notes(plans: Plans) -> None:
    base = {env: [p for p in objects if p.name != "iris"] for env, objects in plans.items()}
    added = changes_in(base, plans, "prod")
    iris = next(c for c in added if c.name == "iris")
    assert iris.action == "added"
    assert iris.sentence() == (
        "added (SKLEARN_SERVER, modelUri s3://models/iris/v3, replicas 3)")
    removed = next(c for c in changes_in(plans, base, "prod") if c.name == "iris")
    assert removed.sentence() == "removed"
    only_prod = {"prod": plans["prod"]}
    notes = {e.env: e.note for e in summarise(only_prod, plans)}
    assert notes["dev"] == "new environment" and notes["prod"] is None
    assert {e.env: e.note for e in summarise(plans, only_prod)}["dev"] == "environment removed"


SECRET_MARKERS = ("AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq", "c2VjcmV0LXZhbHVl", "eu-west-9")


def sealed(name: str, encrypted: dict[str, str], template: dict[str, str],
           fingerprint: str = "sha256:" + "1" * 64) -> PlannedObject:
    obj = {
        "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "metadata": {"name": name, "namespace": "models-prod",
                     "annotations": {"gitops-seldon.dev/sealed-with": fingerprint}},
        "spec": {"encryptedData": encrypted,
                 "template": {"metadata": {"name": name}, "data": template}},
    }
    return PlannedObject("prod", "SealedSecret", name, "models-prod", obj,
                         f"credentials/sealed/prod/{name}.yaml")


def test_sealed_secrets_show_key_names_never_values() -> None:
    base = {"prod": [sealed("minio", {"KEY_A": "AgA" + "x" * 40, "KEY_B": "AgBold", "GONE": "AgC"},
                            {"REGION": "eu-west-1"})]}
    head = {"prod": [sealed("minio", {"KEY_A": SECRET_MARKERS[0], "KEY_B": "AgBold",
                                      "NEW": SECRET_MARKERS[1]},
                            {"REGION": SECRET_MARKERS[2]}, fingerprint="sha256:" + "2" * 64)]}
    [change] = changes_in(base, head, "prod")
    assert change.details == (
        "sealed values changed: KEY_A", "sealed keys added: NEW", "sealed keys removed: GONE",
        "clear values changed: REGION", "sealed with certificate sha256:222222222222…")
    markdown = to_markdown(summarise(base, head), "`base`")
    assert "- SealedSecret `minio`: sealed values changed: KEY\\_A" in markdown
    for marker in SECRET_MARKERS:
        assert marker not in markdown
    added = changes_in({"prod": []}, head, "prod")[0]
    assert added.sentence() == "added (sealed keys: KEY_A, KEY_B, NEW)"


def test_plain_secret_values_never_shown() -> None:
    def secret(value: str) -> PlannedObject:
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
               "data": {"TOKEN": value}, "stringData": {"PASSWORD": value}}
        return PlannedObject("prod", "Secret", "s", "ns", obj, "x.yaml")

    [change] = changes_in({"prod": [secret("old-value")]}, {"prod": [secret("new-value")]}, "prod")
    text = change.sentence()
    assert text == "secret values changed: PASSWORD, TOKEN"
    assert "value" not in text.replace("values", "")


def test_flatten_keys_named_lists_by_name_so_order_is_not_a_change() -> None:
    first = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    second = {"env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}
    assert flatten(first) == flatten(second) == {("env", "A", "value"): "1",
                                                 ("env", "B", "value"): "2"}


def test_markdown_shape_and_escaping() -> None:
    environments = [
        EnvironmentChanges("dev", ()),
        EnvironmentChanges("prod", (ObjectChange("SeldonDeployment", "iris", "changed",
                                                 ("modelUri s3://a_b/*x* -> s3://c|d",)),)),
    ]
    assert to_markdown(environments, "`main`") == (
        "### Changes against `main`\n\n#### prod\n\n"
        "- `iris`: modelUri s3://a\\_b/\\*x\\* -> s3://c\\|d\n\n"
        "No change in: dev.\n")
    assert markdown_escape("<script>") == "\\<script>"


def test_shadow_and_explainer(plans: Plans) -> None:
    def add_shadow(obj: dict[str, Any]) -> None:
        shadow = copy.deepcopy(main_predictor(obj))
        shadow.update(name="shadow", shadow=True, traffic=25)
        shadow["graph"]["modelUri"] = "s3://models/iris/next"
        obj["spec"]["predictors"].append(shadow)
        main_predictor(obj)["explainer"]["type"] = "KernelShap"

    text = sentence(plans, edited(plans, "prod", "iris", add_shadow), "prod", "iris")
    assert text == ("shadow mirrors 25% (modelUri s3://models/iris/next), "
                    "explainer type AnchorTabular -> KernelShap")
    churn = next(p for p in plans["staging"] if p.name == "churn-xgb")
    base = {"staging": [p for p in plans["staging"] if p.name != "churn-xgb"]}
    added = next(c for c in changes_in(base, {"staging": [churn]}, "staging"))
    assert "shadow mirrors 50% (modelUri s3://models/churn/" in added.sentence()
