"""Admission (W1-W20) and reconcile rules of check_seldondeployment, one case per rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_seldon.problems import Level
from gitops_seldon.validate.seldon import (
    ADMISSION_RULES,
    RECONCILE_RULES,
    admission_findings,
    check_seldondeployment,
)

Obj = dict[str, Any]


def base() -> Obj:
    """A valid SeldonDeployment: a custom container model, one predictor."""
    return {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": "iris", "labels": {"app": "iris"}},
        "spec": {
            "predictors": [{
                "name": "default",
                "graph": {"name": "classifier", "type": "MODEL"},
                "componentSpecs": [{"spec": {"containers": [
                    {"name": "classifier", "image": "seldonio/mock_classifier:1.0"}]}}],
            }],
        },
    }


def prepackaged(implementation: str = "SKLEARN_SERVER", **node: Any) -> Obj:
    obj = base()
    predictor = obj["spec"]["predictors"][0]
    predictor.pop("componentSpecs")
    predictor["graph"] = {"name": "classifier", "implementation": implementation,
                          "modelUri": "gs://bucket/model", **node}
    return obj


def two_predictors(first: int | None, second: int | None, shadow: bool = False) -> Obj:
    obj = base()
    main = obj["spec"]["predictors"][0]
    other = copy.deepcopy(main)
    other["name"] = "canary"
    if first is not None:
        main["traffic"] = first
    if second is not None:
        other["traffic"] = second
    if shadow:
        other["shadow"] = True
    obj["spec"]["predictors"].append(other)
    return obj


def rules(obj: Obj) -> set[str]:
    return {f.rule for f in check_seldondeployment(obj) if f.level is Level.ERROR}


def located(obj: Obj, rule: str) -> list[tuple[str | int, ...]]:
    return [f.loc for f in check_seldondeployment(obj) if f.rule == rule]


def test_base_objects_are_clean() -> None:
    assert check_seldondeployment(base()) == []
    assert check_seldondeployment(prepackaged()) == []
    assert check_seldondeployment(two_predictors(60, 40)) == []
    assert check_seldondeployment(two_predictors(100, 50, shadow=True)) == []


def edit(path: str, value: Any) -> Callable[[Obj], None]:
    """Set a dotted path (ints index lists) inside the object."""
    def apply(obj: Obj) -> None:
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = obj
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value

    return apply


P0 = "spec.predictors.0"

CASES: list[tuple[str, Callable[[], Obj], Callable[[Obj], None], str, tuple[Any, ...]]] = [
    ("W1", base, edit("spec.protocol", "http"), "seldon-protocol", ("spec", "protocol")),
    ("W2", base, edit("spec.transport", "tcp"), "seldon-transport", ("spec", "transport")),
    ("W3", base, edit("spec.serverType", "batch"), "seldon-server-type",
     ("spec", "serverType")),
    ("W4", base, edit("spec.serverType", "kafka"), "seldon-kafka-env",
     ("spec", "predictors", 0, "svcOrchSpec")),
    ("W5", base, edit(f"{P0}.shadow", True), "seldon-shadow-only",
     ("spec", "predictors", 0, "shadow")),
    ("W7", base, edit("spec.predictors", []), "seldon-no-predictors", ("spec", "predictors")),
    ("W10", base, edit(f"{P0}.graph.name", "other"), "seldon-node-container",
     ("spec", "predictors", 0, "graph", "name")),
    ("W11", base, edit(f"{P0}.graph.type", "UNKNOWN_TYPE"), "seldon-unknown-type",
     ("spec", "predictors", 0, "graph", "type")),
    ("W12", prepackaged, edit(f"{P0}.graph.modelUri", ""), "seldon-model-uri-required",
     ("spec", "predictors", 0, "graph")),
    ("W13", prepackaged, edit("spec.protocol", "tensorflow"),
     "seldon-server-tensorflow-protocol", ("spec", "predictors", 0, "graph", "implementation")),
    ("W14", prepackaged, edit(f"{P0}.graph.implementation", "SKLEARN_SERVR"),
     "seldon-unknown-server", ("spec", "predictors", 0, "graph", "implementation")),
    ("W15", base, edit(f"{P0}.graph.logger", {"url": "http://logger"}), "seldon-logger-mode",
     ("spec", "predictors", 0, "graph", "logger")),
    ("W16", base, edit(f"{P0}.graph.endpoint", {"type": "GRPC"}), None, None),
    ("W18", base, edit(f"{P0}.traffic", 50), "seldon-traffic-single",
     ("spec", "predictors", 0, "traffic")),
]


@pytest.mark.parametrize(("name", "make", "change", "rule", "loc"),
                         [c for c in CASES if c[3] is not None],
                         ids=[c[0] for c in CASES if c[3] is not None])
def test_admission_rule(name: str, make: Callable[[], Obj], change: Callable[[Obj], None],
                        rule: str, loc: tuple[Any, ...] | None) -> None:
    obj = make()
    assert rule not in rules(obj)
    change(obj)
    assert rule in rules(obj), f"{name}: {check_seldondeployment(obj)}"
    if loc is not None:
        assert loc in located(obj, rule)


def test_w4_kafka_env_complete_passes() -> None:
    obj = base()
    obj["spec"]["serverType"] = "kafka"
    obj["spec"]["predictors"][0]["svcOrchSpec"] = {"env": [
        {"name": "KAFKA_BROKER", "value": "b"}, {"name": "KAFKA_INPUT_TOPIC", "value": "i"}]}
    found = [f for f in check_seldondeployment(obj) if f.rule == "seldon-kafka-env"]
    assert len(found) == 1 and "KAFKA_OUTPUT_TOPIC" in found[0].message
    obj["spec"]["predictors"][0]["svcOrchSpec"]["env"].append({"name": "KAFKA_OUTPUT_TOPIC"})
    assert "seldon-kafka-env" not in rules(obj)


def test_w6_duplicate_svc_name() -> None:
    obj = two_predictors(50, 50)
    for predictor in obj["spec"]["predictors"]:
        predictor["annotations"] = {"seldon.io/svc-name": "iris-svc"}
    assert located(obj, "seldon-svc-name-unique") == [
        ("spec", "predictors", 1, "annotations", "seldon.io/svc-name")]


def test_w8_single_node_no_engine_is_fine() -> None:
    obj = base()
    obj["spec"]["predictors"][0]["annotations"] = {"seldon.io/no-engine": "true"}
    assert "seldon-no-engine-graph" not in rules(obj)
    obj["spec"]["predictors"][0]["graph"]["children"] = [{"name": "classifier"}]
    assert "seldon-no-engine-graph" in rules(obj)


def test_w9_duplicate_predictor_names() -> None:
    obj = two_predictors(50, 50)
    obj["spec"]["predictors"][1]["name"] = "default"
    assert located(obj, "seldon-predictor-name-unique") == [("spec", "predictors", 1, "name")]


def test_w10_only_the_same_predictor_counts() -> None:
    obj = two_predictors(50, 50)
    obj["spec"]["predictors"][1]["componentSpecs"][0]["spec"]["containers"][0]["name"] = "x"
    assert located(obj, "seldon-node-container") == [
        ("spec", "predictors", 1, "graph", "name")]


def test_w10_builtin_implementations_need_no_container() -> None:
    obj = base()
    obj["spec"]["predictors"][0]["graph"] = {"name": "router", "implementation": "RANDOM_ABTEST",
                                             "children": [{"name": "classifier"}]}
    assert rules(obj) == set()


def test_w11_unknown_type_with_methods_passes() -> None:
    obj = base()
    obj["spec"]["predictors"][0]["graph"].update(type="UNKNOWN_TYPE", methods=["ROUTE"])
    assert "seldon-unknown-type" not in rules(obj)


def test_w12_huggingface_needs_no_model_uri() -> None:
    obj = prepackaged("HUGGINGFACE_SERVER")
    obj["spec"]["protocol"] = "v2"
    del obj["spec"]["predictors"][0]["graph"]["modelUri"]
    assert rules(obj) == set()


def test_w14_custom_server_with_its_own_image_passes() -> None:
    obj = prepackaged("MY_SERVER")
    assert "seldon-unknown-server" in rules(obj)
    obj["spec"]["predictors"][0]["componentSpecs"] = [{"spec": {"containers": [
        {"name": "classifier", "image": "me/server:1"}]}}]
    assert "seldon-unknown-server" not in rules(obj)


def test_w16_endpoint_types_must_agree_and_match_transport() -> None:
    obj = base()
    graph = obj["spec"]["predictors"][0]["graph"]
    graph["endpoint"] = {"type": "REST"}
    graph["children"] = [{"name": "classifier", "endpoint": {"type": "GRPC"}}]
    assert located(obj, "seldon-endpoint-type") == [
        ("spec", "predictors", 0, "graph", "children", 0, "endpoint", "type")]
    del graph["children"]
    obj["spec"]["transport"] = "grpc"
    assert located(obj, "seldon-endpoint-type") == [
        ("spec", "predictors", 0, "graph", "endpoint", "type")]


@pytest.mark.parametrize(("first", "second", "ok"), [
    (60, 40, True), (50, 40, False), (None, 100, True), (None, None, False), (100, 0, True),
])
def test_w17_traffic_sum(first: int | None, second: int | None, ok: bool) -> None:
    assert ("seldon-traffic-sum" not in rules(two_predictors(first, second))) is ok


@pytest.mark.parametrize(("traffic", "ok"), [(0, True), (100, True), (150, True), (1, False),
                                             (99, False)])
def test_w18_single_predictor_traffic(traffic: int, ok: bool) -> None:
    obj = base()
    obj["spec"]["predictors"][0]["traffic"] = traffic
    assert ("seldon-traffic-single" not in rules(obj)) is ok


def test_w18_does_not_see_a_shadow_pair() -> None:
    assert "seldon-traffic-single" not in rules(two_predictors(30, 10, shadow=True))


def test_w19_shadow_rules() -> None:
    obj = two_predictors(100, 101, shadow=True)
    assert located(obj, "seldon-shadow") == [("spec", "predictors", 1, "traffic")]
    third = copy.deepcopy(obj["spec"]["predictors"][1])
    third.update(name="shadow2", traffic=10)
    obj["spec"]["predictors"][1]["traffic"] = 10
    obj["spec"]["predictors"].append(third)
    assert located(obj, "seldon-shadow") == [("spec", "predictors", 2, "shadow")]


def test_w20_node_rules_apply_to_children() -> None:
    obj = base()
    obj["spec"]["predictors"][0]["graph"]["children"] = [
        {"name": "x", "children": [{"name": "deep", "implementation": "XGBOOST_SERVER"}]}]
    found = {(f.rule, f.loc) for f in check_seldondeployment(obj)}
    deep = ("spec", "predictors", 0, "graph", "children", 0, "children", 0)
    assert ("seldon-node-container", (*deep[:-2], "name")) in found
    assert ("seldon-model-uri-required", deep) in found


def test_admission_rule_table_is_complete() -> None:
    assert len(ADMISSION_RULES) == 19
    assert all(text.startswith("W") for text in ADMISSION_RULES.values())


# --------------------------------------------------------------------------- reconcile

def test_volume_mount_without_volume() -> None:
    obj = base()
    container = obj["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]
    container["volumeMounts"] = [{"name": "data", "mountPath": "/data"},
                                 {"name": "seldon-podinfo", "mountPath": "/etc/podinfo"},
                                 {"name": "classifier-provision-location",
                                  "mountPath": "/mnt/models"}]
    assert located(obj, "seldon-volume-mount") == [
        ("spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0,
         "volumeMounts", 0, "name")]
    obj["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["volumes"] = [
        {"name": "data", "emptyDir": {}}]
    assert "seldon-volume-mount" not in rules(obj)


@pytest.mark.parametrize(("implementation", "protocol", "ok"), [
    ("SKLEARN_SERVER", None, True), ("SKLEARN_SERVER", "v2", True),
    ("TRITON_SERVER", None, False), ("TRITON_SERVER", "kfserving", True),
    ("TRITON_SERVER", "tensorflow", False), ("HUGGINGFACE_SERVER", "seldon", False),
    ("TEMPO_SERVER", "v2", True), ("TENSORFLOW_SERVER", "v2", False),
    ("TENSORFLOW_SERVER", "tensorflow", True), ("TENSORFLOW_SERVER", None, True),
])
def test_server_protocol_has_an_image(implementation: str, protocol: str | None,
                                      ok: bool) -> None:
    obj = prepackaged(implementation)
    if protocol:
        obj["spec"]["protocol"] = protocol
    assert ("seldon-server-protocol" not in rules(obj)) is ok


def test_an_unknown_protocol_is_reported_once() -> None:
    obj = prepackaged("TRITON_SERVER")
    obj["spec"]["protocol"] = "grpc"
    assert rules(obj) == {"seldon-protocol"}


def test_server_protocol_own_image_wins() -> None:
    obj = prepackaged("TRITON_SERVER")
    obj["spec"]["predictors"][0]["componentSpecs"] = [{"spec": {"containers": [
        {"name": "classifier", "image": "nvcr.io/nvidia/tritonserver:23.01-py3"}]}}]
    assert "seldon-server-protocol" not in rules(obj)


@pytest.mark.parametrize(("path", "value", "rule"), [
    ("metadata.name", "Iris", "seldon-name"),
    ("metadata.name", "1iris", "seldon-service-name"),
    (f"{P0}.name", "de fault", "seldon-predictor-name"),
    (f"{P0}.annotations", {"seldon.io/svc-name": "Iris.svc"}, "seldon-svc-name"),
    (f"{P0}.componentSpecs.0.spec.containers.0.name", "Classifier_", "seldon-container-name"),
    ("metadata.labels", {"app": "not valid!"}, "seldon-label"),
    (f"{P0}.labels", {"-bad": "x"}, "seldon-label"),
    (f"{P0}.componentSpecs.0.hpaSpec", {"minReplicas": 3, "maxReplicas": 2},
     "seldon-hpa-replicas"),
    (f"{P0}.componentSpecs.0.pdbSpec", {"minAvailable": 1, "maxUnavailable": 1}, "seldon-pdb"),
    (f"{P0}.graph.parameters", [{"name": "n", "type": "INT", "value": "ten"}],
     "seldon-parameter-value"),
    (f"{P0}.graph.parameters", [{"name": "n", "type": "LONG", "value": "1"}],
     "seldon-parameter-type"),
])
def test_reconcile_rule(path: str, value: Any, rule: str) -> None:
    obj = base()
    assert rule not in rules(obj)
    edit(path, value)(obj)
    assert rule in rules(obj), check_seldondeployment(obj)
    assert rule in RECONCILE_RULES


def test_long_names_are_hashed_not_rejected() -> None:
    obj = base()
    obj["metadata"]["name"] = "1" + "a" * 70
    assert "seldon-service-name" not in rules(obj)


def test_duplicate_container_names_in_a_pod() -> None:
    obj = base()
    containers = obj["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"]
    containers.append(dict(containers[0]))
    assert "seldon-container-name-unique" in rules(obj)


def test_prepackaged_node_name_becomes_a_container_name() -> None:
    obj = prepackaged()
    obj["spec"]["predictors"][0]["graph"]["name"] = "My_Model"
    assert located(obj, "seldon-container-name") == [
        ("spec", "predictors", 0, "graph", "name")]


def test_graph_depth() -> None:
    obj = base()
    node = obj["spec"]["predictors"][0]["graph"]
    node["implementation"] = "SIMPLE_MODEL"
    for _ in range(10):
        node["children"] = [{"name": "n", "implementation": "SIMPLE_MODEL"}]
        node = node["children"][0]
    assert "seldon-graph-depth" not in rules(obj)
    node["children"] = [{"name": "n", "implementation": "SIMPLE_MODEL"}]
    assert len(located(obj, "seldon-graph-depth")) == 1


@pytest.mark.parametrize(("path", "value"), [
    (f"{P0}.graph.type", "MODLE"), (f"{P0}.explainer", {"type": "Anchors"}),
    (f"{P0}.graph.logger", {"mode": "everything"}),
])
def test_unknown_values_are_warnings(path: str, value: Any) -> None:
    obj = base()
    edit(path, value)(obj)
    found = check_seldondeployment(obj)
    assert found and all(f.level is Level.WARNING for f in found)


# --------------------------------------------------------------------------- robustness

@pytest.mark.parametrize("junk", [None, [], "text", 5, {"spec": "x"}, {"spec": []},
                                  {"spec": {"predictors": [None, 5, {"graph": []}]}},
                                  {"spec": {"predictors": [{"graph": {"children": "x"}}]}},
                                  {"metadata": {"name": 5, "labels": {"a": 5}}}])
def test_rules_never_raise_on_malformed_objects(junk: Any) -> None:
    findings = check_seldondeployment(junk)
    assert findings, "a malformed object is always reported by the schema"
    if isinstance(junk, dict):
        admission_findings(junk)


def test_every_rule_is_documented() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "seldon-rules.md").read_text()
    documented = set(re.findall(r"^\| `(seldon-[a-z0-9-]+)` \|", doc, re.MULTILINE))
    assert documented == {*ADMISSION_RULES, *RECONCILE_RULES, "seldon-schema",
                          "seldon-api-version"}



def _trees() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    keys = st.sampled_from(["spec", "predictors", "graph", "children", "name", "traffic",
                            "shadow", "componentSpecs", "containers", "implementation",
                            "modelUri", "annotations", "protocol", "logger", "parameters",
                            "volumeMounts", "volumes", "metadata", "labels", "hpaSpec",
                            "pdbSpec", "explainer", "endpoint", "type", "value", "x"])
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_trees())
def test_arbitrary_trees_never_raise(tree: Any) -> None:
    obj = {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
           "spec": tree if not isinstance(tree, dict) else {"predictors": [tree]}}
    for finding in check_seldondeployment(obj) + check_seldondeployment(tree):
        assert isinstance(finding.loc, tuple) and finding.rule.startswith("seldon-")


NAME_PATTERNS = {
    "is_dns1123_label": (r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", 63),
    "is_dns1123_subdomain": (r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                             253),
    "is_dns1035_label": (r"[a-z]([-a-z0-9]*[a-z0-9])?", 63),
    "is_label_value": (r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", 63),
    "is_qualified_name": (r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", 63),
}


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09-_.é\n ")), max_size=70)
       | st.sampled_from(["", "a" * 63, "a" * 64, "a." * 127, "-a", "a-", "1a", "a..b"]))
def test_name_checks_match_the_kubernetes_patterns(name: str) -> None:
    import re

    from gitops_seldon.validate import seldon

    for function, (pattern, limit) in NAME_PATTERNS.items():
        expected = len(name) <= limit and re.fullmatch(pattern, name) is not None
        assert getattr(seldon, function)(name) is expected, (function, name)
