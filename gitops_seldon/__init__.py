"""gitops-seldon: Seldon Core deployments the GitOps way.

The command line is a thin layer over this package. The stages live in their own
modules: ``source`` (load YAML with positions) -> ``validate`` (problems as data) ->
``plan`` (desired objects per environment) -> ``write`` (the Kustomize tree) ->
``vcs`` (commit). ``verify`` reads the cluster through ``cluster``.
"""

from __future__ import annotations

__version__ = "0.1.0"
