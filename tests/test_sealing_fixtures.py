"""The upstream fixtures (sealed by the Go implementation) decrypt to expected.json; the
mutations listed there fail or succeed as the controller would."""

from __future__ import annotations

import base64
import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.sealing.certs import CertificateError, read_certificate
from gitops_seldon.sealing.crypto import DecryptError, open_value, seal_value
from gitops_seldon.sealing.keys import read_private_keys
from gitops_seldon.sealing.pem import fingerprint, first_certificate_der
from gitops_seldon.sealing.scope import CLUSTER_WIDE, NAMESPACE_WIDE, encryption_label
from gitops_seldon.sealing.unseal import UnsealError, unseal
from gitops_seldon.source import load_file


@pytest.fixture(scope="module")
def fixtures(reference: Path) -> Path:
    return reference / "sealed-secrets" / "fixtures"


@pytest.fixture(scope="module")
def expected(fixtures: Path) -> dict[str, Any]:
    return json.loads((fixtures / "expected.json").read_text())  # type: ignore[no-any-return]


def keys_named(fixtures: Path, expected: dict[str, Any], names: list[str]) -> list[Any]:
    return read_private_keys([fixtures / expected["keys"][n]["private_key"] for n in names])


def sealed_object(fixtures: Path, name: str) -> dict[str, Any]:
    documents, problems = load_file(fixtures / name)
    assert not problems
    [document] = documents
    return copy.deepcopy(document.data)  # type: ignore[no-any-return]


def secret_data(secret: dict[str, Any]) -> dict[str, str]:
    return dict(secret["data"])


FILES = [
    "strict-rclone-s3.yaml", "strict-rclone-s3.json", "strict-template-metadata.yaml",
    "strict-multiline-empty-binary.yaml", "namespace-wide-rclone-s3.yaml",
    "namespace-wide-grafana-admin.yaml", "cluster-wide-rclone-s3.yaml",
    "cluster-wide-no-namespace-dockerconfig.yaml", "strict-sealed-with-second-key.yaml",
]


def test_every_fixture_file_is_listed(expected: dict[str, Any]) -> None:
    assert sorted(expected["files"]) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_fixture_decrypts_to_expected(fixtures: Path, expected: dict[str, Any], name: str) -> None:
    facts = expected["files"][name]
    keys = keys_named(fixtures, expected, facts["decrypt_with_any_of"])
    secret = unseal(sealed_object(fixtures, name), keys)
    assert secret_data(secret) == facts["data_base64"]
    assert secret.get("type") == facts["type"]
    assert secret["metadata"]["name"] == facts["name"]
    assert secret["metadata"].get("namespace", "") == facts["namespace"]


@pytest.mark.parametrize("index", range(3))
def test_raw_values_decrypt(fixtures: Path, expected: dict[str, Any], index: int) -> None:
    raw = expected["raw"][index]
    keys = keys_named(fixtures, expected, [raw["sealed_with"]])
    label = encryption_label(raw["scope"], raw["namespace"], raw["name"])
    assert label == raw["oaep_label"].encode()
    plain = open_value(keys, raw["ciphertext_base64"], label)
    assert base64.b64encode(plain).decode() == raw["plaintext_base64"]


def apply_override(obj: dict[str, Any], override: dict[str, Any]) -> None:
    metadata = obj["metadata"]
    if "namespace" in override:
        metadata["namespace"] = override["namespace"]
    if "name" in override:
        metadata["name"] = override["name"]
    if override.get("remove_metadata_annotations"):
        metadata.pop("annotations", None)
    if "metadata_annotations" in override:
        metadata["annotations"] = dict(override["metadata_annotations"])


def mutation_cases(expected_path: Path, field: str) -> list[Any]:
    if not expected_path.is_file():
        return []
    return list(json.loads(expected_path.read_text())[field])


_EXPECTED = (Path(__file__).resolve().parents[2]
             / "shared/reference/sealed-secrets/fixtures/expected.json")


@pytest.mark.parametrize("case", mutation_cases(_EXPECTED, "must_fail"),
                         ids=lambda c: f"{c['file']}:{c['why']}")
def test_must_fail(fixtures: Path, expected: dict[str, Any], case: dict[str, Any]) -> None:
    override = case["override"]
    if override.get("seal_with_certificate"):
        with pytest.raises(CertificateError) as error:
            read_certificate(fixtures / case["file"])
        expired = "failed to encrypt using an expired certificate on January 2, 2020"
        assert expired in str(error.value)
        return
    facts = expected["files"][case["file"]]
    obj = sealed_object(fixtures, case["file"])
    apply_override(obj, override)
    keys = keys_named(fixtures, expected, override.get("keys", facts["decrypt_with_any_of"]))
    with pytest.raises(UnsealError, match="no key could decrypt secret"):
        unseal(obj, keys)


@pytest.mark.parametrize("case", mutation_cases(_EXPECTED, "must_succeed_with_override"),
                         ids=lambda c: f"{c['file']}:{c['why']}")
def test_must_succeed(fixtures: Path, expected: dict[str, Any], case: dict[str, Any]) -> None:
    override = case["override"]
    facts = expected["files"][case["file"]]
    obj = sealed_object(fixtures, case["file"])
    apply_override(obj, override)
    keys = keys_named(fixtures, expected, override.get("keys", facts["decrypt_with_any_of"]))
    assert secret_data(unseal(obj, keys)) == facts["data_base64"]


def test_both_mutation_lists_are_exercised(expected: dict[str, Any]) -> None:
    assert len(mutation_cases(_EXPECTED, "must_fail")) == len(expected["must_fail"]) >= 7
    assert len(mutation_cases(_EXPECTED, "must_succeed_with_override")) >= 3


def test_certificate_read_as_kubeseal(fixtures: Path) -> None:
    cert = read_certificate(fixtures / "test-only-controller.crt")
    assert cert.modulus_bytes == 512
    assert cert.not_after == datetime.datetime(2034, 12, 30, tzinfo=datetime.UTC)
    der = first_certificate_der((fixtures / "test-only-controller.crt").read_bytes())
    assert der is not None and cert.fingerprint == fingerprint(der)
    # the expired certificate is accepted when expiry is not checked (validate does that)
    old = read_certificate(fixtures / "test-only-controller-expired.crt", check_expiry=False)
    assert old.expired()


def test_certificate_refusals(tmp_path: Path, fixtures: Path) -> None:
    pem = (fixtures / "test-only-controller.crt").read_text()
    key = (fixtures / "test-only-controller.key").read_text()
    cases = {
        "none.pem": (key, "does not contain any valid RSA or ECDSA certificates"),
        "headers.pem": (pem.replace("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
                        "does not contain any valid"),
        "pubkey.pem": ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                       "does not contain any valid"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(CertificateError, match=message):
            read_certificate(tmp_path / name)
    # leading junk and a key block before it: the first CERTIFICATE block is used
    (tmp_path / "mixed.pem").write_text("junk\n" + key + pem)
    assert read_certificate(tmp_path / "mixed.pem").modulus_bytes == 512


def test_non_rsa_certificate_refused(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(x509.Name([]))
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "ec.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CertificateError, match="not RSA"):
        read_certificate(tmp_path / "ec.pem")


def test_our_values_decrypt_with_upstream_layout(fixtures: Path, expected: dict[str, Any]) -> None:
    cert = read_certificate(fixtures / "test-only-controller.crt")
    keys = keys_named(fixtures, expected, ["test-only-controller"])
    value = seal_value(cert.public_key, b"", b"media/x")
    raw = base64.b64decode(value)
    assert value.startswith("Ag") and len(raw) == 2 + 512 + 16
    assert open_value(keys, value, b"media/x") == b""
    with pytest.raises(DecryptError):
        open_value(keys, value, b"media/y")
    with pytest.raises(DecryptError):
        open_value(keys, value.rstrip("="), b"media/x")  # missing padding fails as in Go
    assert NAMESPACE_WIDE != CLUSTER_WIDE
