"""validate's sealed checks: what the controller could not decrypt, found without plaintext."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.problems import Level, Problem
from gitops_seldon.sealing.sealedsecret import to_yaml
from gitops_seldon.source import parse
from gitops_seldon.spec import strict
from gitops_seldon.spec.credentials import Credentials
from gitops_seldon.validate.sealed import (
    SealedExpectation,
    check_certificates,
    check_plaintext_secret,
    check_sealed_secret,
)

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"
PROD = EXAMPLE / "credentials" / "sealed" / "prod" / "minio.yaml"


def credentials(spec: dict[str, Any], name: str = "minio") -> Credentials:
    return strict.validate(Credentials, {
        "apiVersion": "gitops-seldon.dev/v1alpha1", "kind": "Credentials",
        "metadata": {"name": name}, "spec": spec})


def expectation(**changes: Any) -> SealedExpectation:
    from gitops_seldon.sealing.certs import read_certificate

    cert = read_certificate(EXAMPLE / "certs" / "prod.pem")
    base = {"env": "prod", "namespace": "models-prod", "name": "minio", "scope": "strict",
            "fingerprint": cert.fingerprint, "modulus_bytes": cert.modulus_bytes,
            "credentials": credentials({"schema": "seldon_s3", "provider": "minio"})}
    return SealedExpectation(**{**base, **changes})


def check(text: str, expected: SealedExpectation | None = None) -> list[Problem]:
    [document], problems = parse(text, "f.yaml")
    assert not problems
    return check_sealed_secret(document, expected=expected)


def rules(problems: list[Problem], level: Level = Level.ERROR) -> set[str]:
    return {p.rule for p in problems if p.level is level}


def example() -> dict[str, Any]:
    [document], _ = parse(PROD.read_text(), "x")
    return document.data  # type: ignore[no-any-return]


def test_example_is_clean() -> None:
    assert check(PROD.read_text(), expectation()) == []
    assert check(PROD.read_text()) == []


def test_other_certificate() -> None:
    from gitops_seldon.sealing.certs import read_certificate

    staging = read_certificate(EXAMPLE / "certs" / "staging.pem").fingerprint
    problems = check(PROD.read_text(), expectation(fingerprint=staging))
    assert rules(problems) == {"sealed-certificate"}
    [problem] = problems
    assert (problem.line, problem.col) == (6, 5)  # the sealed-with annotation


def test_namespace_and_name() -> None:
    assert rules(check(PROD.read_text(), expectation(namespace="models-dev"))) == {
        "sealed-namespace"}
    assert rules(check(PROD.read_text(), expectation(name="other"))) == {"sealed-name"}
    # namespace-wide ignores the name, cluster-wide the namespace as well
    obj = example()
    obj["metadata"]["annotations"]["sealedsecrets.bitnami.com/cluster-wide"] = "true"
    obj["spec"]["template"]["metadata"]["annotations"] = {
        "sealedsecrets.bitnami.com/cluster-wide": "true"}
    found = check(to_yaml(obj), expectation(namespace="x", name="y", scope="cluster-wide"))
    assert rules(found) == set()


def test_scope_annotations() -> None:
    obj = example()
    obj["spec"]["template"]["metadata"]["annotations"] = {
        "sealedsecrets.bitnami.com/namespace-wide": "true"}
    problems = check(to_yaml(obj))
    assert rules(problems) == {"sealed-scope-annotation"}
    assert "only in the template" in problems[0].message
    obj = example()
    obj["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"] = "yes"
    assert rules(check(to_yaml(obj)), Level.WARNING) == {"sealed-scope-annotation"}
    obj["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"] = "true"
    assert rules(check(to_yaml(obj)), Level.WARNING) == {"sealed-scope-annotation"}
    assert rules(check(to_yaml(obj), expectation())) == {"sealed-scope"}


def test_ciphertext_shape() -> None:
    obj = example()
    data = obj["spec"]["encryptedData"]
    good = data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"]
    data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"] = good.replace("+", "-").replace("/", "_")
    data["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"] = "AgA="
    problems = check(to_yaml(obj), expectation())
    assert [p.rule for p in problems] == ["sealed-ciphertext"] * 2
    import base64

    raw = base64.b64decode(good)
    data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"] = base64.b64encode(b"\x01\x00" + raw[2:]).decode()
    data["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"] = good
    problems = check(to_yaml(obj), expectation())
    assert [p.rule for p in problems] == ["sealed-ciphertext"]
    assert "2048-bit key" in problems[0].message and "4096-bit" in problems[0].message
    # folded lines are fine: Go skips CR/LF
    data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"] = good[:40] + "\n" + good[40:]
    assert check(to_yaml(obj), expectation()) == []


def test_key_set_against_schema() -> None:
    obj = example()
    data = obj["spec"]["encryptedData"]
    data["RCLONE_CONFIG_GS_TOKEN"] = data.pop("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY")
    data["RCLONE_CONFIG_S3_REGION"] = data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"]
    data["SOMETHING"] = data["RCLONE_CONFIG_S3_ACCESS_KEY_ID"]
    problems = check(to_yaml(obj), expectation())
    assert rules(problems) == {"sealed-wrong-remote", "sealed-not-secret", "sealed-unknown-key",
                               "sealed-pair"}
    assert all("Ag" not in p.message for p in problems)


def test_keys_that_are_not_rclone_settings_are_unknown_not_clear() -> None:
    from gitops_seldon.sealing.rules import check_key_set

    store = credentials({"schema": "seldon_s3", "provider": "minio"})
    found = {issue.key: issue.rule for issue in check_key_set(store, [
        "RCLONE_CONFIG_S3_SCHEMA", "RCLONE_CONFIG_S3_SCOPE", "RCLONE_CONFIG_S3_PROVIDER",
        "RCLONE_CONFIG_S3_TYPE"])}
    assert found == {"RCLONE_CONFIG_S3_SCHEMA": "sealed-unknown-key",
                     "RCLONE_CONFIG_S3_SCOPE": "sealed-unknown-key",
                     "RCLONE_CONFIG_S3_PROVIDER": "sealed-not-secret",
                     "RCLONE_CONFIG_S3_TYPE": "sealed-not-secret"}


@pytest.mark.parametrize(("spec", "keys", "rule"), [
    ({"schema": "seldon_az", "account": "a", "use_msi": True}, ["KEY"], "sealed-exclusive"),
    ({"schema": "seldon_az"}, ["KEY"], "sealed-pair"),
    ({"schema": "seldon_az", "client_id": "c"}, ["CLIENT_SECRET"], "sealed-pair"),
    ({"schema": "seldon_gs", "anonymous": True}, ["TOKEN"], "sealed-exclusive"),
    ({"schema": "seldon_gs", "client_id": "c"}, ["CLIENT_SECRET"], "sealed-pair"),
    ({"schema": "seldon_gs"}, ["SERVICE_ACCOUNT_CREDENTIALS", "TOKEN"], "sealed-exclusive"),
    ({"schema": "seldon_s3"}, ["SESSION_TOKEN"], "sealed-pair"),
    ({"schema": "seldon_s3"}, [], "sealed-empty"),
])
def test_auth_mode_rules(spec: dict[str, Any], keys: list[str], rule: str) -> None:
    from gitops_seldon.sealing.rules import check_key_set

    model = credentials(spec, "c")
    prefix = f"RCLONE_CONFIG_{model.spec.remote_name().upper()}_"
    issues = check_key_set(model, [prefix + k for k in keys])
    assert rule in {i.rule for i in issues if i.level is Level.ERROR}


def test_s3_env_auth_with_keys_is_a_warning() -> None:
    from gitops_seldon.sealing.rules import check_key_set

    model = credentials({"schema": "seldon_s3", "env_auth": True})
    issues = check_key_set(model, ["RCLONE_CONFIG_S3_ACCESS_KEY_ID",
                                   "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"])
    assert [(i.rule, i.level) for i in issues] == [("sealed-env-auth", Level.WARNING)]


def test_upstream_fixtures_pass_without_expectation(reference: Path) -> None:
    for path in sorted((reference / "sealed-secrets" / "fixtures").glob("*.yaml")):
        [document], _ = parse(path.read_text(), path.name)
        assert check_sealed_secret(document) == [], path.name


def test_plaintext_secret() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"
            "  metadata: {name: s}\n  data:\n    PASSWORD: Q0FOQVJZ\n    EMPTY: ''\n"
            "  stringData:\n    TOKEN: CANARY\n- kind: ConfigMap\n  data: {a: b}\n")
    [document], _ = parse(text, "s.yaml")
    problems = check_plaintext_secret(document)
    assert [(p.line, p.rule) for p in problems] == [(8, "plaintext-secret"),
                                                    (11, "plaintext-secret")]
    assert all("CANARY" not in p.message and "Q0FOQVJZ" not in p.message for p in problems)
    [empty], _ = parse("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {}\n", "e")
    assert check_plaintext_secret(empty) == []


def test_certificate_problems(tmp_path: Path, reference: Path) -> None:
    from gitops_seldon.load import load_repository

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    shutil.copy(reference / "sealed-secrets/fixtures/test-only-controller-expired.crt",
                root / "certs/prod.pem")
    (root / "certs/dev.pem").write_text("not a certificate\n")
    repo = load_repository(root)
    assert not isinstance(repo, tuple)
    problems = check_certificates(repo)
    assert [(p.rule, p.line > 0) for p in problems] == [("certificate", True)] * 2
    assert "expired certificate on January 2, 2020" in problems[1].message
