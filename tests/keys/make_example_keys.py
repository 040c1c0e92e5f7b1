"""Generate the TEST-ONLY controller key pairs of the bundled example (examples/ml-platform).

Run once: ``python tests/keys/make_example_keys.py``. It writes the certificates to
``examples/ml-platform/certs/<env>.pem`` and the private keys to
``tests/keys/<env>.key``. The keys are public (committed to git): they exist so that the
example's SealedSecrets can be decrypted by the tests. Never seal a real secret with them.

The certificates have the shape the sealed-secrets controller gives its own
(``pkg/crypto/keys.go``): RSA-4096, self-signed, empty subject and issuer, random serial
below 2**128, KeyUsage EncipherOnly (critical), BasicConstraints CA=true (critical).
Validity is longer than the controller's 10 years so that the example does not expire.
"""

from __future__ import annotations

import datetime
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("dev", "staging", "prod")
KEY_USAGE_ENCIPHER_ONLY = bytes.fromhex("03020001")  # DER BIT STRING, only bit 7 set
NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2075, 12, 31, tzinfo=datetime.UTC)


def make(env: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    empty = x509.Name([])
    cert = (
        x509.CertificateBuilder()
        .subject_name(empty)
        .issuer_name(empty)
        .public_key(key.public_key())
        .serial_number(secrets.randbelow(2**128 - 1) + 1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        # Go writes EncipherOnly alone; cryptography's KeyUsage insists on keyAgreement
        # with it, so the extension is written as raw DER.
        .add_extension(x509.UnrecognizedExtension(x509.oid.ExtensionOID.KEY_USAGE,
                                                  KEY_USAGE_ENCIPHER_ONLY), critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (ROOT / "examples/ml-platform/certs" / f"{env}.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM))
    (ROOT / "tests/keys" / f"{env}.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))


if __name__ == "__main__":
    for name in sys.argv[1:] or ENVS:
        make(name)
