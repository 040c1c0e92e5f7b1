"""The names Seldon derives from a SeldonDeployment (reference/seldon/facts.md section 3).

Seldon replaces any derived name over 63 characters by ``seldon-<md5>``; gitops-seldon
refuses such names instead, with the name it computed, so children stay recognisable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_NAME = 63
BUILTINS = frozenset({"SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST", "AVERAGE_COMBINER"})


@dataclass(frozen=True)
class DerivedName:
    what: str
    name: str
    loc: tuple[str | int, ...]
    """Where in the SeldonDeployment the part that makes it long lives."""


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children") or []:
        if isinstance(child, dict):
            yield from _nodes(child)


def derived_names(obj: dict[str, Any]) -> list[DerivedName]:
    """Deployments (and their HPA/PDB), Services and explainer Deployments of ``obj``."""
    sdep = str((obj.get("metadata") or {}).get("name", ""))
    names: list[DerivedName] = []
    predictors = (obj.get("spec") or {}).get("predictors") or []
    for index, predictor in enumerate(predictors):
        if not isinstance(predictor, dict):
            continue
        pname = str(predictor.get("name", ""))
        at: tuple[str | int, ...] = ("spec", "predictors", index)
        names.append(DerivedName("predictor Service", f"{sdep}-{pname}", (*at, "name")))
        containers: list[list[str]] = []
        given: dict[int, str] = {}
        for spec_index, spec in enumerate(predictor.get("componentSpecs") or []):
            meta_name = ((spec or {}).get("metadata") or {}).get("name")
            if meta_name:
                given[spec_index] = str(meta_name)
            pod = (spec or {}).get("spec") or {}
            containers.append([str(c.get("name", "")) for c in pod.get("containers") or []
                               if isinstance(c, dict)])
        if not containers:
            containers.append([])
        graph = predictor.get("graph")
        if isinstance(graph, dict):
            known = {name for group in containers for name in group}
            for node in _nodes(graph):
                node_name = str(node.get("name", ""))
                implementation = node.get("implementation")
                if implementation in BUILTINS or node_name in known:
                    continue
                containers[0].append(node_name)  # the operator adds it to the first spec
                known.add(node_name)
        for spec_index, group in enumerate(containers):
            if not group:
                continue
            parts = [given[spec_index]] if spec_index in given else group
            deployment = "-".join([sdep, pname, str(spec_index), *parts])
            names.append(DerivedName("Deployment (and its HPA and PDB)", deployment,
                                     (*at, "componentSpecs", spec_index)))
            for container in group:
                names.append(DerivedName("container Service", f"{sdep}-{pname}-{container}",
                                         (*at, "graph")))
        if isinstance(predictor.get("explainer"), dict) and predictor["explainer"].get("type"):
            names.append(DerivedName("explainer Deployment", f"{sdep}-{pname}-explainer",
                                     (*at, "explainer")))
    return names


def too_long(obj: dict[str, Any]) -> list[DerivedName]:
    seen: set[str] = set()
    result = []
    for derived in derived_names(obj):
        if len(derived.name) > MAX_NAME and derived.name not in seen:
            seen.add(derived.name)
            result.append(derived)
    return result
