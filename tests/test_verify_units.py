"""verify's pieces without a cluster: health, manifests input, reports, exit codes, and
the import boundary (validate and render never load the Kubernetes client)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.verify.desired import ObjectRef, from_text
from gitops_seldon.verify.diff import Change
from gitops_seldon.verify.engine import ObjectDrift, ObjectHealth, Result, exit_code
from gitops_seldon.verify.health import Health, sealed_health, seldon_health
from gitops_seldon.verify.report import write

FIXTURES = Path(__file__).parent / "fixtures" / "live"


def live(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / name).read_text())
    assert isinstance(data, dict)
    return data


# --- health ------------------------------------------------------------------------------


def test_seldon_health_from_status() -> None:
    assert seldon_health(live("seldondeployment-live.json")) == Health(True, "Available", "")
    failed = {"status": {"state": "Failed", "description": "Cannot find secret s3"}}
    assert seldon_health(failed) == Health(False, "Failed", "Cannot find secret s3")
    assert seldon_health({}).state == "Unknown"


def test_sealed_health_needs_synced_and_every_key() -> None:
    obj = live("sealedsecret-live.json")
    keys = frozenset(live("secret-live.json")["data"])
    assert sealed_health(obj, keys).healthy
    assert sealed_health(obj, None) == Health(False, "SecretMissing",
                                              "Secret s3-credentials does not exist")
    lacking = sealed_health(obj, keys - {"RCLONE_CONFIG_S3_REGION"})
    assert lacking == Health(False, "SecretIncomplete",
                             "Secret s3-credentials lacks key(s) RCLONE_CONFIG_S3_REGION")
    obj["status"]["conditions"][0].update(status="False", message="no key could decrypt secret")
    assert sealed_health(obj, keys) == Health(False, "NotSynced", "no key could decrypt secret")
    del obj["status"]
    assert sealed_health(obj, keys).state == "Unknown"


# --- manifests input ------------------------------------------------------------------------


def test_manifests_lists_and_other_kinds() -> None:
    text = """
apiVersion: v1
kind: List
items:
- apiVersion: machinelearning.seldon.io/v1
  kind: SeldonDeployment
  metadata: {name: a}
  spec: {predictors: []}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c, namespace: x}
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: s, namespace: other, creationTimestamp: 2026-01-01T00:00:00Z}
spec: {encryptedData: {K: Ag==}}
"""
    desired = from_text(text, "all.yaml", "models")
    assert [str(o.ref) for o in desired.objects] == [
        "SealedSecret other/s", "SeldonDeployment models/a"]
    assert desired.objects[0].line == 13
    # timestamps stay strings, as kubectl's YAML-to-JSON keeps them
    assert desired.objects[0].obj["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert desired.skipped == ("all.yaml:2: ConfigMap c is not compared (verify compares "
                               "SealedSecret, SeldonDeployment)",)


def test_manifest_errors_are_one_line() -> None:
    with pytest.raises(GitopsSeldonError, match=r"^x.yaml:1: SeldonDeployment a has no namespace"):
        from_text("kind: SeldonDeployment\nmetadata: {name: a}\n", "x.yaml", None)
    with pytest.raises(GitopsSeldonError, match=r"^x.yaml:\d+:\d+: "):
        from_text("kind: [unclosed\n", "x.yaml", None)
    twice = "kind: SealedSecret\nmetadata: {name: a, namespace: n}\n"
    with pytest.raises(GitopsSeldonError, match="appears twice"):
        from_text(f"{twice}---\n{twice}", "x.yaml", None)


def test_bad_manifest_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gitops_seldon.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text("kind: SeldonDeployment\nmetadata: {name: a}\n")
    assert main(["verify", "--repo", str(tmp_path), "-f", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "has no namespace; pass --namespace or --env" in err
    assert main(["verify", "--repo", str(tmp_path), "-f", str(tmp_path / "nope.yaml")]) == 2
    assert main(["verify", "--repo", str(tmp_path)]) == 2  # no repository, no -f
    err = capsys.readouterr().err
    assert "nope.yaml: no such file" in err and "no gitops-seldon.yaml" in err


# --- reports and exit codes -----------------------------------------------------------------

REF = ObjectRef("SeldonDeployment", "models", "iris")
CHANGE = Change("changed", "spec.predictors[main].replicas", "/spec/predictors/0/replicas", 2, 3)
DRIFTED = Result("prod", ("models",), "prod", compared=2, drift=(
    ObjectDrift(REF, "changed", "machinelearning.seldon.io/v1", (CHANGE,),
                "--- git/x\n+++ live/x\n@@ -1 +1 @@\n-replicas: 2\n+replicas: 3\n",
                "models/iris.yaml"),),
    health=(ObjectHealth(REF, Health(False, "Failed", "ImagePullBackOff"), "models/iris.yaml"),))
CLEAN = Result("dev", ("models-dev",), None, compared=4)
BROKEN = Result("staging", ("models-staging",), error="timed out after 30s waiting for https://x")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_exit_codes() -> None:
    assert exit_code([CLEAN]) == 0
    assert exit_code([CLEAN, DRIFTED]) == 1
    assert exit_code([DRIFTED, BROKEN]) == 2
    unhealthy = Result("dev", health=DRIFTED.health)
    assert exit_code([unhealthy]) == 0
    assert exit_code([unhealthy], require_healthy=True) == 1


def test_text_report() -> None:
    stream = io.StringIO()
    write([DRIFTED, CLEAN, BROKEN], "text", stream)
    assert stream.getvalue() == (
        "prod (namespace models; context prod): 1 changed; 1 unhealthy\n"
        "  changed   SeldonDeployment models/iris\n"
        "      spec.predictors[main].replicas: git 2, live 3\n"
        "      --- git/x\n      +++ live/x\n      @@ -1 +1 @@\n"
        "      -replicas: 2\n      +replicas: 3\n"
        "  unhealthy SeldonDeployment models/iris: Failed: ImagePullBackOff\n"
        "dev (namespace models-dev): in sync (4 objects)\n"
        "staging (namespace models-staging): could not tell: timed out after 30s waiting for "
        "https://x\n"
    )


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    stream = Tty()
    write([DRIFTED], "text", stream)
    assert "\033[" in stream.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    stream = Tty()
    write([DRIFTED], "text", stream)
    assert "\033[" not in stream.getvalue()


def test_json_report() -> None:
    stream = io.StringIO()
    write([DRIFTED, BROKEN], "json", stream)
    data = json.loads(stream.getvalue())
    assert data["exitCode"] == 2
    prod, staging = data["environments"]
    assert prod["status"] == "drift" and staging["status"] == "unknown"
    assert prod["objects"][0]["changes"] == [{
        "op": "changed", "path": "spec.predictors[main].replicas",
        "pointer": "/spec/predictors/0/replicas", "git": 2, "live": 3,
        "message": "spec.predictors[main].replicas: git 2, live 3"}]
    assert prod["health"] == [{"kind": "SeldonDeployment", "namespace": "models",
                               "name": "iris", "healthy": False, "state": "Failed",
                               "reason": "ImagePullBackOff"}]


def test_github_report() -> None:
    stream = io.StringIO()
    write([DRIFTED, BROKEN], "github", stream)
    assert stream.getvalue().splitlines() == [
        "::error file=models/iris.yaml,title=drift in prod::SeldonDeployment models/iris "
        "changed%0Aspec.predictors[main].replicas: git 2, live 3",
        "::warning file=models/iris.yaml,title=unhealthy in prod::SeldonDeployment models/iris:"
        " Failed: ImagePullBackOff",
        "prod: 1 changed; 1 unhealthy",
        "::error title=verify staging::timed out after 30s waiting for https://x",
    ]


def test_validate_and_render_never_import_the_kubernetes_client() -> None:
    code = (
        "import sys\n"
        "import gitops_seldon.cli, gitops_seldon.commands.validate\n"
        "import gitops_seldon.commands.render\n"
        "import gitops_seldon.validate, gitops_seldon.plan\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes'"
        " or m == 'gitops_seldon.cluster')\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
