"""Seldon rules for a SeldonDeployment object: CRD schema, admission webhook, reconcile.

Three gates (reference/seldon/facts.md section 0), one function:

* the CRD structural schema, strict as ``kubectl --validate=strict`` (rule ``seldon-schema``);
* the validating admission webhook, rules W1-W20 of facts.md section 2, each with its own
  rule id (see ``ADMISSION_RULES``);
* what the operator would fail on later, at reconcile time, although the API server
  admitted the object (see ``RECONCILE_RULES``).

Every finding carries ``loc``, the key path inside the checked object, so a caller can
place it in the manifest or in the Model file it was planned from. The rules never raise
on malformed input: a value of the wrong type is the schema's finding, and the rules
skip it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_seldon.problems import Finding, Level

Loc = tuple[str | int, ...]

SCHEMA_RULE = "seldon-schema"

ADMISSION_RULES: dict[str, str] = {
    "seldon-protocol": "W1: spec.protocol is seldon, tensorflow, kfserving or v2",
    "seldon-transport": "W2: spec.transport is rest or grpc",
    "seldon-server-type": "W3: spec.serverType is rpc or kafka",
    "seldon-kafka-env": "W4: serverType kafka needs KAFKA_BROKER, KAFKA_INPUT_TOPIC and "
                        "KAFKA_OUTPUT_TOPIC in every predictor's svcOrchSpec.env",
    "seldon-shadow-only": "W5: the only predictor may not be a shadow",
    "seldon-svc-name-unique": "W6: two predictors may not share a seldon.io/svc-name",
    "seldon-no-predictors": "W7: at least one predictor",
    "seldon-no-engine-graph": "W8: a seldon.io/no-engine predictor has a one-node graph",
    "seldon-predictor-name-unique": "W9: predictor names are unique",
    "seldon-node-container": "W10: a node without a built-in or prepackaged implementation "
                             "needs a container of the same name in its predictor",
    "seldon-unknown-type": "W11: type UNKNOWN_TYPE needs a non-empty methods list",
    "seldon-model-uri-required": "W12: a prepackaged server node needs a modelUri "
                                "(HUGGINGFACE_SERVER excepted)",
    "seldon-server-tensorflow-protocol": "W13: SKLEARN, XGBOOST, MLFLOW and HUGGINGFACE "
                                         "servers do not speak protocol tensorflow",
    "seldon-unknown-server": "W14: a prepackaged server without its own image must be "
                             "known to the operator (predictor_servers)",
    "seldon-logger-mode": "W15: a node logger needs a mode",
    "seldon-endpoint-type": "W16: one endpoint type across the graphs, matching transport",
    "seldon-traffic-sum": "W17: traffic of non-shadow predictors sums to 100",
    "seldon-traffic-single": "W18: a single predictor has traffic unset, 0 or >= 100",
    "seldon-shadow": "W19: at most one shadow predictor, its traffic within 0..100",
}
"""Admission webhook rules. W20 (the node rules apply to every child) is how W10-W15 run."""

RECONCILE_RULES: dict[str, str] = {
    "seldon-name": "metadata.name is a DNS-1123 subdomain",
    "seldon-service-name": "generated Service names that are not hashed must be DNS-1035",
    "seldon-svc-name": "seldon.io/svc-name is a DNS-1035 label",
    "seldon-predictor-name": "a predictor name is a label value (it becomes the version label)",
    "seldon-container-name": "container and graph node names are DNS-1123 labels",
    "seldon-container-name-unique": "container names are unique in a pod",
    "seldon-volume-mount": "every volumeMount names a volume of its pod",
    "seldon-server-protocol": "the prepackaged server has an image for the protocol",
    "seldon-graph-depth": "the graph is at most 10 levels of children deep",
    "seldon-label": "labels are valid Kubernetes label keys and values",
    "seldon-hpa-replicas": "hpaSpec.minReplicas <= maxReplicas, maxReplicas >= 1",
    "seldon-pdb": "pdbSpec sets minAvailable or maxUnavailable, not both",
    "seldon-parameter-value": "a graph parameter value parses as its declared type",
    "seldon-parameter-type": "a graph parameter type is INT, FLOAT, DOUBLE, STRING or BOOL",
    "seldon-node-type": "graph type, methods, endpoint type and logger mode are known values",
    "seldon-explainer-type": "explainer.type is an Alibi explainer Seldon knows",
}

PROTOCOLS = ("seldon", "tensorflow", "kfserving", "v2")
TRANSPORTS = ("rest", "grpc")
SERVER_TYPES = ("rpc", "kafka")
KAFKA_ENV = ("KAFKA_BROKER", "KAFKA_INPUT_TOPIC", "KAFKA_OUTPUT_TOPIC")
BUILTIN_IMPLEMENTATIONS = frozenset({"SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST",
                                     "AVERAGE_COMBINER"})
UNKNOWN_IMPLEMENTATION = "UNKNOWN_IMPLEMENTATION"
NOT_TENSORFLOW_SERVERS = frozenset({"SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER",
                                    "HUGGINGFACE_SERVER"})

SERVER_PROTOCOLS: dict[str, frozenset[str]] = {
    "SKLEARN_SERVER": frozenset({"seldon", "v2", "kfserving"}),
    "XGBOOST_SERVER": frozenset({"seldon", "v2", "kfserving"}),
    "MLFLOW_SERVER": frozenset({"seldon", "v2", "kfserving"}),
    "TENSORFLOW_SERVER": frozenset({"seldon", "tensorflow"}),
    "TRITON_SERVER": frozenset({"v2", "kfserving"}),
    "HUGGINGFACE_SERVER": frozenset({"v2", "kfserving"}),
    "TEMPO_SERVER": frozenset({"v2", "kfserving"}),
}
"""Protocols for which a default install has an image (facts.md 4.1); empty means seldon."""

DEFAULT_PREDICTOR_SERVERS = frozenset(SERVER_PROTOCOLS)

NODE_TYPES = frozenset({"ROUTER", "COMBINER", "MODEL", "TRANSFORMER", "OUTPUT_TRANSFORMER",
                        "UNKNOWN_TYPE"})
METHODS = frozenset({"TRANSFORM_INPUT", "TRANSFORM_OUTPUT", "ROUTE", "AGGREGATE",
                     "SEND_FEEDBACK"})
ENDPOINT_TYPES = frozenset({"REST", "GRPC"})
PARAMETER_TYPES = frozenset({"INT", "FLOAT", "DOUBLE", "STRING", "BOOL"})
LOGGER_MODES = frozenset({"all", "request", "response"})
EXPLAINER_TYPES = frozenset({"AnchorTabular", "AnchorImages", "AnchorText", "Counterfactuals",
                             "Contrastive", "KernelShap", "IntegratedGradients", "ALE",
                             "TreeShap"})

SVC_NAME_ANNOTATION = "seldon.io/svc-name"
NO_ENGINE_ANNOTATION = "seldon.io/no-engine"
MAX_GRAPH_DEPTH = 10
"""The CRD spells graph.children out for 10 nested levels (facts.md section 1)."""

OPERATOR_VOLUMES = ("seldon-podinfo", "podinfo", "kfserving-pvc-source")
"""Volumes the operator adds to every pod (plus ``<container>-provision-location``)."""

_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LOWER_DNS = _LOWER_ALNUM | {"-"}
_ALNUM = _LOWER_ALNUM | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LABEL_CHARS = _ALNUM | {"-", "_", "."}
INT_TEXT = r"[-+]?[0-9]+"
FLOAT_TEXT = r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"
# Name checks are plain set tests, not regexes: compiling seven patterns at import costs
# more than the pre-commit hook can spare.


def is_dns1123_label(name: str) -> bool:
    """``[a-z0-9]([-a-z0-9]*[a-z0-9])?``, at most 63 characters."""
    return (0 < len(name) <= 63 and name[0] in _LOWER_ALNUM and name[-1] in _LOWER_ALNUM
            and _LOWER_DNS.issuperset(name))


def is_dns1123_subdomain(name: str) -> bool:
    """Dot-separated DNS-1123 label forms, at most 253 characters."""
    return 0 < len(name) <= 253 and all(
        part and part[0] in _LOWER_ALNUM and part[-1] in _LOWER_ALNUM
        and _LOWER_DNS.issuperset(part) for part in name.split("."))


def is_dns1035_label(name: str) -> bool:
    """A DNS-1123 label that starts with a letter."""
    return is_dns1123_label(name) and name[0].isalpha()


def is_label_value(value: str) -> bool:
    """Empty, or at most 63 of ``[A-Za-z0-9-_.]`` with alphanumerics at both ends."""
    return value == "" or is_qualified_name(value)


def is_qualified_name(name: str) -> bool:
    """The name part of a label key: like a label value, but not empty."""
    return (0 < len(name) <= 63 and name[0] in _ALNUM and name[-1] in _ALNUM
            and _LABEL_CHARS.issuperset(name))


BOOL_TEXT = frozenset({"true", "false", "True", "False", "TRUE", "FALSE", "1", "0", "t", "f",
                       "T", "F"})
"""What Go's strconv.ParseBool accepts (the executor and servers parse like it)."""


def check_seldondeployment(
    obj: Mapping[str, Any], schema: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Everything a cluster would reject (or fail to reconcile) in this SeldonDeployment.

    ``schema`` is a repo-imported JSON Schema (``gitops-seldon schema import``); without
    it the product's own SeldonDeployment schema is used.
    """
    from gitops_seldon.schema_check import schema_findings

    findings = schema_findings(obj, schema)
    if isinstance(obj, Mapping):
        findings.extend(admission_findings(obj))
        findings.extend(reconcile_findings(obj))
    return findings


# --------------------------------------------------------------------------- helpers


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _predictors(obj: Mapping[str, Any]) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    for index, predictor in enumerate(_list(_map(obj.get("spec")).get("predictors"))):
        if isinstance(predictor, Mapping):
            yield ("spec", "predictors", index), predictor


def _nodes(
    node: Any, loc: Loc, depth: int = 0
) -> Iterator[tuple[Loc, Mapping[str, Any], int]]:
    """Every graph node with its location and nesting depth (root = 0)."""
    if not isinstance(node, Mapping):
        return
    yield loc, node, depth
    if depth > 64:  # far past anything the CRD admits; the depth rule reports it
        return
    for index, child in enumerate(_list(node.get("children"))):
        yield from _nodes(child, (*loc, "children", index), depth + 1)


def _pod_specs(predictor: Mapping[str, Any], loc: Loc) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    for index, component in enumerate(_list(predictor.get("componentSpecs"))):
        spec = _map(component).get("spec")
        if isinstance(spec, Mapping):
            yield (*loc, "componentSpecs", index, "spec"), spec


def _containers(pod: Mapping[str, Any], loc: Loc, field: str = "containers"
                ) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    for index, container in enumerate(_list(pod.get(field))):
        if isinstance(container, Mapping):
            yield (*loc, field, index), container


def _predictor_containers(predictor: Mapping[str, Any], loc: Loc) -> dict[str, Mapping[str, Any]]:
    """Containers of every componentSpec of the predictor, by name (first wins)."""
    found: dict[str, Mapping[str, Any]] = {}
    for pod_loc, pod in _pod_specs(predictor, loc):
        for _, container in _containers(pod, pod_loc):
            name = _str(container.get("name"))
            if name is not None:
                found.setdefault(name, container)
    return found


def _implementation(node: Mapping[str, Any]) -> str:
    return _str(node.get("implementation")) or UNKNOWN_IMPLEMENTATION


def _is_prepackaged(implementation: str) -> bool:
    return (implementation != UNKNOWN_IMPLEMENTATION
            and implementation not in BUILTIN_IMPLEMENTATIONS)


def _quoted(values: Any) -> str:
    return ", ".join(values)


# --------------------------------------------------------------------------- admission


def admission_findings(
    obj: Mapping[str, Any], predictor_servers: frozenset[str] = DEFAULT_PREDICTOR_SERVERS
) -> list[Finding]:
    """Rules W1-W20 of the validating webhook, in facts.md section 2 terms."""
    findings: list[Finding] = []
    spec = _map(obj.get("spec"))
    protocol = _str(spec.get("protocol"))
    transport = _str(spec.get("transport"))
    server_type = _str(spec.get("serverType"))
    if protocol and protocol not in PROTOCOLS:
        findings.append(Finding(("spec", "protocol"), "seldon-protocol",
                                f"protocol {protocol!r} is not one of {_quoted(PROTOCOLS)}"))
    if transport and transport not in TRANSPORTS:
        findings.append(Finding(("spec", "transport"), "seldon-transport",
                                f"transport {transport!r} is not one of {_quoted(TRANSPORTS)}"))
    if server_type and server_type not in SERVER_TYPES:
        findings.append(Finding(("spec", "serverType"), "seldon-server-type",
                                f"serverType {server_type!r} is not one of "
                                f"{_quoted(SERVER_TYPES)}"))

    predictors = list(_predictors(obj))
    predictor_list = spec.get("predictors")
    if obj.get("spec") is None:
        # The CRD does not require spec; the webhook then sees no predictors at all.
        findings.append(Finding(("kind",), "seldon-no-predictors",
                                "no spec: at least one predictor is required"))
    elif isinstance(predictor_list, list) and not predictor_list:
        findings.append(Finding(("spec", "predictors"), "seldon-no-predictors",
                                "at least one predictor is required"))

    if server_type == "kafka":
        for loc, predictor in predictors:
            names = {_str(_map(e).get("name"))
                     for e in _list(_map(predictor.get("svcOrchSpec")).get("env"))}
            missing = [n for n in KAFKA_ENV if n not in names]
            if missing:
                findings.append(Finding((*loc, "svcOrchSpec"), "seldon-kafka-env",
                                        "serverType kafka needs svcOrchSpec.env entries "
                                        f"{_quoted(missing)}"))

    if len(predictors) == 1 and predictors[0][1].get("shadow") is True:
        findings.append(Finding((*predictors[0][0], "shadow"), "seldon-shadow-only",
                                "the only predictor is a shadow; add a main predictor"))

    svc_names: dict[str, Loc] = {}
    predictor_names: dict[str, Loc] = {}
    for loc, predictor in predictors:
        svc = _str(_map(predictor.get("annotations")).get(SVC_NAME_ANNOTATION))
        if svc is not None:
            if svc in svc_names:
                findings.append(Finding((*loc, "annotations", SVC_NAME_ANNOTATION),
                                        "seldon-svc-name-unique",
                                        f"{SVC_NAME_ANNOTATION} {svc!r} is already used by "
                                        "another predictor"))
            svc_names.setdefault(svc, loc)
        name = _str(predictor.get("name"))
        if name is not None:
            if name in predictor_names:
                findings.append(Finding((*loc, "name"), "seldon-predictor-name-unique",
                                        f"predictor name {name!r} is used twice"))
            predictor_names.setdefault(name, loc)
        if NO_ENGINE_ANNOTATION in _map(predictor.get("annotations")):
            graph = _map(predictor.get("graph"))
            if _list(graph.get("children")):
                findings.append(Finding((*loc, "graph", "children"), "seldon-no-engine-graph",
                                        f"a predictor annotated {NO_ENGINE_ANNOTATION} must "
                                        "have a graph of exactly one node"))
        findings.extend(_node_admission(obj, predictor, loc, predictor_servers))

    findings.extend(_endpoint_types(predictors, transport))
    findings.extend(_traffic(predictors))
    return findings


def _node_admission(
    obj: Mapping[str, Any], predictor: Mapping[str, Any], loc: Loc,
    predictor_servers: frozenset[str],
) -> list[Finding]:
    """W10-W15, applied to every node of the predictor's graph (W20)."""
    findings: list[Finding] = []
    protocol = _str(_map(obj.get("spec")).get("protocol"))
    containers = _predictor_containers(predictor, loc)
    for node_loc, node, _ in _nodes(predictor.get("graph"), (*loc, "graph")):
        name = _str(node.get("name"))
        implementation = _implementation(node)
        if implementation == UNKNOWN_IMPLEMENTATION:
            if name is not None and name not in containers:
                findings.append(Finding((*node_loc, "name"), "seldon-node-container",
                                        f"graph node {name!r} has no implementation and no "
                                        "container of that name in this predictor's "
                                        "componentSpecs"))
            if node.get("type") == "UNKNOWN_TYPE" and not _list(node.get("methods")):
                findings.append(Finding((*node_loc, "type"), "seldon-unknown-type",
                                        "type UNKNOWN_TYPE needs a non-empty methods list"))
        elif _is_prepackaged(implementation):
            if not _str(node.get("modelUri")) and implementation != "HUGGINGFACE_SERVER":
                findings.append(Finding(node_loc, "seldon-model-uri-required",
                                        f"{implementation} node {name!r} needs a modelUri"))
            if protocol == "tensorflow" and implementation in NOT_TENSORFLOW_SERVERS:
                findings.append(Finding((*node_loc, "implementation"),
                                        "seldon-server-tensorflow-protocol",
                                        f"{implementation} cannot serve protocol tensorflow"))
            container = containers.get(name) if name is not None else None
            if (container is None or not container.get("image")) and (
                implementation not in predictor_servers
            ):
                findings.append(Finding((*node_loc, "implementation"), "seldon-unknown-server",
                                        f"implementation {implementation!r} is not a built-in "
                                        "implementation nor a server the operator knows "
                                        f"({_quoted(sorted(predictor_servers))}); give the "
                                        "node a container with an image, or fix the spelling"))
        if node.get("logger") is not None and not _str(_map(node.get("logger")).get("mode")):
            findings.append(Finding((*node_loc, "logger"), "seldon-logger-mode",
                                    "logger needs a mode (all, request or response)"))
    return findings


def _endpoint_types(
    predictors: list[tuple[Loc, Mapping[str, Any]]], transport: str | None
) -> list[Finding]:
    """W16."""
    findings: list[Finding] = []
    first: str | None = None
    for loc, predictor in predictors:
        for node_loc, node, _ in _nodes(predictor.get("graph"), (*loc, "graph")):
            kind = _str(_map(node.get("endpoint")).get("type"))
            if not kind:
                continue
            where = (*node_loc, "endpoint", "type")
            if first is None:
                first = kind
            elif kind != first:
                findings.append(Finding(where, "seldon-endpoint-type",
                                        f"endpoint type {kind} differs from {first} used "
                                        "elsewhere; all graph endpoints must use one type"))
                continue
            if transport and ((kind == "REST" and transport != "rest")
                              or (kind == "GRPC" and transport != "grpc")):
                findings.append(Finding(where, "seldon-endpoint-type",
                                        f"endpoint type {kind} does not match "
                                        f"spec.transport {transport}"))
    return findings


def _traffic(predictors: list[tuple[Loc, Mapping[str, Any]]]) -> list[Finding]:
    """W17, W18, W19."""
    findings: list[Finding] = []
    main = [(loc, p) for loc, p in predictors if p.get("shadow") is not True]
    shadows = [(loc, p) for loc, p in predictors if p.get("shadow") is True]
    if len(main) > 1:
        total = sum(_int(p.get("traffic")) or 0 for _, p in main)
        if total != 100:
            parts = ", ".join(f"{_str(p.get('name')) or '?'}={_int(p.get('traffic')) or 0}"
                              for _, p in main)
            findings.append(Finding(("spec", "predictors"), "seldon-traffic-sum",
                                    f"traffic of the non-shadow predictors sums to {total} "
                                    f"({parts}); it must be exactly 100"))
    if len(predictors) == 1:
        loc, predictor = predictors[0]
        traffic = _int(predictor.get("traffic"))
        if traffic is not None and 0 < traffic < 100:
            findings.append(Finding((*loc, "traffic"), "seldon-traffic-single",
                                    f"a single predictor cannot take {traffic}% of the "
                                    "traffic; leave traffic unset or set it to 100"))
    for loc, _ in shadows[1:]:
        findings.append(Finding((*loc, "shadow"), "seldon-shadow",
                                "at most one predictor may be a shadow"))
    for loc, predictor in shadows:
        traffic = _int(predictor.get("traffic"))
        if traffic is not None and not 0 <= traffic <= 100:
            findings.append(Finding((*loc, "traffic"), "seldon-shadow",
                                    f"a shadow's traffic is its mirror percentage, 0..100; "
                                    f"got {traffic}"))
    return findings


# --------------------------------------------------------------------------- reconcile


def reconcile_findings(obj: Mapping[str, Any]) -> list[Finding]:
    """What the API server admits but the operator or Kubernetes fails on later."""
    findings: list[Finding] = []
    metadata = _map(obj.get("metadata"))
    sdep = _str(metadata.get("name"))
    if not sdep and not metadata.get("generateName"):
        findings.append(Finding(("metadata",) if "metadata" in obj else ("kind",), "seldon-name",
                                "metadata.name is required: the API server refuses an object "
                                "without a name"))
    if "name" in metadata and sdep is not None and (
        not is_dns1123_subdomain(sdep)
    ):
        findings.append(Finding(("metadata", "name"), "seldon-name",
                                f"name {sdep!r} is not a DNS-1123 subdomain (lower-case "
                                "letters, digits, '-' and '.', at most 253 characters)"))
    findings.extend(_labels(metadata.get("labels"), ("metadata", "labels")))
    protocol = _str(_map(obj.get("spec")).get("protocol")) or "seldon"
    for loc, predictor in _predictors(obj):
        findings.extend(_predictor_names(sdep, predictor, loc))
        findings.extend(_labels(predictor.get("labels"), (*loc, "labels")))
        containers = _predictor_containers(predictor, loc)
        for index, component in enumerate(_list(predictor.get("componentSpecs"))):
            component_loc = (*loc, "componentSpecs", index)
            component = _map(component)
            findings.extend(_labels(_map(component.get("metadata")).get("labels"),
                                    (*component_loc, "metadata", "labels")))
            findings.extend(_scaling(component, component_loc))
            spec = component.get("spec")
            if isinstance(spec, Mapping):
                findings.extend(_pod(spec, (*component_loc, "spec"), predictor))
        for node_loc, node, depth in _nodes(predictor.get("graph"), (*loc, "graph")):
            findings.extend(_node_reconcile(node, node_loc, depth, containers, protocol))
        explainer = _map(predictor.get("explainer"))
        explainer_type = _str(explainer.get("type"))
        if explainer_type and explainer_type not in EXPLAINER_TYPES:
            findings.append(Finding((*loc, "explainer", "type"), "seldon-explainer-type",
                                    f"explainer type {explainer_type!r} is not one Seldon "
                                    f"knows ({_quoted(sorted(EXPLAINER_TYPES))})",
                                    Level.WARNING))
        container_spec = explainer.get("containerSpec")
        if isinstance(container_spec, Mapping):
            findings.extend(_container_name(container_spec,
                                            (*loc, "explainer", "containerSpec")))
    return findings


def _service_name_ok(name: str) -> bool:
    """A generated Service name over 63 characters is hashed by the operator."""
    return len(name) > 63 or is_dns1035_label(name)


def _predictor_names(sdep: str | None, predictor: Mapping[str, Any], loc: Loc) -> list[Finding]:
    findings: list[Finding] = []
    name = _str(predictor.get("name"))
    if name is not None and not is_label_value(name):
        findings.append(Finding((*loc, "name"), "seldon-predictor-name",
                                f"predictor name {name!r} is not a valid label value "
                                "(at most 63 characters, alphanumeric at both ends, "
                                "'-', '_' and '.' inside); it becomes the version label"))
    svc = _str(_map(predictor.get("annotations")).get(SVC_NAME_ANNOTATION))
    if svc is not None:
        if not is_dns1035_label(svc):
            findings.append(Finding((*loc, "annotations", SVC_NAME_ANNOTATION),
                                    "seldon-svc-name",
                                    f"{SVC_NAME_ANNOTATION} {svc!r} is not a DNS-1035 label "
                                    "(a lower-case letter first, then letters, digits and "
                                    "'-', at most 63 characters); the Service cannot be "
                                    "created"))
    elif sdep is not None and name is not None:
        service = f"{sdep}-{name}"
        if not _service_name_ok(service):
            findings.append(Finding((*loc, "name"), "seldon-service-name",
                                    f"the predictor Service would be named {service!r}, "
                                    "which is not a DNS-1035 label; Seldon cannot create it"))
    return findings


def _labels(labels: Any, loc: Loc) -> list[Finding]:
    findings: list[Finding] = []
    for key, value in _map(labels).items():
        if not isinstance(key, str) or not _label_key_ok(key):
            findings.append(Finding((*loc, key), "seldon-label",
                                    f"label key {key!r} is not a valid qualified name"))
        if isinstance(value, str) and not is_label_value(value):
            findings.append(Finding((*loc, key), "seldon-label",
                                    f"label {key!r} has a value that is not a valid label "
                                    "value (at most 63 characters, alphanumeric at both "
                                    "ends, '-', '_' and '.' inside)"))
    return findings


def _label_key_ok(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return is_qualified_name(name)


def _scaling(component: Mapping[str, Any], loc: Loc) -> list[Finding]:
    findings: list[Finding] = []
    hpa = component.get("hpaSpec")
    if isinstance(hpa, Mapping):
        low, high = _int(hpa.get("minReplicas")), _int(hpa.get("maxReplicas"))
        if high is not None and high < 1:
            findings.append(Finding((*loc, "hpaSpec", "maxReplicas"), "seldon-hpa-replicas",
                                    "hpaSpec.maxReplicas must be at least 1"))
        elif low is not None and high is not None and low > high:
            findings.append(Finding((*loc, "hpaSpec", "minReplicas"), "seldon-hpa-replicas",
                                    f"hpaSpec.minReplicas {low} is above maxReplicas {high}; "
                                    "the HPA cannot be created"))
    pdb = component.get("pdbSpec")
    if isinstance(pdb, Mapping):
        present = [k for k in ("minAvailable", "maxUnavailable") if pdb.get(k) is not None]
        if len(present) == 2:
            findings.append(Finding((*loc, "pdbSpec"), "seldon-pdb",
                                    "pdbSpec may set minAvailable or maxUnavailable, not both; "
                                    "the PodDisruptionBudget cannot be created"))
    return findings


def _container_name(container: Mapping[str, Any], loc: Loc) -> list[Finding]:
    name = _str(container.get("name"))
    if name is not None and not is_dns1123_label(name):
        return [Finding((*loc, "name"), "seldon-container-name",
                        f"container name {name!r} is not a DNS-1123 label (lower-case "
                        "letters, digits and '-', at most 63 characters)")]
    return []


def _pod(pod: Mapping[str, Any], loc: Loc, predictor: Mapping[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    volumes = {_str(_map(v).get("name")) for v in _list(pod.get("volumes"))}
    seen: set[str] = set()
    for field in ("initContainers", "containers"):
        for container_loc, container in _containers(pod, loc, field):
            findings.extend(_container_name(container, container_loc))
            name = _str(container.get("name"))
            if name is not None:
                if name in seen:
                    findings.append(Finding((*container_loc, "name"),
                                            "seldon-container-name-unique",
                                            f"container name {name!r} is used twice in this "
                                            "pod"))
                seen.add(name)
            for index, mount in enumerate(_list(container.get("volumeMounts"))):
                volume = _str(_map(mount).get("name"))
                if volume is None or volume in volumes or volume in OPERATOR_VOLUMES:
                    continue
                if volume.endswith("-provision-location"):
                    continue
                findings.append(Finding((*container_loc, "volumeMounts", index, "name"),
                                        "seldon-volume-mount",
                                        f"volumeMount {volume!r} names no volume of this pod; "
                                        "Seldon admits it but the Deployment it generates is "
                                        "invalid (add it to spec.volumes)"))
    return findings


def _node_reconcile(
    node: Mapping[str, Any], loc: Loc, depth: int,
    containers: Mapping[str, Mapping[str, Any]], protocol: str,
) -> list[Finding]:
    findings: list[Finding] = []
    if depth == MAX_GRAPH_DEPTH + 1:
        findings.append(Finding(loc, "seldon-graph-depth",
                                f"the graph is nested deeper than {MAX_GRAPH_DEPTH} levels of "
                                "children; the CRD schema silently drops this node"))
    name = _str(node.get("name"))
    implementation = _implementation(node)
    if _is_prepackaged(implementation):
        container = containers.get(name) if name is not None else None
        if name is not None and container is None and (
            not is_dns1123_label(name)
        ):
            findings.append(Finding((*loc, "name"), "seldon-container-name",
                                    f"node name {name!r} becomes the server's container name "
                                    "and is not a DNS-1123 label (lower-case letters, digits "
                                    "and '-', at most 63 characters)"))
        allowed = SERVER_PROTOCOLS.get(implementation)
        if allowed is not None and protocol in PROTOCOLS and protocol not in allowed and (
            container is None or not container.get("image")
        ) and not (protocol == "tensorflow" and implementation in NOT_TENSORFLOW_SERVERS):
            findings.append(Finding((*loc, "implementation"), "seldon-server-protocol",
                                    f"{implementation} has no image for protocol {protocol} "
                                    f"(it serves {_quoted(sorted(allowed))}); the Deployment "
                                    "cannot be created. Set spec.protocol or give the node a "
                                    "container with an image"))
    kind = _str(node.get("type"))
    if kind and kind not in NODE_TYPES:
        findings.append(Finding((*loc, "type"), "seldon-node-type",
                                f"graph node type {kind!r} is not one of "
                                f"{_quoted(sorted(NODE_TYPES))}", Level.WARNING))
    for index, method in enumerate(_list(node.get("methods"))):
        if isinstance(method, str) and method not in METHODS:
            findings.append(Finding((*loc, "methods", index), "seldon-node-type",
                                    f"method {method!r} is not one of "
                                    f"{_quoted(sorted(METHODS))}", Level.WARNING))
    endpoint_type = _str(_map(node.get("endpoint")).get("type"))
    if endpoint_type and endpoint_type not in ENDPOINT_TYPES:
        findings.append(Finding((*loc, "endpoint", "type"), "seldon-node-type",
                                f"endpoint type {endpoint_type!r} is not REST or GRPC",
                                Level.WARNING))
    mode = _str(_map(node.get("logger")).get("mode"))
    if mode and mode not in LOGGER_MODES:
        findings.append(Finding((*loc, "logger", "mode"), "seldon-node-type",
                                f"logger mode {mode!r} is not all, request or response",
                                Level.WARNING))
    for index, parameter in enumerate(_list(node.get("parameters"))):
        findings.extend(_parameter(_map(parameter), (*loc, "parameters", index)))
    return findings


def _parameter(parameter: Mapping[str, Any], loc: Loc) -> list[Finding]:
    kind, value = _str(parameter.get("type")), _str(parameter.get("value"))
    if kind is None:
        return []
    if kind not in PARAMETER_TYPES:
        return [Finding((*loc, "type"), "seldon-parameter-type",
                        f"parameter type {kind!r} is not one of "
                        f"{_quoted(sorted(PARAMETER_TYPES))}")]
    if value is None:
        return []
    text = value.strip()
    if kind == "INT":
        ok = re.fullmatch(INT_TEXT, text) is not None
    elif kind in ("FLOAT", "DOUBLE"):
        ok = re.fullmatch(FLOAT_TEXT, text) is not None
    elif kind == "BOOL":
        ok = text in BOOL_TEXT
    else:
        ok = True
    if not ok:
        return [Finding((*loc, "value"), "seldon-parameter-value",
                        f"parameter value is not a valid {kind}; the model server fails "
                        "to start")]
    return []
