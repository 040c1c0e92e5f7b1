"""Checks of SealedSecret manifests and plaintext Secrets, without any plaintext.

Owner: the sealing work (issue 4). Stub until it lands.
"""

from __future__ import annotations

from gitops_seldon.problems import Problem
from gitops_seldon.source import Document


def check_sealed_secret(document: Document) -> list[Problem]:
    """Problems of a SealedSecret read from a manifest or credentials/sealed/."""
    return []


def check_plaintext_secret(document: Document) -> list[Problem]:
    """A ``kind: Secret`` with data or stringData anywhere is a leak waiting to happen."""
    return []
