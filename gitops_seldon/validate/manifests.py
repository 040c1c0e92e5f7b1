"""Raw Kubernetes manifests: Seldon-aware checks of hand-written YAML or JSON files.

``check_manifest_documents`` dispatches each document by kind: SeldonDeployment
(``machinelearning.seldon.io`` v1, v1alpha2 or v1alpha3, which share one schema) goes to
the Seldon rules, SealedSecret and Secret to ``validate.sealed``; every other kind is
ignored, so a directory of mixed manifests can be checked as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitops_seldon.problems import Problem
from gitops_seldon.source import Document

SELDON_GROUP = "machinelearning.seldon.io"
SELDON_VERSIONS = ("v1", "v1alpha2", "v1alpha3")
SELDON_API_VERSIONS = frozenset(f"{SELDON_GROUP}/{v}" for v in SELDON_VERSIONS)


def is_seldondeployment(data: Any) -> bool:
    return (isinstance(data, Mapping) and data.get("kind") == "SeldonDeployment"
            and data.get("apiVersion") in SELDON_API_VERSIONS)


def check_seldon_document(
    document: Document, *, schema: Mapping[str, Any] | None = None
) -> list[Problem]:
    """One SeldonDeployment document, every finding positioned in its file."""
    from gitops_seldon.validate.seldon import check_seldondeployment

    return [
        _positioned(document, finding.loc, finding.rule, finding.message, finding.level)
        for finding in check_seldondeployment(document.data, schema)
    ]


def _positioned(document: Document, loc: Any, rule: str, message: str, level: Any) -> Problem:
    problem = document.problem(loc, rule, message)
    if problem.level is not level:
        problem = Problem(problem.path, problem.line, problem.col, problem.rule,
                          problem.message, level)
    return problem


def check_manifest_documents(
    documents: Iterable[Document], *, schema: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Problems of raw manifest documents. ``schema`` is a repo-imported SeldonDeployment
    schema (``load_repo_schema``); without it the product's own schema is used."""
    problems: list[Problem] = []
    for document in documents:
        data = document.data
        if not isinstance(data, Mapping):
            continue
        kind, api_version = data.get("kind"), data.get("apiVersion")
        if kind == "SeldonDeployment":
            if api_version in SELDON_API_VERSIONS:
                problems.extend(check_seldon_document(document, schema=schema))
            elif isinstance(api_version, str) and api_version.startswith(f"{SELDON_GROUP}/"):
                problems.append(document.problem(
                    ("apiVersion",), "seldon-api-version",
                    f"apiVersion {api_version!r} is not served by the SeldonDeployment CRD "
                    f"({', '.join(sorted(SELDON_API_VERSIONS))})"))
        elif kind == "SealedSecret":
            from gitops_seldon.validate import sealed

            problems.extend(sealed.check_sealed_secret(document))
        elif kind == "Secret" and api_version == "v1":
            from gitops_seldon.validate import sealed

            problems.extend(sealed.check_plaintext_secret(document))
    return problems
