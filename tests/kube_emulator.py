"""A Kubernetes API for tests: kmock 0.8's emulator, extended, over real HTTP on 127.0.0.1.

``GitOpsEmulator`` subclasses ``kmock.KubernetesEmulator`` as the reference notes
(drift-and-validation.md section 3.3) describe, and keeps its own object store so that
the behaviour verify relies on is exact and cheap:

- the request log is capped (stock kmock re-filters its whole log on every request);
  ``requests`` counts every request and ``log`` keeps the last few hundred
  ``(method, path, query)`` for assertions;
- create (POST), read, list, PUT (replace), PATCH (merge, strategic-as-merge, JSON patch,
  and server-side apply that creates a missing object), DELETE;
- ``dryRun=All`` on every write answers without storing;
- server fields: ``uid``, ``resourceVersion`` (bumped on every write), ``generation``
  (bumped on spec changes), ``creationTimestamp``, a ``managedFields`` entry per manager;
  main-resource writes keep ``status`` (the status subresource owns it, as with the
  Seldon and SealedSecret CRDs); ``/status`` writes change only ``status``;
- lists carry ``apiVersion``, ``kind: <Kind>List`` and a numeric ``resourceVersion``, and
  honour ``labelSelector`` (``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``)
  and ``fieldSelector`` (``metadata.name``, ``metadata.namespace``, ``type``);
- an undeclared kind answers ``404 page not found`` as a real server does for a CRD that
  is not installed (``undeclare``);
- fault injection (``fail``): a status with a real-looking ``Status`` body, or a delay
  (for timeouts), by method and path substring;
- the sealed-secrets controller's certificate through the service proxy.

It applies no schema validation, defaulting or quantity canonicalisation: diff semantics
are tested on hand-written fixtures shaped as a real API server returns objects.

The server is started once per test process (``session_emulator``) in a background thread;
``use_emulator`` (behind each module's ``kube`` fixture) resets it and writes a kubeconfig
for each test.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import copy
import datetime
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp.web
import jsonpatch
import kmock
import pytest
import yaml

VERBS = {"get", "list", "create", "patch", "update", "delete", "watch"}
SELDON = ("machinelearning.seldon.io", "v1", "seldondeployments", "SeldonDeployment")
SEALED = ("bitnami.com", "v1alpha1", "sealedsecrets", "SealedSecret")
SECRETS = ("", "v1", "secrets", "Secret")
CUSTOM_KINDS = (SELDON, SEALED)
BUILTIN_KINDS = (SECRETS, ("", "v1", "services", "Service"), ("", "v1", "configmaps", "ConfigMap"))
LOG_SIZE = 500

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           409: "Conflict", 422: "Invalid", 500: "InternalError", 503: "ServiceUnavailable"}


@dataclass
class Fault:
    status: int | None = None
    method: str | None = None
    path: str | None = None
    delay: float = 0.0
    message: str | None = None
    times: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or self.path in path


def drop_nulls(value: Any) -> Any:
    """A real API server prunes ``null`` from CRD objects (non-nullable fields)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "metadata": {k: v for k, v in obj.get("metadata", {}).items()
                                if k != "managedFields"}}


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _selector_terms(selector: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current.strip())
    return terms


_SET_TERM = re.compile(r"^(\S+)\s+(in|notin)\s+\((.*)\)$")


def label_matches(labels: dict[str, str], selector: str) -> bool:
    for term in _selector_terms(selector):
        found = _SET_TERM.match(term)
        if found:
            key, op, values = found[1], found[2], {v.strip() for v in found[3].split(",")}
            if (op == "in") != (labels.get(key) in values):
                return False
        elif "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def field_matches(obj: dict[str, Any], selector: str) -> bool:
    metadata = obj.get("metadata", {})
    for term in _selector_terms(selector):
        negate = "!=" in term
        key, value = (p.strip() for p in term.replace("!=", "=").replace("==", "=").split("=", 1))
        actual = {"metadata.name": metadata.get("name"),
                  "metadata.namespace": metadata.get("namespace"),
                  "type": obj.get("type")}.get(key)
        if (actual == value) == negate:
            return False
    return True


class GitOpsEmulator(kmock.KubernetesEmulator):
    """kmock's emulator with the behaviour verify and kubectl diff need (see module doc)."""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.lock = threading.Lock()
        self.store: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.kinds: dict[tuple[str, str, str], str] = {}
        self.faults: list[Fault] = []
        self.certificates: dict[tuple[str, str], str] = {}
        self.proxied: list[str] = []
        """Service names (``scheme:name:port``) that proxy requests went to."""
        self.log: collections.deque[tuple[str, str, str]] = collections.deque(maxlen=LOG_SIZE)
        self.requests = 0
        self.revision = 1000
        self.resources.load_bundled()
        self.reset()

    # --- test-side helpers (called from the test thread) ------------------------------

    def reset(self) -> None:
        with self.lock:
            self.store.clear()
            self.faults.clear()
            self.certificates.clear()
            self.proxied.clear()
            self.log.clear()
            self.requests = 0
            self.kinds = {(g, v, p): k for g, v, p, k in (*CUSTOM_KINDS, *BUILTIN_KINDS)}
        for group, version, plural, kind in CUSTOM_KINDS:
            self.resources[f"{group}/{version}/{plural}"] = kmock.ResourceInfo(
                kind=kind, namespaced=True, verbs=VERBS, subresources={"status"})

    def undeclare(self, group: str, version: str, plural: str) -> None:
        """As if the CRD were not installed: its paths answer 404 page not found."""
        with self.lock:
            self.kinds.pop((group, version, plural), None)

    def fail(self, status: int | None = None, *, method: str | None = None,
             path: str | None = None, delay: float = 0.0, message: str | None = None,
             times: int | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(status, method, path, delay, message, times))

    def put(self, obj: dict[str, Any], *, keep_fields: bool = False) -> dict[str, Any]:
        """Store ``obj`` directly (status included). Server fields are stamped unless
        ``keep_fields`` (for objects already shaped as a server returns them)."""
        group, version, plural, _ = self._kind_of(obj)
        metadata = obj["metadata"]
        api_version = f"{group}/{version}" if group else version
        key = (api_version, plural, metadata["namespace"], metadata["name"])
        with self.lock:
            stored = copy.deepcopy(obj) if keep_fields else self._stamp(copy.deepcopy(obj),
                                                                         "test")
            self.store[key] = stored
            return copy.deepcopy(stored)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            for (_, _plural, ns, n), obj in self.store.items():
                if obj.get("kind") == kind and ns == namespace and n == name:
                    return copy.deepcopy(obj)
        return None

    def delete(self, kind: str, namespace: str, name: str) -> None:
        with self.lock:
            for key, obj in list(self.store.items()):
                if obj.get("kind") == kind and key[2] == namespace and key[3] == name:
                    del self.store[key]

    def edit(self, kind: str, namespace: str, name: str, change: Any) -> dict[str, Any]:
        """Apply ``change(obj)`` in place to a stored object, as someone with kubectl edit
        would; bumps resourceVersion (and generation when the spec changed)."""
        with self.lock:
            for key, obj in self.store.items():
                if obj.get("kind") == kind and key[2] == namespace and key[3] == name:
                    before = copy.deepcopy(obj.get("spec"))
                    change(obj)
                    self._bump(obj, before)
                    return copy.deepcopy(obj)
        raise KeyError(f"{kind} {namespace}/{name} is not stored")

    def objects(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.store.values()
                    if kind is None or o.get("kind") == kind]

    def _kind_of(self, obj: dict[str, Any]) -> tuple[str, str, str, str]:
        api_version = obj["apiVersion"]
        group, _, version = api_version.rpartition("/")
        for (g, _v, p), kind in self.kinds.items():
            if g == group and kind == obj["kind"]:
                return g, version, p, kind
        raise KeyError(f"no declared kind {obj['kind']} in {api_version}")

    # --- server side (runs on the emulator's event loop) ---------------------------------

    def _stamp(self, obj: dict[str, Any], manager: str, operation: str = "Update"
               ) -> dict[str, Any]:
        self.revision += 1
        metadata = obj.setdefault("metadata", {})
        metadata["uid"] = str(uuid.uuid4())
        metadata["resourceVersion"] = str(self.revision)
        metadata["generation"] = 1
        metadata["creationTimestamp"] = _now()
        metadata["managedFields"] = [{
            "apiVersion": obj.get("apiVersion"), "fieldsType": "FieldsV1", "fieldsV1": {},
            "manager": manager, "operation": operation, "time": _now(),
        }]
        return obj

    def _bump(self, obj: dict[str, Any], spec_before: Any) -> None:
        self.revision += 1
        metadata = obj.setdefault("metadata", {})
        metadata["resourceVersion"] = str(self.revision)
        if obj.get("spec") != spec_before:
            metadata["generation"] = int(metadata.get("generation") or 0) + 1

    @staticmethod
    def _status(code: int, message: str, reason: str | None = None,
                details: dict[str, Any] | None = None) -> aiohttp.web.Response:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason or REASONS.get(code, "Unknown"),
                "code": code}
        if details:
            body["details"] = details
        return aiohttp.web.json_response(body, status=code)

    def _not_found(self, plural: str, group: str, name: str) -> aiohttp.web.Response:
        resource = f"{plural}.{group}" if group else plural
        return self._status(404, f'{resource} "{name}" not found', "NotFound",
                            {"name": name, "group": group, "kind": plural})

    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        del self._requests[:-1]  # the capped log: stock kmock slows down with every request
        method = str(request.method.value if hasattr(request.method, "value") else request.method)
        path = request.url.path
        with self.lock:
            self.requests += 1
            self.log.append((method, path, request.url.query_string))
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                if fault.status == 404 and fault.message is None:
                    return aiohttp.web.Response(status=404, text="404 page not found\n")
                return self._status(fault.status, fault.message or REASONS.get(fault.status, ""))
        resource = request.resource
        is_api = path.startswith(("/api/", "/apis/"))
        if resource is not None and resource.plural and is_api:
            if resource.plural == "services" and (request.subresource or "").startswith("proxy"):
                return self._serve_proxy(request)
            key = (resource.group, resource.version, resource.plural)
            with self.lock:
                kind = self.kinds.get(key)
            if kind is None:
                return aiohttp.web.Response(status=404, text="404 page not found\n")
            if request.subresource not in (None, "status"):
                return self._status(404, "the server could not find the requested resource")
            return self._serve(request, method, key, kind)
        return await super()._handle(request)

    def _serve_proxy(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        service = (request.name or "").split(":")
        name = service[1] if len(service) > 1 else service[0]
        with self.lock:
            self.proxied.append(request.name or "")
            pem = self.certificates.get((request.namespace or "", name))
        if pem is None or not (request.subresource or "").endswith("cert.pem"):
            return self._status(503, f'no endpoints available for service "{name}"')
        return aiohttp.web.Response(text=pem, content_type="text/plain")

    def _body(self, request: kmock.Request) -> Any:
        if request.data is not None and not isinstance(request.data, dict | list):
            return None
        if isinstance(request.data, dict | list):
            body = request.data
        elif request.text:
            body = yaml.safe_load(request.text)
        else:
            return None
        content_type = str(request.headers.get("Content-Type", "")).split(";")[0]
        # nulls in a merge patch delete; anywhere else the server prunes them
        return body if content_type.endswith("merge-patch+json") else drop_nulls(body)

    def _serve(self, request: kmock.Request, method: str, key: tuple[str, str, str],
               kind: str) -> aiohttp.web.StreamResponse:
        group, version, plural = key
        api_version = f"{group}/{version}" if group else version
        namespace, name = request.namespace, request.name
        dry_run = request.params.get("dryRun") == "All"
        manager = request.params.get("fieldManager") or str(
            request.headers.get("User-Agent", "unknown")).split("/")[0]
        with self.lock:
            if method == "GET" and name is None:
                return self._list(request, api_version, plural, kind)
            if method == "POST" and name is None:
                body = self._body(request)
                if not isinstance(body, dict) or not body.get("metadata", {}).get("name"):
                    return self._status(422, f"{kind} is invalid: metadata.name: Required value")
                namespace = namespace or body["metadata"].get("namespace")
                store_key = (api_version, plural, namespace or "", body["metadata"]["name"])
                if store_key in self.store:
                    return self._status(409, f'{plural}.{group} "{store_key[3]}" already exists',
                                        "AlreadyExists")
                obj = self._stamp({**body, "apiVersion": api_version, "kind": kind,
                                   "metadata": {**body["metadata"], "namespace": namespace}},
                                  manager)
                obj.pop("status", None)
                if not dry_run:
                    self.store[store_key] = obj
                return aiohttp.web.json_response(obj, status=201)
            store_key = (api_version, plural, namespace or "", name or "")
            current = self.store.get(store_key)
            if method == "GET":
                if current is None:
                    return self._not_found(plural, group, name or "")
                return aiohttp.web.json_response(current)
            if method == "DELETE":
                if current is None:
                    return self._not_found(plural, group, name or "")
                if not dry_run:
                    del self.store[store_key]
                return aiohttp.web.json_response(
                    {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                     "details": {"name": name, "group": group, "kind": plural,
                                 "uid": current["metadata"].get("uid")}})
            if method in ("PUT", "PATCH"):
                return self._write(request, method, store_key, current, kind, manager, dry_run)
        return self._status(405, f"method {method} is not allowed here", "MethodNotAllowed")

    def _list(self, request: kmock.Request, api_version: str, plural: str, kind: str
              ) -> aiohttp.web.StreamResponse:
        labels = request.params.get("labelSelector")
        fields = request.params.get("fieldSelector")
        items = []
        for (av, p, ns, _), obj in sorted(self.store.items()):
            if p != plural or av.split("/")[0] != api_version.split("/")[0]:
                continue
            if request.namespace is not None and ns != request.namespace:
                continue
            if labels and not label_matches(obj.get("metadata", {}).get("labels") or {}, labels):
                continue
            if fields and not field_matches(obj, fields):
                continue
            items.append({**obj, "apiVersion": api_version})
        return aiohttp.web.json_response({
            "apiVersion": api_version, "kind": f"{kind}List",
            "metadata": {"resourceVersion": str(self.revision)}, "items": items,
        })

    def _write(self, request: kmock.Request, method: str, store_key: tuple[str, str, str, str],
               current: dict[str, Any] | None, kind: str, manager: str, dry_run: bool
               ) -> aiohttp.web.StreamResponse:
        api_version, plural, namespace, name = store_key
        body = self._body(request)
        content_type = str(request.headers.get("Content-Type", "")).split(";")[0]
        status_only = request.subresource == "status"
        applying = content_type == "application/apply-patch+yaml"
        if current is None:
            if not applying or status_only:
                return self._not_found(plural, api_version.rpartition("/")[0], name)
            if not isinstance(body, dict):
                return self._status(400, "the apply body is not an object", "BadRequest")
            obj = self._stamp({**body, "apiVersion": api_version, "kind": kind,
                               "metadata": {**body.get("metadata", {}), "namespace": namespace,
                                            "name": name}}, manager, "Apply")
            obj.pop("status", None)
            if not dry_run:
                self.store[store_key] = obj
            return aiohttp.web.json_response(obj, status=201)
        try:
            if method == "PUT":
                if not isinstance(body, dict):
                    return self._status(400, "the body is not an object", "BadRequest")
                wanted = body.get("metadata", {}).get("resourceVersion")
                if wanted and wanted != current["metadata"].get("resourceVersion"):
                    return self._status(409, f'Operation cannot be fulfilled on {plural} '
                                        f'"{name}": the object has been modified', "Conflict")
                updated = copy.deepcopy(body)
            elif content_type == "application/json-patch+json":
                updated = jsonpatch.apply_patch(current, body)
            else:
                updated = drop_nulls(merge_patch(current, body))
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            return self._status(422, f"the patch cannot be applied: {exc}", "Invalid")
        if status_only:
            result = {**copy.deepcopy(current), "status": updated.get("status")}
        else:
            result = {**updated, "status": current.get("status")}
            if result["status"] is None:
                result.pop("status")
        metadata = result.setdefault("metadata", {})
        for field_name in ("uid", "creationTimestamp", "namespace", "name"):
            metadata[field_name] = current["metadata"].get(field_name)
        metadata["generation"] = current["metadata"].get("generation", 1)
        metadata["resourceVersion"] = current["metadata"].get("resourceVersion")
        result["apiVersion"], result["kind"] = api_version, kind
        if _without_managed_fields(result) == _without_managed_fields(current):
            return aiohttp.web.json_response(current)  # a no-op write changes nothing
        entries = [e for e in current["metadata"].get("managedFields") or []
                   if e.get("manager") != manager]
        entries.append({"apiVersion": api_version, "fieldsType": "FieldsV1", "fieldsV1": {},
                        "manager": manager, "operation": "Apply" if applying else "Update",
                        "time": _now()})
        metadata["managedFields"] = entries
        self._bump(result, current.get("spec"))
        if dry_run:
            self.revision -= 1  # a dry run changes nothing, not even the counter
        else:
            self.store[store_key] = result
        return aiohttp.web.json_response(result)


# --- the server thread and the fixtures ---------------------------------------------------


@dataclass
class RunningEmulator:
    api: GitOpsEmulator
    url: str
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    stop: asyncio.Event | None = None
    kubeconfigs: list[Path] = field(default_factory=list)

    def close(self) -> None:
        if self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(5)


def start_emulator() -> RunningEmulator:
    api = GitOpsEmulator()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        holder["stop"] = asyncio.Event()
        async with api, kmock.Server(api) as server:
            holder["url"] = str(server.url).rstrip("/")
            ready.set()
            await holder["stop"].wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True,
                              name="kube-emulator")
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the Kubernetes emulator did not start")
    return RunningEmulator(api, holder["url"], loop, thread, holder["stop"])


_SESSION: RunningEmulator | None = None


def session_emulator() -> RunningEmulator:
    """The one emulator of this test process, started on first use."""
    global _SESSION
    if _SESSION is None:
        _SESSION = start_emulator()
        atexit.register(_SESSION.close)
    return _SESSION


def write_kubeconfig(path: Path, server: str, *, contexts: tuple[str, ...] = ("test",),
                     current: str = "test", namespace: str = "default",
                     cluster: str = "emulator") -> Path:
    """A kubeconfig with one context per name, all pointing at ``server`` (through a
    cluster and a user both named ``cluster``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": current,
        "clusters": [{"name": cluster, "cluster": {"server": server}}],
        "users": [{"name": cluster, "user": {"token": "test-token"}}],
        "contexts": [{"name": c, "context": {"cluster": cluster, "user": cluster,
                                             "namespace": namespace}} for c in contexts],
    }))
    return path


@dataclass
class Kube:
    """What a test gets: the emulator, its URL and a kubeconfig pointing at it."""

    api: GitOpsEmulator
    url: str
    kubeconfig: Path


def use_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kube]:
    """For a test module's fixture: the session's emulator, clean, and ``KUBECONFIG``
    pointing at it (contexts test, dev, staging, prod)::

        @pytest.fixture
        def kube(tmp_path, monkeypatch):
            yield from use_emulator(tmp_path, monkeypatch)
    """
    emulator = session_emulator()
    emulator.api.reset()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url,
                                  contexts=("test", "dev", "staging", "prod"))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    yield Kube(emulator.api, emulator.url, kubeconfig)
    emulator.api.reset()


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)
