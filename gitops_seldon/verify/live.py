"""Live state: what the cluster has, read with one list call per kind and namespace.

For each namespace git puts objects in: SeldonDeployments and SealedSecrets carrying
``app.kubernetes.io/managed-by=gitops-seldon`` (one labelled list each), plus one
unlabelled list of a kind only when a desired object of that kind is not among the
labelled ones (someone removed its label: that is drift to report, not a missing
object). The Secrets the SealedSecrets produce come from one list whose values are
dropped on arrival (see ``cluster.list_secret_keys``). The number of requests depends on
the number of namespaces and kinds, never on the number of objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitops_seldon.verify.desired import (
    ENVIRONMENT_LABEL,
    KINDS,
    MANAGED_BY,
    MANAGER,
    SEALED,
    Desired,
    KindInfo,
    ObjectRef,
)


class SecretInfo(Protocol):
    @property
    def keys(self) -> frozenset[str]: ...


class ClusterReader(Protocol):
    def list_objects(self, group: str, version: str, plural: str, namespace: str,
                     label_selector: str | None = None) -> list[dict[str, Any]]: ...

    def list_secret_keys(self, namespace: str) -> Mapping[str, SecretInfo]: ...


@dataclass
class Live:
    objects: dict[ObjectRef, dict[str, Any]] = field(default_factory=dict)
    """Desired objects found live, by identity."""
    orphans: dict[ObjectRef, dict[str, Any]] = field(default_factory=dict)
    """Objects carrying the managed-by (and this environment's) label that git lacks."""
    secret_keys: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """(namespace, name) -> key names of the Secret produced by a SealedSecret."""


def _labels(obj: dict[str, Any]) -> dict[str, Any]:
    labels = (obj.get("metadata") or {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def read_live(cluster: ClusterReader, desired: Desired, namespaces: tuple[str, ...],
              env_label: str | None) -> Live:
    """Read every kind verify compares in each of ``namespaces``."""
    live = Live()
    wanted = {o.ref for o in desired.objects}
    for namespace in namespaces:
        for info in KINDS.values():
            _read_kind(cluster, info, namespace, wanted, env_label, live)
        sealed_here = [ref for ref in (*live.objects, *live.orphans)
                       if ref.kind == SEALED.kind and ref.namespace == namespace]
        if sealed_here:
            secrets = cluster.list_secret_keys(namespace)
            for ref in sealed_here:
                secret = secrets.get(ref.name)
                if secret is not None:
                    live.secret_keys[(namespace, ref.name)] = frozenset(secret.keys)
    return live


def _read_kind(cluster: ClusterReader, info: KindInfo, namespace: str, wanted: set[ObjectRef],
               env_label: str | None, live: Live) -> None:
    labelled = cluster.list_objects(info.group, info.version, info.plural, namespace,
                                    f"{MANAGED_BY}={MANAGER}")
    wanted_here = {ref.name for ref in wanted
                   if ref.kind == info.kind and ref.namespace == namespace}
    for obj in labelled:
        ref = ObjectRef(info.kind, namespace, _name(obj))
        if ref.name in wanted_here:
            live.objects[ref] = obj
        elif env_label is None or _labels(obj).get(ENVIRONMENT_LABEL) == env_label:
            live.orphans[ref] = obj
    if wanted_here - {ref.name for ref in live.objects if ref.kind == info.kind
                      and ref.namespace == namespace}:
        for obj in cluster.list_objects(info.group, info.version, info.plural, namespace):
            ref = ObjectRef(info.kind, namespace, _name(obj))
            if ref.name in wanted_here and ref not in live.objects:
                live.objects[ref] = obj
