"""Scopes, OAEP labels and scope annotations (upstream ``sealedsecret_expansion.go``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Scope = Literal["strict", "namespace-wide", "cluster-wide"]

NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide"
CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide"
SCOPE_ANNOTATIONS = (NAMESPACE_WIDE, CLUSTER_WIDE)
SEALED_WITH = "gitops-seldon.dev/sealed-with"
"""Annotation (on the SealedSecret's own metadata) naming the certificate that sealed it."""


def encryption_label(scope: Scope, namespace: str, name: str) -> bytes:
    """The OAEP label: ``<ns>/<name>`` (strict), ``<ns>`` (namespace-wide), empty (cluster)."""
    if scope == "cluster-wide":
        return b""
    if scope == "namespace-wide":
        return namespace.encode("utf-8")
    return f"{namespace}/{name}".encode()


def scope_of(annotations: Mapping[str, object] | None) -> Scope:
    """The scope the controller uses for these metadata annotations: only the exact string
    ``"true"`` counts, and cluster-wide wins over namespace-wide."""
    annotations = annotations or {}
    if annotations.get(CLUSTER_WIDE) == "true":
        return "cluster-wide"
    if annotations.get(NAMESPACE_WIDE) == "true":
        return "namespace-wide"
    return "strict"


def scope_annotations(scope: Scope) -> dict[str, str]:
    """What kubeseal writes for a scope (nothing for strict)."""
    if scope == "cluster-wide":
        return {CLUSTER_WIDE: "true"}
    if scope == "namespace-wide":
        return {NAMESPACE_WIDE: "true"}
    return {}
