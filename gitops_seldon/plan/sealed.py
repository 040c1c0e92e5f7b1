"""Place an environment's SealedSecrets: read, never seal.

``credentials/sealed/<env>/<name>.yaml`` is written by ``gitops-seldon seal``. Render adds
the Credentials' non-secret values (``TYPE``, provider, region, endpoint, ...) as
``spec.template.data`` so that changing a region needs no re-sealing, plus the ownership
labels and the source annotation. A missing or unreadable sealed file is left out here;
validate reports it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from gitops_seldon.load import Repository
from gitops_seldon.plan.seldon import (
    ANNOTATION_SOURCE,
    LABEL_ENVIRONMENT,
    LABEL_MANAGED_BY,
    LABEL_NAME,
    MANAGED_BY,
    settings_for,
)
from gitops_seldon.source import load_single
from gitops_seldon.spec import Credentials
from gitops_seldon.spec.credentials import secret_need

SEALED_DIR = "sealed"


def sealed_path(repo: Repository, env: str, name: str) -> str | None:
    """Repo-relative path of the sealed file of ``name`` in ``env``, if there is one."""
    folder = repo.config.value.spec.paths.credentials
    for suffix in (".yaml", ".yml"):
        relative = f"{folder}/{SEALED_DIR}/{env}/{name}{suffix}"
        if (repo.root / relative).is_file():
            return relative
    return None


def credentials_used(repo: Repository, env: str) -> list[str]:
    """Names of the Credentials the Models enabled in ``env`` use there, sorted."""
    defaults = repo.config.value.spec.environments[env].defaults
    used: set[str] = set()
    for loaded in repo.models:
        model = loaded.value
        if not model.enabled_in(env):
            continue
        settings = settings_for(model, env, defaults)
        if settings.credentials is not None:
            used.add(settings.credentials)
        if settings.explainer is not None:
            explainer_secret = settings.explainer.credentials
            if explainer_secret is not None and settings.explainer.modelUri is not None:
                used.add(explainer_secret)
    return sorted(used)


def plan_sealed_secrets(repo: Repository, env: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(name, source, object)`` of each SealedSecret ``env`` needs and has."""
    namespace = repo.config.value.spec.environments[env].namespace
    placed = []
    for name in credentials_used(repo, env):
        loaded = repo.credential(name)
        if loaded is None:
            continue
        relative = sealed_path(repo, env, name)
        if relative is not None:
            sealed = read_sealed(repo.root / relative, relative)
        elif secret_need(loaded.value) == "none":
            # Keyless (env_auth, anonymous, MSI): nothing to seal, but the storage
            # initializer still reads RCLONE_CONFIG_* from the Secret envSecretRefName
            # names, so place one that holds only the clear fields as template data.
            sealed = keyless_sealed_secret(name, namespace)
        else:
            sealed = None
        if sealed is None:
            continue
        obj = place_sealed_secret(sealed, loaded.value, env, namespace, loaded.path)
        placed.append((name, loaded.path, obj))
    return placed


def keyless_sealed_secret(name: str, namespace: str) -> dict[str, Any]:
    """A SealedSecret with no sealed values: the controller builds its Secret from the
    template data alone (the clear fields ``place_sealed_secret`` adds)."""
    return {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"encryptedData": {},
                 "template": {"metadata": {"name": name, "namespace": namespace},
                              "type": "Opaque"}},
    }


def read_sealed(path: Path, display: str) -> dict[str, Any] | None:
    document, problems = load_single(path, display)
    if document is None or problems or not isinstance(document.data, dict):
        return None
    data: dict[str, Any] = document.data
    if data.get("kind") != "SealedSecret" or not isinstance(data.get("spec"), dict):
        return None
    return data


def template_data(credentials: Credentials) -> dict[str, str]:
    """The non-secret Secret keys and values, as Go templates that render to themselves."""
    values = credentials.spec.clear_values()
    return {credentials.secret_key(field): _literal_template(values[field])
            for field in sorted(values)}


def place_sealed_secret(sealed: dict[str, Any], credentials: Credentials, env: str,
                        namespace: str, source: str) -> dict[str, Any]:
    obj = copy.deepcopy(sealed)
    metadata = obj.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        metadata = obj["metadata"] = {}
    metadata["name"] = credentials.metadata.name
    metadata["namespace"] = namespace
    if metadata.get("creationTimestamp", "") is None:
        del metadata["creationTimestamp"]
    labels = dict(metadata.get("labels") or {})
    labels.update({LABEL_NAME: credentials.metadata.name, LABEL_MANAGED_BY: MANAGED_BY,
                   LABEL_ENVIRONMENT: env})
    metadata["labels"] = labels
    annotations = dict(metadata.get("annotations") or {})
    annotations[ANNOTATION_SOURCE] = source
    metadata["annotations"] = annotations
    spec = obj["spec"]
    template = spec.get("template")
    if not isinstance(template, dict):
        template = spec["template"] = {}
    inner = template.get("metadata")
    if isinstance(inner, dict) and inner.get("creationTimestamp", "") is None:
        del inner["creationTimestamp"]
    data = dict(template.get("data") or {})
    data.update(template_data(credentials))
    template["data"] = data
    return obj


def _literal_template(value: str) -> str:
    # template.data values are Go templates; a literal "{{" must not start an action.
    return value.replace("{{", '{{ "{{" }}') if "{{" in value else value
