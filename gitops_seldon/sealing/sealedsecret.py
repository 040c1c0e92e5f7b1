"""SealedSecret objects: build them as kubeseal does, merge like ``--merge-into``, write them.

Layout (``NewSealedSecret``): the SealedSecret's own metadata carries only name, namespace
and the scope annotation (plus gitops-seldon's ``sealed-with``); the template metadata holds
name, namespace and the scope annotation again; ``template.type`` is Opaque. Output is YAML
like ``kubeseal -o yaml``: a leading ``---``, keys sorted, ``creationTimestamp: null``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_seldon import emit
from gitops_seldon.sealing.scope import (
    SCOPE_ANNOTATIONS,
    SEALED_WITH,
    Scope,
    scope_annotations,
    scope_of,
)

API_VERSION = "bitnami.com/v1alpha1"
KIND = "SealedSecret"


@dataclass(frozen=True)
class Target:
    """Where a SealedSecret will be decrypted: this decides the OAEP label."""

    name: str
    namespace: str
    scope: Scope


def build(target: Target, encrypted: Mapping[str, str], *, sealed_with: str,
          secret_type: str = "Opaque") -> dict[str, Any]:  # noqa: S107
    scope = scope_annotations(target.scope)
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "annotations": {**scope, SEALED_WITH: sealed_with},
            "creationTimestamp": None,
            "name": target.name,
            "namespace": target.namespace,
        },
        "spec": {
            "encryptedData": dict(sorted(encrypted.items())),
            "template": {
                "metadata": {
                    **({"annotations": scope} if scope else {}),
                    "creationTimestamp": None,
                    "name": target.name,
                    "namespace": target.namespace,
                },
                "type": secret_type,
            },
        },
    }


@dataclass(frozen=True)
class SealedView:
    """What a SealedSecret says about itself, read leniently (validate reports the rest)."""

    name: str | None
    namespace: str | None
    scope: Scope
    encrypted: dict[str, str]
    sealed_with: str | None

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> SealedView:
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        assert isinstance(metadata, dict)
        annotations = metadata.get("annotations") if isinstance(
            metadata.get("annotations"), dict) else {}
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        data = spec.get("encryptedData") if isinstance(spec.get("encryptedData"), dict) else {}
        assert isinstance(data, dict) and isinstance(annotations, dict)
        name, namespace = metadata.get("name"), metadata.get("namespace")
        sealed_with = annotations.get(SEALED_WITH)
        return cls(
            name=name if isinstance(name, str) else None,
            namespace=namespace if isinstance(namespace, str) else None,
            scope=scope_of(annotations),
            encrypted={str(k): v for k, v in data.items() if isinstance(v, str)},
            sealed_with=sealed_with if isinstance(sealed_with, str) else None,
        )

    def target(self) -> Target:
        return Target(self.name or "", self.namespace or "", self.scope)


def merge(existing: Mapping[str, Any], fresh: Mapping[str, Any]) -> dict[str, Any]:
    """``kubeseal --merge-into``: new keys added, given keys replaced, nothing removed; the
    other ciphertexts stay byte-identical. Template annotations and labels are merged with the
    new values winning. ``sealed-with`` and the scope annotations come from ``fresh``."""
    result: dict[str, Any] = json.loads(json.dumps(existing))
    result.setdefault("spec", {})
    spec = result["spec"]
    encrypted = dict(spec.get("encryptedData") or {})
    encrypted.update(fresh["spec"]["encryptedData"])
    spec["encryptedData"] = dict(sorted(encrypted.items()))
    template = spec.setdefault("template", {})
    template_meta = template.setdefault("metadata", {}) or {}
    template["metadata"] = template_meta
    new_template = fresh["spec"]["template"]
    for field in ("annotations", "labels"):
        merged = {**(template_meta.get(field) or {}),
                  **(new_template["metadata"].get(field) or {})}
        if field == "annotations":
            for key in SCOPE_ANNOTATIONS:
                if key not in (new_template["metadata"].get(field) or {}):
                    merged.pop(key, None)
        if merged:
            template_meta[field] = dict(sorted(merged.items()))
        else:
            template_meta.pop(field, None)
    template.setdefault("type", new_template.get("type", "Opaque"))
    metadata = result.setdefault("metadata", {})
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items()
                   if k not in SCOPE_ANNOTATIONS}
    annotations.update(fresh["metadata"]["annotations"])
    metadata["annotations"] = dict(sorted(annotations.items()))
    return result


# ---- output: YAML in kubeseal's style (sorted keys, plain scalars where safe) -------------

def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def to_yaml(obj: Mapping[str, Any]) -> str:
    """``---`` then block YAML with sorted keys, as ``kubeseal -o yaml`` writes it; the
    scalars are quoted by the same emitter as every rendered file."""
    return "---\n" + emit.dump(_sorted(obj))


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
