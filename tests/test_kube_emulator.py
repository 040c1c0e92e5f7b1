"""The emulator itself, through the official client over real HTTP: what the verify tests
(and anyone else's) rely on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kube_emulator import Kube, label_matches
from kubernetes import client, config, dynamic
from kubernetes.client.exceptions import ApiException

GROUP, VERSION, PLURAL = "machinelearning.seldon.io", "v1", "seldondeployments"




@pytest.fixture
def api(kube: Kube) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kube.kubeconfig))


def sdep(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "SeldonDeployment",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"predictors": [{"name": "main", "replicas": 1}]}}


def test_create_stamps_server_fields_and_conflicts(kube: Kube, api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, sdep("a"))
    metadata = created["metadata"]
    assert metadata["namespace"] == "ns" and metadata["generation"] == 1
    assert metadata["uid"] and metadata["resourceVersion"].isdigit()
    assert metadata["creationTimestamp"].endswith("Z") and metadata["managedFields"]
    with pytest.raises(ApiException) as info:
        custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, sdep("a"))
    assert info.value.status == 409


def test_apply_creates_patches_and_honours_dry_run(kube: Kube, api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    apply: dict[str, Any] = {"field_manager": "me", "force": True,
                             "_content_type": "application/apply-patch+yaml"}
    dry = custom.patch_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "a", sdep("a"),
                                                dry_run="All", _preload_content=False, **apply)
    assert dry.status == 201  # created, as a real server answers an apply of a new object
    assert json.loads(dry.data)["metadata"]["name"] == "a"
    assert kube.api.get("SeldonDeployment", "ns", "a") is None
    custom.patch_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "a", sdep("a"), **apply)
    stored = kube.api.get("SeldonDeployment", "ns", "a")
    assert stored is not None and stored["metadata"]["managedFields"][0]["operation"] == "Apply"
    changed = sdep("a")
    changed["spec"]["predictors"][0]["replicas"] = 3
    merged = custom.patch_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "a", changed,
                                                   dry_run="All", **apply)
    assert merged["spec"]["predictors"][0]["replicas"] == 3
    assert merged["metadata"]["generation"] == 2
    assert kube.api.get("SeldonDeployment", "ns", "a") == stored  # nothing stored
    same = custom.patch_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "a", sdep("a"),
                                                 **apply)
    assert same["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]


def test_put_replaces_keeps_status_and_checks_the_version(kube: Kube, api: client.ApiClient
                                                          ) -> None:
    core = client.CoreV1Api(api)
    secret = client.V1Secret(metadata=client.V1ObjectMeta(name="s"), data={"K": "dg=="})
    core.create_namespaced_secret("ns", secret)
    current = core.read_namespaced_secret("s", "ns")
    current.data = {"K2": "dg=="}
    replaced = core.replace_namespaced_secret("s", "ns", current)
    assert replaced.data == {"K2": "dg=="}
    assert int(replaced.metadata.resource_version) > int(current.metadata.resource_version)
    with pytest.raises(ApiException) as info:
        core.replace_namespaced_secret("s", "ns", current)  # stale resourceVersion
    assert info.value.status == 409
    kube.api.put({**sdep("b"), "metadata": {"name": "b", "namespace": "ns"},
                  "status": {"state": "Available"}})
    custom = client.CustomObjectsApi(api)
    body = custom.get_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "b")
    body["status"] = {"state": "Failed"}
    custom.replace_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "b", body)
    assert custom.get_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "b")["status"] == {
        "state": "Available"}  # the status subresource owns it
    custom.patch_namespaced_custom_object_status(GROUP, VERSION, "ns", PLURAL, "b",
                                                 {"status": {"state": "Failed"}})
    assert kube.api.get("SeldonDeployment", "ns", "b")["status"] == {"state": "Failed"}


def test_lists_carry_kind_and_honour_selectors(kube: Kube, api: client.ApiClient) -> None:
    for name, labels in (("a", {"team": "x", "tier": "web"}), ("b", {"team": "y"}), ("c", {})):
        kube.api.put({**sdep(name, labels), "metadata": {"name": name, "namespace": "ns",
                                                         "labels": labels}})
    kube.api.put({**sdep("d"), "metadata": {"name": "d", "namespace": "other"}})
    dyn = dynamic.DynamicClient(api, cache_file=str(kube.kubeconfig.parent / "discovery.json"))
    resource = dyn.resources.get(api_version=f"{GROUP}/{VERSION}", kind="SeldonDeployment")
    listed = resource.get(namespace="ns")
    assert listed.kind == "SeldonDeploymentList" and listed.metadata.resourceVersion.isdigit()
    names = [item.metadata.name for item in listed.items]
    assert names == ["a", "b", "c"]

    def select(**kwargs: str) -> list[str]:
        return [i.metadata.name for i in resource.get(namespace="ns", **kwargs).items]

    assert select(label_selector="team=x") == ["a"]
    assert select(label_selector="team in (x,y),tier!=web") == ["b"]
    assert select(label_selector="!team") == ["c"]
    assert select(field_selector="metadata.name=b") == ["b"]
    assert [i.metadata.name for i in resource.get().items] == ["a", "b", "c", "d"]


def test_label_selector_grammar() -> None:
    labels = {"app": "iris", "env": "prod"}
    assert label_matches(labels, "app=iris,env==prod")
    assert label_matches(labels, "env notin (dev, staging), app")
    assert not label_matches(labels, "app!=iris")
    assert not label_matches(labels, "missing")


def test_faults_and_missing_kinds(kube: Kube, api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    kube.api.fail(500, path="/seldondeployments", times=1)
    with pytest.raises(ApiException) as info:
        custom.list_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL)
    assert info.value.status == 500
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL)["items"] == []
    kube.api.undeclare(GROUP, VERSION, PLURAL)
    with pytest.raises(ApiException) as info:
        custom.list_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL)
    assert info.value.status == 404 and info.value.body == "404 page not found\n"
    assert kube.api.requests == 3 and [m for m, _, _ in kube.api.log] == ["GET"] * 3


def test_secret_field_selector_on_type(kube: Kube, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    for name, kind in (("release", "helm.sh/release.v1"), ("plain", "Opaque")):
        core.create_namespaced_secret("ns", client.V1Secret(
            metadata=client.V1ObjectMeta(name=name), type=kind, data={"K": "dg=="}))
    listed = core.list_namespaced_secret("ns", field_selector="type!=helm.sh/release.v1")
    assert [s.metadata.name for s in listed.items] == ["plain"]
