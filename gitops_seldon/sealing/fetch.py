"""``seal --fetch-cert``: the controller's certificate, fetched the way kubeseal fetches it
(API-server service proxy to ``/v1/cert.pem``), saved where the config says."""

from __future__ import annotations

from gitops_seldon.load import Repository
from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.sealing.certs import Certificate, check_pin, parse_certificate
from gitops_seldon.sealing.sealedsecret import write_atomic


def fetch_and_save(repo: Repository, env: str) -> Certificate:
    environment = repo.config.value.spec.environments[env]
    if environment.sealedSecretsCert is None:
        raise GitopsSeldonError(
            f"environment {env!r} has no sealedSecretsCert in gitops-seldon.yaml: add the path "
            "where the fetched certificate should be saved")
    try:
        from gitops_seldon.cluster import fetch_certificate
    except ImportError:
        raise GitopsSeldonError(
            "--fetch-cert is not available yet (gitops_seldon.cluster.fetch_certificate is "
            "missing)") from None
    source = (f"controller {environment.controllerNamespace}/{environment.controllerName} "
              f"of environment {env!r}")
    text = fetch_certificate(
        context=environment.kubeContext,
        namespace=environment.controllerNamespace,
        name=environment.controllerName,
    )
    cert = parse_certificate(text.encode("utf-8"), source)
    check_pin(cert, environment.certFingerprint)
    write_atomic(repo.path(environment.sealedSecretsCert), text)
    return Certificate(cert.public_key, cert.not_after, cert.fingerprint,
                       environment.sealedSecretsCert)
