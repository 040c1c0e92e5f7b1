"""Check what render would produce: Seldon's rules on every planned SeldonDeployment, and
the derived-name length rule (DESIGN section 3), each finding placed in the Model file.

A finding's location inside the SeldonDeployment is mapped back to the spec field it
comes from (``modelUri``, ``canary``, ``hpa``, a graph node ...), in the environment
override when that environment sets the field; otherwise it points at ``metadata.name``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitops_seldon.load import Loaded, Repository
from gitops_seldon.plan import plan_environment
from gitops_seldon.plan.names import MAX_NAME, too_long
from gitops_seldon.plan.seldon import PREDICTOR_CANARY, PREDICTOR_SHADOW
from gitops_seldon.problems import Finding, Level, Problem, sort_problems
from gitops_seldon.spec import Model
from gitops_seldon.spec.base import fields_set

NAME_RULE = "name-too-long"

_NODE_FIELDS = {
    "modelUri": "modelUri",
    "envSecretRefName": "credentials",
    "implementation": "implementation",
    "parameters": "parameters",
    "serviceAccountName": "serviceAccountName",
    "logger": "logger",
}
_COMPONENT_FIELDS = {"hpaSpec": "hpa", "pdbSpec": "pdb"}
_CONTAINER_FIELDS = {"resources": "resources", "env": "env", "image": "image"}


def _field_for(loc: Sequence[str | int], predictor: str | None, has_graph: bool
               ) -> tuple[str | int, ...]:
    """The spec path (below ``spec``) a SeldonDeployment location comes from, or ()."""
    if len(loc) >= 2 and loc[0] == "spec" and loc[1] == "protocol":
        return ("protocol",)
    if len(loc) < 4 or loc[:2] != ("spec", "predictors"):
        return ()
    rest = tuple(loc[3:])
    owner: tuple[str | int, ...] = ()
    if predictor == PREDICTOR_CANARY:
        owner = ("canary",)
    elif predictor == PREDICTOR_SHADOW:
        owner = ("shadow",)
    head = rest[0]
    if head in ("traffic", "replicas", "shadow"):
        return (*owner, "traffic" if head == "shadow" else head) if owner else ("replicas",)
    if head == "explainer":
        return ("explainer", *rest[1:2])
    if head == "componentSpecs":
        if len(rest) >= 3 and rest[2] in _COMPONENT_FIELDS:
            return (_COMPONENT_FIELDS[str(rest[2])],)
        if len(rest) >= 6 and rest[5] in _CONTAINER_FIELDS:
            return (_CONTAINER_FIELDS[str(rest[5])],)
        return ()
    if head == "graph":
        path = rest[1:]
        node: tuple[str | int, ...] = ()
        while len(path) >= 2 and path[0] == "children" and isinstance(path[1], int):
            node, path = (*node, *path[:2]), path[2:]
        field = str(path[0]) if path else ""
        model_only = field in ("modelUri", "envSecretRefName", "serviceAccountName", "logger")
        if model_only or (field in _NODE_FIELDS and not has_graph):
            if owner and field == "modelUri":
                return (*owner, "modelUri")
            return (_NODE_FIELDS[field],)
        return ("graph", *node, *path[:1]) if has_graph else ()
    return owner


def _spec_loc(model: Model, env: str, field: tuple[str | int, ...]) -> tuple[str | int, ...]:
    if not field:
        return ("metadata", "name")
    override = model.spec.environments.get(env)
    if override is not None and str(field[0]) in fields_set(override):
        return ("spec", "environments", env, *field)
    if str(field[0]) in fields_set(model.spec):
        return ("spec", *field)
    return ("metadata", "name")


def _predictor_name(obj: dict[str, Any], loc: Sequence[str | int]) -> str | None:
    if len(loc) >= 3 and loc[:2] == ("spec", "predictors") and isinstance(loc[2], int):
        predictors = obj.get("spec", {}).get("predictors", [])
        if 0 <= loc[2] < len(predictors) and isinstance(predictors[loc[2]], dict):
            return str(predictors[loc[2]].get("name"))
    return None


def _place(loaded: Loaded[Model], env: str, obj: dict[str, Any], finding: Finding
           ) -> tuple[tuple[str | int, ...], str, str, Level]:
    if finding.rule == NAME_RULE:  # shortening the name is the fix
        return ("metadata", "name"), finding.rule, finding.message, finding.level
    field = _field_for(finding.loc, _predictor_name(obj, finding.loc),
                       loaded.value.spec.graph is not None)
    loc = _spec_loc(loaded.value, env, field)
    return loc, finding.rule, finding.message, finding.level


def check_rendered(repo: Repository, envs: Sequence[str] | None = None, *,
                   schema: Mapping[str, Any] | None = None) -> list[Problem]:
    """Problems of the SeldonDeployments render would write, in the Model files.

    ``schema``: a repository-imported SeldonDeployment schema (default: the product's)."""
    from gitops_seldon.validate.seldon import check_seldondeployment

    by_model = {loaded.value.metadata.name: loaded for loaded in repo.models}
    grouped: dict[tuple[str, tuple[str | int, ...], str, str], tuple[list[str], Level]] = {}
    for env in envs if envs is not None else repo.environments:
        for planned in plan_environment(repo, env):
            if planned.kind != "SeldonDeployment":
                continue
            loaded = by_model[planned.name]
            findings = list(check_seldondeployment(planned.obj, schema))
            for derived in too_long(planned.obj):
                findings.append(Finding(
                    derived.loc, NAME_RULE,
                    f"Seldon would name the {derived.what} {derived.name!r} "
                    f"({len(derived.name)} characters, limit {MAX_NAME}) and then replace it "
                    "by an unrecognisable hash; shorten the Model (or graph node) name"))
            for finding in findings:
                loc, rule, message, level = _place(loaded, env, planned.obj, finding)
                key = (loaded.path, loc, rule, message)
                envs_of, _ = grouped.setdefault(key, ([], level))
                envs_of.append(env)
    by_path = {loaded.path: loaded for loaded in repo.models}
    problems = []
    for (path, loc, rule, message), (envs_of, level) in grouped.items():
        line, col = by_path[path].document.position(loc)
        where = ", ".join(sorted(set(envs_of)))
        problems.append(Problem(path, line, col, rule, f"{message} (environment {where})",
                                level))
    return sort_problems(problems)
