"""Certificates read as kubeseal reads ``--cert`` (``pkg/kubeseal/kubeseal.go`` ``ParseKey``).

The first header-less CERTIFICATE block is used; its public key must be RSA; a certificate
whose NotAfter has passed is refused with kubeseal's wording. NotBefore, chain, CA, key
usage and CN are not checked, as upstream. A bare PUBLIC KEY is not accepted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.sealing.pem import fingerprint, first_certificate_der

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


class CertificateError(GitopsSeldonError):
    """A certificate that cannot be used for sealing."""


@dataclass(frozen=True)
class Certificate:
    public_key: RSAPublicKey
    not_after: datetime.datetime
    fingerprint: str
    """``sha256:<hex>`` of the DER certificate."""
    source: str

    @property
    def modulus_bytes(self) -> int:
        """Size of every RSA-OAEP part sealed with this certificate (the length prefix)."""
        return (self.public_key.key_size + 7) // 8

    def expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or datetime.datetime.now(datetime.UTC)) > self.not_after


def kubeseal_date(moment: datetime.datetime) -> str:
    """Go's ``Format("January 2, 2006")``."""
    return f"{moment.strftime('%B')} {moment.day}, {moment.year}"


def parse_certificate(data: bytes, source: str, *, check_expiry: bool = True,
                      now: datetime.datetime | None = None) -> Certificate:
    """The certificate kubeseal would seal with, or ``CertificateError`` (one line)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    der = first_certificate_der(data)
    if der is None:
        raise CertificateError(
            f"{source}: data does not contain any valid RSA or ECDSA certificates")
    try:
        cert = x509.load_der_x509_certificate(der)
        public_key = cert.public_key()
    except ValueError as exc:
        raise CertificateError(f"{source}: not a valid X.509 certificate ({exc})") from None
    if not isinstance(public_key, RSAPublicKey):
        raise CertificateError(
            f"{source}: the certificate's key is {type(public_key).__name__.lstrip('_')}, "
            "not RSA; sealed-secrets only seals with RSA keys")
    result = Certificate(public_key, cert.not_valid_after_utc, fingerprint(der), source)
    if check_expiry and result.expired(now):
        raise CertificateError(
            f"{source}: failed to encrypt using an expired certificate on "
            f"{kubeseal_date(result.not_after)}")
    return result


def read_certificate(path: Path, display: str | None = None, *, check_expiry: bool = True,
                     now: datetime.datetime | None = None) -> Certificate:
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificateError(
            f"{shown}: cannot read the certificate ({exc.strerror or exc})") from None
    return parse_certificate(data, shown, check_expiry=check_expiry, now=now)


def check_pin(cert: Certificate, pinned: str | None) -> None:
    """Refuse a certificate that is not the pinned one (``certFingerprint``)."""
    if pinned is not None and cert.fingerprint != pinned:
        raise CertificateError(
            f"{cert.source}: certificate fingerprint {cert.fingerprint} does not match "
            f"certFingerprint {pinned} in the config; fetch the right certificate or "
            "update the pin")
