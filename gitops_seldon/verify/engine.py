"""Verify one target (an environment, or ``-f`` manifests) end to end, or several at
once on threads. Results are data; the command prints them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.verify.desired import KINDS, Desired, DesiredObject, ObjectRef
from gitops_seldon.verify.diff import Change, compare, unified_diff
from gitops_seldon.verify.health import Health, health_of
from gitops_seldon.verify.live import ClusterReader, Live, read_live
from gitops_seldon.verify.normalise import normalise

EXIT_IN_SYNC, EXIT_DRIFT, EXIT_UNKNOWN = 0, 1, 2
MAX_THREADS = 8


@dataclass(frozen=True)
class ObjectDrift:
    ref: ObjectRef
    action: str
    """``missing`` (in git, not live), ``changed`` or ``orphaned`` (live only)."""
    api_version: str
    changes: tuple[Change, ...] = ()
    diff: str = ""
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class ObjectHealth:
    ref: ObjectRef
    health: Health
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class Target:
    """What to verify: ``desired`` objects against the cluster of ``context``."""

    name: str
    desired: Desired | None
    namespace: str | None = None
    """The environment's namespace: orphans are looked for there even if git has nothing."""
    env_label: str | None = None
    context: str | None = None
    kubeconfig: str | None = None
    timeout: float = 30.0
    ignore: tuple[str, ...] = ()
    error: str | None = None
    """Set when the desired state itself could not be built."""


@dataclass(frozen=True)
class Result:
    target: str
    namespaces: tuple[str, ...] = ()
    context: str | None = None
    server: str | None = None
    compared: int = 0
    drift: tuple[ObjectDrift, ...] = ()
    health: tuple[ObjectHealth, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def in_sync(self) -> bool:
        return self.error is None and not self.drift

    @property
    def unhealthy(self) -> tuple[ObjectHealth, ...]:
        return tuple(h for h in self.health if not h.health.healthy)


class Connection(ClusterReader, Protocol):
    server: str

    def dry_run_apply(self, group: str, version: str, plural: str, namespace: str, name: str,
                      obj: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


Connector = Callable[[str | None, str | None, float], Connection]


def _default_connector(kubeconfig: str | None, context: str | None, timeout: float) -> Connection:
    from gitops_seldon.cluster import connect

    return connect(kubeconfig, context, timeout)


def diff_object(desired: DesiredObject, live_obj: dict[str, Any], ignore: Sequence[str] = (),
                merged: dict[str, Any] | None = None) -> ObjectDrift | None:
    """The drift of one object, or None. With ``merged`` (the server's dry-run apply of
    git's manifest) both sides come from the server and every field counts."""
    live = normalise(live_obj, ignore)
    if merged is not None:
        comparison = compare(desired.ref.kind, normalise(merged, ignore), live, two_way=False)
    else:
        comparison = compare(desired.ref.kind, normalise(desired.obj, ignore), live)
    if not comparison.changes:
        return None
    title = desired.ref.title(desired.api_version)
    return ObjectDrift(desired.ref, "changed", desired.api_version, comparison.changes,
                       unified_diff(title, comparison.git_view, comparison.live_view),
                       desired.source, desired.line)


def compare_state(desired: Desired, live: Live, ignore: Sequence[str] = (),
                  merged: dict[ObjectRef, dict[str, Any]] | None = None
                  ) -> tuple[list[ObjectDrift], list[ObjectHealth]]:
    drift: list[ObjectDrift] = []
    health: list[ObjectHealth] = []
    for item in desired.objects:
        live_obj = live.objects.get(item.ref)
        if live_obj is None:
            drift.append(ObjectDrift(item.ref, "missing", item.api_version, source=item.source,
                                     line=item.line))
            continue
        found = diff_object(item, live_obj, ignore, (merged or {}).get(item.ref))
        if found is not None:
            drift.append(found)
        state = health_of(item.ref.kind, live_obj,
                          live.secret_keys.get((item.ref.namespace, item.ref.name)))
        if state is not None:
            health.append(ObjectHealth(item.ref, state, item.source, item.line))
    for ref, obj in sorted(live.orphans.items(), key=lambda kv: _order(kv[0])):
        drift.append(ObjectDrift(ref, "orphaned", str(obj.get("apiVersion") or
                                                      KINDS[ref.kind].api_version)))
    drift.sort(key=lambda d: _order(d.ref))
    return drift, health


def _order(ref: ObjectRef) -> tuple[str, str, str]:
    return (ref.namespace, ref.kind, ref.name)


def _dry_run(cluster: Connection, desired: Desired, live: Live
             ) -> tuple[dict[ObjectRef, dict[str, Any]], list[str]]:
    from gitops_seldon.cluster import ClusterError

    merged: dict[ObjectRef, dict[str, Any]] = {}
    notes: list[str] = []
    for item in desired.objects:
        if item.ref not in live.objects:
            continue
        info = KINDS[item.ref.kind]
        group, _, version = item.api_version.rpartition("/")
        body = {**item.obj, "metadata": {**item.obj.get("metadata", {}),
                                         "namespace": item.ref.namespace}}
        try:
            merged[item.ref] = cluster.dry_run_apply(group or info.group, version, info.plural,
                                                     item.ref.namespace, item.ref.name, body)
        except ClusterError as exc:
            if "(403)" not in str(exc):
                raise
            notes.append(f"{item.ref}: server-side dry-run not allowed ({exc}); compared locally")
    return merged, notes


def verify_target(target: Target, *, server_side: bool = False,
                  connector: Connector = _default_connector) -> Result:
    if target.error is not None or target.desired is None:
        return Result(target.name, context=target.context, error=target.error or "no desired state")
    desired = target.desired
    extra = {target.namespace} if target.namespace else set()
    namespaces = tuple(sorted(set(desired.namespaces) | extra))
    base = Result(target.name, namespaces, target.context, notes=desired.skipped,
                  compared=len(desired.objects))
    if not namespaces:
        return base
    try:
        cluster = connector(target.kubeconfig, target.context, target.timeout)
    except GitopsSeldonError as exc:
        return _with(base, error=str(exc))
    try:
        live = read_live(cluster, desired, namespaces, target.env_label)
        merged: dict[ObjectRef, dict[str, Any]] = {}
        notes = list(base.notes)
        if server_side:
            merged, found = _dry_run(cluster, desired, live)
            notes += found
        drift, health = compare_state(desired, live, target.ignore, merged)
        return _with(base, server=cluster.server, drift=tuple(drift), health=tuple(health),
                     notes=tuple(notes))
    except GitopsSeldonError as exc:
        return _with(base, server=cluster.server, error=str(exc))
    finally:
        cluster.close()


def _with(result: Result, **changes: Any) -> Result:
    values = {**result.__dict__, **changes}
    return Result(**values)


def verify_targets(targets: Sequence[Target], *, server_side: bool = False,
                   connector: Connector = _default_connector) -> list[Result]:
    """Every target concurrently; results in the order of ``targets``."""
    if len(targets) <= 1:
        return [verify_target(t, server_side=server_side, connector=connector) for t in targets]
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(targets))) as pool:
        futures = [pool.submit(verify_target, t, server_side=server_side, connector=connector)
                   for t in targets]
        return [f.result() for f in futures]


def exit_code(results: Sequence[Result], *, require_healthy: bool = False) -> int:
    if any(r.error is not None for r in results):
        return EXIT_UNKNOWN
    if any(r.drift for r in results):
        return EXIT_DRIFT
    if require_healthy and any(r.unhealthy for r in results):
        return EXIT_DRIFT
    return EXIT_IN_SYNC


__all__ = [
    "Connection", "ObjectDrift", "ObjectHealth", "Result", "Target", "compare_state",
    "diff_object", "exit_code", "verify_target", "verify_targets",
]
