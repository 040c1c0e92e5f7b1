"""Shared pieces of every spec file: strictness and the Kubernetes-style envelope."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import Strict as StrictType

API_VERSION_LITERAL = Literal["gitops-seldon.dev/v1alpha1"]

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
"""RFC 1123 label: what Kubernetes requires of names that become Services and containers."""

DnsLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL, max_length=63)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                                           max_length=40)]
Quantity = Annotated[
    str,
    StringConstraints(pattern=r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[munkMGTPE])?$"),
]
"""A Kubernetes resource quantity such as ``500m``, ``1``, ``2Gi``; always a string in specs."""

T = TypeVar("T")
Items = Annotated[tuple[T, ...], StrictType(False)]
"""An immutable list: YAML sequences load as tuples (strict mode alone would refuse a list
for a tuple); the items themselves stay strict."""


class Strict(BaseModel):
    """Base of every spec model: immutable, no unknown keys, no type coercion."""

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="forbid",
        populate_by_name=False,
    )


class Metadata(Strict):
    name: DnsLabel
    """The object's name: a DNS-1123 label, at most 63 characters."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Labels copied onto what this object renders to."""
    annotations: dict[str, str] = Field(default_factory=dict)
    """Annotations copied onto what this object renders to."""
