"""Seldon rules for a SeldonDeployment object: CRD schema, admission webhook, reconcile.

Owner: the validate work (issue 2). Stub until it lands.
"""

from __future__ import annotations

from typing import Any

from gitops_seldon.problems import Finding


def check_seldondeployment(obj: dict[str, Any]) -> list[Finding]:
    """Everything a cluster would reject (or fail to reconcile) in this SeldonDeployment."""
    return []
