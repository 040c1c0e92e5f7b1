"""Load stage: a user's repository as typed models, every problem positioned.

``load_repository`` reads ``gitops-seldon.yaml``, ``models/*.yaml`` and
``credentials/*.yaml``. Files are read in sorted order so that results never depend on
directory order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from gitops_seldon.problems import Problem
from gitops_seldon.source import Document, depth_problem, load_single
from gitops_seldon.spec import Config, Credentials, Model
from gitops_seldon.spec.accept import accept
from gitops_seldon.spec.base import Strict
from gitops_seldon.spec.build import build

CONFIG_FILE = "gitops-seldon.yaml"
SPEC_SUFFIXES = (".yaml", ".yml")

M = TypeVar("M", bound=Strict)
N = TypeVar("N", Model, Credentials)
T = TypeVar("T")


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A model together with the document it was read from."""

    value: T
    document: Document

    @property
    def path(self) -> str:
        return self.document.path


@dataclass(frozen=True)
class Repository:
    """A user's repository, loaded. Models and credentials are sorted by name."""

    root: Path
    config: Loaded[Config]
    models: tuple[Loaded[Model], ...] = ()
    credentials: tuple[Loaded[Credentials], ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    @property
    def environments(self) -> tuple[str, ...]:
        return tuple(sorted(self.config.value.spec.environments))

    def model(self, name: str) -> Loaded[Model] | None:
        return next((m for m in self.models if m.value.metadata.name == name), None)

    def credential(self, name: str) -> Loaded[Credentials] | None:
        return next((c for c in self.credentials if c.value.metadata.name == name), None)

    def path(self, relative: str) -> Path:
        return self.root / relative


def pydantic_problems(document: Document, errors: Iterable[Mapping[str, Any]], rule: str
                      ) -> list[Problem]:
    """One problem per pydantic error, at the node its ``loc`` points to. Inputs are never
    echoed: a rejected value may be a secret."""
    problems = []
    for item in errors:
        loc = tuple(part for part in item["loc"] if not _is_union_tag(part))
        where = "/".join(str(p) for p in loc)
        message = item["msg"]
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # A tagged union (Credentials' schema): point at the tag, in the user's words.
            loc = (*loc, "schema")
            expected = item.get("ctx", {}).get("expected_tags", "seldon_s3, seldon_gs, seldon_az")
            message = (f"schema must be one of {expected}" if item["type"] == "union_tag_invalid"
                       else "missing required field 'schema'")
        elif item["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            message = f"unknown field {loc[-1]!r}" if loc else "unknown field"
        elif item["type"] == "missing":
            message = f"missing required field {loc[-1]!r}" if loc else message
        elif where:
            message = f"{where}: {message}"
        problems.append(document.problem(loc, rule, message))
    return problems


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the chosen member of a tagged union ("seldon_s3") or a function
    # name ("function-after[...]") into ``loc``; they are not keys of the document.
    return isinstance(part, str) and (part.startswith(("function-", "seldon_")) or "[" in part)


def parse_model(document: Document, model: type[M], rule: str) -> tuple[M | None, list[Problem]]:
    """The spec value of ``document``, or the problems that explain why there is none.

    A valid document is accepted by the generated JSON Schema without importing pydantic
    (``spec.accept``); any other goes to pydantic, the authority, for its verdict."""
    data = document.data
    if not isinstance(data, dict):
        return None, [document.problem((), rule, "expected a mapping at the top of the file")]
    too_deep = depth_problem(document)
    if too_deep is not None:
        return None, [too_deep]
    value = accept(model, data)
    if value is not None:
        return value, []
    from gitops_seldon.spec.strict import errors

    found = errors(model, data)
    if found:
        return None, pydantic_problems(document, found, rule)
    return build(model, data), []


def load_config(root: Path) -> tuple[Loaded[Config] | None, list[Problem]]:
    path = root / CONFIG_FILE
    if not path.is_file():
        return None, [Problem(CONFIG_FILE, 0, 0, "config-missing",
                              f"no {CONFIG_FILE} in {root}; is this a gitops-seldon repository?")]
    document, problems = load_single(path, CONFIG_FILE)
    if document is None:
        return None, problems
    config, problems = parse_model(document, Config, "config")
    return (Loaded(config, document) if config else None), problems


def spec_files(root: Path, folder: str) -> list[Path]:
    directory = root / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())


def _load_kind(root: Path, files: Iterable[Path], model: type[M], kind: str
               ) -> tuple[list[Loaded[M]], list[Problem]]:
    loaded: list[Loaded[M]] = []
    problems: list[Problem] = []
    for path in files:
        display = path.relative_to(root).as_posix()
        document, found = load_single(path, display)
        problems += found
        if document is None:
            continue
        if isinstance(document.data, dict) and document.data.get("kind") not in (kind, None):
            problems.append(document.problem(("kind",), "wrong-kind",
                                             f"files here must be kind: {kind}"))
            continue
        value, found = parse_model(document, model, kind.lower())
        problems += found
        if value is not None:
            loaded.append(Loaded(value, document))
    return loaded, problems


def load_repository(root: Path | str, model_files: Iterable[Path] | None = None
                    ) -> Repository | tuple[None, list[Problem]]:
    """Read a repository. Returns the Repository (its ``problems`` lists what failed to
    load), or ``(None, problems)`` when the config itself cannot be read.

    ``model_files`` (paths under ``root``) loads only those Models instead of all of them:
    what ``validate FILE`` needs to check one Model in the context of its repository."""
    root = Path(root)
    config, problems = load_config(root)
    if config is None:
        return None, problems
    paths = config.value.spec.paths
    if model_files is None:
        model_files = spec_files(root, paths.models)
    models, found = _load_kind(root, model_files, Model, "Model")
    problems += found
    credentials, found = _load_kind(root, spec_files(root, paths.credentials), Credentials,
                                    "Credentials")
    problems += found
    problems += _check_names(models, "Model") + _check_names(credentials, "Credentials")
    return Repository(
        root=root,
        config=config,
        models=tuple(sorted(models, key=lambda m: m.value.metadata.name)),
        credentials=tuple(sorted(credentials, key=lambda c: c.value.metadata.name)),
        problems=tuple(problems),
    )


def _check_names(items: list[Loaded[N]], kind: str) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for item in items:
        name = item.value.metadata.name
        stem = Path(item.path).stem
        if name in seen:
            problems.append(item.document.problem(
                ("metadata", "name"), "duplicate-name",
                f"{kind} {name!r} is also defined in {seen[name]}"))
        seen.setdefault(name, item.path)
        if stem != name:
            problems.append(item.document.problem(
                ("metadata", "name"), "file-name",
                f"{kind} {name!r} must live in a file named {name}.yaml"))
    return problems
