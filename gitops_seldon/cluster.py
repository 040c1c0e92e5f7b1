"""The Kubernetes API, behind one small module: the only one that imports ``kubernetes``.

Connects as kubectl does (``--kubeconfig`` or ``KUBECONFIG`` or ``~/.kube/config`` with a
context; in-cluster config inside a pod) and offers the handful of calls verify and seal
need. Every failure becomes a ``ClusterError`` with a one-line reason; nothing here
prints. Never import this module from the validate or render path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from gitops_seldon.problems import GitopsSeldonError

FIELD_MANAGER = "gitops-seldon"
APPLY_PATCH = "application/apply-patch+yaml"
MESSAGE_LIMIT = 400
SKIPPED_SECRET_TYPES = "type!=helm.sh/release.v1,type!=kubernetes.io/service-account-token"  # noqa: S105 (not a password)
"""Secrets no SealedSecret produces and that can be large (Helm keeps releases in them)."""


class ClusterError(GitopsSeldonError):
    """The cluster could not tell us what we asked (exit code 2). One line, no secrets."""


@dataclass(frozen=True)
class SecretKeys:
    """What verify keeps of a Secret: never the values."""

    name: str
    labels: Mapping[str, str]
    owners: tuple[str, ...]
    """``Kind/name`` of each owner reference."""
    keys: frozenset[str]


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def _first_current_context(paths: str) -> str | None:
    """kubectl takes the current-context of the first file of a KUBECONFIG list that sets
    one; the Python client would take the last one's."""
    import yaml  # type: ignore[import-untyped]  # comes with the kubernetes client

    for name in paths.split(os.pathsep):
        path = Path(name).expanduser()
        if not name or not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # the client reports unreadable files itself
        if isinstance(data, dict) and data.get("current-context"):
            return str(data["current-context"])
    return None


def _configuration(kubeconfig: str | None, context: str | None) -> client.Configuration:
    configuration = client.Configuration()
    chosen = kubeconfig or os.environ.get("KUBECONFIG")
    if not chosen:
        default = Path.home() / ".kube" / "config"
        chosen = str(default) if default.is_file() else None
    try:
        if chosen and context is None and os.pathsep in chosen:
            context = _first_current_context(chosen)
        if chosen:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=chosen, context=context, client_configuration=configuration,
                persist_config=False)
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            if context:
                raise ClusterError(f"--context {context} needs a kubeconfig; inside a pod "
                                   "only the in-cluster config is available")
            config.load_incluster_config(  # type: ignore[no-untyped-call]
                client_configuration=configuration)
        else:
            raise ClusterError("no kubeconfig: set KUBECONFIG, pass --kubeconfig, or run "
                               "inside a pod (in-cluster config)")
    except ConfigException as exc:
        text = str(exc)
        if context and context in text:
            raise ClusterError(f"kubeconfig has no context {context!r}") from None
        raise ClusterError(f"cannot load the kubeconfig: {_one_line(text)}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"cannot load the kubeconfig: {_one_line(str(exc))}") from None
    # Fail fast and honestly: one quick retry for a refused connection, none for a
    # read timeout (the timeout is the user's budget), no retry on HTTP status.
    configuration.retries = urllib3.util.Retry(
        total=1, connect=1, read=0, status=0, redirect=0, other=0, backoff_factor=0.05)
    return configuration


class Cluster:
    """A connection to one cluster (one kubeconfig context)."""

    def __init__(self, api_client: client.ApiClient, timeout: float, context: str | None) -> None:
        self.api = api_client
        self.timeout = timeout
        self.context = context
        self.server = str(api_client.configuration.host)

    def close(self) -> None:
        self.api.close()  # type: ignore[no-untyped-call]

    # --- the one request helper -------------------------------------------------------

    def _request(self, method: str, path: str, *, query: Iterable[tuple[str, str]] = (),
                 body: Any = None, content_type: str | None = None, what: str) -> bytes:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        serialized = self.api.param_serialize(
            method=method, resource_path=path, query_params=list(query),
            header_params=headers, body=body, auth_settings=["BearerToken"],
        )
        try:
            response = self.api.call_api(*serialized, _request_timeout=self.timeout)
            data: bytes = response.read()  # type: ignore[no-untyped-call]
        except ApiException as exc:
            raise self._api_error(exc.status or 0, exc.reason, exc.body, what) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterError(self._network_error(exc)) from None
        except OSError as exc:
            raise ClusterError(f"cannot reach {self.server}: {_one_line(str(exc))}") from None
        if response.status >= 400:
            raise self._api_error(response.status, response.reason, data, what)
        return data

    def _api_error(self, status: int, reason: Any, body: Any, what: str) -> ClusterError:
        message = ""
        if isinstance(body, bytes | str):
            try:
                parsed = json.loads(body)
                message = str(parsed.get("message") or "") if isinstance(parsed, dict) else ""
            except ValueError:
                message = ""
        detail = f": {_one_line(message)}" if message else ""
        if status == 0:
            return ClusterError(f"cannot talk to {self.server}: {_one_line(str(reason))}")
        if status == 401:
            return ClusterError(f"unauthorized (401) at {self.server}: the credentials of "
                                f"{self._context_name()} were refused")
        if status == 403:
            return ClusterError(f"forbidden (403): cannot {what}{detail}")
        if status == 404:
            return ClusterError(f"not found (404): cannot {what}{detail}")
        return ClusterError(f"the API server answered {status} {reason or ''} when asked to "
                            f"{what}{detail}".replace("  ", " "))

    def _context_name(self) -> str:
        return f"context {self.context}" if self.context else "the current context"

    def _network_error(self, exc: urllib3.exceptions.HTTPError) -> str:
        reason = getattr(exc, "reason", None) or exc
        errors = urllib3.exceptions
        # NewConnectionError is a ConnectTimeoutError in urllib3 2: test it first.
        if isinstance(reason, errors.NewConnectionError | errors.NameResolutionError):
            text = str(reason)
            why = ("connection refused" if "refused" in text.lower()
                   else _one_line(text.split(": ", 1)[-1]))
            return f"cannot connect to {self.server}: {why}"
        if isinstance(reason, errors.ReadTimeoutError | errors.TimeoutError):
            return f"timed out after {self.timeout:g}s waiting for {self.server}"
        if isinstance(reason, urllib3.exceptions.SSLError):
            return f"TLS error talking to {self.server}: {_one_line(str(reason))}"
        if isinstance(reason, urllib3.exceptions.ProtocolError):
            return f"the connection to {self.server} broke: {_one_line(str(reason))}"
        return f"cannot talk to {self.server}: {_one_line(str(reason))}"

    # --- calls --------------------------------------------------------------------------

    @staticmethod
    def collection_path(group: str, version: str, plural: str, namespace: str) -> str:
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        return f"{prefix}/namespaces/{quote(namespace, safe='')}/{plural}"

    def list_objects(self, group: str, version: str, plural: str, namespace: str,
                     label_selector: str | None = None) -> list[dict[str, Any]]:
        """One list call; the items as plain dicts."""
        query = [("labelSelector", label_selector)] if label_selector else []
        what = f"list {plural}.{group or 'core'} in namespace {namespace}"
        try:
            data = self._request("GET", self.collection_path(group, version, plural, namespace),
                                 query=query, what=what)
        except ClusterError as exc:
            if "(404)" in str(exc):
                raise ClusterError(
                    f"the cluster does not serve {plural}.{group}/{version} (404 on list): "
                    "is its CRD installed?") from None
            raise
        if not data:
            return []
        parsed = json.loads(data)
        items = parsed.get("items") if isinstance(parsed, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    def list_secret_keys(self, namespace: str) -> dict[str, SecretKeys]:
        """Names, labels, owners and key names of the namespace's Secrets (one list call).

        The API has no way to list Secrets without their values (a metadata-only list
        carries no key names), so the values are dropped right after parsing and never
        stored, logged or returned."""
        data = self._request("GET", self.collection_path("", "v1", "secrets", namespace),
                             query=[("fieldSelector", SKIPPED_SECRET_TYPES)],
                             what=f"list secrets in namespace {namespace}")
        parsed = json.loads(data)
        del data
        result: dict[str, SecretKeys] = {}
        for item in (parsed.get("items") or []) if isinstance(parsed, dict) else []:
            metadata = item.get("metadata") or {}
            name = str(metadata.get("name") or "")
            keys = frozenset(item.get("data") or {}) | frozenset(item.get("stringData") or {})
            item.pop("data", None)
            item.pop("stringData", None)
            owners = tuple(f"{o.get('kind')}/{o.get('name')}"
                           for o in metadata.get("ownerReferences") or [])
            result[name] = SecretKeys(name, dict(metadata.get("labels") or {}), owners, keys)
        parsed.clear()
        return result

    def dry_run_apply(self, group: str, version: str, plural: str, namespace: str, name: str,
                      obj: Mapping[str, Any]) -> dict[str, Any]:
        """The server's answer to a server-side apply of ``obj`` in dry-run mode, as
        ``kubectl diff --server-side`` asks for it."""
        path = f"{self.collection_path(group, version, plural, namespace)}/{quote(name, safe='')}"
        query = [("fieldManager", FIELD_MANAGER), ("dryRun", "All"), ("force", "true")]
        data = self._request("PATCH", path, query=query, body=dict(obj), content_type=APPLY_PATCH,
                             what=f"dry-run apply {plural}.{group or 'core'} {namespace}/{name}")
        parsed = json.loads(data)
        if not isinstance(parsed, dict):
            raise ClusterError(f"the dry-run apply of {namespace}/{name} returned no object")
        return parsed

    def get_text(self, path: str, what: str) -> str:
        return self._request("GET", path, what=what).decode("utf-8", errors="replace")


def connect(kubeconfig: str | None = None, context: str | None = None,
            timeout: float = 30.0) -> Cluster:
    """A Cluster for ``context`` (the kubeconfig's current context when None)."""
    configuration = _configuration(kubeconfig, context)
    return Cluster(client.ApiClient(configuration), timeout, context)


def fetch_certificate(*, kubeconfig: str | None = None, context: str | None = None,
                      namespace: str = "kube-system", name: str = "sealed-secrets-controller",
                      timeout: float = 30.0) -> str:
    """The sealed-secrets controller's certificate (PEM), fetched through the API server's
    service proxy as ``kubeseal --fetch-cert`` does."""
    cluster = connect(kubeconfig, context, timeout)
    service = f"/api/v1/namespaces/{quote(namespace, safe='')}/services/{quote(name, safe='')}"
    try:
        port = _first_port_name(cluster, service)
        path = (f"/api/v1/namespaces/{quote(namespace, safe='')}/services/"
                f"http:{quote(name, safe='')}:{quote(port, safe='')}/proxy/v1/cert.pem")
        text = cluster.get_text(path, f"fetch the certificate of {namespace}/{name}")
    finally:
        cluster.close()
    if "BEGIN CERTIFICATE" not in text:
        raise ClusterError(f"{namespace}/{name} did not answer with a PEM certificate")
    return text


def _first_port_name(cluster: Cluster, service_path: str) -> str:
    """The name of the Service's first port, which kubeseal puts in the proxy path (a
    Service with several ports needs it). Empty when unnamed or unreadable: the proxy
    request that follows then reports what is wrong."""
    try:
        service = json.loads(cluster.get_text(service_path, "read the controller Service"))
    except (ClusterError, ValueError):
        return ""
    spec = service.get("spec") if isinstance(service, dict) else None
    ports = spec.get("ports") if isinstance(spec, dict) else None
    first = ports[0] if isinstance(ports, list) and ports else None
    name = first.get("name") if isinstance(first, dict) else None
    return name if isinstance(name, str) else ""
