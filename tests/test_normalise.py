"""Normalisation and diff as pure functions, on objects shaped as a real API server
returns them (tests/fixtures/live). No false drift, and real drift is found."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_seldon.verify.diff import compare
from gitops_seldon.verify.normalise import (
    apply_crd_defaults,
    normalise,
    parse_quantity,
    prune_empty,
    values_equal,
)

FIXTURES = Path(__file__).parent / "fixtures" / "live"


def load(name: str) -> dict[str, Any]:
    text = (FIXTURES / name).read_text()
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def changes(kind: str, git: dict[str, Any], live: dict[str, Any], ignore: tuple[str, ...] = (),
            two_way: bool = True) -> list[str]:
    result = compare(kind, normalise(git, ignore), normalise(live, ignore), two_way=two_way)
    return [c.message() for c in result.changes]


@pytest.fixture
def sdep() -> tuple[dict[str, Any], dict[str, Any]]:
    return load("seldondeployment-desired.yaml"), load("seldondeployment-live.json")


@pytest.fixture
def sealed() -> tuple[dict[str, Any], dict[str, Any]]:
    return load("sealedsecret-desired.yaml"), load("sealedsecret-live.json")


# --- no false drift -------------------------------------------------------------------------


def test_seldondeployment_as_the_server_returns_it_is_in_sync(sdep: Any) -> None:
    git, live = sdep
    assert changes("SeldonDeployment", git, live) == []


def test_sealedsecret_as_the_server_returns_it_is_in_sync(sealed: Any) -> None:
    git, live = sealed
    assert changes("SealedSecret", git, live) == []


@pytest.mark.parametrize(("git", "live"), [
    ("1000m", "1"), ("1Gi", "1024Mi"), ("0.5", "500m"), ("1000M", "1G"), ("1e3", "1k"),
    ("2", 2), ("129e6", "129M"), ("1.5Gi", "1536Mi"),
])
def test_quantities_compare_by_value(git: str, live: Any) -> None:
    assert values_equal(("resources", "requests", "memory"), git, live)


def test_different_quantities_differ() -> None:
    assert not values_equal(("resources", "limits", "memory"), "100Mi", "0.1Gi")
    assert parse_quantity("100Mi") == Decimal(100 * 2**20)
    assert parse_quantity("not-a-quantity") is None


def test_quantity_rules_apply_only_at_quantity_paths() -> None:
    assert not values_equal(("spec", "graph", "modelUri"), "1000m", "1")
    assert not values_equal(("spec", "name"), "1k", "1000")


def test_int_or_string_is_not_coerced_but_int_and_float_are_alike() -> None:
    assert not values_equal(("ports", 0, "targetPort"), 8080, "8080")
    assert values_equal(("spec", "replicas"), 1, 1.0)
    assert not values_equal(("spec", "enabled"), True, 1)


def test_null_empty_and_absent_are_alike() -> None:
    git = {"metadata": {"name": "a", "annotations": {}, "labels": None},
           "spec": {"env": [], "resources": {}, "x": {"y": None}}}
    live = {"metadata": {"name": "a"}, "spec": {}}
    assert changes("SeldonDeployment", git, live) == []
    assert prune_empty({"a": {"b": []}, "c": 0, "d": ""}) == {"c": 0, "d": ""}


def test_server_fields_and_status_never_count(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    live["metadata"].update(uid="other", resourceVersion="1", generation=99,
                            creationTimestamp="2020-01-01T00:00:00Z", selfLink="/x")
    live["metadata"]["managedFields"] = [{"manager": "someone-else"}]
    live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    live["status"] = {"state": "Failed", "description": "boom"}
    assert changes("SeldonDeployment", git, live) == []


def test_crd_default_protocol_tcp_is_applied_to_git() -> None:
    ports = apply_crd_defaults({"ports": [{"containerPort": 9000}]})
    assert ports == {"ports": [{"containerPort": 9000, "protocol": "TCP"}]}
    git = {"spec": {"c": [{"name": "m", "ports": [{"containerPort": 9000, "name": "metrics"}]}]}}
    live = {"spec": {"c": [{"name": "m", "ports": [
        {"containerPort": 9000, "name": "metrics", "protocol": "TCP"}]}]}}
    assert changes("SeldonDeployment", git, live) == []
    live["spec"]["c"][0]["ports"][0]["protocol"] = "UDP"
    assert changes("SeldonDeployment", git, live) != []


def test_reordered_maps_and_keyed_lists_are_not_drift(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    live["spec"]["predictors"].reverse()
    live["spec"] = dict(reversed(list(live["spec"].items())))
    assert changes("SeldonDeployment", git, live) == []


def test_unkeyed_lists_compare_in_order() -> None:
    git = {"spec": {"args": ["--a", "--b"]}}
    live = {"spec": {"args": ["--b", "--a"]}}
    assert changes("SeldonDeployment", git, live) == [
        'spec.args[0]: git "--a", live "--b"', 'spec.args[1]: git "--b", live "--a"']


def test_fields_git_does_not_set_are_not_compared(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    live["metadata"]["labels"]["team"] = "search"
    live["metadata"]["annotations"]["seldon.io/engine-separate-pod"] = "false"
    live["spec"]["predictors"][0]["annotations"] = {"x": "y"}
    assert changes("SeldonDeployment", git, live) == []


def test_user_ignore_rules_are_json_pointers(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    for predictor in live["spec"]["predictors"]:
        predictor["replicas"] = 9
    assert len(changes("SeldonDeployment", git, live)) == 2
    assert changes("SeldonDeployment", git, live, ignore=("/spec/predictors/*/replicas",)) == []


def test_pointer_escapes() -> None:
    git = {"metadata": {"annotations": {"a/b": "1", "c": "2"}}}
    live = {"metadata": {"annotations": {"a/b": "9", "c": "2"}}}
    assert changes("SeldonDeployment", git, live, ignore=("/metadata/annotations/a~1b",)) == []


def test_api_version_of_another_served_version_is_not_drift(sdep: Any) -> None:
    git, live = sdep
    git = {**git, "apiVersion": "machinelearning.seldon.io/v1alpha3"}
    assert changes("SeldonDeployment", git, live) == []


# --- real drift, field-level ---------------------------------------------------------------


def test_changed_quantity_value_is_drift(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    main = next(p for p in live["spec"]["predictors"] if p["name"] == "main")
    main["componentSpecs"][0]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "1.5Gi"
    assert changes("SeldonDeployment", git, live) == [
        "spec.predictors[main].componentSpecs[0].spec.containers[iris].resources.requests.memory:"
        ' git "1Gi", live "1.5Gi"']


def test_extra_element_in_a_keyed_list_git_sets_is_drift(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    main = next(p for p in live["spec"]["predictors"] if p["name"] == "main")
    container = main["componentSpecs"][0]["spec"]["containers"][0]
    container["env"].append({"name": "DEBUG", "value": "1"})
    assert changes("SeldonDeployment", git, live) == [
        'spec.predictors[main].componentSpecs[0].spec.containers[iris].env[DEBUG]: '
        'live only {"name": "DEBUG", "value": "1"}']


def test_removed_label_is_drift(sdep: Any) -> None:
    git, live = sdep
    live = copy.deepcopy(live)
    del live["metadata"]["labels"]["app.kubernetes.io/name"]
    assert changes("SeldonDeployment", git, live) == [
        'metadata.labels.app.kubernetes.io/name: git "iris", absent live']


def test_sealed_secret_values_are_never_shown(sealed: Any) -> None:
    git, live = sealed
    live = copy.deepcopy(live)
    ciphertexts = list(git["spec"]["encryptedData"].values())
    live["spec"]["encryptedData"]["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"] = "AgDifferent" + "A" * 60
    live["spec"]["encryptedData"]["RCLONE_CONFIG_S3_SESSION_TOKEN"] = "AgExtra" + "B" * 60
    result = compare("SealedSecret", normalise(git), normalise(live))
    assert [c.message() for c in result.changes] == [
        "encrypted value of RCLONE_CONFIG_S3_SECRET_ACCESS_KEY differs",
        "encrypted value of RCLONE_CONFIG_S3_SESSION_TOKEN is in the cluster but not in git",
    ]
    shown = json.dumps([c.as_json() for c in result.changes]) + json.dumps(result.live_view)
    shown += json.dumps(result.git_view)
    for secret in [*ciphertexts, "AgDifferent", "AgExtra"]:
        assert secret not in shown
    assert result.live_view["spec"]["encryptedData"]["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"] == (
        "*** (differs)")


def test_clear_template_data_of_a_sealed_secret_is_compared_both_ways(sealed: Any) -> None:
    git, live = sealed
    live = copy.deepcopy(live)
    live["spec"]["template"]["data"]["RCLONE_CONFIG_S3_REGION"] = "us-east-1"
    live["spec"]["template"]["data"]["RCLONE_CONFIG_S3_ENDPOINT"] = "https://minio"
    assert changes("SealedSecret", git, live) == [
        'spec.template.data.RCLONE_CONFIG_S3_REGION: git "eu-west-1", live "us-east-1"',
        'spec.template.data.RCLONE_CONFIG_S3_ENDPOINT: live only "https://minio"',
    ]


def test_full_mode_compares_every_field(sdep: Any) -> None:
    _, live = sdep
    merged = copy.deepcopy(live)
    assert changes("SeldonDeployment", merged, live, two_way=False) == []
    live = copy.deepcopy(live)
    live["metadata"]["labels"]["team"] = "search"
    assert changes("SeldonDeployment", merged, live, two_way=False) == [
        'metadata.labels.team: live only "search"']


def test_normalise_never_modifies_its_input(sdep: Any) -> None:
    git, live = sdep
    before = copy.deepcopy(live)
    normalise(live, ignore=("/spec/predictors/*/replicas", "/metadata/labels"))
    normalise(git)
    assert live == before
