"""gitops-seldon: Seldon Core deployments the GitOps way.

The command line is a thin layer over this package. The stages live in their own
modules: ``source`` (load YAML with positions) -> ``validate`` (problems as data) ->
``plan`` (desired objects per environment) -> ``write`` (the Kustomize tree) ->
``vcs`` (commit). ``verify`` reads the cluster through ``cluster``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_seldon.api import PromotionResult, load_repository, promote
    from gitops_seldon.promotion import PromotionError

__version__ = "0.1.0"

_API = {
    "promote": "gitops_seldon.api",
    "load_repository": "gitops_seldon.api",
    "PromotionResult": "gitops_seldon.api",
    "PromotionError": "gitops_seldon.promotion",
}
"""Names re-exported lazily, so that ``import gitops_seldon`` stays cheap for the CLI."""

__all__ = ["PromotionError", "PromotionResult", "__version__", "load_repository", "promote"]


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'gitops_seldon' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
