"""verify end to end against the kmock-based emulator over real HTTP, through the
official client and a generated kubeconfig: clean after apply, each kind of drift reported
and only it, health beside drift, the error matrix, several environments at once."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kube_emulator import Kube, write_kubeconfig
from kubernetes import client, config

from gitops_seldon.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "live"
NS = "models"
SELDON = ("machinelearning.seldon.io", "v1", "seldondeployments")
SEALED = ("bitnami.com", "v1alpha1", "sealedsecrets")
LABELS = {"app.kubernetes.io/managed-by": "gitops-seldon", "gitops-seldon.dev/environment": "prod"}




def iris() -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / "seldondeployment-desired.yaml").read_text())
    assert isinstance(data, dict)
    return data


def sealed() -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / "sealedsecret-desired.yaml").read_text())
    assert isinstance(data, dict)
    return data


def wine() -> dict[str, Any]:
    return {
        "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
        "metadata": {"name": "wine", "namespace": NS,
                     "labels": {**LABELS, "app.kubernetes.io/name": "wine"},
                     "annotations": {"gitops-seldon.dev/source": "models/wine.yaml"}},
        "spec": {"protocol": "v2", "predictors": [{
            "name": "main", "replicas": 1,
            "componentSpecs": [{"spec": {"containers": [{
                "name": "wine", "image": "registry.example.com/wine:1.4.2",
                "ports": [{"containerPort": 8080, "name": "http"}]}]}}],
            "graph": {"name": "wine", "type": "MODEL", "modelUri": "gs://models/wine/7",
                      "envSecretRefName": "s3-credentials"},
        }]},
    }


def desired() -> list[dict[str, Any]]:
    return [iris(), wine(), sealed()]


def api_client(kube: Kube) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kube.kubeconfig))


def apply(kube: Kube, objects: list[dict[str, Any]], *, healthy: bool = True) -> None:
    """Create the objects over HTTP as a GitOps controller would, then let the 'operators'
    report status and the sealed-secrets controller produce the Secret."""
    custom = client.CustomObjectsApi(api_client(kube))
    for obj in objects:
        group, version, plural = SELDON if obj["kind"] == "SeldonDeployment" else SEALED
        custom.create_namespaced_custom_object(group, version, obj["metadata"]["namespace"],
                                               plural, copy.deepcopy(obj))
        name = obj["metadata"]["name"]
        if obj["kind"] == "SeldonDeployment":
            status = {"state": "Available" if healthy else "Failed",
                      "description": "" if healthy else "Deployment iris-main-0-iris: "
                      "ImagePullBackOff", "replicas": 1}
            kube.api.edit("SeldonDeployment", NS, name, lambda o, s=status: o.update(status=s))
        else:
            status = {"observedGeneration": 1, "conditions": [
                {"type": "Synced", "status": "True"}]}
            kube.api.edit("SealedSecret", NS, name, lambda o, s=status: o.update(status=s))
            keys = [*obj["spec"]["encryptedData"], *obj["spec"]["template"].get("data", {})]
            kube.api.put({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                          "metadata": {"name": name, "namespace": NS},
                          "data": dict.fromkeys(keys, "ZmFrZQ==")})


def manifests(tmp_path: Path, objects: list[dict[str, Any]]) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return path


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def verify_json(capsys: pytest.CaptureFixture[str], path: Path, *args: str
                ) -> tuple[int, dict[str, Any]]:
    code, out, err = verify(capsys, "-f", str(path), "--format", "json", *args)
    assert "Traceback" not in out + err
    return code, json.loads(out)


@pytest.fixture
def applied(kube: Kube, tmp_path: Path) -> Path:
    apply(kube, desired())
    return manifests(tmp_path, desired())


def test_applied_manifests_verify_clean(kube: Kube, applied: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    kube.api.log.clear()
    code, out, _ = verify(capsys, "-f", str(applied))
    assert code == 0, out
    assert out == "prod (namespace models): in sync (3 objects)\n"
    # read-only: one labelled list per kind, nothing written
    assert sorted(kube.api.log) == [
        ("GET", "/api/v1/namespaces/models/secrets",
         "fieldSelector=type!%3Dhelm.sh/release.v1,type!%3Dkubernetes.io/service-account-token"),
        ("GET", "/apis/bitnami.com/v1alpha1/namespaces/models/sealedsecrets",
         "labelSelector=app.kubernetes.io/managed-by%3Dgitops-seldon"),
        ("GET", "/apis/machinelearning.seldon.io/v1/namespaces/models/seldondeployments",
         "labelSelector=app.kubernetes.io/managed-by%3Dgitops-seldon"),
    ]


def test_stdin_manifests(kube: Kube, applied: Path, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(applied.read_text()))
    code, out, _ = verify(capsys, "-f", "-")
    assert code == 0, out


def _main(obj: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in obj["spec"]["predictors"] if p["name"] == "main")


def _iris_container(obj: dict[str, Any]) -> dict[str, Any]:
    container = _main(obj)["componentSpecs"][0]["spec"]["containers"][0]
    assert isinstance(container, dict)
    return container


MAIN = "spec.predictors[main]"
IRIS = f"{MAIN}.componentSpecs[0].spec.containers[iris]"


def edit(kind: str, name: str, change: Callable[[dict[str, Any]], object]
         ) -> Callable[[Kube], None]:
    def run(kube: Kube) -> None:
        kube.api.edit(kind, NS, name, change)
    return run


def sdep(change: Callable[[dict[str, Any]], object]) -> Callable[[Kube], None]:
    return edit("SeldonDeployment", "iris", change)


def _orphan(kube: Kube) -> None:
    obj = wine()
    obj["metadata"]["name"] = "old-model"
    kube.api.put(obj)


def _delete_wine(kube: Kube) -> None:
    kube.api.delete("SeldonDeployment", NS, "wine")


def _add_predictor(obj: dict[str, Any]) -> None:
    obj["spec"]["predictors"].append({"name": "shadow", "shadow": True, "replicas": 1,
                                      "graph": {"name": "iris", "modelUri": "s3://x"}})


def _shift(obj: dict[str, Any]) -> None:
    for predictor in obj["spec"]["predictors"]:
        predictor["traffic"] = 50


def _secret(name: str, value: str | None) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        if value is None:
            del obj["spec"]["encryptedData"][name]
        else:
            obj["spec"]["encryptedData"][name] = value
    return change


Expected = list[tuple[str, str, list[str]]]
KEY = "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"

DRIFT: dict[str, tuple[Callable[[Kube], None], Expected]] = {
    "replicas changed": (sdep(lambda o: _main(o).update(replicas=3)),
                         [("changed", "iris", [f"{MAIN}.replicas: git 2, live 3"])]),
    "image changed": (
        edit("SeldonDeployment", "wine", lambda o: _main(o)["componentSpecs"][0]["spec"][
            "containers"][0].update(image="registry.example.com/wine:1.5.0")),
        [("changed", "wine", [f'{MAIN}.componentSpecs[0].spec.containers[wine].image: git '
                              '"registry.example.com/wine:1.4.2", live '
                              '"registry.example.com/wine:1.5.0"'])]),
    "env var added": (
        sdep(lambda o: _iris_container(o)["env"].append({"name": "DEBUG", "value": "1"})),
        [("changed", "iris", [f'{IRIS}.env[DEBUG]: live only {{"name": "DEBUG", "value": "1"}}'])]),
    "env var changed": (
        sdep(lambda o: _iris_container(o)["env"][0].update(value="DEBUG")),
        [("changed", "iris", [f'{IRIS}.env[LOG_LEVEL].value: git "INFO", live "DEBUG"'])]),
    "traffic shifted": (sdep(_shift), [("changed", "iris", [
        f"{MAIN}.traffic: git 90, live 50", "spec.predictors[canary].traffic: git 10, live 50"])]),
    "label removed": (
        sdep(lambda o: o["metadata"]["labels"].pop("app.kubernetes.io/name")),
        [("changed", "iris", ['metadata.labels.app.kubernetes.io/name: git "iris", absent live'])]),
    "managed-by label removed (found by the unlabelled list)": (
        sdep(lambda o: o["metadata"]["labels"].pop("app.kubernetes.io/managed-by")),
        [("changed", "iris", ['metadata.labels.app.kubernetes.io/managed-by: git '
                              '"gitops-seldon", absent live'])]),
    "annotation changed": (
        sdep(lambda o: o["metadata"]["annotations"].update(
            {"gitops-seldon.dev/source": "models/other.yaml"})),
        [("changed", "iris", ['metadata.annotations.gitops-seldon.dev/source: git '
                              '"models/iris.yaml", live "models/other.yaml"'])]),
    "predictor added": (sdep(_add_predictor), [("changed", "iris", [
        'spec.predictors[shadow]: live only {"graph": {"modelUri": "s3://x", "name": "iris"}, '
        '"name": "shadow", "replicas": 1, "shadow": true}'])]),
    "predictor removed": (
        sdep(lambda o: o["spec"]["predictors"].remove(
            next(p for p in o["spec"]["predictors"] if p["name"] == "canary"))),
        [("changed", "iris", ['spec.predictors[canary]: git {"graph": {"envSecretRefName": '
                              '"s3-credentials", "implementation": "SKLEARN_SERVER", "modelUri": '
                              '"s3://models/iris/v4", "name": "iris"}, "name": "canary", '
                              '"replicas": 1, "traffic": 10}, absent live'])]),
    "resources changed": (
        sdep(lambda o: _iris_container(o)["resources"]["limits"].update(cpu="3")),
        [("changed", "iris", [f'{IRIS}.resources.limits.cpu: git "2", live "3"'])]),
    "object deleted": (_delete_wine, [("missing", "wine", [])]),
    "orphan created": (_orphan, [("orphaned", "old-model", [])]),
    "SealedSecret key changed": (
        edit("SealedSecret", "s3-credentials", _secret(KEY, "AgBnotTheSameCiphertext==")),
        [("changed", "s3-credentials", [f"encrypted value of {KEY} differs"])]),
    "SealedSecret key removed": (
        edit("SealedSecret", "s3-credentials", _secret(KEY, None)),
        [("changed", "s3-credentials", [f"encrypted value of {KEY} is in git but not in the "
                                        "cluster"])]),
    "SealedSecret clear field changed": (
        edit("SealedSecret", "s3-credentials",
             lambda o: o["spec"]["template"]["data"].update(RCLONE_CONFIG_S3_REGION="us-east-1")),
        [("changed", "s3-credentials", ['spec.template.data.RCLONE_CONFIG_S3_REGION: git '
                                        '"eu-west-1", live "us-east-1"'])]),
    "modelUri changed": (
        sdep(lambda o: _main(o)["graph"].update(modelUri="s3://models/iris/v2")),
        [("changed", "iris", [f'{MAIN}.graph.modelUri: git "s3://models/iris/v3", '
                              'live "s3://models/iris/v2"'])]),
    "parameter changed": (
        sdep(lambda o: _main(o)["graph"]["parameters"][1].update(value="0.9")),
        [("changed", "iris", [f'{MAIN}.graph.parameters[threshold].value: git "0.5", '
                              'live "0.9"'])]),
    "serviceAccountName changed": (
        sdep(lambda o: _main(o)["componentSpecs"][0]["spec"].update(serviceAccountName="default")),
        [("changed", "iris", [f'{MAIN}.componentSpecs[0].spec.serviceAccountName: git '
                              '"models-reader", live "default"'])]),
    "hpa maxReplicas changed": (
        sdep(lambda o: _main(o)["componentSpecs"][0]["hpaSpec"].update(maxReplicas=10)),
        [("changed", "iris", [f"{MAIN}.componentSpecs[0].hpaSpec.maxReplicas: git 5, live 10"])]),
    "container port changed": (
        sdep(lambda o: _iris_container(o)["ports"][0].update(containerPort=9100)),
        [("changed", "iris", [f'{IRIS}.ports[9000/TCP]: git {{"containerPort": 9000, "name": '
                              '"metrics", "protocol": "TCP"}, absent live',
                              f'{IRIS}.ports[9100/TCP]: live only {{"containerPort": 9100, '
                              '"name": "metrics", "protocol": "TCP"}'])]),
}


@pytest.mark.parametrize("case", sorted(DRIFT))
def test_each_kind_of_drift_is_reported_and_only_it(case: str, kube: Kube, applied: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    change, expected = DRIFT[case]
    change(kube)
    code, report = verify_json(capsys, applied)
    assert code == 1
    [environment] = report["environments"]
    found = [
        (o["action"], o["name"], [c["message"] for c in o["changes"]])
        for o in environment["objects"]
    ]
    assert found == expected


def test_text_report_has_a_unified_yaml_diff(kube: Kube, applied: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    kube.api.edit("SeldonDeployment", NS, "iris", lambda o: _main(o).update(replicas=3))
    code, out, _ = verify(capsys, "-f", str(applied))
    assert code == 1
    assert "  changed   SeldonDeployment models/iris\n" in out
    assert f"      {MAIN}.replicas: git 2, live 3\n" in out
    assert "--- git/machinelearning.seldon.io.v1.SeldonDeployment.models.iris" in out
    assert "-    replicas: 2\n" in out and "+    replicas: 3\n" in out
    assert "\033[" not in out  # not a TTY: no colour


def test_secret_ciphertexts_never_reach_the_output(kube: Kube, applied: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    kube.api.edit("SealedSecret", NS, "s3-credentials",
                  _secret(KEY, "AgBnotTheSameCiphertext=="))
    ciphertexts = [*sealed()["spec"]["encryptedData"].values(), "AgBnotTheSameCiphertext=="]
    for fmt in ("text", "json", "github"):
        code, out, err = verify(capsys, "-f", str(applied), "--format", fmt)
        assert code == 1
        assert f"encrypted value of {KEY} differs" in out.replace("%0A", "\n")
        for ciphertext in ciphertexts:
            assert ciphertext not in out + err
        assert "ZmFrZQ" not in out + err  # the produced Secret's values, read on the list


def test_orphans_of_other_environments_are_not_ours(kube: Kube, applied: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    obj = wine()
    obj["metadata"]["name"] = "staging-only"
    obj["metadata"]["labels"]["gitops-seldon.dev/environment"] = "staging"
    kube.api.put(obj)
    unlabelled = wine()
    unlabelled["metadata"]["name"] = "hand-made"
    unlabelled["metadata"]["labels"] = {}
    kube.api.put(unlabelled)
    code, report = verify_json(capsys, applied)
    assert code == 0, report


def test_health_is_reported_beside_drift(kube: Kube, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    apply(kube, desired(), healthy=False)
    kube.api.edit("SealedSecret", NS, "s3-credentials", lambda o: o.update(status={
        "conditions": [{"type": "Synced", "status": "False",
                        "message": "no key could decrypt secret "
                                   "(RCLONE_CONFIG_S3_ACCESS_KEY_ID)"}]}))
    path = manifests(tmp_path, desired())
    code, out, _ = verify(capsys, "-f", str(path))
    assert code == 0, out
    assert ("  unhealthy SeldonDeployment models/iris: Failed: Deployment iris-main-0-iris: "
            "ImagePullBackOff\n") in out
    assert ("  unhealthy SealedSecret models/s3-credentials: NotSynced: no key could decrypt "
            "secret (RCLONE_CONFIG_S3_ACCESS_KEY_ID)\n") in out
    code, _, _ = verify(capsys, "-f", str(path), "--require-healthy")
    assert code == 1


def test_a_sealed_secret_without_its_secret_is_unhealthy(
        kube: Kube, applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kube.api.delete("Secret", NS, "s3-credentials")
    code, report = verify_json(capsys, applied, "--require-healthy")
    assert code == 1
    states = {h["name"]: (h["state"], h["reason"]) for h in report["environments"][0]["health"]}
    assert states["s3-credentials"] == ("SecretMissing", "Secret s3-credentials does not exist")
    assert states["iris"] == ("Available", "")


def test_request_count_does_not_grow_with_objects(kube: Kube, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    counts = []
    for n in (2, 40):
        kube.api.reset()
        objects = [sealed()]
        for i in range(n):
            obj = wine()
            obj["metadata"]["name"] = f"model-{i:03d}"
            objects.append(obj)
        apply(kube, objects)
        path = manifests(tmp_path, objects)
        kube.api.requests = 0
        code, _ = verify_json(capsys, path)
        assert code == 0
        counts.append(kube.api.requests)
    assert counts[0] == counts[1] == 3  # SeldonDeployments, SealedSecrets, Secrets


def test_server_side_mode_sends_a_dry_run_apply(kube: Kube, applied: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify_json(capsys, applied, "--server-side")
    assert code == 0, report
    patches = [entry for entry in kube.api.log if entry[0] == "PATCH"]
    assert len(patches) == 3
    assert all("dryRun=All" in q and "fieldManager=gitops-seldon" in q and "force=true" in q
               for _, _, q in patches)
    assert kube.api.get("SeldonDeployment", NS, "iris")["metadata"]["resourceVersion"] == (
        kube.api.get("SeldonDeployment", NS, "iris")["metadata"]["resourceVersion"])
    kube.api.edit("SeldonDeployment", NS, "iris", lambda o: _main(o).update(replicas=3))
    code, report = verify_json(capsys, applied, "--server-side")
    assert code == 1
    [drifted] = report["environments"][0]["objects"]
    assert [c["path"] for c in drifted["changes"]] == [f"{MAIN}.replicas"]


def test_server_side_falls_back_when_rbac_forbids_patch(kube: Kube, applied: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    kube.api.fail(403, method="PATCH", message="seldondeployments.machinelearning.seldon.io "
                  '"iris" is forbidden: User "ci" cannot patch resource')
    kube.api.edit("SeldonDeployment", NS, "iris", lambda o: _main(o).update(replicas=3))
    code, report = verify_json(capsys, applied, "--server-side")
    assert code == 1
    environment = report["environments"][0]
    assert [o["name"] for o in environment["objects"]] == ["iris"]
    assert any("compared locally" in note for note in environment["notes"])


# --- could not tell: exit 2 with a one-line reason ---------------------------------------


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ERRORS: dict[str, tuple[Callable[[Kube, Path], list[str]], str]] = {
    "connection refused": (
        lambda kube, tmp: ["--kubeconfig", str(write_kubeconfig(
            tmp / "refused", f"http://127.0.0.1:{_refused_port()}"))],
        "cannot connect to http://127.0.0.1:{port}: connection refused"),
    "401": (lambda kube, tmp: kube.api.fail(401) or [],
            "unauthorized (401) at {url}: the credentials of the current context were refused"),
    "403 on list": (
        lambda kube, tmp: kube.api.fail(403, method="GET", path="/seldondeployments", message=(
            'seldondeployments.machinelearning.seldon.io is forbidden: User "system:serviceaccount'
            ':ci:verify" cannot list resource "seldondeployments" in API group '
            '"machinelearning.seldon.io" in the namespace "models"')) or [],
        'forbidden (403): cannot list seldondeployments.machinelearning.seldon.io in namespace '
        'models: seldondeployments.machinelearning.seldon.io is forbidden: User '
        '"system:serviceaccount:ci:verify" cannot list resource "seldondeployments" in API '
        'group "machinelearning.seldon.io" in the namespace "models"'),
    "404 missing CRD": (
        lambda kube, tmp: kube.api.undeclare("bitnami.com", "v1alpha1", "sealedsecrets") or [],
        "the cluster does not serve sealedsecrets.bitnami.com/v1alpha1 (404 on list): is its "
        "CRD installed?"),
    "500": (
        lambda kube, tmp: kube.api.fail(500, message="Internal error occurred: etcdserver: "
                                        "request timed out") or [],
        "the API server answered 500 Internal Server Error when asked to list "
        "seldondeployments.machinelearning.seldon.io in namespace models: Internal error "
        "occurred: etcdserver: request timed out"),
    "timeout": (lambda kube, tmp: kube.api.fail(delay=1.0) or ["--timeout", "0.3"],
                "timed out after 0.3s waiting for {url}"),
    "unknown context": (lambda kube, tmp: ["--context", "nowhere"],
                        "kubeconfig has no context 'nowhere'"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_could_not_tell_is_exit_2_with_one_line(case: str, fmt: str, kube: Kube, applied: Path,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    setup, reason = ERRORS[case]
    extra = setup(kube, tmp_path)
    code, out, err = verify(capsys, "-f", str(applied), "--format", fmt, *extra)
    assert code == 2
    assert "Traceback" not in out + err and err == ""
    if fmt == "json":
        [environment] = json.loads(out)["environments"]
        assert environment["status"] == "unknown"
        message = environment["error"]
    else:
        [line] = out.splitlines()
        assert line.startswith("prod (namespace models")
        message = line.split(": could not tell: ", 1)[1]
    if "{port}" in reason:
        port = extra[1] and Path(extra[1]).read_text().split("127.0.0.1:")[1].split()[0]
        reason = reason.replace("{port}", port)
    assert message == reason.replace("{url}", kube.url)


def test_several_environments_at_once_in_a_stable_order(kube: Kube) -> None:
    from gitops_seldon.source import parse
    from gitops_seldon.verify.desired import Desired, from_documents
    from gitops_seldon.verify.engine import Target, verify_targets

    targets = []
    for env in ("prod", "dev", "staging"):
        objects = []
        for obj in (wine(), sealed()):
            obj["metadata"]["namespace"] = f"models-{env}"
            obj["metadata"]["labels"]["gitops-seldon.dev/environment"] = env
            objects.append(obj)
        apply_to = copy.deepcopy(objects)
        for obj in apply_to:
            kube.api.put(obj)
        if env == "dev":
            kube.api.edit("SeldonDeployment", f"models-{env}", "wine",
                          lambda o: _main(o).update(replicas=4))
        documents, problems = parse(yaml.safe_dump_all(objects), f"{env}.yaml")
        assert not problems
        built: Desired = from_documents(documents, None)
        targets.append(Target(env, built, namespace=f"models-{env}", env_label=env, context=env))
    targets.append(Target("broken", None, error="cannot plan broken: no such thing"))
    results = verify_targets(targets)
    assert [r.target for r in results] == ["prod", "dev", "staging", "broken"]
    assert [r.context for r in results] == ["prod", "dev", "staging", None]
    assert [bool(r.drift) for r in results] == [False, True, False, False]
    assert results[3].error == "cannot plan broken: no such thing"


def test_fetch_certificate_through_the_service_proxy(kube: Kube) -> None:
    from gitops_seldon.cluster import ClusterError, fetch_certificate

    pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
    kube.api.certificates[("kube-system", "sealed-secrets-controller")] = pem
    assert fetch_certificate(kubeconfig=str(kube.kubeconfig)) == pem
    with pytest.raises(ClusterError, match="no endpoints available"):
        fetch_certificate(kubeconfig=str(kube.kubeconfig), name="other")


def test_in_cluster_config_is_used_without_a_kubeconfig(
        kube: Kube, applied: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from kubernetes.config import incluster_config

    token, cert = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("in-cluster-token")
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(cert))
    monkeypatch.delenv("KUBECONFIG")
    port = kube.url.rsplit(":", 1)[1]
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    code, out, err = verify(capsys, "-f", str(applied), "--timeout", "2")
    # the in-cluster config speaks https to the service host; the emulator speaks http
    assert code == 2, out
    assert f"https://127.0.0.1:{port}" in out and "Traceback" not in out + err
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    code, out, _ = verify(capsys, "-f", str(applied))
    assert code == 2
    assert out.endswith("could not tell: no kubeconfig: set KUBECONFIG, pass --kubeconfig, or "
                        "run inside a pod (in-cluster config)\n")


def test_kubectl_diff_agrees_on_the_exit_codes(kube: Kube, applied: Path, kubectl: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    def kubectl_diff() -> int:
        result = subprocess.run([kubectl, "diff", "--server-side", "--force-conflicts", "-f",
                                 str(applied)], capture_output=True, text=True, check=False)
        return result.returncode

    assert (kubectl_diff(), verify(capsys, "-f", str(applied))[0]) == (0, 0)
    kube.api.edit("SeldonDeployment", NS, "iris", lambda o: _main(o).update(replicas=3))
    assert (kubectl_diff(), verify(capsys, "-f", str(applied))[0]) == (1, 1)
    kube.api.undeclare(*SELDON)
    assert kubectl_diff() > 1
    assert verify(capsys, "-f", str(applied))[0] == 2


def test_kubeconfig_list_and_contexts(kube: Kube, applied: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = write_kubeconfig(tmp_path / "elsewhere", f"http://127.0.0.1:{_refused_port()}",
                                 contexts=("elsewhere",), current="elsewhere", cluster="gone")
    monkeypatch.setenv("KUBECONFIG", f"{elsewhere}:{kube.kubeconfig}")
    code, out, _ = verify(capsys, "-f", str(applied), "--context", "prod")
    assert code == 0, out
    assert out.startswith("prod (namespace models; context prod): in sync")
    code, out, _ = verify(capsys, "-f", str(applied))  # the first file's current context
    assert code == 2 and out.endswith(": connection refused\n")
    code, out, _ = verify(capsys, "-f", str(applied), "--kubeconfig", str(kube.kubeconfig))
    assert code == 0, out


def test_a_repository_with_problems_is_exit_2(kube: Kube, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gitops-seldon.yaml").write_text(
        "apiVersion: gitops-seldon.dev/v1alpha1\nkind: Config\nspec:\n  environments: {}\n"
        "  bogus: 1\n")
    code, out, err = verify(capsys, "--repo", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("gitops-seldon verify: cannot read the repository: gitops-seldon.yaml:")
    assert err.count("\n") == 1


def test_objects_shaped_by_a_real_server_are_in_sync_end_to_end(
        kube: Kube, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("seldondeployment-live.json", "sealedsecret-live.json", "secret-live.json"):
        kube.api.put(json.loads((FIXTURES / name).read_text()), keep_fields=True)
    path = manifests(tmp_path, [iris(), sealed()])
    code, out, _ = verify(capsys, "-f", str(path), "--require-healthy")
    assert (code, out) == (0, "prod (namespace models): in sync (2 objects)\n")
