"""Canary plaintexts go through every command, on success and on every error path, and
never appear in a written file, a git object, stdout, stderr or a log.

Each command runs through the CLI entry point (``cli.main``) in a real git repository
copied from the bundled example; stdout and stderr are captured at the file-descriptor
level (so child processes such as git and kubectl are covered), every log record of every
logger is captured at DEBUG, and the canaries are also set as environment variables (a
command that dumped its environment would leak them). A command whose module does not
exist yet is skipped outside CI and fails under CI=true, so the test covers commands as they
land. ``unseal`` is left out on purpose: printing plaintext is its job (its error paths are
covered).
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import require

from gitops_seldon.cli import main

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"
KEYS = PROJECT / "tests" / "keys"

CANARIES = {
    "RCLONE_CONFIG_S3_ACCESS_KEY_ID": "CANARYaccess7q2w9e",
    "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "CANARYsecret/4r5t6y+u",
    "RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS":
        '{"type": "service_account", "private_key_id": "CANARYgcs8i9o0p"}',
    "RCLONE_CONFIG_AZUREBLOB_KEY": "CANARYazure1a2s3d",
}
BAD = {  # values that fail the schema, each a canary too
    "RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS": "CANARYnotjson5f6g",
    "RCLONE_CONFIG_AZUREBLOB_SAS_URL": "CANARYsasurl7h8j",
    "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": '"CANARYmultiline\\nk9l0"',
}
MARKERS = ("CANARY",)


def needles() -> list[bytes]:
    """The canary marker and every canary value, raw and base64 (a Secret's encoding)."""
    values = [*CANARIES.values(), "CANARYnotjson5f6g", "CANARYsasurl7h8j", "CANARYmultiline"]
    found = {m.encode() for m in MARKERS}
    for value in values:
        found.add(value.encode())
        found.add(base64.b64encode(value.encode()).rstrip(b"="))
    # markers inside base64 at any alignment
    for shift in range(3):
        encoded = base64.b64encode(b"x" * shift + b"CANARY")[4 if shift else 0:][:6]
        found.add(encoded)
    return sorted(found)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[bytes] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record).encode("utf-8", "replace"))


@dataclass
class Scene:
    root: Path
    outside: Path
    """Inputs the test writes (env files, a leaky manifest): not checked."""
    written: Path
    """Where commands are told to write outside the repository: checked."""
    capfd: pytest.CaptureFixture[str]
    records: Records
    outputs: list[bytes] = field(default_factory=list)

    def run(self, *args: str, expect: set[int] | None = None,
            extra_env: dict[str, str | None] | None = None) -> int:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in (extra_env or {}).items():
                if value is None:
                    patch.delenv(key, raising=False)
                else:
                    patch.setenv(key, value)
            patch.chdir(self.root)
            code = main(list(args))
        out, err = self.capfd.readouterr()
        self.outputs += [out.encode(), err.encode()]
        if expect is not None:
            assert code in expect, (args, code, err[-500:])
        return code


def git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout


@pytest.fixture
def scene(tmp_path: Path, capfd: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("deploy"))
    outside = tmp_path / "outside"
    outside.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    for key, value in CANARIES.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NO_COLOR", "1")
    records = Records()
    logging.getLogger().addHandler(records)
    previous = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    capfd.readouterr()
    try:
        written = tmp_path / "written"
        written.mkdir()
        yield Scene(root, outside, written, capfd, records)
    finally:
        logging.getLogger().removeHandler(records)
        logging.getLogger().setLevel(previous)


def assert_no_leak(scene: Scene, *extra_dirs: Path) -> None:
    """Outputs, every file in the work tree (and extra dirs), and every git object."""
    targets = needles()
    assert scene.outputs, "no command ran"
    for index, output in enumerate([*scene.outputs, *scene.records.lines]):
        for needle in targets:
            assert needle not in output, f"output #{index} leaks {needle!r}"
    git(scene.root, "add", "-A")
    status = git(scene.root, "status", "--porcelain")
    if status:
        git(scene.root, "commit", "-q", "-m", "everything the commands wrote")
    objects = git(scene.root, "cat-file", "--batch-all-objects", "--batch")
    assert objects
    for needle in targets:
        assert needle not in objects, f"a git object leaks {needle!r}"
    for directory in (scene.root, *extra_dirs):
        for path in directory.rglob("*"):
            if path.is_file() and ".git" not in path.relative_to(directory).parts[:1]:
                data = path.read_bytes()
                for needle in targets:
                    assert needle not in data, f"{path} leaks {needle!r}"
    home = Path(os.environ["HOME"])
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in targets), f"{path} (a log?) leaks a canary"


def command_available(name: str) -> None:
    require(importlib.util.find_spec(f"gitops_seldon.commands.{name}") is not None,
            f"gitops_seldon/commands/{name}.py does not exist yet")


def env_file(scene: Scene, values: dict[str, str], name: str = "values.env") -> Path:
    path = scene.outside / name
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def seal_everything(scene: Scene) -> None:
    good = env_file(scene, {k: v.replace('"', '\\"') if k.endswith("CREDENTIALS") else v
                            for k, v in CANARIES.items()})
    good.write_text("".join(
        f"{k}='{v}'\n" if k.endswith("CREDENTIALS") else f"{k}={v}\n"
        for k, v in CANARIES.items()))
    for name in ("minio", "gcs-models", "azure-blob"):
        scene.run("seal", name, "--all-envs", "--from-env-file", str(good), "--replace",
                  expect={0})


def test_seal(scene: Scene) -> None:
    command_available("seal")
    seal_everything(scene)
    # from environment variables (the canaries are set), merging into the files
    scene.run("seal", "minio", "--env", "dev", expect={0})
    # --from-file
    value = scene.outside / "sa.json"
    value.write_text(CANARIES["RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS"])
    scene.run("seal", "gcs-models", "--env", "prod", "--from-file",
              f"RCLONE_CONFIG_GCS_SERVICE_ACCOUNT_CREDENTIALS={value}", expect={0})
    # error paths: values failing the schema, with and without --debug and in every format
    for key, bad in BAD.items():
        name = {"GCS": "gcs-models", "AZU": "azure-blob", "S3_": "minio"}[key[14:17]]
        path = env_file(scene, {key: bad, **({"RCLONE_CONFIG_S3_ACCESS_KEY_ID": "CANARYx"}
                                              if name == "minio" else {})}, "bad.env")
        for fmt in ("text", "json", "github"):
            scene.run("seal", name, "--env", "dev", "--from-env-file", str(path),
                      "--format", fmt, "--debug", expect={1})
    # a malformed env file, a duplicate key, an unclosed quote
    broken = scene.outside / "broken.env"
    broken.write_text("CANARYline without equals\nRCLONE_CONFIG_S3_ACCESS_KEY_ID='CANARYopen\n")
    scene.run("seal", "minio", "--env", "dev", "--from-env-file", str(broken), expect={1})
    # a values file inside the repository that git does not ignore
    inside = scene.root / "values.env"
    inside.write_text("RCLONE_CONFIG_S3_ACCESS_KEY_ID=CANARYinside\n")
    scene.run("seal", "minio", "--env", "dev", "--from-env-file", str(inside), expect={2})
    inside.unlink()
    # pairs, exclusive modes through the environment only
    scene.run("seal", "minio", "--env", "dev", "--replace", expect={1},
              extra_env={"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": None})
    # a pinned certificate that does not match; an expired certificate
    config = scene.root / "gitops-seldon.yaml"
    original = config.read_text()
    config.write_text(original.replace(
        "sealedSecretsCert: certs/dev.pem",
        "sealedSecretsCert: certs/dev.pem\n      certFingerprint: sha256:" + "0" * 64))
    scene.run("seal", "minio", "--env", "dev", expect={2})
    config.write_text(original)
    # unknown credentials / environment, and unseal's error paths
    scene.run("seal", "nope", "--env", "dev", expect={2})
    scene.run("seal", "minio", "--env", "nope", expect={2})
    sealed = scene.root / "credentials/sealed/dev/minio.yaml"
    scene.run("unseal", "--key", str(KEYS / "prod.key"), str(sealed), expect={2})
    scene.run("unseal", "--key", str(sealed), str(sealed), expect={2})
    assert_no_leak(scene)


def plaintext_manifest(scene: Scene) -> Path:
    """A hand-written plaintext Secret outside the repository (input, not output)."""
    path = scene.outside / "leaky-secret.yaml"
    data = base64.b64encode(CANARIES["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"].encode()).decode()
    path.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaky\n"
        f"data:\n  RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: {data}\n"
        "stringData:\n"
        f"  RCLONE_CONFIG_S3_ACCESS_KEY_ID: {CANARIES['RCLONE_CONFIG_S3_ACCESS_KEY_ID']}\n")
    return path


def test_validate(scene: Scene) -> None:
    command_available("validate")
    if importlib.util.find_spec("gitops_seldon.commands.seal"):
        seal_everything(scene)
    leaky = plaintext_manifest(scene)
    scene.run("validate", expect={0, 1})
    for fmt in ("text", "json", "github"):
        scene.run("validate", str(leaky), "--format", fmt, expect={1})
        assert b"plaintext-secret" in scene.outputs[-2]
        scene.run("validate", "--secrets-only", str(leaky), "--format", fmt, expect={1})
    # a credentials file with a secret value where only clear fields belong
    credentials = scene.root / "credentials" / "minio.yaml"
    credentials.write_text(credentials.read_text()
                           + "  secret_access_key: CANARYinspec1z2x\n")
    scene.run("validate", expect={1})
    scene.run("validate", str(credentials), "--format", "json", expect={1})
    credentials.write_text(credentials.read_text().replace(
        "  secret_access_key: CANARYinspec1z2x\n", ""))
    # a sealed file with a broken value
    sealed = scene.root / "credentials/sealed/dev/minio.yaml"
    if sealed.exists():
        sealed.write_text(sealed.read_text().replace(": Ag", ": AgCANARY-broken", 1))
        scene.run("validate", expect={1})
        git(scene.root, "checkout", "--", str(sealed))
    assert_no_leak(scene)


def test_render_and_check(scene: Scene) -> None:
    command_available("render")
    if importlib.util.find_spec("gitops_seldon.commands.seal"):
        seal_everything(scene)
    scene.run("render", expect={0, 1})
    scene.run("render", "--check", expect={0, 1})
    scene.run("render", "--stdout", "--env", "dev", expect={0, 1})
    scene.run("render", "--commit", expect={0, 1, 2})
    # render refuses to write with a secret value in a spec
    credentials = scene.root / "credentials" / "minio.yaml"
    credentials.write_text(credentials.read_text()
                           + "  secret_access_key: CANARYinspec1z2x\n")
    scene.run("render", expect={1, 2})
    scene.run("render", "--check", "--format", "github", expect={1, 2})
    if importlib.util.find_spec("gitops_seldon.commands.check"):
        scene.run("check", expect={1, 2})
        scene.run("check", "--base", "HEAD", "--summary-file", str(scene.written / "summary.md"),
                  expect={1, 2})
    credentials.write_text(credentials.read_text().replace(
        "  secret_access_key: CANARYinspec1z2x\n", ""))
    scene.run("render", expect={0, 1})
    assert_no_leak(scene, scene.written)


def test_check(scene: Scene) -> None:
    command_available("check")
    if importlib.util.find_spec("gitops_seldon.commands.seal"):
        seal_everything(scene)
        scene.run("render", expect={0, 1})
        git(scene.root, "add", "-A")
        git(scene.root, "commit", "-q", "-m", "sealed and rendered")
        # re-seal one value: the summary may say the key changed, never its value
        path = env_file(scene, {"RCLONE_CONFIG_AZUREBLOB_KEY": "CANARYrotated3c4v"})
        scene.run("seal", "azure-blob", "--env", "prod", "--from-env-file", str(path),
                  expect={0})
        scene.run("render", expect={0, 1})
    for fmt in ("text", "json", "github"):
        scene.run("check", "--base", "HEAD", "--format", fmt, expect={0, 1})
    scene.run("check", "--base", "HEAD", "--summary-file", str(scene.written / "summary.md"),
              expect={0, 1})
    scene.run("check", "--base", "no-such-ref", expect={2})
    assert_no_leak(scene, scene.written)




def test_verify(scene: Scene, kube: Any) -> None:
    command_available("verify")
    if importlib.util.find_spec("gitops_seldon.commands.seal"):
        seal_everything(scene)
    # the live Secret the controller made holds the plaintext; verify must not print it
    for namespace in ("models-dev", "default"):
        kube.api.put({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "minio", "namespace": namespace},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in CANARIES.items()},
        })
        kube.api.put({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "orphan-CANARYname", "namespace": namespace},
            "data": {"CANARYkey": base64.b64encode(b"CANARYorphanvalue").decode()},
        })
    env: dict[str, str | None] = {"KUBECONFIG": str(kube.kubeconfig)}
    config = scene.root / "gitops-seldon.yaml"
    config.write_text(config.read_text().replace("kubeContext: kind-dev", "kubeContext: dev"))
    for fmt in ("text", "json", "github"):
        scene.run("verify", "--env", "dev", "--format", fmt, expect={0, 1, 2}, extra_env=env)
    leaky = plaintext_manifest(scene)
    scene.run("verify", "-f", str(leaky), "-n", "default", "--context", "test",
              expect={0, 1, 2}, extra_env=env)
    kube.api.fail(500, message="boom CANARY? no: a server error")
    scene.run("verify", "--env", "dev", expect={2}, extra_env=env)
    scene.outputs = [o.replace(b"boom CANARY? no: a server error", b"") for o in scene.outputs]
    assert_no_leak(scene)


def test_promote_and_status(scene: Scene) -> None:
    command_available("promote")
    command_available("status")
    if importlib.util.find_spec("gitops_seldon.commands.seal"):
        seal_everything(scene)
    models = sorted(p.stem for p in (scene.root / "models").glob("*.yaml"))
    scene.run("status", expect={0, 1})
    scene.run("status", "--format", "json", expect={0, 1})
    if models:
        scene.run("promote", models[0], "--model-uri", "s3://bucket/churn/v9", "--env", "dev",
                  expect={0, 1, 2})
    assert_no_leak(scene)
