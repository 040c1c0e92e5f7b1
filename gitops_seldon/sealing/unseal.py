"""Recovery: decrypt a SealedSecret with controller private keys, as the controller does
(``(*SealedSecret).Unseal``): the label comes from the SealedSecret's own metadata, every
key is tried for every value, and any failing value fails the whole Secret."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitops_seldon.problems import GitopsSeldonError
from gitops_seldon.sealing.scope import encryption_label, scope_of

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


class UnsealError(GitopsSeldonError):
    """The SealedSecret cannot be decrypted with the keys given."""


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def unseal(obj: Mapping[str, Any], keys: Sequence[RSAPrivateKey]) -> dict[str, Any]:
    """The Secret the controller would create (without the owner reference)."""
    from gitops_seldon.sealing.crypto import DecryptError, open_value

    metadata = _mapping(obj.get("metadata"))
    spec = _mapping(obj.get("spec"))
    name, namespace = str(metadata.get("name") or ""), str(metadata.get("namespace") or "")
    if spec.get("data"):
        raise UnsealError(f"{name}: legacy spec.data is not supported (kubeseal refuses it too)")
    label = encryption_label(scope_of(_mapping(metadata.get("annotations"))), namespace, name)
    data: dict[str, str] = {}
    failed = []
    for key, value in sorted(_mapping(spec.get("encryptedData")).items()):
        try:
            plain = open_value(keys, value if isinstance(value, str) else "", label)
        except DecryptError:
            failed.append(key)
            continue
        data[key] = base64.b64encode(plain).decode("ascii")
    if failed:
        raise UnsealError(f"{name}: no key could decrypt secret ({', '.join(failed)})")
    template = _mapping(spec.get("template"))
    for key, value in sorted(_mapping(template.get("data")).items()):
        if isinstance(value, str) and "{{" in value:
            raise UnsealError(f"{name}: template.data[{key!r}] is a Go template; "
                              "gitops-seldon unseal does not execute templates")
        data[key] = base64.b64encode(str(value).encode("utf-8")).decode("ascii")
    out_meta = {k: v for k, v in _mapping(template.get("metadata")).items()
                if k != "creationTimestamp"}
    out_meta["name"] = name
    if namespace:
        out_meta["namespace"] = namespace
    secret: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": out_meta}
    if template.get("type"):
        secret["type"] = template["type"]
    if template.get("immutable") is not None:
        secret["immutable"] = template["immutable"]
    secret["data"] = data
    return secret
