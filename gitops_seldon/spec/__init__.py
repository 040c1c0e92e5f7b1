"""The user's spec files as frozen spec types that pydantic validates strictly.

``schemas/*.schema.json`` are generated from these types by pydantic (``python -m
gitops_seldon.spec.jsonschema``); a test fails when they drift. How a file becomes a
value: ``accept`` (fast, for valid files), else ``strict`` (pydantic's verdict and
messages); ``build`` makes the value and records which fields the file set.
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
