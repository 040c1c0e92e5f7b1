"""What changes in which environment between two plans, for reviewers.

``summarise(base, head)`` compares the planned objects of two revisions (as
``plan.plan_repository`` returns them) and says, per environment, which models are added,
removed or changed and how: "iris: replicas 2 -> 4, canary 10%". ``to_markdown`` renders
that for a pull request (``check --summary-file $GITHUB_STEP_SUMMARY``).

Secret material never appears: for SealedSecrets (and Secrets) only key names are
reported ("sealed values changed: KEY1, KEY2"), never a value or a ciphertext.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

SPEC_DIGEST_ANNOTATION = "gitops-seldon.dev/spec-digest"
SEALED_WITH_ANNOTATION = "gitops-seldon.dev/sealed-with"
IGNORED_PATHS: frozenset[tuple[str, ...]] = frozenset({
    ("metadata", "annotations", SPEC_DIGEST_ANNOTATION),
    ("metadata", "creationTimestamp"),
    ("status",),
})
MAX_VALUE = 80
UNSET = "unset"

Path = tuple[str, ...]


class Planned(Protocol):
    """What the summary needs of ``plan.PlannedObject``."""

    @property
    def env(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def obj(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ObjectChange:
    kind: str
    name: str
    action: str
    """"added", "removed" or "changed"."""
    details: tuple[str, ...] = ()

    def sentence(self) -> str:
        if self.action == "changed":
            return ", ".join(self.details)
        if self.details:
            return f"{self.action} ({', '.join(self.details)})"
        return self.action


@dataclass(frozen=True)
class EnvironmentChanges:
    env: str
    changes: tuple[ObjectChange, ...]
    note: str | None = None
    """"new environment" or "environment removed" when the config changed."""


def summarise(base: Mapping[str, Sequence[Planned]], head: Mapping[str, Sequence[Planned]]
              ) -> list[EnvironmentChanges]:
    """Changes per environment, environments and objects in sorted order."""
    result = []
    for env in sorted(set(base) | set(head)):
        before = {_key(o): o.obj for o in base.get(env, ())}
        after = {_key(o): o.obj for o in head.get(env, ())}
        changes = []
        for key in sorted(set(before) | set(after), key=_order):
            kind, _, name = key
            if key not in before:
                changes.append(ObjectChange(kind, name, "added", _describe(kind, after[key])))
            elif key not in after:
                changes.append(ObjectChange(kind, name, "removed"))
            else:
                details = _differences(kind, before[key], after[key])
                if details:
                    changes.append(ObjectChange(kind, name, "changed", details))
        note = ("new environment" if env not in base
                else "environment removed" if env not in head else None)
        result.append(EnvironmentChanges(env, tuple(changes), note))
    return result


def _key(planned: Planned) -> tuple[str, str, str]:
    return planned.kind, planned.namespace, planned.name


def _order(key: tuple[str, str, str]) -> tuple[int, str, str, str]:
    kind, namespace, name = key
    return (0 if kind == "SeldonDeployment" else 1, kind, name, namespace)


def is_secret(kind: str) -> bool:
    return kind in {"SealedSecret", "Secret"}


# -- flattening -----------------------------------------------------------------------

def flatten(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Leaves of a manifest by path. Lists of mappings that all have a ``name`` are keyed
    by name (so reordering is not a change), other lists of mappings by index; lists of
    scalars are one leaf."""
    leaves: dict[Path, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            leaves.update(flatten(item, (*path, str(key))))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        named = all(isinstance(v.get("name"), str) for v in value)
        resources = [(v.get("resource") or {}).get("name") for v in value]
        by_resource = (not named and all(isinstance(r, str) for r in resources)
                       and len(set(resources)) == len(resources))
        for index, item in enumerate(value):
            label = (item["name"] if named else str(resources[index]) if by_resource
                     else str(index))
            rest = {k: v for k, v in item.items() if k != "name"} if named else item
            leaves.update(flatten(rest, (*path, label)))
            if named and not rest:
                leaves[(*path, label)] = True
    elif value not in (None, [], {}):
        leaves[path] = value
    return leaves


def _ignored(path: Path) -> bool:
    return any(path[:len(prefix)] == prefix for prefix in IGNORED_PATHS)


def _format(value: Any, *, percent: bool = False) -> str:
    if value is None:
        return UNSET
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | dict):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > MAX_VALUE:
        text = text[:MAX_VALUE - 1] + "…"
    return f"{text}%" if percent and not isinstance(value, bool) else text


# -- SeldonDeployment -----------------------------------------------------------------

@dataclass(frozen=True)
class _Roles:
    """Which predictor is the main one and which graph node is each predictor's model."""

    main: str | None
    roots: Mapping[str, str]
    tops: Mapping[str, str]

    @classmethod
    def of(cls, *objects: Mapping[str, Any]) -> _Roles:
        main = None
        roots: dict[str, str] = {}
        tops: dict[str, str] = {}
        for obj in objects:
            predictors = (obj.get("spec") or {}).get("predictors") or []
            for predictor in predictors:
                if not isinstance(predictor, dict):
                    continue
                name = str(predictor.get("name", ""))
                if main is None and not predictor.get("shadow"):
                    main = name
                graph = predictor.get("graph") or {}
                if isinstance(graph, dict) and "name" in graph:
                    roots.setdefault(name, _model_node(graph) or str(graph["name"]))
                    tops.setdefault(name, str(graph["name"]))
        return cls(main, roots, tops)

    def predictor_prefix(self, predictor: str) -> str:
        return "" if predictor == self.main else f"{predictor} "


def _model_node(graph: Mapping[str, Any]) -> str | None:
    """The graph node that serves the model: the first one, depth first, with a modelUri."""
    if graph.get("modelUri") and "name" in graph:
        return str(graph["name"])
    for child in graph.get("children") or []:
        if isinstance(child, dict) and (found := _model_node(child)):
            return found
    return None


def _sdep_label(path: Path, roles: _Roles) -> tuple[str, bool] | None:
    """Human label of a SeldonDeployment leaf and whether its value is a percentage;
    None for leaves the summary does not mention (the main predictor's traffic)."""
    if path == ("spec", "protocol"):
        return "protocol", False
    if path == ("spec", "replicas"):
        return "replicas", False
    if path[:2] == ("metadata", "labels") and len(path) == 3:
        return f"label {path[2]}", False
    if path[:2] == ("metadata", "annotations") and len(path) == 3:
        return f"annotation {path[2]}", False
    if len(path) >= 4 and path[:2] == ("spec", "predictors"):
        predictor, rest = path[2], path[3:]
        prefix = roles.predictor_prefix(predictor)
        root = roles.roots.get(predictor)
        if rest == ("traffic",):
            return (None if not prefix else (f"{prefix}traffic", True))
        if rest == ("replicas",):
            return f"{prefix}replicas", False
        if rest[0] == "graph":
            return _graph_label(rest[1:], prefix, root, roles.tops.get(predictor)), False
        if rest[0] == "componentSpecs":
            return _component_label(rest[2:], prefix, root), False
        if rest[0] == "explainer":
            return f"{prefix}explainer {'.'.join(rest[1:])}", False
        return f"{prefix}{'.'.join(rest)}", False
    return ".".join(path), False


GRAPH_FIELDS = {"modelUri": "modelUri", "implementation": "server",
                "envSecretRefName": "credentials secret", "type": "type"}


def _graph_label(rest: Path, prefix: str, root: str | None, top: str | None) -> str:
    node = top
    while len(rest) >= 2 and rest[0] == "children":
        node, rest = rest[1], rest[2:]
    node_prefix = prefix if node == root else f"{prefix}{node} "
    if not rest:
        return f"{node_prefix}graph node".strip()
    if rest[0] == "parameters" and len(rest) >= 2:
        return f"{node_prefix}parameter {rest[1]}"
    return f"{node_prefix}{GRAPH_FIELDS.get(rest[0], '.'.join(rest))}"


def _component_label(rest: Path, prefix: str, root: str | None) -> str:
    if len(rest) >= 3 and rest[:2] == ("spec", "containers"):
        container, field = rest[2], rest[3:]
        who = prefix if container == root else f"{prefix}{container} "
        if field[:1] == ("resources",) and len(field) == 3:
            kind = {"requests": "request", "limits": "limit"}.get(field[1], field[1])
            return f"{who}{field[2]} {kind}"
        if field[:1] == ("env",) and len(field) >= 2:
            return f"{who}env {field[1]}"
        return f"{who}{'.'.join(field) or 'container'}"
    if rest[:2] == ("hpaSpec", "metricsv2") and rest[-1] == "averageUtilization":
        return f"{prefix}hpa {rest[2]} utilization"
    if rest[:1] == ("hpaSpec",):
        return f"{prefix}hpa {'.'.join(rest[1:])}".strip()
    if rest[:1] == ("pdbSpec",):
        return f"{prefix}pdb {'.'.join(rest[1:])}".strip()
    return f"{prefix}{'.'.join(rest) or 'component'}"


def _predictors(obj: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    predictors = (obj.get("spec") or {}).get("predictors") or []
    return {str(p.get("name", i)): p for i, p in enumerate(predictors) if isinstance(p, dict)}


def _predictor_headline(name: str, predictor: Mapping[str, Any]) -> str:
    """"canary 10% (modelUri s3://...)" or "shadow mirrors 50% (...)" for a predictor
    that appears."""
    graph = predictor.get("graph") or {}
    traffic = predictor.get("traffic")
    if predictor.get("shadow"):
        share = _format(traffic, percent=True) if traffic else "all traffic"
        parts = [f"{name} mirrors {share}"]
    else:
        parts = [f"{name} {_format(traffic, percent=True)}" if traffic is not None else name]
    if isinstance(graph, dict) and graph.get("modelUri"):
        parts.append(f"(modelUri {_format(graph['modelUri'])})")
    return " ".join(parts)


def _sdep_differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    roles = _Roles.of(after, before)
    old_predictors, new_predictors = _predictors(before), _predictors(after)
    details: list[str] = []
    for name, predictor in new_predictors.items():
        if name not in old_predictors:
            details.append(_predictor_headline(name, predictor))
    for name in old_predictors:
        if name not in new_predictors:
            details.append(f"{name} removed")
    gone = {n for n in old_predictors if n not in new_predictors}
    new = {n for n in new_predictors if n not in old_predictors}

    def skip(path: Path) -> bool:
        return _ignored(path) or (path[:2] == ("spec", "predictors") and len(path) > 2
                                  and path[2] in gone | new)

    details += _leaf_differences(before, after, skip, lambda p: _sdep_label(p, roles))
    return tuple(details)


Label = Callable[[Path], "tuple[str, bool] | None"]


def _leaf_differences(before: Mapping[str, Any], after: Mapping[str, Any],
                      skip: Callable[[Path], bool], label: Label) -> list[str]:
    """"<label> <old> -> <new>" per changed leaf; leaves sharing a label (a parameter's
    type and value) are folded into "<label> changed"."""
    old, new = flatten(dict(before)), flatten(dict(after))
    seen: dict[str, tuple[list[Any], list[Any], bool]] = {}
    for path in [*new, *(p for p in old if p not in new)]:
        if skip(path) or old.get(path) == new.get(path):
            continue
        labelled = label(path)
        if labelled is None:
            continue
        text, percent = labelled
        entry = seen.setdefault(text, ([], [], percent))
        entry[0].append(old.get(path))
        entry[1].append(new.get(path))
    details = []
    for text, (olds, news, percent) in seen.items():
        if len(olds) == 1:
            details.append(f"{text} {_format(olds[0], percent=percent)} -> "
                           f"{_format(news[0], percent=percent)}")
        else:
            details.append(f"{text} changed")
    return details


def _describe_sdep(obj: Mapping[str, Any]) -> tuple[str, ...]:
    predictors = _predictors(obj)
    roles = _Roles.of(obj)
    main = predictors.get(roles.main or "")
    if main is None:
        return ()
    graph = main.get("graph") or {}
    parts = []
    if isinstance(graph, dict):
        if graph.get("implementation"):
            parts.append(_format(graph["implementation"]))
        if graph.get("modelUri"):
            parts.append(f"modelUri {_format(graph['modelUri'])}")
    if main.get("replicas") is not None:
        parts.append(f"replicas {_format(main['replicas'])}")
    parts += [_predictor_headline(name, p) for name, p in predictors.items() if name != roles.main]
    return tuple(parts)


# -- SealedSecret and everything else -------------------------------------------------

def _names(mapping: Any) -> dict[str, Any]:
    return dict(mapping) if isinstance(mapping, dict) else {}


def _secret_differences(kind: str, before: Mapping[str, Any], after: Mapping[str, Any]
                        ) -> tuple[str, ...]:
    """Key names only: a value or ciphertext never reaches the summary."""
    details = []
    spec_before, spec_after = _names(before.get("spec")), _names(after.get("spec"))
    if kind == "SealedSecret":
        old, new = _names(spec_before.get("encryptedData")), _names(spec_after.get("encryptedData"))
        template_old = _names(_names(spec_before.get("template")).get("data"))
        template_new = _names(_names(spec_after.get("template")).get("data"))
    else:
        old = {**_names(before.get("data")), **_names(before.get("stringData"))}
        new = {**_names(after.get("data")), **_names(after.get("stringData"))}
        template_old = template_new = {}
    details += _key_changes("sealed" if kind == "SealedSecret" else "secret", old, new)
    details += _key_changes("clear", template_old, template_new)
    annotations_old = _names(_names(before.get("metadata")).get("annotations"))
    annotations_new = _names(_names(after.get("metadata")).get("annotations"))
    if annotations_old.get(SEALED_WITH_ANNOTATION) != annotations_new.get(SEALED_WITH_ANNOTATION):
        fingerprint = str(annotations_new.get(SEALED_WITH_ANNOTATION, UNSET))
        details.append(f"sealed with certificate {fingerprint[:19]}…"
                       if len(fingerprint) > 20 else f"sealed with certificate {fingerprint}")
    covered = {("spec", "encryptedData"), ("spec", "template", "data"), ("data",),
               ("stringData",), ("metadata", "annotations", SEALED_WITH_ANNOTATION)}
    flat_old, flat_new = flatten(dict(before)), flatten(dict(after))
    other = sorted({".".join(p) for p in set(flat_old) | set(flat_new)
                    if flat_old.get(p) != flat_new.get(p) and not _ignored(p)
                    and not any(p[:len(c)] == c for c in covered)})
    if other:
        details.append(f"other fields changed: {', '.join(other)}")
    return tuple(details)


def _key_changes(what: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    details = []
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    if changed:
        details.append(f"{what} values changed: {', '.join(changed)}")
    if added:
        details.append(f"{what} keys added: {', '.join(added)}")
    if removed:
        details.append(f"{what} keys removed: {', '.join(removed)}")
    return details


def _differences(kind: str, before: Mapping[str, Any], after: Mapping[str, Any]
                 ) -> tuple[str, ...]:
    if kind == "SeldonDeployment":
        return _sdep_differences(before, after)
    if is_secret(kind):
        return _secret_differences(kind, before, after)
    return tuple(_leaf_differences(before, after, _ignored,
                                   lambda p: (".".join(p), False)))


def _describe(kind: str, obj: Mapping[str, Any]) -> tuple[str, ...]:
    if kind == "SeldonDeployment":
        return _describe_sdep(obj)
    if kind == "SealedSecret":
        keys = sorted(_names(_names(obj.get("spec")).get("encryptedData")))
        return (f"sealed keys: {', '.join(keys)}",) if keys else ()
    return ()


# -- Markdown -------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<|#~"})
"""Escaped in values; a lone ``>`` mid-line is harmless and keeps "a -> b" readable."""


def markdown_escape(text: str) -> str:
    return text.translate(_MARKDOWN_SPECIAL)


def change_line(change: ObjectChange) -> str:
    who = f"`{change.name}`" if change.kind == "SeldonDeployment" else (
        f"{change.kind} `{change.name}`")
    return f"- {who}: {markdown_escape(change.sentence())}"


def to_markdown(environments: Iterable[EnvironmentChanges], against: str) -> str:
    """The summary section: one heading per environment that changes."""
    environments = list(environments)
    lines = [f"### Changes against {against}", ""]
    unchanged = [e.env for e in environments if not e.changes and e.note is None]
    changed = [e for e in environments if e.changes or e.note is not None]
    if not changed:
        lines.append("No change to the rendered output in any environment.")
    for environment in changed:
        heading = f"#### {environment.env}"
        if environment.note:
            heading += f" ({environment.note})"
        lines += [heading, ""]
        lines += [change_line(c) for c in environment.changes] or ["No objects."]
        lines.append("")
    if changed and unchanged:
        lines.append(f"No change in: {', '.join(unchanged)}.")
    return "\n".join(lines).rstrip("\n") + "\n"
