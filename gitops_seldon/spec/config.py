"""The repository config, ``gitops-seldon.yaml``: paths and environments."""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath
from typing import Annotated, Literal

from gitops_seldon.spec.base import (
    API_VERSION_LITERAL,
    Check,
    DnsLabel,
    Items,
    Metadata,
    Strict,
    Validated,
)
from gitops_seldon.spec.model import Defaults


def _inside_repository(value: str) -> str:
    path = PurePosixPath(value)
    if not value or path.is_absolute() or ".." in path.parts:
        raise ValueError("must be a relative path inside the repository (no '..', not absolute)")
    return value


RelPath = Annotated[
    str,
    Validated(_inside_repository, {"type": "string", "minLength": 1,
                                   "pattern": r"^(?!/)(?!(.*/)?\.\.(/|$)).+$"}),
]
"""A path relative to the repository root that does not leave it."""
Fingerprint = Annotated[str, Check(pattern=r"^sha256:[0-9a-f]{64}$")]


class Paths(Strict):
    models: RelPath = "models"
    credentials: RelPath = "credentials"
    output: RelPath = "deploy"
    schemas: RelPath = "schemas"
    """Where ``gitops-seldon schema import`` stores CRD schemas that validate then uses."""


class Environment(Strict):
    namespace: DnsLabel
    """Namespace every SeldonDeployment and SealedSecret of this environment goes to."""
    sealedSecretsCert: RelPath | None = None
    """Path of the sealed-secrets controller certificate (``kubeseal --fetch-cert``)."""
    certFingerprint: Fingerprint | None = None
    """Pin: ``sha256:<hex>`` of the certificate; a different certificate is refused."""
    kubeContext: str | None = None
    """kubeconfig context ``verify`` uses for this environment."""
    baseUrl: Annotated[str, Check(pattern=r"^https?://\S+$")] | None = None
    """Ingress base URL, to print prediction URLs."""
    controllerNamespace: DnsLabel = "kube-system"
    controllerName: DnsLabel = "sealed-secrets-controller"
    defaults: Defaults | None = None
    """Fields every Model gets in this environment unless the Model sets them."""


class VerifySettings(Strict):
    ignore: Items[Annotated[str, Check(pattern=r"^(/[^/]*)+$")]] = ()
    """JSON pointers (into every live object) that verify never reports as drift."""
    timeoutSeconds: Annotated[float, Check(gt=0, le=600)] = 30.0


class ConfigSpec(Strict):
    paths: Paths = dataclasses.field(default_factory=Paths)
    environments: dict[DnsLabel, Environment]
    verify: VerifySettings = dataclasses.field(default_factory=VerifySettings)


class Config(Strict):
    apiVersion: API_VERSION_LITERAL
    kind: Literal["Config"]
    metadata: Metadata | None = None
    spec: ConfigSpec
