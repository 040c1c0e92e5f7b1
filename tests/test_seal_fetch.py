"""seal --fetch-cert: the controller's certificate through the API server's service proxy
(the kmock emulator over real HTTP), saved where the config says, pin enforced."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.cli import main

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"




@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("sealed", "deploy"))
    config = root / "gitops-seldon.yaml"
    config.write_text(config.read_text().replace("kubeContext: kind-dev", "kubeContext: dev"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_fetch_cert_saves_and_pins(kube: Any, repo: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    served = (EXAMPLE / "certs" / "prod.pem").read_text()
    kube.api.certificates[("kube-system", "sealed-secrets-controller")] = served
    assert (repo / "certs/dev.pem").read_text() != served
    assert main(["seal", "--repo", str(repo), "--fetch-cert", "--env", "dev"]) == 0
    assert (repo / "certs/dev.pem").read_text() == served
    assert "saved the dev controller certificate (sha256:" in capsys.readouterr().out
    # a pin that does not match: refused, nothing written
    (repo / "certs/dev.pem").write_text("old\n")
    config = repo / "gitops-seldon.yaml"
    config.write_text(config.read_text().replace(
        "sealedSecretsCert: certs/dev.pem",
        "sealedSecretsCert: certs/dev.pem\n      certFingerprint: sha256:" + "1" * 64))
    assert main(["seal", "--repo", str(repo), "--fetch-cert", "--env", "dev"]) == 2
    assert "does not match certFingerprint" in capsys.readouterr().err
    assert (repo / "certs/dev.pem").read_text() == "old\n"


def test_fetch_cert_from_a_configured_controller(kube: Any, repo: Path) -> None:
    config = repo / "gitops-seldon.yaml"
    config.write_text(config.read_text().replace(
        "sealedSecretsCert: certs/dev.pem",
        "sealedSecretsCert: certs/fetched/dev.pem\n      controllerNamespace: sealed-secrets\n"
        "      controllerName: controller"))
    served = (EXAMPLE / "certs" / "staging.pem").read_text()
    kube.api.certificates[("sealed-secrets", "controller")] = served
    assert main(["seal", "--repo", str(repo), "--fetch-cert", "--env", "dev"]) == 0
    assert (repo / "certs/fetched/dev.pem").read_text() == served


def test_fetch_cert_without_a_controller(kube: Any, repo: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seal", "--repo", str(repo), "--fetch-cert", "--env", "dev"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gitops-seldon seal: ") and len(err.splitlines()) == 1


def test_fetch_cert_goes_through_the_services_first_port(kube: Any, repo: Path) -> None:
    """kubeseal proxies to the Service's first port by name; a Service with several ports
    needs it spelt out."""
    served = (EXAMPLE / "certs" / "prod.pem").read_text()
    kube.api.certificates[("kube-system", "sealed-secrets-controller")] = served
    kube.api.put({"apiVersion": "v1", "kind": "Service",
                  "metadata": {"name": "sealed-secrets-controller", "namespace": "kube-system"},
                  "spec": {"ports": [{"name": "http-cert", "port": 8080},
                                     {"name": "metrics", "port": 8081}]}})
    assert main(["seal", "--repo", str(repo), "--fetch-cert", "--env", "dev"]) == 0
    assert kube.api.proxied == ["http:sealed-secrets-controller:http-cert"]
