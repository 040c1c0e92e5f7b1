"""The user's spec files as frozen, strict pydantic models.

``schemas/*.schema.json`` are generated from these models (``python -m
gitops_seldon.spec.jsonschema``); a test fails when they drift.
"""

from __future__ import annotations

from gitops_seldon.spec.config import Config, Environment, Paths
from gitops_seldon.spec.credentials import Credentials
from gitops_seldon.spec.model import Model, ModelSpec, Overrides

API_VERSION = "gitops-seldon.dev/v1alpha1"

__all__ = [
    "API_VERSION",
    "Config",
    "Credentials",
    "Environment",
    "Model",
    "ModelSpec",
    "Overrides",
    "Paths",
]
