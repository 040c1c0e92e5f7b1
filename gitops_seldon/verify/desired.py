"""Desired state: what git says, from the plan (in memory) or from manifests (``-f``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with the kubernetes client

from gitops_seldon.problems import GitopsSeldonError, Problem
from gitops_seldon.source import Document, parse

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "gitops-seldon"
ENVIRONMENT_LABEL = "gitops-seldon.dev/environment"


@dataclass(frozen=True)
class KindInfo:
    kind: str
    group: str
    version: str
    """The version verify lists; the same object is served under every version."""
    plural: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


SELDON = KindInfo("SeldonDeployment", "machinelearning.seldon.io", "v1", "seldondeployments")
SEALED = KindInfo("SealedSecret", "bitnami.com", "v1alpha1", "sealedsecrets")
KINDS: dict[str, KindInfo] = {k.kind: k for k in (SELDON, SEALED)}
"""The kinds verify compares; anything else in ``-f`` input is skipped with a note."""


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def title(self, api_version: str) -> str:
        """kubectl diff's file name: ``group.version.Kind.namespace.name``."""
        return f"{api_version.replace('/', '.')}.{self.kind}.{self.namespace}.{self.name}"


@dataclass(frozen=True)
class DesiredObject:
    ref: ObjectRef
    obj: dict[str, Any]
    source: str
    """Where it comes from: a spec file (plan) or ``file:line`` (manifests)."""
    line: int = 0

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or KINDS[self.ref.kind].api_version)


@dataclass(frozen=True)
class Desired:
    objects: tuple[DesiredObject, ...]
    skipped: tuple[str, ...] = ()
    """Notes about documents verify does not compare (other kinds)."""

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({o.ref.namespace for o in self.objects}))


def _documents(items: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    for document in items:
        data = document.data
        is_list = isinstance(data, dict) and data.get("kind") == "List"
        if is_list and isinstance(data.get("items"), list):
            for item in data["items"]:
                yield document, item
        elif data is not None:
            yield document, data


def from_documents(documents: Iterable[Document] | Iterable[Any], default_namespace: str | None
                   ) -> Desired:
    """Desired objects from parsed documents (anything with ``path``, ``data`` and
    ``position``)."""
    objects: list[DesiredObject] = []
    skipped: list[str] = []
    seen: set[ObjectRef] = set()
    for document, data in _documents(documents):
        line = document.position(())[0]
        where = f"{document.path}:{line}"
        if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
            raise GitopsSeldonError(f"{where}: not a Kubernetes object (no metadata)")
        kind = data.get("kind")
        name = data["metadata"].get("name")
        if kind not in KINDS:
            skipped.append(f"{where}: {kind} {name} is not compared (verify compares "
                           f"{', '.join(sorted(KINDS))})")
            continue
        if not isinstance(name, str) or not name:
            raise GitopsSeldonError(f"{where}: {kind} without metadata.name")
        namespace = data["metadata"].get("namespace") or default_namespace
        if not namespace:
            raise GitopsSeldonError(
                f"{where}: {kind} {name} has no namespace; pass --namespace or --env")
        ref = ObjectRef(str(kind), str(namespace), name)
        if ref in seen:
            raise GitopsSeldonError(f"{where}: {ref} appears twice")
        seen.add(ref)
        objects.append(DesiredObject(ref, data, document.path, line))
    return Desired(tuple(sorted(objects, key=lambda o: (o.ref.kind, o.ref.namespace, o.ref.name))),
                   tuple(skipped))


class _ManifestLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml speed for large ``kubectl kustomize`` outputs; timestamps stay strings, as
    they do when kubectl converts YAML to JSON."""


_ManifestLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


@dataclass(frozen=True)
class _Fast:
    path: str
    line: int
    data: Any

    def position(self, loc: Any) -> tuple[int, int]:
        return self.line, 1


def from_text(text: str, display: str, default_namespace: str | None) -> Desired:
    """Manifests (many documents, ``kind: List`` too). Parsed with libyaml when the text is
    well-formed; otherwise the positioned loader says exactly where it is not."""
    loader = _ManifestLoader(text)
    documents: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            documents.append(_Fast(display, node.start_mark.line + 1,
                                   loader.construct_document(node)))
    except yaml.YAMLError:
        parsed, problems = parse(text, display)
        if problems:
            raise GitopsSeldonError(_first(problems)) from None
        return from_documents(parsed, default_namespace)
    finally:
        loader.dispose()
    return from_documents(documents, default_namespace)


def _first(problems: list[Problem]) -> str:
    extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{extra}"


def from_plan(repo: Any, env: str) -> Desired:
    """The environment's objects as render plans them, in memory."""
    from gitops_seldon.plan import plan_environment

    objects = [
        DesiredObject(ObjectRef(p.kind, p.namespace, p.name), p.obj, p.source)
        for p in plan_environment(repo, env)
        if p.kind in KINDS
    ]
    return Desired(tuple(sorted(objects, key=lambda o: (o.ref.kind, o.ref.namespace, o.ref.name))))


def environment_label(desired: Desired) -> str | None:
    """The one ``gitops-seldon.dev/environment`` label value every desired object carries."""
    values = {
        (o.obj.get("metadata", {}).get("labels") or {}).get(ENVIRONMENT_LABEL)
        for o in desired.objects
    }
    values.discard(None)
    return str(values.pop()) if len(values) == 1 else None
