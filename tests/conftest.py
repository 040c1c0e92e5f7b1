"""Shared fixtures: the upstream reference corpus, kubectl, and pinned git identity."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT.parent / "shared" / "reference"
IN_CI = os.environ.get("CI") == "true"

settings.register_profile("ci", derandomize=True)
if IN_CI:
    # CI must not fail on a new random example; runs elsewhere keep exploring (that is
    # how "a: |#" was found: libyaml and ruamel disagreed on it).
    settings.load_profile("ci")


def require(condition: bool, reason: str) -> None:
    """Skip outside CI; under CI a missing real part is a failure, never a silent skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def reference() -> Path:
    require(REFERENCE.is_dir(), f"{REFERENCE} (../shared/reference) is not present")
    return REFERENCE


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    require(path is not None, "kubectl is not on PATH (needed for 'kubectl kustomize')")
    assert path is not None
    return path


@pytest.fixture(autouse=True)
def _pinned_git_identity(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Real git, but never the developer's config or identity."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@example.com")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", "")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The Kubernetes API emulated by kmock over real HTTP, with a generated kubeconfig in
    KUBECONFIG (contexts test, dev, staging, prod); objects are cleared for each test."""
    try:
        from kube_emulator import use_emulator
    except ImportError as exc:
        require(False, f"the Kubernetes emulator (tests/kube_emulator.py) is unusable: {exc}")
        raise
    yield from use_emulator(tmp_path, monkeypatch)
