"""Cross-file rules of a gitops-seldon repository: what no single file can tell.

Every rule has a stable id (listed in docs/validate-rules.md). Rules about the rendered
SeldonDeployment itself live in ``validate.seldon`` and reach Models through
``validate.rendered``; the content of SealedSecrets is checked by ``validate.sealed``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_seldon.load import SPEC_SUFFIXES, Loaded, Repository
from gitops_seldon.problems import Level, Problem
from gitops_seldon.source import Document
from gitops_seldon.spec import Credentials, Model, ModelSpec
from gitops_seldon.spec.base import fields_set
from gitops_seldon.spec.credentials import AZFields, GSFields, S3Fields, secret_need
from gitops_seldon.spec.model import GraphNode

NO_CREDENTIALS_REMOTES = {"pvc": "pvc:// is mounted by the operator",
                          "gs": "gs: is the storage initializer's anonymous remote"}
"""modelUri remotes that work without a Credentials (reference/seldon/facts.md 5.2)."""

TEMPLATE_MARKERS = ("{{", "}}")
"""Clear credential fields become SealedSecret ``spec.template.data``, which the controller
renders as a Go template: braces there would be executed, not copied."""


def warning(problem: Problem) -> Problem:
    return dataclasses.replace(problem, level=Level.WARNING)


def uri_remote(uri: str) -> str:
    """The rclone remote of a modelUri: ``s3://b/x`` and ``s3:b/x`` are both ``s3``."""
    return uri.split(":", 1)[0]


@dataclass(frozen=True)
class Origin:
    """Where a setting of a Model comes from in one environment."""

    document: Document
    loc: tuple[str | int, ...]

    def problem(self, rule: str, message: str, *extra: str | int) -> Problem:
        return self.document.problem((*self.loc, *extra), rule, message)


@dataclass(frozen=True)
class Context:
    """A Model as it applies in one environment (``env`` None: a config with none)."""

    repo: Repository
    model: Loaded[Model]
    env: str | None
    settings: ModelSpec

    def origin(self, field: str) -> Origin:
        """The layer (env override, spec, config defaults) that set ``field`` last."""
        spec = self.model.value.spec
        document = self.model.document
        if self.env is not None:
            override = spec.environments.get(self.env)
            if override is not None and field in fields_set(override):
                return Origin(document, ("spec", "environments", self.env, field))
        if field in fields_set(spec) or self.env is None:
            return Origin(document, ("spec", field))
        defaults = self.repo.config.value.spec.environments[self.env].defaults
        if defaults is not None and field in fields_set(defaults):
            return Origin(self.repo.config.document,
                          ("spec", "environments", self.env, "defaults", field))
        return Origin(document, ("spec", field))


def contexts(repo: Repository, model: Loaded[Model]) -> Iterator[Context]:
    """The Model in every environment it is deployed to (or as written, with none)."""
    environments = repo.config.value.spec.environments
    if not environments:
        yield Context(repo, model, None, model.value.spec)
        return
    for env, settings in sorted(environments.items()):
        if model.value.enabled_in(env):
            yield Context(repo, model, env, model.value.settings_for(env, settings.defaults))


def check_repository(repo: Repository) -> list[Problem]:
    """Every cross-file problem of a loaded repository."""
    problems = check_config(repo)
    for credentials in repo.credentials:
        problems += check_credentials(credentials)
    for model in repo.models:
        problems += check_model(repo, model)
    return problems


# -- config -------------------------------------------------------------------------------

def check_config(repo: Repository) -> list[Problem]:
    problems = []
    document = repo.config.document
    names = {c.value.metadata.name for c in repo.credentials}
    for env, settings in sorted(repo.config.value.spec.environments.items()):
        where = ("spec", "environments", env)
        cert = settings.sealedSecretsCert
        if cert is not None and not (repo.root / cert).is_file():
            problems.append(document.problem(
                (*where, "sealedSecretsCert"), "certificate-missing",
                f"certificate {cert} of environment {env!r} does not exist; fetch it with "
                f"'kubeseal --fetch-cert > {cert}'"))
        defaults = settings.defaults
        if defaults is None:
            continue
        for loc, name in _credential_references(defaults):
            if name not in names:
                problems.append(document.problem(
                    (*where, "defaults", *loc), "credentials-missing",
                    _missing_credentials(name, repo)))
    return problems


# -- credentials --------------------------------------------------------------------------

def check_credentials(item: Loaded[Credentials]) -> list[Problem]:
    spec = item.value.spec
    document = item.document
    problems = []
    for field, value in sorted(spec.clear_values().items()):
        if field in spec.CONSTANTS:
            continue
        if any(marker in value for marker in TEMPLATE_MARKERS):
            problems.append(document.problem(
                ("spec", field), "template-braces",
                f"{field} contains '{{{{' or '}}}}': clear fields are SealedSecret template "
                "data, which the controller renders as a Go template"))
    problems += [document.problem(("spec", field), "credentials-auth-mode", message)
                 for field, message in auth_mode_conflicts(spec)]
    return problems


def auth_mode_conflicts(spec: S3Fields | GSFields | AZFields) -> list[tuple[str, str]]:
    """(field, message) for combinations of clear fields that cannot work together
    (reference/zenml-seldon/facts.md 1.5). Combinations that involve secret fields are
    checked against the sealed key set with the SealedSecret (``validate.sealed``)."""
    found: list[tuple[str, str]] = []
    if isinstance(spec, GSFields) and spec.anonymous:
        for field in ("client_id", "project_number", "auth_url", "token_url"):
            if getattr(spec, field) is not None:
                found.append((field, f"anonymous: true downloads public buckets without "
                                     f"credentials; {field} has no effect: remove one of them"))
    if isinstance(spec, AZFields):
        modes = [name for name, on in (("env_auth", spec.env_auth), ("use_msi", spec.use_msi),
                                       ("client_id", spec.client_id is not None)) if on]
        if len(modes) > 1:
            found.append((modes[1], "choose one Azure auth mode: "
                                    + " and ".join(modes) + " exclude each other"))
        if (spec.client_id is None) != (spec.tenant is None):
            field = "client_id" if spec.client_id is not None else "tenant"
            found.append((field, "a service principal needs client_id and tenant together "
                                 "(client_secret is sealed)"))
        if spec.account is not None and (spec.use_msi or spec.env_auth):
            found.append(("account", "account is for account+key or a service principal; "
                                     "leave it out with use_msi or env_auth"))
    return found


# -- models -------------------------------------------------------------------------------

def check_model(repo: Repository, model: Loaded[Model]) -> list[Problem]:
    problems = _check_references(repo, model)
    problems += _check_graph(model)
    missing_image: list[str] = []
    for context in contexts(repo, model):
        settings = context.settings
        if settings.implementation == "custom" and settings.image is None:
            missing_image.append(context.env or "")
        problems += _check_storage(context)
        problems += _check_variant(context, "canary")
        problems += _check_variant(context, "shadow")
    if missing_image:
        envs = [e for e in missing_image if e]
        where = f" in environment(s) {', '.join(envs)}" if envs else ""
        problems.append(model.document.problem(
            ("spec", "implementation"), "custom-image-missing",
            f"implementation: custom needs an image; none is set{where}"))
    return problems


def _credential_references(settings: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """(loc inside ``settings``, Credentials name) for every Credentials it names."""
    if settings.credentials is not None:
        yield ("credentials",), settings.credentials
    explainer = settings.explainer
    if explainer is not None and explainer.credentials is not None:
        yield ("explainer", "credentials"), explainer.credentials


def _missing_credentials(name: str, repo: Repository) -> str:
    folder = repo.config.value.spec.paths.credentials
    known = ", ".join(c.value.metadata.name for c in repo.credentials) or "none"
    return f"Credentials {name!r} do not exist: no {folder}/{name}.yaml (known: {known})"


def _check_references(repo: Repository, model: Loaded[Model]) -> list[Problem]:
    spec = model.value.spec
    document = model.document
    names = {c.value.metadata.name for c in repo.credentials}
    problems = [document.problem(("spec", *loc), "credentials-missing",
                                 _missing_credentials(name, repo))
                for loc, name in _credential_references(spec) if name not in names]
    environments = repo.config.value.spec.environments
    for env, override in spec.environments.items():
        if env not in environments:
            known = ", ".join(sorted(environments)) or "none"
            problems.append(document.problem(
                ("spec", "environments", env), "environment-unknown",
                f"environment {env!r} is not defined in gitops-seldon.yaml (known: {known})"))
        problems += [document.problem(("spec", "environments", env, *loc),
                                      "credentials-missing", _missing_credentials(name, repo))
                     for loc, name in _credential_references(override) if name not in names]
    return problems


def _walk(node: GraphNode, loc: tuple[str | int, ...]
          ) -> Iterator[tuple[GraphNode, tuple[str | int, ...]]]:
    yield node, loc
    for index, child in enumerate(node.children):
        yield from _walk(child, (*loc, "children", index))


def _check_graph(model: Loaded[Model]) -> list[Problem]:
    graph = model.value.spec.graph
    if graph is None:
        return []
    document = model.document
    problems = []
    seen: dict[str, tuple[str | int, ...]] = {}
    references = []
    for node, loc in _walk(graph, ("spec", "graph")):
        if node.name in seen:
            # Positions cost a round-trip parse: only look one up for a real duplicate.
            line = document.position((*seen[node.name], "name"))[0]
            problems.append(document.problem(
                (*loc, "name"), "graph-duplicate-name",
                f"graph node name {node.name!r} is already used on line {line}; "
                "node names become container names and must be unique"))
        else:
            seen[node.name] = loc
        if node.is_model_ref:
            references.append(loc)
    if not references:
        problems.append(document.problem(
            ("spec", "graph"), "graph-model-node",
            "the graph needs one MODEL node without image or implementation: the node that "
            "serves this Model"))
    for loc in references[1:]:
        problems.append(document.problem(
            (*loc, "name"), "graph-model-node",
            "only one MODEL node may stand for the Model; give this one an image or an "
            "implementation"))
    return problems


def _check_storage(context: Context) -> list[Problem]:
    """modelUri remotes against the Credentials they are read with."""
    settings = context.settings
    problems = []
    credentials = settings.credentials
    credentials_origin = context.origin("credentials")
    if settings.modelUri is not None:
        problems += _check_uri(context, settings.modelUri, context.origin("modelUri"),
                               credentials, credentials_origin)
    elif credentials is not None and settings.implementation != "custom":
        problems.append(warning(credentials_origin.problem(
            "credentials-unused", f"Credentials {credentials!r} are set but there is no "
                                  "modelUri to download")))
    for variant in ("canary", "shadow"):
        value = getattr(settings, variant)
        if value is not None and value.modelUri is not None:
            origin = context.origin(variant)
            problems += _check_uri(context, value.modelUri,
                                   Origin(origin.document, (*origin.loc, "modelUri")),
                                   credentials, credentials_origin)
    explainer = settings.explainer
    if explainer is not None and explainer.modelUri is not None:
        origin = context.origin("explainer")
        name: str | None
        if explainer.credentials is not None:
            name, name_origin = explainer.credentials, Origin(origin.document,
                                                              (*origin.loc, "credentials"))
        else:
            name, name_origin = credentials, credentials_origin
        problems += _check_uri(context, explainer.modelUri,
                               Origin(origin.document, (*origin.loc, "modelUri")),
                               name, name_origin)
    return problems


def _check_uri(context: Context, uri: str, uri_origin: Origin, name: str | None,
               name_origin: Origin) -> list[Problem]:
    remote = uri_remote(uri)
    if name is None:
        if remote in NO_CREDENTIALS_REMOTES:
            return []
        return [uri_origin.problem(
            "credentials-required",
            f"modelUri remote {remote!r} needs credentials: set credentials to a Credentials "
            f"with remote {remote!r} (only gs: public buckets and pvc:// work without)")]
    if remote == "pvc":
        return [warning(name_origin.problem(
            "credentials-unused",
            f"Credentials {name!r} are not used: {NO_CREDENTIALS_REMOTES['pvc']}"))]
    item = context.repo.credential(name)
    if item is None:
        return []  # credentials-missing, reported where the name is written
    expected = item.value.spec.remote_name()
    if remote == expected:
        return []
    return [uri_origin.problem(
        "credentials-remote",
        f"modelUri remote {remote!r} does not match remote {expected!r} of Credentials "
        f"{name!r}: write {expected}://... or set remote: {remote} in {item.path}")]


def _check_variant(context: Context, variant: str) -> list[Problem]:
    value = getattr(context.settings, variant)
    if value is None:
        return []
    settings = context.settings
    main = (settings.modelUri, settings.image)
    own = (value.modelUri or settings.modelUri, value.image or settings.image)
    if value.modelUri is None and value.image is None:
        message = f"{variant} needs its own modelUri or image"
    elif own == main:
        message = f"{variant} serves the same modelUri and image as the main predictor"
    else:
        return []
    return [context.origin(variant).problem(f"{variant}-no-change", message)]


# -- sealed files -------------------------------------------------------------------------

@dataclass(frozen=True)
class SealedFile:
    """A file under ``credentials/sealed/<env>/``."""

    path: Path
    display: str
    env: str
    name: str


def sealed_files(repo: Repository) -> list[SealedFile]:
    folder = repo.config.value.spec.paths.credentials
    base = repo.root / folder / "sealed"
    if not base.is_dir():
        return []
    found = []
    for env_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        for path in sorted(env_dir.iterdir()):
            if path.suffix in SPEC_SUFFIXES and path.is_file():
                found.append(SealedFile(path, f"{folder}/sealed/{env_dir.name}/{path.name}",
                                        env_dir.name, path.stem))
    return found


def check_sealed_placement(repo: Repository, files: list[SealedFile]) -> list[Problem]:
    """Sealed files for unknown environments or Credentials, and Credentials that a
    deployed Model needs but that are not sealed for its environment."""
    problems = []
    environments = repo.config.value.spec.environments
    names = {c.value.metadata.name for c in repo.credentials}
    present = {(f.env, f.name) for f in files}
    for item in files:
        if item.env not in environments:
            problems.append(warning(Problem(
                item.display, 1, 1, "sealed-unknown-environment",
                f"environment {item.env!r} is not defined in gitops-seldon.yaml; "
                "render will not use this file")))
        elif item.name not in names:
            problems.append(warning(Problem(
                item.display, 1, 1, "sealed-unknown-credentials",
                f"no Credentials named {item.name!r}; render will not use this file")))
    folder = repo.config.value.spec.paths.credentials
    for model in repo.models:
        unsealed: dict[tuple[str, tuple[str | int, ...], str], tuple[Origin, list[str]]] = {}
        for context in contexts(repo, model):
            if context.env is None:
                continue
            for origin, name in _used_credentials(context):
                if name in names and (context.env, name) not in present:
                    key = (origin.document.path, origin.loc, name)
                    unsealed.setdefault(key, (origin, []))[1].append(context.env)
        for (_, _, name), (origin, envs) in unsealed.items():
            used = repo.credential(name)
            need = secret_need(used.value) if used is not None else "required"
            if need == "none":
                continue
            problem = origin.problem(
                "sealed-missing",
                f"Credentials {name!r} are not sealed for environment(s) {', '.join(envs)}: "
                f"no {folder}/sealed/{envs[0]}/{name}.yaml; run 'gitops-seldon seal {name} "
                f"--env {envs[0]}'"
                + ("" if need == "required" else
                   " (or rely on the pods' ambient Google credentials)"))
            problems.append(problem if need == "required" else warning(problem))
    return problems


def _used_credentials(context: Context) -> Iterator[tuple[Origin, str]]:
    settings = context.settings
    if settings.credentials is not None and (settings.modelUri is None
                                             or uri_remote(settings.modelUri) != "pvc"):
        yield context.origin("credentials"), settings.credentials
    explainer = settings.explainer
    if explainer is not None and explainer.credentials is not None:
        origin = context.origin("explainer")
        yield Origin(origin.document, (*origin.loc, "credentials")), explainer.credentials
