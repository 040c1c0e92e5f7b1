"""Plan stage: the desired objects of every environment, as plain dicts.

Pure: no writes, and the only reads are the SealedSecrets under
``credentials/sealed/<env>/`` (render never seals). ``plan_environment`` returns exactly
what ``kubectl kustomize <output>/overlays/<env>`` builds from the tree ``write`` renders;
verify, check and promote consume it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from gitops_seldon.load import Repository
from gitops_seldon.plan.sealed import plan_sealed_secrets
from gitops_seldon.plan.seldon import seldondeployment_for

__all__ = ["PlannedObject", "plan_environment", "plan_repository", "planning_cache"]


@dataclass(frozen=True)
class PlannedObject:
    """One desired object of one environment."""

    env: str
    kind: str
    name: str
    namespace: str
    obj: dict[str, Any]
    """The final manifest, exactly as ``kubectl kustomize overlays/<env>`` outputs it."""
    source: str
    """The spec file it comes from, relative to the repository root."""


_CACHE: ContextVar[dict[tuple[int, str], tuple[Repository, list[PlannedObject]]] | None] = (
    ContextVar("gitops_seldon_plan_cache", default=None))


@contextmanager
def planning_cache() -> Iterator[None]:
    """Within the block, planning the same Repository object and environment again returns
    the first result (render validates, then writes, from one plan). Callers inside must
    not mutate the planned objects."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def plan_environment(repo: Repository, env: str) -> list[PlannedObject]:
    """Every object of ``env``: SealedSecrets first, then SeldonDeployments, each by name.

    Raises ``KeyError`` for an environment the config does not define.
    """
    cache = _CACHE.get()
    if cache is None:
        return _plan_environment(repo, env)
    hit = cache.get((id(repo), env))
    if hit is not None and hit[0] is repo:
        return list(hit[1])
    planned = _plan_environment(repo, env)
    cache[(id(repo), env)] = (repo, planned)
    return list(planned)


def _plan_environment(repo: Repository, env: str) -> list[PlannedObject]:
    environment = repo.config.value.spec.environments[env]
    planned: list[PlannedObject] = []
    for loaded in repo.models:
        model = loaded.value
        if not model.enabled_in(env):
            continue
        obj = seldondeployment_for(model, env, environment, loaded.path)
        planned.append(PlannedObject(env, "SeldonDeployment", model.metadata.name,
                                     environment.namespace, obj, loaded.path))
    for name, source, obj in plan_sealed_secrets(repo, env):
        planned.append(PlannedObject(env, "SealedSecret", name, environment.namespace, obj,
                                     source))
    return sorted(planned, key=lambda p: (p.kind, p.name))


def plan_repository(repo: Repository, envs: Sequence[str] | None = None
                    ) -> dict[str, list[PlannedObject]]:
    """``plan_environment`` for each of ``envs`` (default: every environment), by name."""
    chosen = sorted(set(envs)) if envs is not None else list(repo.environments)
    return {env: plan_environment(repo, env) for env in chosen}
