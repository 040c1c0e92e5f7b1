"""The Python API for pipeline code: promote a model from a training step, read a repository.

``promote`` is the GitOps counterpart of the imperative deployer's
``deploy_model(config, replace=True)``: instead of patching a SeldonDeployment in a
cluster, it edits the Model's spec file (keeping the file as its author wrote it),
re-validates, re-renders the output and commits both together, on the current branch or
on a new branch for a pull request. ``load_repository`` reads Models and environments
(what the deployer's ``find_model_server`` / ``list`` offered), from git alone.

The command line (``gitops-seldon promote`` and ``status``) calls exactly these functions.
Failures are exceptions with one-line messages: ``PromotionError`` (nothing was changed)
or another ``GitopsSeldonError`` (git or the repository refused).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_seldon import load as loader
from gitops_seldon.problems import Level, Problem
from gitops_seldon.promotion import Change, Promotion, PromotionError, check_promotion, edit_model
from gitops_seldon.spec import API_VERSION, Model

if TYPE_CHECKING:
    from gitops_seldon.vcs import GitRepository

__all__ = [
    "Deployment",
    "EnvironmentInfo",
    "ModelInfo",
    "Predictor",
    "PromotionError",
    "PromotionResult",
    "RepositoryInfo",
    "load_repository",
    "prediction_url",
    "promote",
]


# ------------------------------------------------------------------ reading (status)


@dataclass(frozen=True)
class EnvironmentInfo:
    name: str
    namespace: str
    base_url: str | None
    kube_context: str | None


@dataclass(frozen=True)
class Predictor:
    """One predictor of a deployment: the model it serves and its share of the traffic
    (for a shadow: the mirrored share; None means all)."""

    model_uri: str | None
    image: str | None
    traffic: int | None
    replicas: int | None


@dataclass(frozen=True)
class Deployment:
    """A Model as it is deployed in one environment (config defaults, spec, overrides)."""

    model: str
    env: str
    namespace: str
    implementation: str
    protocol: str
    main: Predictor
    canary: Predictor | None
    shadow: Predictor | None
    autoscaling: tuple[int, int] | None
    """(minReplicas, maxReplicas) when an HPA scales the model."""
    prediction_url: str | None
    source: str

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["predictionUrl"] = data.pop("prediction_url")
        for key in ("main", "canary", "shadow"):
            if data[key] is not None:
                data[key] = {"modelUri": data[key]["model_uri"], "image": data[key]["image"],
                             "traffic": data[key]["traffic"], "replicas": data[key]["replicas"]}
        if data["autoscaling"] is not None:
            low, high = data["autoscaling"]
            data["autoscaling"] = {"minReplicas": low, "maxReplicas": high}
        return data


@dataclass(frozen=True)
class ModelInfo:
    name: str
    source: str
    implementation: str
    spec: Model
    """The typed Model, as read from its file."""
    deployments: tuple[Deployment, ...]
    """One per environment the Model is deployed to, by environment name."""
    disabled_in: tuple[str, ...]

    def deployment(self, env: str) -> Deployment | None:
        return next((d for d in self.deployments if d.env == env), None)


@dataclass(frozen=True)
class RepositoryInfo:
    root: Path
    environments: tuple[EnvironmentInfo, ...]
    models: tuple[ModelInfo, ...]
    problems: tuple[Problem, ...] = ()
    """Files that did not load (their Models are missing from ``models``)."""

    def model(self, name: str) -> ModelInfo | None:
        return next((m for m in self.models if m.name == name), None)

    def environment(self, name: str) -> EnvironmentInfo | None:
        return next((e for e in self.environments if e.name == name), None)

    def deployments(self, env: str | None = None) -> list[Deployment]:
        """Every deployment, by environment then model (``env``: only that environment)."""
        found = [d for m in self.models for d in m.deployments if env in (None, d.env)]
        return sorted(found, key=lambda d: (d.env, d.model))


def prediction_url(base_url: str | None, namespace: str, name: str, protocol: str,
                   node: str) -> str | None:
    """Where the environment's ingress serves a SeldonDeployment's predictions.

    Seldon protocol: ``<baseUrl>/seldon/<ns>/<name>/api/v0.1/predictions`` (the URL the
    imperative deployer printed); v2 / kfserving: ``.../v2/models/<node>/infer``;
    tensorflow: ``.../v1/models/<node>:predict``. ``node`` is the model's graph node (the
    Model's name unless a graph names it). None without a ``baseUrl``.
    """
    if not base_url:
        return None
    prefix = f"{base_url.rstrip('/')}/seldon/{namespace}/{name}"
    if protocol in ("v2", "kfserving"):
        return f"{prefix}/v2/models/{node}/infer"
    if protocol == "tensorflow":
        return f"{prefix}/v1/models/{node}:predict"
    return f"{prefix}/api/v0.1/predictions"


def _model_node(model: Model) -> str:
    graph = model.spec.graph
    if graph is None:
        return model.metadata.name
    stack = [graph]
    while stack:
        node = stack.pop()
        if node.is_model_ref:
            return node.name
        stack.extend(reversed(node.children))
    return model.metadata.name


def _deployment(model: Model, source: str, env: EnvironmentInfo,
                repo: loader.Repository) -> Deployment:
    environment = repo.config.value.spec.environments[env.name]
    settings = model.settings_for(env.name, environment.defaults)
    protocol = settings.protocol or "seldon"
    canary = settings.canary
    shadow = settings.shadow
    main = Predictor(settings.modelUri, settings.image,
                     100 - canary.traffic if canary is not None else 100, settings.replicas)
    hpa = settings.hpa
    return Deployment(
        model=model.metadata.name,
        env=env.name,
        namespace=env.namespace,
        implementation=model.spec.implementation,
        protocol=protocol,
        main=main,
        canary=None if canary is None else Predictor(
            canary.modelUri or settings.modelUri, canary.image or settings.image,
            canary.traffic, canary.replicas),
        shadow=None if shadow is None else Predictor(
            shadow.modelUri or settings.modelUri, shadow.image or settings.image,
            shadow.traffic, shadow.replicas),
        autoscaling=None if hpa is None else (hpa.minReplicas, hpa.maxReplicas),
        prediction_url=prediction_url(env.base_url, env.namespace, model.metadata.name,
                                      protocol, _model_node(model)),
        source=source,
    )


def _load(root: Path, model: str | None = None) -> loader.Repository:
    """The repository; with ``model``, only that Model's file is read (a promotion needs
    no other: the whole repository is validated when the edit is rendered)."""
    model_files = None
    if model is not None:
        config, _ = loader.load_config(root)
        if config is not None:
            folder = root / config.value.spec.paths.models
            model_files = [folder / f"{model}{suffix}" for suffix in loader.SPEC_SUFFIXES
                           if (folder / f"{model}{suffix}").is_file()]
    loaded = loader.load_repository(root, model_files)
    if isinstance(loaded, tuple):
        problems = loaded[1]
        first = problems[0] if problems else f"no repository at {root}"
        raise PromotionError(f"cannot read the repository: {first}", problems)
    return loaded


def _summary(repo: loader.Repository) -> RepositoryInfo:
    environments = tuple(
        EnvironmentInfo(name, env.namespace, env.baseUrl, env.kubeContext)
        for name, env in sorted(repo.config.value.spec.environments.items()))
    models = []
    for loaded in repo.models:
        model = loaded.value
        models.append(ModelInfo(
            name=model.metadata.name,
            source=loaded.path,
            implementation=model.spec.implementation,
            spec=model,
            deployments=tuple(_deployment(model, loaded.path, env, repo)
                              for env in environments if model.enabled_in(env.name)),
            disabled_in=tuple(env.name for env in environments
                              if not model.enabled_in(env.name)),
        ))
    return RepositoryInfo(repo.root, environments, tuple(models), repo.problems)


def load_repository(path: str | os.PathLike[str], *, ref: str | None = None
                    ) -> RepositoryInfo:
    """The Models and environments of the repository at ``path``, as typed summaries.

    ``ref`` reads them as a git revision has them (``origin/main``, a tag, a sha) instead
    of the working tree. Files that do not load are left out and listed in ``problems``;
    a repository whose ``gitops-seldon.yaml`` cannot be read raises ``PromotionError``.
    """
    root = Path(path)
    if ref is None:
        return _summary(_load(root))
    from gitops_seldon.vcs import open_repository

    with open_repository(root) as repository, tempfile.TemporaryDirectory() as scratch:
        subdirectory = repository.relative(root)
        copy = Path(scratch) / "repo"
        if not repository.extract(ref, subdirectory, copy):
            raise PromotionError(f"{subdirectory} does not exist at {ref}")
        return dataclasses.replace(_summary(_load(copy)), root=root)


# -------------------------------------------------------------------- promoting


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion did. ``files`` are relative to the repository root."""

    model: str
    env: str | None
    spec_file: str
    created: bool
    changes: tuple[Change, ...]
    files: tuple[str, ...]
    commit: str | None
    branch: str | None
    prediction_urls: Mapping[str, str] = field(default_factory=dict)
    """Environment -> prediction URL, for every environment the Model is deployed to
    that has a ``baseUrl``."""

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def prediction_url(self) -> str | None:
        """The URL of the promoted environment (or the only one, for the base spec)."""
        if self.env is not None:
            return self.prediction_urls.get(self.env)
        if len(self.prediction_urls) == 1:
            return next(iter(self.prediction_urls.values()))
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "env": self.env,
            "specFile": self.spec_file,
            "created": self.created,
            "changed": self.changed,
            "changes": [{"path": c.path, "old": c.old, "new": c.new} for c in self.changes],
            "files": list(self.files),
            "commit": self.commit,
            "branch": self.branch,
            "predictionUrl": self.prediction_url,
            "predictionUrls": dict(self.prediction_urls),
        }


def promote(
    repo_path: str | os.PathLike[str],
    model: str,
    *,
    model_uri: str | None = None,
    env: str | None = None,
    image: str | None = None,
    replicas: int | None = None,
    canary: int | None = None,
    promote_canary: bool = False,
    commit: bool = True,
    branch: str | None = None,
    create: bool = False,
    implementation: str | None = None,
    credentials: str | None = None,
) -> PromotionResult:
    """Point ``model`` at a new model URI (or image, replicas, canary) and commit it.

    Edits ``models/<model>.yaml`` (the base spec, or ``spec.environments.<env>``), checks
    the repository with the edit in place before the file is replaced, re-renders the
    output, and with ``commit`` commits spec and output together. ``branch`` commits on a
    new branch created from HEAD (for a pull request) and leaves the current branch and
    working tree as they were. ``canary=10`` with ``model_uri`` makes the new URI a
    canary at 10% of the traffic; ``promote_canary`` makes the canary the main predictor.
    ``create`` adds the Model when it does not exist (``implementation`` required; with
    ``env`` it is deployed only there).

    Raises ``PromotionError`` (nothing changed) with the reason.
    """
    promotion = Promotion(model=model, model_uri=model_uri, env=env, image=image,
                          replicas=replicas, canary=canary, promote_canary=promote_canary,
                          create=create, implementation=implementation,
                          credentials=credentials)
    root = Path(repo_path)
    if branch is not None:
        if not commit:
            raise PromotionError("a promotion on a new branch is committed there; "
                                 "branch needs commit")
        return _promote_on_branch(root, promotion, branch)
    return _promote_here(root, promotion, commit=commit)


def _spec_path(repo: loader.Repository, promotion: Promotion) -> tuple[str, bool]:
    """(repository-relative path of the Model file, whether it exists)."""
    loaded = repo.model(promotion.model)
    if loaded is not None:
        if (promotion.implementation is not None
                and promotion.implementation != loaded.value.spec.implementation):
            raise PromotionError(
                f"model {promotion.model!r} exists with implementation "
                f"{loaded.value.spec.implementation}, not {promotion.implementation}")
        return loaded.path, True
    folder = repo.config.value.spec.paths.models
    for suffix in loader.SPEC_SUFFIXES:
        relative = f"{folder}/{promotion.model}{suffix}"
        if (repo.root / relative).is_file():
            problems = [p for p in repo.problems if p.path == relative]
            first = problems[0] if problems else "it does not load"
            raise PromotionError(f"{relative} must be fixed before it can be promoted: {first}",
                                 problems)
    if not promotion.create:
        raise PromotionError(
            f"unknown model {promotion.model!r}: there is no {folder}/{promotion.model}.yaml "
            "(pass --create --implementation SERVER to add it)")
    return f"{folder}/{promotion.model}.yaml", False


def _promote_here(root: Path, promotion: Promotion, *, commit: bool) -> PromotionResult:
    repo = _load(root, promotion.model if _is_name(promotion.model) else None)
    check_promotion(promotion, repo.environments)
    relative, exists = _spec_path(repo, promotion)
    path = root / relative
    before = path.read_bytes().decode("utf-8") if exists else None
    edit = edit_model(before, dataclasses.replace(promotion, create=not exists), relative,
                      api_version=API_VERSION, environments=repo.environments)
    loaded = repo.model(promotion.model)
    result = PromotionResult(
        model=promotion.model, env=promotion.env, spec_file=relative, created=not exists,
        changes=edit.changes, files=(), commit=None, branch=None,
        prediction_urls=_urls(repo, loaded.value, relative) if loaded is not None else {})
    if not edit.changed:
        return result
    output = root / repo.config.value.spec.paths.output
    with _committing(root, commit) as committer:
        if committer is not None:
            committer.preflight()
        try:
            rendered = _render_edit(root, relative, edit.after, output)
            _write_atomic(path, edit.after)
            sha = None
            if committer is not None:
                sha = committer.commit([path, output], _message(
                    promotion, edit.changes, rendered, relative, created=not exists))
        except PromotionError:
            raise  # refused before anything was written
        except BaseException:
            _undo(root, path, before)
            raise
    edited = _parse_model(edit.after, relative)
    return dataclasses.replace(
        result, files=(relative, *rendered.files), commit=sha,
        prediction_urls=_urls(repo, edited, relative) if edited is not None else {})


def _is_name(model: str) -> bool:
    """A name that can only be a file in the models folder (checked fully later)."""
    return bool(model) and "/" not in model and "\\" not in model and model not in (".", "..")


def _urls(repo: loader.Repository, model: Model, source: str) -> dict[str, str]:
    urls = {}
    for name, environment in sorted(repo.config.value.spec.environments.items()):
        if not model.enabled_in(name):
            continue
        info = EnvironmentInfo(name, environment.namespace, environment.baseUrl,
                               environment.kubeContext)
        url = _deployment(model, source, info, repo).prediction_url
        if url:
            urls[name] = url
    return urls


def _parse_model(text: str, relative: str) -> Model | None:
    from gitops_seldon.source import parse

    documents, _ = parse(text, relative)
    if len(documents) != 1:
        return None
    return loader.parse_model(documents[0], Model, "model")[0]


# -- validate and render with the edit in place, before the file is replaced -----------


def _mirror(source: Path, destination: Path, relative: Sequence[str]) -> None:
    """``destination`` as a copy of ``source`` made of symlinks, with real directories
    along ``relative`` so that the file at its end can be written without touching the
    repository."""
    destination.mkdir(parents=True, exist_ok=True)
    head, rest = relative[0], relative[1:]
    if source.is_dir():
        for child in source.iterdir():
            if child.name in (".git", head):
                continue
            (destination / child.name).symlink_to(child.absolute())
    if rest:
        _mirror(source / head, destination / head, rest)


@dataclass(frozen=True)
class Rendered:
    files: tuple[str, ...]
    """Output files written or removed, relative to the repository root."""
    changed: Mapping[str, Sequence[str]]
    """Environment -> models whose output changed."""
    digest: str | None


def _render(root: Path, output: Path | None = None, *, source: Path | None = None
            ) -> Rendered:
    """Render every environment with render's own core (what ``gitops-seldon render``
    runs: validation first, nothing written on errors, atomic swap, unchanged files
    untouched). ``source``: render that repository (the edited copy) into ``output``."""
    from gitops_seldon.write import render

    result = render(source or root, output)
    written = result.output.absolute()
    try:
        prefix = written.relative_to(root.absolute()).as_posix()
    except ValueError:
        prefix = written.as_posix()
    return Rendered(files=tuple(f"{prefix}/{path}" for path in result.changes.paths),
                    changed=result.changed, digest=result.tree.digest or None)


def _render_edit(root: Path, relative: str, text: str, output: Path) -> Rendered:
    """Render the repository as it is with ``text`` as ``relative`` into the real output.

    The repository is a scratch copy made of symlinks with the edited file in place, so
    render's validation sees the edit while the real file is untouched; when it finds
    errors nothing is written and ``PromotionError`` says why."""
    from gitops_seldon.problems import ProblemsFound

    with tempfile.TemporaryDirectory(prefix="gitops-seldon-promote-") as scratch:
        shadow = Path(scratch) / "repo"
        _mirror(root, shadow, Path(relative).parts)
        (shadow / relative).write_bytes(text.encode("utf-8"))
        try:
            return _render(root, output.absolute(), source=shadow)
        except ProblemsFound as exc:
            errors = [p for p in exc.problems if p.level is Level.ERROR]
    from gitops_seldon.write import blocking_problems

    existing = set(blocking_problems(_load(root)))
    new = [p for p in errors if p not in existing]
    if not new:
        raise PromotionError(f"the repository has problems that block rendering; fix them "
                             f"first: {errors[0]}", errors)
    more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
    raise PromotionError(f"{relative} would not validate after the edit, left unchanged: "
                         f"{new[0]}{more}", new)


# -- files ----------------------------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
        temporary.chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _undo(root: Path, path: Path, before: str | None) -> None:
    """Put the spec file back as it was and re-render, after a failure past the write."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        _write_atomic(path, before)
    with contextlib.suppress(Exception):
        _render(root)


# -- git ------------------------------------------------------------------------------


class _Committer:
    """Commits the spec file and the output together, with the same refusals as
    ``render --commit``, checked before any file is touched."""

    def __init__(self, repository: GitRepository) -> None:
        self.repository = repository

    def preflight(self) -> None:
        from gitops_seldon.commit import DetachedHead, MissingIdentity, OperationInProgress

        repository = self.repository
        operation = repository.operation_in_progress()
        if operation is not None:
            raise OperationInProgress(f"refusing to promote in the middle of {operation}; "
                                      "finish or abort it first")
        if repository.is_detached():
            raise DetachedHead("refusing to commit a promotion on a detached HEAD; check out "
                               "a branch (or use --branch NAME)")
        for role in ("author", "committer"):
            if not repository.identity(role).complete:
                raise MissingIdentity(f"no git {role} identity: set user.name and user.email")
        staged = repository.staged_paths()
        if staged:
            shown = ", ".join(staged[:5]) + (" ..." if len(staged) > 5 else "")
            from gitops_seldon.commit import OtherChangesStaged

            raise OtherChangesStaged(f"refusing to promote: changes are staged ({shown}); "
                                     "commit or unstage them first so they are not swept in")

    def commit(self, paths: Sequence[Path], message: str) -> str | None:
        repository = self.repository
        prefixes = [repository.relative(p) for p in paths]
        for prefix, path in zip(prefixes, paths, strict=True):
            if path.exists() or repository.tracked_under(prefix):
                repository.stage_all_under(prefix)
        if not repository.staged_paths():
            return None
        try:
            return repository.commit(message)
        except BaseException:
            # a refused commit (a hook, signing) must not leave the promotion staged
            with contextlib.suppress(Exception):
                repository.run("reset", "--quiet", "--", *prefixes)
            raise


@contextlib.contextmanager
def _committing(root: Path, commit: bool) -> Iterator[_Committer | None]:
    if not commit:
        yield None
        return
    from gitops_seldon.commit import commit_lock
    from gitops_seldon.vcs import open_repository

    with open_repository(root) as repository, commit_lock(repository.git_dir):
        yield _Committer(repository)


def _message(promotion: Promotion, changes: Sequence[Change], rendered: Rendered,
             spec_file: str, *, created: bool) -> str:
    envs = sorted(e for e, models in rendered.changed.items() if models)
    where = promotion.env or ", ".join(envs) or "all environments"
    verb = "add" if created else "promote"
    subject = f"gitops-seldon: {verb} {promotion.model} ({where})"
    lines = [subject, "", f"{spec_file}:"]
    lines += [f"  {change}" for change in changes]
    if envs:
        lines += ["", *[f"{env}: {', '.join(sorted(set(rendered.changed[env])))}"
                        for env in envs]]
    if rendered.digest:
        from gitops_seldon.commit import DIGEST_TRAILER

        lines += ["", f"{DIGEST_TRAILER}: {rendered.digest}"]
    return "\n".join(lines) + "\n"


def _promote_on_branch(root: Path, promotion: Promotion, branch: str) -> PromotionResult:
    from gitops_seldon.vcs import GitError, open_repository

    with open_repository(root) as repository:
        try:
            repository.run("check-ref-format", "--branch", branch)
        except GitError as exc:
            raise PromotionError(f"{branch!r} is not a valid branch name") from exc
        try:
            repository.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        except GitError:
            pass
        else:
            raise PromotionError(f"branch {branch!r} already exists; choose another name")
        subdirectory = repository.relative(root)
        with tempfile.TemporaryDirectory(prefix="gitops-seldon-branch-") as scratch:
            worktree = Path(scratch) / "worktree"
            repository.run("worktree", "add", "--quiet", "-b", branch, str(worktree), "HEAD")
            try:
                inside = worktree if subdirectory == "." else worktree / subdirectory
                result = _promote_here(inside, promotion, commit=True)
            except BaseException:
                repository.run("worktree", "remove", "--force", str(worktree))
                repository.run("branch", "-D", branch)
                raise
            repository.run("worktree", "remove", "--force", str(worktree))
            if result.commit is None:
                repository.run("branch", "-D", branch)
                return result
    return dataclasses.replace(result, branch=branch)
