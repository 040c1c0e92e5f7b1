"""A Model's settings in one environment -> one SeldonDeployment (machinelearning.seldon.io/v1).

Names (documented in docs/render.md):

- the SeldonDeployment is named after the Model;
- predictors are ``main`` (always), ``canary`` (``spec.canary``) and ``shadow``
  (``spec.shadow``);
- without a ``graph`` the model's graph node (and its container) is named after the Model,
  so MLServer serves it as ``/v2/models/<model>``; with a ``graph`` it is the user's name of
  the MODEL node that has neither ``image`` nor ``implementation``.

Resources, env and a pinned image go on the model's container in ``componentSpecs`` (never
``engineResources``). Credentials reach the storage initializer through the node's
``envSecretRefName``; that holds for custom images too, since Seldon injects the rclone
initializer for any node with a ``modelUri`` (reference/seldon/facts.md section 4.1).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gitops_seldon.spec import Environment, Model, ModelSpec
from gitops_seldon.spec.build import dump
from gitops_seldon.spec.model import (
    PREPACKAGED_SERVERS,
    EnvVar,
    GraphNode,
    Hpa,
    Parameter,
    Pdb,
    Resources,
)

API_VERSION = "machinelearning.seldon.io/v1"
KIND = "SeldonDeployment"
MANAGED_BY = "gitops-seldon"
LABEL_NAME = "app.kubernetes.io/name"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_ENVIRONMENT = "gitops-seldon.dev/environment"
ANNOTATION_SOURCE = "gitops-seldon.dev/source"
ANNOTATION_DIGEST = "gitops-seldon.dev/spec-digest"
PREDICTOR_MAIN = "main"
PREDICTOR_CANARY = "canary"
PREDICTOR_SHADOW = "shadow"
GRAPH_DEPLOYMENT = "graph"
"""``componentSpecs[0].metadata.name`` of predictors with more than one container."""
NO_ENVIRONMENT = "\x00base"
"""An environment name no Model can override: ``settings_for`` then gives the spec alone."""


_SETTINGS: dict[tuple[int, str, int], tuple[Model, Any, ModelSpec]] = {}


def settings_for(model: Model, env: str, defaults: Any) -> ModelSpec:
    """``model.settings_for(env, defaults)``, memoized: models are immutable and planning,
    checking and writing ask for the same settings several times."""
    key = (id(model), env, id(defaults))
    cached = _SETTINGS.get(key)
    if cached is not None and cached[0] is model and cached[1] is defaults:
        return cached[2]
    if len(_SETTINGS) > 50_000:
        _SETTINGS.clear()
    settings = model.settings_for(env, defaults)
    _SETTINGS[key] = (model, defaults, settings)
    return settings


def seldondeployment_for(model: Model, env: str, environment: Environment, source: str
                         ) -> dict[str, Any]:
    """The final SeldonDeployment of ``model`` in ``env`` (as kustomize outputs it)."""
    settings = settings_for(model, env, environment.defaults)
    return build_seldondeployment(model, settings, source, env=env,
                                  namespace=environment.namespace)


def base_seldondeployment(model: Model, source: str) -> dict[str, Any]:
    """The environment-independent SeldonDeployment kept in ``base/``: the spec without
    overrides or config defaults, no namespace, no environment label and no digest."""
    return build_seldondeployment(model, settings_for(model, NO_ENVIRONMENT, None), source)


def spec_digest(model: Model, settings: ModelSpec) -> str:
    """``sha256:<hex>`` of the normalized effective spec (canonical JSON, sorted keys)."""
    data = {
        "name": model.metadata.name,
        "metadata": dump(model.metadata),
        "spec": dump(settings, exclude_none=True, exclude=frozenset({"environments"})),
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_seldondeployment(model: Model, settings: ModelSpec, source: str, *,
                           env: str | None = None, namespace: str | None = None
                           ) -> dict[str, Any]:
    name = model.metadata.name
    labels = {**model.metadata.labels, **(settings.labels or {})}
    labels[LABEL_NAME] = name
    labels[LABEL_MANAGED_BY] = MANAGED_BY
    annotations = {**model.metadata.annotations, **(settings.annotations or {})}
    annotations[ANNOTATION_SOURCE] = source
    if env is not None:
        labels[LABEL_ENVIRONMENT] = env
        annotations[ANNOTATION_DIGEST] = spec_digest(model, settings)
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["labels"] = _sorted(labels)
    metadata["annotations"] = _sorted(annotations)

    predictors = [_main_predictor(model, settings)]
    if settings.canary is not None:
        canary = settings.canary
        predictors[0]["traffic"] = 100 - canary.traffic
        predictors.append(_predictor(
            model, settings, PREDICTOR_CANARY,
            model_uri=canary.modelUri or settings.modelUri,
            image=canary.image or settings.image,
            replicas=canary.replicas if canary.replicas is not None else settings.replicas,
            traffic=canary.traffic,
        ))
    if settings.shadow is not None:
        shadow = settings.shadow
        predictor = _predictor(
            model, settings, PREDICTOR_SHADOW,
            model_uri=shadow.modelUri or settings.modelUri,
            image=shadow.image or settings.image,
            replicas=shadow.replicas if shadow.replicas is not None else settings.replicas,
            traffic=shadow.traffic or None,
        )
        predictor["shadow"] = True
        predictors.append(predictor)

    spec: dict[str, Any] = {}
    if settings.protocol is not None:
        spec["protocol"] = settings.protocol
    spec["predictors"] = predictors
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}


def _main_predictor(model: Model, settings: ModelSpec) -> dict[str, Any]:
    predictor = _predictor(model, settings, PREDICTOR_MAIN, model_uri=settings.modelUri,
                           image=settings.image, replicas=settings.replicas, traffic=None)
    explainer = settings.explainer
    if explainer is not None:
        out: dict[str, Any] = {"type": explainer.type}
        if explainer.modelUri is not None:
            out["modelUri"] = explainer.modelUri
            secret = explainer.credentials or settings.credentials
            if secret is not None:
                out["envSecretRefName"] = secret
        if explainer.config:
            out["config"] = _sorted(explainer.config)
        if explainer.replicas is not None:
            out["replicas"] = explainer.replicas
        predictor["explainer"] = out
    return predictor


def _predictor(model: Model, settings: ModelSpec, name: str, *, model_uri: str | None,
               image: str | None, replicas: int | None, traffic: int | None
               ) -> dict[str, Any]:
    containers: list[dict[str, Any]] = []
    graph_spec = settings.graph or GraphNode(name=model.metadata.name)
    graph = _node(graph_spec, settings, containers, model_uri=model_uri, image=image)
    predictor: dict[str, Any] = {"name": name}
    component: dict[str, Any] = {}
    meaningful = [c for c in containers if set(c) != {"name"}]
    if meaningful or settings.hpa is not None or settings.pdb is not None:
        if len(containers) > 1:
            # Seldon names the Deployment <sdep>-<predictor>-0-<every container name>;
            # a graph would soon pass 63 characters, so name it after the graph instead.
            component["metadata"] = {"name": GRAPH_DEPLOYMENT}
        pod: dict[str, Any] = {"containers": containers}
        if settings.serviceAccountName is not None:
            pod["serviceAccountName"] = settings.serviceAccountName
        component["spec"] = pod
    if settings.hpa is not None:
        component["hpaSpec"] = _hpa(settings.hpa)
    if settings.pdb is not None:
        component["pdbSpec"] = _pdb(settings.pdb)
    if component:
        predictor["componentSpecs"] = [component]
    predictor["graph"] = graph
    if replicas is not None:
        predictor["replicas"] = replicas
    if traffic is not None:
        predictor["traffic"] = traffic
    return predictor


def _node(node: GraphNode, settings: ModelSpec, containers: list[dict[str, Any]], *,
          model_uri: str | None, image: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": node.name, "type": node.type}
    if node.is_model_ref:
        _model_node(out, node, settings, containers, model_uri=model_uri, image=image)
    else:
        if node.implementation is not None:
            out["implementation"] = node.implementation
        else:
            containers.append(_container(node.name, node.image, node.env, node.resources))
        if node.parameters:
            out["parameters"] = _parameters(node.parameters)
    if node.children:
        out["children"] = [
            _node(child, settings, containers, model_uri=model_uri, image=image)
            for child in node.children
        ]
    return out


def _model_node(out: dict[str, Any], node: GraphNode, settings: ModelSpec,
                containers: list[dict[str, Any]], *, model_uri: str | None,
                image: str | None) -> None:
    implementation = settings.implementation
    if implementation in PREPACKAGED_SERVERS:
        out["implementation"] = implementation
    if model_uri is not None:
        out["modelUri"] = model_uri
    if settings.credentials is not None:
        out["envSecretRefName"] = settings.credentials
    parameters = (*node.parameters, *(settings.parameters or ()))
    if parameters:
        out["parameters"] = _parameters(parameters)
    if settings.serviceAccountName is not None:
        out["serviceAccountName"] = settings.serviceAccountName
    if settings.logger is not None:
        logger: dict[str, Any] = {"mode": settings.logger.mode}
        if settings.logger.url is not None:
            logger["url"] = settings.logger.url
        out["logger"] = logger
    env = (*node.env, *(settings.env or ()))
    containers.append(_container(node.name, image, env, settings.resources or node.resources))


def _container(name: str, image: str | None, env: tuple[EnvVar, ...],
               resources: Resources | None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name}
    if image is not None:
        container["image"] = image
    if env:
        container["env"] = [{"name": e.name, "value": e.value} for e in env]
    if resources is not None and (resources.requests or resources.limits):
        out: dict[str, Any] = {}
        if resources.limits:
            out["limits"] = {k: resources.limits[k] for k in sorted(resources.limits)}
        if resources.requests:
            out["requests"] = {k: resources.requests[k] for k in sorted(resources.requests)}
        container["resources"] = out
    return container


def _parameters(parameters: tuple[Parameter, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "type": p.type, "value": p.value} for p in parameters]


def _hpa(hpa: Hpa) -> dict[str, Any]:
    metrics = []
    for resource, target in (("cpu", hpa.cpuUtilization), ("memory", hpa.memoryUtilization)):
        if target is not None:
            metrics.append({
                "type": "Resource",
                "resource": {"name": resource,
                             "target": {"type": "Utilization", "averageUtilization": target}},
            })
    return {"minReplicas": hpa.minReplicas, "maxReplicas": hpa.maxReplicas,
            "metricsv2": metrics}


def _pdb(pdb: Pdb) -> dict[str, Any]:
    if pdb.minAvailable is not None:
        return {"minAvailable": pdb.minAvailable}
    return {"maxUnavailable": pdb.maxUnavailable}


def _sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}
