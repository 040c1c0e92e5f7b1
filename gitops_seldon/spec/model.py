"""Model: the deployable unit, one file per model under ``models/``.

A Model renders to one SeldonDeployment per environment. Its fields are the ones an ML
engineer changes (server, model URI, replicas, resources, traffic); everything else
Seldon needs is derived by ``gitops_seldon.plan``.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from gitops_seldon.spec.base import (
    API_VERSION_LITERAL,
    Check,
    DnsLabel,
    Items,
    Metadata,
    Quantity,
    Strict,
    fields_set,
)

PREPACKAGED_SERVERS = (
    "SKLEARN_SERVER",
    "XGBOOST_SERVER",
    "TENSORFLOW_SERVER",
    "MLFLOW_SERVER",
    "TRITON_SERVER",
    "HUGGINGFACE_SERVER",
    "TEMPO_SERVER",
)
Implementation = Literal[
    "SKLEARN_SERVER",
    "XGBOOST_SERVER",
    "TENSORFLOW_SERVER",
    "MLFLOW_SERVER",
    "TRITON_SERVER",
    "HUGGINGFACE_SERVER",
    "TEMPO_SERVER",
    "custom",
]
Protocol = Literal["seldon", "tensorflow", "kfserving", "v2"]
NodeType = Literal["MODEL", "TRANSFORMER", "OUTPUT_TRANSFORMER", "ROUTER", "COMBINER"]
BuiltinImplementation = Literal[
    "RANDOM_ABTEST", "AVERAGE_COMBINER", "SIMPLE_ROUTER", "SIMPLE_MODEL"
]
ExplainerType = Literal[
    "AnchorTabular",
    "AnchorImages",
    "AnchorText",
    "Counterfactuals",
    "Contrastive",
    "KernelShap",
    "IntegratedGradients",
    "ALE",
    "TreeShap",
]
Image = Annotated[str, Check(pattern=r"^[^\s]+$", min_length=1)]
ModelUri = Annotated[str, Check(pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")]
"""``<remote>:<path>``: rclone style (``s3:bucket/x`` or ``s3://bucket/x``) or ``pvc://``."""
Percent = Annotated[int, Check(ge=0, le=100)]
Replicas = Annotated[int, Check(ge=0, le=2**31 - 1)]
EnvVarName = Annotated[str, Check(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")]


class Resources(Strict):
    """Requests and limits of the model container (Kubernetes quantities, as strings)."""

    requests: dict[Literal["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"], Quantity] = (
        dataclasses.field(default_factory=dict)
    )
    limits: dict[Literal["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"], Quantity] = (
        dataclasses.field(default_factory=dict)
    )


class Parameter(Strict):
    """A graph parameter. ``value`` is always a string in Seldon; quote numbers and booleans."""

    name: Annotated[str, Check(min_length=1)]
    type: Literal["INT", "FLOAT", "DOUBLE", "STRING", "BOOL"]
    value: str


class EnvVar(Strict):
    name: EnvVarName
    value: str


class Logger(Strict):
    """Request logging to a URL (Seldon's payload logger)."""

    mode: Literal["all", "request", "response"]
    url: Annotated[str, Check(pattern=r"^https?://\S+$")] | None = None


class GraphNode(Strict):
    """One node of an inference graph.

    A ``MODEL`` node with neither ``image`` nor ``implementation`` is the Model itself: it
    takes the Model's implementation, modelUri, credentials, resources and parameters.
    Exactly one such node must exist when a graph is given.
    """

    name: DnsLabel
    type: NodeType = "MODEL"
    image: Image | None = None
    """Container image for a custom component (transformer, router, combiner...)."""
    implementation: BuiltinImplementation | None = None
    """A Seldon built-in that needs no container (RANDOM_ABTEST, AVERAGE_COMBINER...)."""
    parameters: Items[Parameter] = ()
    env: Items[EnvVar] = ()
    resources: Resources | None = None
    children: Items[GraphNode] = ()

    def __post_init__(self) -> None:
        if self.image is not None and self.implementation is not None:
            raise ValueError("a graph node has either an image or an implementation, not both")

    @property
    def is_model_ref(self) -> bool:
        return self.type == "MODEL" and self.image is None and self.implementation is None


class Canary(Strict):
    """A second predictor serving a share of the traffic with another model version."""

    modelUri: ModelUri | None = None
    image: Image | None = None
    traffic: Annotated[int, Check(ge=1, le=99)]
    """Percent of requests sent to the canary; the main predictor gets the rest."""
    replicas: Replicas | None = None


class Shadow(Strict):
    """A predictor that receives a mirrored copy of the traffic; its answers are discarded."""

    modelUri: ModelUri | None = None
    image: Image | None = None
    traffic: Percent | None = None
    """Mirror percentage; unset or 0 mirrors everything."""
    replicas: Replicas | None = None


class Explainer(Strict):
    """An Alibi explainer deployed beside the main predictor."""

    type: ExplainerType
    modelUri: ModelUri | None = None
    credentials: DnsLabel | None = None
    """Credentials for the explainer's modelUri; default: the Model's."""
    config: dict[str, str] = dataclasses.field(default_factory=dict)
    replicas: Replicas | None = None


class Hpa(Strict):
    """Horizontal pod autoscaling of the model's pods (autoscaling/v2 utilisation targets)."""

    minReplicas: Annotated[int, Check(ge=1, le=2**31 - 1)] = 1
    maxReplicas: Annotated[int, Check(ge=1, le=2**31 - 1)]
    cpuUtilization: Annotated[int, Check(ge=1, le=1000)] | None = None
    """Target average CPU utilisation, percent of requests."""
    memoryUtilization: Annotated[int, Check(ge=1, le=1000)] | None = None

    def __post_init__(self) -> None:
        if self.minReplicas > self.maxReplicas:
            raise ValueError("minReplicas is greater than maxReplicas")
        if self.cpuUtilization is None and self.memoryUtilization is None:
            raise ValueError("set cpuUtilization, memoryUtilization or both")


IntOrPercent = Annotated[int, Check(ge=0)] | Annotated[str, Check(pattern=r"^\d+%$")]


class Pdb(Strict):
    """Pod disruption budget of the model's pods: one of minAvailable or maxUnavailable."""

    minAvailable: IntOrPercent | None = None
    maxUnavailable: IntOrPercent | None = None

    def __post_init__(self) -> None:
        if (self.minAvailable is None) == (self.maxUnavailable is None):
            raise ValueError("set exactly one of minAvailable and maxUnavailable")


class _Settings(Strict):
    """Fields that a Model sets and that environments and config defaults may override."""

    modelUri: ModelUri | None = None
    image: Image | None = None
    """Container image; required for ``implementation: custom``, pins a server otherwise."""
    credentials: DnsLabel | None = None
    """Name of a Credentials file whose Secret the storage initializer reads."""
    protocol: Protocol | None = None
    replicas: Replicas | None = None
    resources: Resources | None = None
    parameters: Items[Parameter] | None = None
    serviceAccountName: DnsLabel | None = None
    env: Items[EnvVar] | None = None
    logger: Logger | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    canary: Canary | None = None
    shadow: Shadow | None = None
    explainer: Explainer | None = None
    hpa: Hpa | None = None
    pdb: Pdb | None = None


class Overrides(_Settings):
    """Per-environment changes to a Model. Set ``enabled: false`` to skip the environment."""

    enabled: bool = True


class ModelSpec(_Settings):
    implementation: Implementation
    """A Seldon prepackaged server, or ``custom`` with an ``image``."""
    graph: GraphNode | None = None
    """Optional inference graph around the model (transformers, routers, combiners)."""
    environments: dict[str, Overrides] = dataclasses.field(default_factory=dict)
    """Overrides per environment name; environments not listed use the spec as it is."""


class Model(Strict):
    apiVersion: API_VERSION_LITERAL
    kind: Literal["Model"]
    metadata: Metadata
    spec: ModelSpec

    def settings_for(self, environment: str, defaults: _Settings | None = None) -> ModelSpec:
        """The spec as it applies in ``environment``: config defaults, then spec, then overrides.

        Only fields a file actually sets take part; labels and annotations are merged key by
        key, every other field is replaced whole.
        """
        merged: dict[str, Any] = {}
        layers: list[_Settings] = []
        if defaults is not None:
            layers.append(defaults)
        layers.append(self.spec)
        override = self.spec.environments.get(environment)
        if override is not None:
            layers.append(override)
        for layer in layers:
            for name in fields_set(layer):
                if name in {"enabled", "environments"}:
                    continue
                value = getattr(layer, name)
                if name in {"labels", "annotations"} and value is not None:
                    merged[name] = {**(merged.get(name) or {}), **value}
                else:
                    merged[name] = value
        merged["implementation"] = self.spec.implementation
        merged["graph"] = self.spec.graph
        return ModelSpec(**merged)

    def enabled_in(self, environment: str) -> bool:
        override = self.spec.environments.get(environment)
        return override is None or override.enabled


Defaults = _Settings
