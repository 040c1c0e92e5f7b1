"""Validate stage: every rule returns problems; nothing here prints or exits.

``validate_repository(root)`` checks a whole gitops-seldon repository: the config, every
Model and Credentials, the cross-file rules (``validate.repository``), every SealedSecret
under ``credentials/sealed/<env>/`` and what every Model renders to.

``validate(paths, root)`` checks only the given files and directories. A file inside a
gitops-seldon repository (found by looking upwards for ``gitops-seldon.yaml``) is checked
by its role there, in the context of the rest of the repository; any other file is a raw
manifest (SeldonDeployment, SealedSecret, Secret ...). Problems name files as they were
given.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_seldon.load import CONFIG_FILE, Loaded, Repository, load_repository, parse_model
from gitops_seldon.problems import GitopsSeldonError, Level, Problem, UsageError, sort_problems
from gitops_seldon.source import Document, depth_problem, load_file, load_single
from gitops_seldon.spec import API_VERSION, Config, Credentials, Model
from gitops_seldon.spec.config import Paths
from gitops_seldon.validate.repository import (
    SealedFile,
    check_repository,
    check_sealed_placement,
    sealed_files,
)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__"})
"""Never walked into (nor any directory whose name starts with a dot)."""

SPEC_KINDS: dict[str, type[Config] | type[Model] | type[Credentials]] = {
    "Config": Config,
    "Model": Model,
    "Credentials": Credentials,
}


# -- the whole repository -----------------------------------------------------------------

def validate_repository(root: Path) -> list[Problem]:
    """All problems of a gitops-seldon repository, paths relative to ``root``."""
    loaded = load_repository(root)
    if isinstance(loaded, tuple):
        return sort_problems(loaded[1])
    return validate_loaded(loaded)


def validate_loaded(repo: Repository) -> list[Problem]:
    """All problems of a repository already loaded (render loads it once for both)."""
    return sort_problems(_repository_problems(repo, sealed_files(repo)))


def _repository_problems(repo: Repository, sealed: list[SealedFile], *,
                         certificates: bool = True) -> list[Problem]:
    problems = list(repo.problems)  # a Model nested too deeply never loaded (parse_model)
    problems += check_repository(repo)
    if certificates:
        from gitops_seldon.validate.sealed import check_certificates

        problems += check_certificates(repo)
    problems += check_sealed_placement(repo, sealed_files(repo))
    for item in sealed:
        problems += _check_sealed_file(repo, item)
    problems += _rendered_problems(repo, problems)
    return problems


def _check_sealed_file(repo: Repository, item: SealedFile) -> list[Problem]:
    document, problems = load_single(item.path, item.display)
    if document is None:
        return problems
    deep = depth_problem(document)
    if deep is not None:
        return [deep]
    credentials = repo.credential(item.name)
    return problems + check_sealed(document, repo=repo, env=item.env, credentials=credentials)


def check_sealed(document: Document, *, repo: Repository | None = None, env: str | None = None,
                 credentials: Loaded[Credentials] | None = None) -> list[Problem]:
    """The sealed-secret checks (``validate.sealed``), with the repository context the
    file's place gives when there is one."""
    from gitops_seldon.validate.sealed import check_sealed_secret, expectation_for

    if repo is not None and env is not None:
        return check_sealed_secret(document, expected=expectation_for(repo, env, credentials))
    return check_sealed_secret(document)


def imported_schema(root: Path, config: Config | None
                    ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The SeldonDeployment schema ``gitops-seldon schema import`` stored in the repository
    at ``root`` (None: the product's own schema), or the problem reading it."""
    from gitops_seldon.crd_schema import load_repo_schema

    try:
        return load_repo_schema(root, config), []
    except GitopsSeldonError as exc:
        folder = config.spec.paths.schemas if config is not None else Paths().schemas
        message = str(exc).replace(f"{root}{os.sep}", "")
        return None, [Problem(folder, 0, 0, "imported-schema", message)]


RENDERABLE_DESPITE = frozenset({
    "credentials-missing", "credentials-remote", "credentials-required", "credentials-unused",
    "environment-unknown", "canary-no-change", "shadow-no-change", "sealed-missing",
    "file-name",
})
"""Errors that leave what a Model renders to intact: its Seldon rules are still checked in
the same run. Any other error in a Model file (it does not load, its graph or image is
wrong ...) keeps it out of the render checks, which would only restate it."""


def _rendered_problems(repo: Repository, found: Sequence[Problem]) -> list[Problem]:
    """What the Models render to, checked by the Seldon rules (``validate.rendered``)."""
    from gitops_seldon.validate.rendered import check_rendered

    broken = {p.path for p in found
              if p.level is Level.ERROR and p.rule not in RENDERABLE_DESPITE}
    if any(m.path in broken for m in repo.models):
        repo = dataclasses.replace(
            repo, models=tuple(m for m in repo.models if m.path not in broken))
    schema, problems = imported_schema(repo.root, repo.config.value)
    try:
        return problems + check_rendered(repo, schema=schema)
    except GitopsSeldonError as exc:
        return [*problems, Problem(repo.config.path, 0, 0, "render", str(exc))]


# -- given files --------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A file to check: where it is and how the user spelled it."""

    path: Path
    display: str


def expand(paths: Iterable[Path]) -> list[Target]:
    """Files as given, and the manifest files under given directories (sorted, hidden
    directories skipped). A path that does not exist is a usage error."""
    targets: list[Target] = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    for path in paths:
        if path.is_dir():
            targets += [Target(p, _spell(p)) for p in _walk(path)]
        else:
            targets.append(Target(path, _spell(path)))
    seen: set[Path] = set()
    unique = []
    for target in targets:
        key = absolute(target.path)
        if key not in seen:
            seen.add(key)
            unique.append(target)
    return unique


def _walk(directory: Path) -> list[Path]:
    found = []
    for current, directories, files in os.walk(directory):
        directories[:] = sorted(d for d in directories
                                if not d.startswith(".") and d not in SKIPPED_DIRECTORIES)
        found += [Path(current) / f for f in sorted(files)
                  if f.endswith(MANIFEST_SUFFIXES) and not f.startswith(".")]
    return found


def _spell(path: Path) -> str:
    text = path.as_posix()
    return text[2:] if text.startswith("./") else text


def absolute(path: Path) -> Path:
    """Absolute and normalised, without resolving symlinks (the user's spelling wins)."""
    return Path(os.path.normpath(path.absolute()))


def find_repository_root(path: Path, seen: dict[Path, bool] | None = None) -> Path | None:
    """The nearest directory at or above ``path`` holding a gitops-seldon config.
    ``seen`` caches the answer per directory within one run."""
    cache = {} if seen is None else seen
    current = absolute(path)
    for directory in (current, *current.parents):
        if directory not in cache:
            cache[directory] = looks_like_config(directory / CONFIG_FILE)
        if cache[directory]:
            return directory
    return None


def looks_like_config(path: Path) -> bool:
    """``gitops-seldon.yaml`` that is a gitops-seldon config, not a CI workflow of the
    same name (``.github/workflows/gitops-seldon.yaml``)."""
    try:
        head = path.read_bytes()[:65536]
    except OSError:
        return False
    return b"gitops-seldon.dev" in head or b"kind: Config" in head


@dataclass
class RepositoryTargets:
    """Given files that belong to one gitops-seldon repository, by role."""

    root: Path
    prefix: str
    config: bool = False
    models: list[Path] = field(default_factory=list)
    credentials: list[Path] = field(default_factory=list)
    sealed: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    generated: list[Path] = field(default_factory=list)

    paths: Paths | None = None
    """The configured folders (read once per repository)."""
    spelled: dict[str, str] = field(default_factory=dict)
    """Repository-relative path -> the path as the user gave it."""

    def display(self, relative: str) -> str:
        if relative in self.spelled:
            return self.spelled[relative]
        if self.prefix in ("", "."):
            return relative
        return PurePosixPath(self.prefix, relative).as_posix()

    def relative(self, path: Path) -> str:
        return absolute(path).relative_to(self.root).as_posix()


def validate(paths: Sequence[Path], root: Path) -> list[Problem]:
    """Problems of the given files and directories (the whole repository when none)."""
    if not paths:
        return validate_repository(root)
    repositories: dict[Path, RepositoryTargets] = {}
    problems: list[Problem] = []
    loose_schema: dict[str, Any] | None = None
    configs: dict[Path, bool] = {}
    for target in expand(paths):
        repo_root = find_repository_root(target.path.parent, configs)
        if repo_root is None:
            if loose_schema is None and (root / CONFIG_FILE).is_file():
                # Loose manifests use the --repo repository's imported schema, if any.
                loose_schema, found = imported_schema(root, _config(root))
                problems += found
                loose_schema = loose_schema or {}
            problems += check_loose_file(target.path, target.display, loose_schema or None)
            continue
        group = repositories.get(repo_root)
        if group is None:
            group = RepositoryTargets(repo_root, _prefix(repo_root, target))
            repositories[repo_root] = group
        group.spelled[group.relative(target.path)] = target.display
        _classify(group, target.path)
    for group in repositories.values():
        problems += _check_group(group)
    return sort_problems(problems)


def _prefix(repo_root: Path, target: Target) -> str:
    """The repository root spelled the way the user spelled the target."""
    if target.path.is_absolute():
        return repo_root.as_posix()
    return Path(os.path.relpath(repo_root)).as_posix()


def _config(root: Path) -> Config | None:
    document, problems = load_single(root / CONFIG_FILE, CONFIG_FILE)
    if document is None or problems:
        return None
    config, _ = parse_model(document, Config, "config")
    return config


def _role_paths(root: Path) -> Paths:
    """The configured folders, or the defaults when the config cannot be read."""
    config = _config(root)
    return config.spec.paths if config is not None else Paths()


def _classify(group: RepositoryTargets, path: Path) -> None:
    if group.paths is None:
        group.paths = _role_paths(group.root)
    paths = group.paths
    relative = PurePosixPath(group.relative(path))
    parent = relative.parent.as_posix()
    if relative.as_posix() == CONFIG_FILE:
        group.config = True
    elif parent == paths.models and relative.suffix in (".yaml", ".yml"):
        group.models.append(path)
    elif parent == paths.credentials and relative.suffix in (".yaml", ".yml"):
        group.credentials.append(path)
    elif (len(relative.parts) == len(PurePosixPath(paths.credentials).parts) + 3
          and relative.is_relative_to(PurePosixPath(paths.credentials, "sealed"))
          and relative.suffix in (".yaml", ".yml")):
        group.sealed.append(path)
    elif relative.is_relative_to(PurePosixPath(paths.output)):
        group.generated.append(path)
    else:
        group.manifests.append(path)


def _check_group(group: RepositoryTargets) -> list[Problem]:
    """The given files of one repository. A given config or Credentials file can break
    any Model (an environment removed, a remote renamed), so then the whole repository is
    checked and reported; given Models and sealed files are checked in context and only
    their own problems are reported."""
    whole = group.config or bool(group.credentials)
    model_files = None if whole else [absolute(p) for p in group.models]
    loaded = load_repository(group.root, model_files=model_files)
    problems: list[Problem] = []
    schema: dict[str, Any] | None = None
    if isinstance(loaded, tuple):
        problems += loaded[1]
        for path in group.models + group.credentials:
            relative = group.relative(path)
            problems += check_loose_file(path, relative)
    else:
        if group.manifests or group.generated:
            schema, found = imported_schema(group.root, loaded.config.value)
            problems += found
        wanted = {group.relative(p) for p in group.models + group.credentials + group.sealed}
        sealed = [f for f in sealed_files(loaded) if whole or f.display in wanted]
        found = _repository_problems(loaded, sealed, certificates=whole)
        problems += [p for p in found if whole or p.path in wanted]
    for path in group.manifests:
        problems += check_manifest_file(path, group.relative(path), schema)
    for path in group.generated:
        problems += check_manifest_file(path, group.relative(path), schema)
    return [_respell(p, group) for p in problems]


def _respell(problem: Problem, group: RepositoryTargets) -> Problem:
    return Problem(group.display(problem.path), problem.line, problem.col, problem.rule,
                   problem.message, problem.level)


def check_loose_file(path: Path, display: str, schema: dict[str, Any] | None = None
                     ) -> list[Problem]:
    """A file outside any gitops-seldon repository: a spec file on its own (no cross-file
    rules), or a raw manifest."""
    documents, problems = load_file(path, display)
    spec = [d for d in documents if _spec_kind(d) is not None]
    if not spec:
        if is_patch(path):
            return problems + _check_patch_documents(documents)
        return problems + check_manifest_documents(documents, schema=schema)
    if len(documents) > 1:
        line, col = documents[1].position(())
        problems.append(Problem(display, line, col, "multiple-documents",
                                "this file must hold one document; split the others into "
                                "their own files"))
        return problems
    document = documents[0]
    kind = _spec_kind(document)
    assert kind is not None
    _, found = parse_model(document, SPEC_KINDS[kind], kind.lower())
    return problems + found


def _spec_kind(document: Document) -> str | None:
    data = document.data
    if isinstance(data, dict) and data.get("apiVersion") == API_VERSION:
        kind = data.get("kind")
        if isinstance(kind, str) and kind in SPEC_KINDS:
            return kind
    return None


def check_manifest_file(path: Path, display: str, schema: dict[str, Any] | None = None
                        ) -> list[Problem]:
    """Raw manifests by kind (``validate.manifests``); ``schema``: an imported
    SeldonDeployment schema."""
    documents, problems = load_file(path, display)
    if is_patch(path):
        return problems + _check_patch_documents(documents)
    return problems + check_manifest_documents(documents, schema=schema)


def is_patch(path: Path) -> bool:
    """Kustomize patches (files under a ``patches/`` folder) are partial objects: only
    their YAML and plaintext Secrets are checked, not the object rules."""
    return "patches" in path.parent.parts


def _check_patch_documents(documents: list[Document]) -> list[Problem]:
    from gitops_seldon.validate import sealed

    problems, documents = _shallow(documents)
    for document in documents:
        data = document.data
        if isinstance(data, dict) and data.get("kind") == "Secret":
            problems += sealed.check_plaintext_secret(document)
    return problems


def check_manifest_documents(documents: list[Document], *,
                             schema: dict[str, Any] | None = None) -> list[Problem]:
    from gitops_seldon.validate import manifests

    problems, checkable = _shallow(documents)
    return problems + manifests.check_manifest_documents(checkable, schema=schema)


def _shallow(documents: list[Document]) -> tuple[list[Problem], list[Document]]:
    """Depth problems, and the documents shallow enough for the rules."""
    problems: list[Problem] = []
    checkable = []
    for document in documents:
        found = depth_problem(document)
        if found is None:
            checkable.append(document)
        else:
            problems.append(found)
    return problems, checkable


# -- plaintext secrets only (the no-plaintext-secrets hook) -------------------------------

SECRET_KIND_LINE = "kind: Secret"  # noqa: S105 (a manifest line, not a password)


def check_secrets(paths: Sequence[Path], root: Path) -> list[Problem]:
    """Only the plaintext-Secret check, on any YAML/JSON file. A file that does not parse
    is reported only when it looks like it holds a Secret (templates are not YAML)."""
    from gitops_seldon.validate import sealed

    problems: list[Problem] = []
    for target in expand(paths or [root]):
        documents, found = load_file(target.path, target.display)
        if found and _mentions_secret(target.path):
            problems += found
        secrets = [d for d in documents
                   if isinstance(d.data, dict) and d.data.get("kind") == "Secret"]
        deep, secrets = _shallow(secrets)
        problems += deep
        for document in secrets:
            problems += sealed.check_plaintext_secret(document)
    return sort_problems(problems)


def _mentions_secret(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return any(line.strip().strip("\"'") in (SECRET_KIND_LINE, '"kind": "Secret",', "kind: Secret")
               or line.replace(" ", "").rstrip(",") == '"kind":"Secret"'
               for line in text.splitlines())
