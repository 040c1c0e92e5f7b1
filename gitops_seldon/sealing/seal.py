"""Sealing one Credentials for one or more environments: plan everything first (values,
certificates, schema, existing files), then write. Nothing is written when any
environment fails, and no message ever contains a value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_seldon.load import Loaded, Repository
from gitops_seldon.problems import (
    GitopsSeldonError,
    Level,
    Problem,
    ProblemsFound,
    UsageError,
    sort_problems,
)
from gitops_seldon.sealing.certs import Certificate, check_pin, read_certificate
from gitops_seldon.sealing.rules import (
    KeyIssue,
    check_key_set,
    check_values,
    key_prefix,
    secret_keys,
)
from gitops_seldon.sealing.scope import encryption_label
from gitops_seldon.sealing.sealedsecret import (
    SealedView,
    Target,
    build,
    merge,
    to_yaml,
    write_atomic,
)
from gitops_seldon.sealing.values import Value
from gitops_seldon.source import load_file
from gitops_seldon.spec.credentials import Credentials

SEALED_DIR = "sealed"


def sealed_relpath(repo: Repository, env: str, name: str) -> str:
    """``credentials/sealed/<env>/<name>.yaml`` (under the configured credentials folder)."""
    return f"{repo.config.value.spec.paths.credentials}/{SEALED_DIR}/{env}/{name}.yaml"


def environment_certificate(repo: Repository, env: str) -> Certificate:
    """The env's certificate from the config, read as kubeseal reads it, pin checked."""
    environment = repo.config.value.spec.environments.get(env)
    if environment is None:
        known = ", ".join(repo.environments) or "none"
        raise UsageError(f"unknown environment {env!r} (environments: {known})")
    if environment.sealedSecretsCert is None:
        raise GitopsSeldonError(
            f"environment {env!r} has no sealedSecretsCert in gitops-seldon.yaml; add the "
            f"path of its controller certificate (or run seal --fetch-cert --env {env})")
    cert = read_certificate(repo.path(environment.sealedSecretsCert),
                            environment.sealedSecretsCert)
    check_pin(cert, environment.certFingerprint)
    return cert


@dataclass(frozen=True)
class PlannedSeal:
    env: str
    relpath: str
    target: Target
    cert: Certificate
    existing: dict[str, Any] | None
    """The current file when its other keys are kept (merge), else None (fresh file)."""
    sealed: tuple[str, ...]
    kept: tuple[str, ...]


def _existing(repo: Repository, relpath: str) -> dict[str, Any] | None:
    path = repo.path(relpath)
    if not path.exists():
        return None
    documents, problems = load_file(path, relpath)
    if problems:
        raise ProblemsFound(problems)
    if len(documents) != 1 or not isinstance(documents[0].data, dict) \
            or documents[0].data.get("kind") != "SealedSecret":
        raise GitopsSeldonError(
            f"{relpath}: is not a single SealedSecret; fix or delete it, or seal with --replace")
    data: dict[str, Any] = documents[0].data
    return data


def _why_incompatible(view: SealedView, target: Target, cert: Certificate) -> str | None:
    if view.sealed_with != cert.fingerprint:
        return "another certificate" if view.sealed_with else "an unrecorded certificate"
    if view.scope != target.scope:
        return f"scope {view.scope}"
    if target.scope != "cluster-wide" and view.namespace != target.namespace:
        return f"namespace {view.namespace!r}"
    if target.scope == "strict" and view.name != target.name:
        return f"name {view.name!r}"
    return None


def plan_seal(repo: Repository, credentials: Credentials, env: str, keys: Sequence[str], *,
              replace: bool = False) -> PlannedSeal:
    """Check one environment: certificate, target and what happens to the existing file."""
    cert = environment_certificate(repo, env)
    namespace = repo.config.value.spec.environments[env].namespace
    target = Target(credentials.metadata.name, namespace, credentials.spec.scope)
    relpath = sealed_relpath(repo, env, target.name)
    existing = None if replace else _existing(repo, relpath)
    kept: tuple[str, ...] = ()
    if existing is not None:
        view = SealedView.of(existing)
        others = sorted(set(view.encrypted) - set(keys))
        reason = _why_incompatible(view, target, cert)
        if reason is not None and others:
            raise GitopsSeldonError(
                f"{relpath}: was sealed for {reason}, so its other keys ({', '.join(others)}) "
                "would no longer decrypt; give every value again, or use --replace")
        if reason is not None:
            existing = None
        else:
            kept = tuple(others)
    return PlannedSeal(env, relpath, target, cert, existing, tuple(sorted(keys)), kept)


def write_seal(repo: Repository, plan: PlannedSeal, values: Mapping[str, str]) -> None:
    from gitops_seldon.sealing.crypto import seal_value

    label = encryption_label(plan.target.scope, plan.target.namespace, plan.target.name)
    encrypted = {key: seal_value(plan.cert.public_key, values[key].encode("utf-8"), label)
                 for key in plan.sealed}
    fresh = build(plan.target, encrypted, sealed_with=plan.cert.fingerprint)
    obj = merge(plan.existing, fresh) if plan.existing is not None else fresh
    write_atomic(repo.path(plan.relpath), to_yaml(obj))


def value_problems(credentials: Loaded[Credentials], values: Mapping[str, Value],
                   final_keys: Sequence[str] | None = None) -> list[Problem]:
    """Format and key-set problems of the values, placed where each value came from.
    ``final_keys`` is the key set the file will hold (given keys plus kept ones)."""
    plain = {k: v.text for k, v in values.items()}
    issues = check_values(credentials.value, plain)
    issues += check_key_set(credentials.value, final_keys if final_keys is not None else plain)
    return [_place(issue, credentials, values) for issue in issues]


def _place(issue: KeyIssue, credentials: Loaded[Credentials],
           values: Mapping[str, Value]) -> Problem:
    origin = values.get(issue.key) if issue.key else None
    if origin is not None:
        return Problem(origin.origin, origin.line, 1 if origin.line else 0, issue.rule,
                       issue.message, issue.level)
    line, col = credentials.document.position(("spec",))
    return Problem(credentials.path, line, col, issue.rule, issue.message, issue.level)


def seal(repo: Repository, credentials: Loaded[Credentials], envs: Sequence[str],
         values: Mapping[str, Value], *, replace: bool = False
         ) -> tuple[list[PlannedSeal], list[Problem]]:
    """Validate everything, then write ``credentials/sealed/<env>/<name>.yaml`` per env.
    Returns the plans and warnings. Raises ProblemsFound (values, schema) or
    GitopsSeldonError; nothing is written then."""
    known = secret_keys(credentials.value)
    usable = {k: v for k, v in values.items() if k in known}
    prefix = key_prefix(credentials.value)
    ignored = [_place(KeyIssue(k, "value-ignored",
                               f"{k} is not a secret field of these credentials; ignored",
                               Level.WARNING), credentials, values)
               for k in sorted(values) if k.startswith(prefix) and k not in known]
    if not usable:
        raise GitopsSeldonError(
            f"no values for credentials {credentials.value.metadata.name!r}: give at least one "
            f"of {', '.join(known)} (env file, environment variable or prompt)")
    plans = [plan_seal(repo, credentials.value, env, sorted(usable), replace=replace)
             for env in envs]
    problems = list(ignored)
    for final in sorted({(*plan.sealed, *plan.kept) for plan in plans}):
        problems += value_problems(credentials, usable, final)
    problems = sort_problems(problems)
    errors = [p for p in problems if p.level is Level.ERROR]
    if errors:
        raise ProblemsFound(problems)
    plain = {k: v.text for k, v in usable.items()}
    for plan in plans:
        write_seal(repo, plan, plain)
    return plans, problems
