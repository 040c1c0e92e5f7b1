"""seal / unseal end to end on a copy of the bundled example, in a real git repository."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.cli import main
from gitops_seldon.sealing.keys import read_private_keys
from gitops_seldon.sealing.unseal import UnsealError, unseal
from gitops_seldon.source import load_file

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"
KEYS = PROJECT / "tests" / "keys"
S3 = "RCLONE_CONFIG_S3_"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("sealed"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def env_file(tmp_path: Path, text: str, name: str = "values.env") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def sealed(root: Path, env: str, name: str) -> dict[str, Any]:
    documents, problems = load_file(root / "credentials" / "sealed" / env / f"{name}.yaml")
    assert not problems
    return documents[0].data  # type: ignore[no-any-return]


def decrypt(obj: dict[str, Any], env: str) -> dict[str, bytes]:
    import base64

    secret = unseal(obj, read_private_keys([KEYS / f"{env}.key"]))
    return {k: base64.b64decode(v) for k, v in secret["data"].items()}


def set_scope(root: Path, name: str, scope: str) -> None:
    path = root / "credentials" / f"{name}.yaml"
    path.write_text(path.read_text().rstrip("\n") + f"\n  scope: {scope}\n")


def run(root: Path, *args: str) -> int:
    return main(["seal", "--repo", str(root), *args])


@pytest.mark.parametrize("scope", ["strict", "namespace-wide", "cluster-wide"])
def test_round_trip_and_scope_misuse(repo: Path, tmp_path: Path, scope: str) -> None:
    set_scope(repo, "minio", scope)
    values = env_file(tmp_path,
                      f"{S3}ACCESS_KEY_ID=id-{scope}\n{S3}SECRET_ACCESS_KEY='s3 cr/t+=='\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(values)) == 0
    obj = sealed(repo, "dev", "minio")
    assert decrypt(obj, "dev") == {f"{S3}ACCESS_KEY_ID": f"id-{scope}".encode(),
                                   f"{S3}SECRET_ACCESS_KEY": b"s3 cr/t+=="}
    annotations = obj["metadata"]["annotations"]
    template_annotations = obj["spec"]["template"]["metadata"].get("annotations", {})
    if scope == "strict":
        assert not {k for k in annotations if k.startswith("sealedsecrets")}
        assert template_annotations == {}
    else:
        assert annotations[f"sealedsecrets.bitnami.com/{scope}"] == "true"
        assert template_annotations == {f"sealedsecrets.bitnami.com/{scope}": "true"}
    assert obj["spec"]["template"]["type"] == "Opaque"
    assert obj["metadata"]["namespace"] == "models-dev"
    renamed = {**obj, "metadata": {**obj["metadata"], "name": "other"}}
    moved = {**obj, "metadata": {**obj["metadata"], "namespace": "elsewhere"}}
    if scope == "strict":
        for broken in (renamed, moved):
            with pytest.raises(UnsealError):
                decrypt(broken, "dev")
    elif scope == "namespace-wide":
        assert decrypt(renamed, "dev")
        with pytest.raises(UnsealError):
            decrypt(moved, "dev")
    else:
        assert decrypt(renamed, "dev") and decrypt(moved, "dev")
    with pytest.raises(UnsealError):
        decrypt(obj, "prod")  # another environment's key


def test_merge_keeps_other_ciphertexts(repo: Path, tmp_path: Path) -> None:
    both = env_file(tmp_path, f"{S3}ACCESS_KEY_ID=a\n{S3}SECRET_ACCESS_KEY=b\n")
    assert run(repo, "minio", "--all-envs", "--from-env-file", str(both)) == 0
    path = repo / "credentials/sealed/prod/minio.yaml"
    before = path.read_text()
    one = env_file(tmp_path, f"{S3}SECRET_ACCESS_KEY=c\n", "one.env")
    assert run(repo, "minio", "--env", "prod", "--from-env-file", str(one)) == 0
    after = path.read_text()
    changed = [(x, y) for x, y in zip(before.splitlines(), after.splitlines(), strict=True)
               if x != y]
    assert len(changed) == 1 and changed[0][0].strip().startswith(f"{S3}SECRET_ACCESS_KEY:")
    assert decrypt(sealed(repo, "prod", "minio"), "prod")[f"{S3}SECRET_ACCESS_KEY"] == b"c"
    # adding the session token keeps both old lines
    token = env_file(tmp_path, f"{S3}SESSION_TOKEN=t\n", "token.env")
    assert run(repo, "minio", "--env", "prod", "--from-env-file", str(token)) == 0
    assert set(after.splitlines()) <= set(path.read_text().splitlines())


def test_new_certificate_needs_every_value(repo: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    both = env_file(tmp_path, f"{S3}ACCESS_KEY_ID=a\n{S3}SECRET_ACCESS_KEY=b\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(both)) == 0
    shutil.copy(repo / "certs/prod.pem", repo / "certs/dev.pem")  # the dev controller got a new key
    one = env_file(tmp_path, f"{S3}SECRET_ACCESS_KEY=c\n", "one.env")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(one)) == 2
    assert "was sealed for another certificate" in capsys.readouterr().err
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(both)) == 0
    assert decrypt(sealed(repo, "dev", "minio"), "prod")[f"{S3}ACCESS_KEY_ID"] == b"a"


def test_env_file_inside_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "values.txt").write_text(f"{S3}ACCESS_KEY_ID=a\n{S3}SECRET_ACCESS_KEY=b\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(repo / "values.txt")) == 2
    assert "not ignored by git" in capsys.readouterr().err
    (repo / ".gitignore").write_text("values.txt\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(repo / "values.txt")) == 0
    # tracked files are refused even when a pattern matches them
    subprocess.run(["git", "-C", str(repo), "add", "-f", "values.txt"], check=True)
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(repo / "values.txt")) == 2


def test_values_from_environment_and_prompt(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{S3}ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv(f"{S3}SECRET_ACCESS_KEY", "from-env-secret")
    assert run(repo, "minio", "--env", "staging") == 0
    assert decrypt(sealed(repo, "staging", "minio"), "staging")[f"{S3}ACCESS_KEY_ID"] == b"from-env"
    monkeypatch.delenv(f"{S3}ACCESS_KEY_ID")
    monkeypatch.delenv(f"{S3}SECRET_ACCESS_KEY")
    answers = iter(["typed-id", "typed-secret", ""])
    asked: list[str] = []

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert run(repo, "minio", "--env", "staging", "--replace") == 0
    assert len(asked) == 3
    assert decrypt(sealed(repo, "staging", "minio"), "staging") == {
        f"{S3}ACCESS_KEY_ID": b"typed-id", f"{S3}SECRET_ACCESS_KEY": b"typed-secret"}


def test_nothing_written_when_one_environment_fails(repo: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = PROJECT.parent / "shared/reference/sealed-secrets/fixtures"
    if not fixtures.is_dir():
        pytest.skip("reference fixtures not present")
    shutil.copy(fixtures / "test-only-controller-expired.crt", repo / "certs/prod.pem")
    both = env_file(tmp_path, f"{S3}ACCESS_KEY_ID=a\n{S3}SECRET_ACCESS_KEY=b\n")
    assert run(repo, "minio", "--all-envs", "--from-env-file", str(both)) == 2
    err = capsys.readouterr().err
    assert "failed to encrypt using an expired certificate on January 2, 2020" in err
    assert len(err.strip().splitlines()) == 1
    assert not (repo / "credentials/sealed").exists()


def test_pinned_fingerprint(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = repo / "gitops-seldon.yaml"
    pin = "sha256:" + "0" * 64
    config.write_text(config.read_text().replace(
        "sealedSecretsCert: certs/dev.pem",
        f"sealedSecretsCert: certs/dev.pem\n      certFingerprint: {pin}"))
    both = env_file(tmp_path, f"{S3}ACCESS_KEY_ID=a\n{S3}SECRET_ACCESS_KEY=b\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(both)) == 2
    assert "does not match certFingerprint" in capsys.readouterr().err
    real = subprocess.run(["openssl", "x509", "-in", str(repo / "certs/dev.pem"), "-noout",
                           "-fingerprint", "-sha256"], capture_output=True, text=True, check=True)
    openssl = "sha256:" + real.stdout.split("=")[1].strip().replace(":", "").lower()
    config.write_text(config.read_text().replace(pin, openssl))
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(both)) == 0
    assert sealed(repo, "dev", "minio")["metadata"]["annotations"][
        "gitops-seldon.dev/sealed-with"] == openssl


@pytest.mark.parametrize(("name", "text", "rule"), [
    ("gcs-models", "RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS=not-json-CANARY\n",
     "value-format"),
    ("gcs-models", 'RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS={"a": 1}\n'
                   'RCLONE_CONFIG_GCS_TOKEN={"refresh_token": "CANARY"}\n', "sealed-exclusive"),
    ("azure-blob", "RCLONE_CONFIG_AZUREBLOB_KEY=CANARY\n"
                   "RCLONE_CONFIG_AZUREBLOB_SAS_URL=https://x.example/CANARY\n",
     "sealed-exclusive"),
    ("azure-blob", "RCLONE_CONFIG_AZUREBLOB_SAS_URL=CANARY\n", "value-format"),
    ("minio", f"{S3}ACCESS_KEY_ID=CANARY\n", "sealed-pair"),
    ("minio", f"{S3}ACCESS_KEY_ID=CANARY\n{S3}ACCESS_KEY_ID=CANARY\n", "env-file"),
    ("minio", "this line is CANARY\n", "env-file"),
])
def test_bad_values_are_reported_without_values(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        name: str, text: str, rule: str) -> None:
    values = env_file(tmp_path, text)
    assert run(repo, name, "--env", "dev", "--from-env-file", str(values)) == 1
    out, err = capsys.readouterr()
    assert f": {rule}: " in out
    assert "CANARY" not in out + err
    assert not (repo / "credentials/sealed").exists()


def test_usage_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(repo, "minio") == 2
    assert run(repo, "minio", "--env", "nope") == 2
    assert run(repo, "nope", "--env", "dev") == 2
    assert run(repo, "--env", "dev") == 2
    assert all(line.startswith("gitops-seldon seal: ")
               for line in capsys.readouterr().err.strip().splitlines())


def test_unseal_command(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    both = env_file(tmp_path, f"{S3}ACCESS_KEY_ID=abc\n{S3}SECRET_ACCESS_KEY=def\n")
    assert run(repo, "minio", "--env", "dev", "--from-env-file", str(both)) == 0
    capsys.readouterr()
    target = str(repo / "credentials/sealed/dev/minio.yaml")
    # a backup of the key Secret (base64 tls.key), as `kubectl get secret -o yaml` gives it
    import base64
    key_pem = (KEYS / "dev.key").read_bytes()
    backup = tmp_path / "backup.yaml"
    backup.write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"
        "  type: kubernetes.io/tls\n  data:\n"
        f"    tls.key: {base64.b64encode((KEYS / 'prod.key').read_bytes()).decode()}\n"
        "- apiVersion: v1\n  kind: Secret\n  data:\n"
        f"    tls.key: {base64.b64encode(key_pem).decode()}\n")
    for key in (str(KEYS / "dev.key"), str(backup)):
        assert main(["unseal", "--key", key, target]) == 0
        out = capsys.readouterr().out
        assert f"{S3}ACCESS_KEY_ID: {base64.b64encode(b'abc').decode()}" in out
    assert main(["unseal", "--key", str(KEYS / "prod.key"), target]) == 2
    assert "no key could decrypt secret" in capsys.readouterr().err
    assert main(["unseal", "--key", target, target]) == 2
    assert "no RSA private key found" in capsys.readouterr().err


def test_expiry_date_wording() -> None:
    from gitops_seldon.sealing.certs import kubeseal_date

    assert kubeseal_date(datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)) == "January 2, 2020"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_example_sealed_files_decrypt_with_the_test_keys(env: str) -> None:
    folder = EXAMPLE / "credentials" / "sealed" / env
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert names == ["azure-blob", "gcs-models", "minio"]
    for name in names:
        values = decrypt(sealed(EXAMPLE, env, name), env)
        assert values and all(b"fake" in v.lower() for v in values.values())
