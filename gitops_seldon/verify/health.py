"""Health of the live objects, reported beside drift (as Argo CD keeps sync and health
apart). Pure functions on objects as the API server returns them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Health:
    healthy: bool
    state: str
    reason: str = ""


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def seldon_health(obj: dict[str, Any]) -> Health:
    """A SeldonDeployment is healthy when the operator reports ``state: Available``."""
    status = _status(obj)
    state = status.get("state")
    if not state:
        return Health(False, "Unknown", "the Seldon operator has not reported a state yet")
    description = str(status.get("description") or "")
    return Health(state == "Available", str(state), description)


def sealed_health(obj: dict[str, Any], secret_keys: Collection[str] | None) -> Health:
    """A SealedSecret is healthy when the controller reports ``Synced`` and the Secret it
    produced carries every key (``secret_keys`` is None when there is no such Secret).
    Only key names are looked at, never values."""
    status = _status(obj)
    conditions = status.get("conditions")
    synced = None
    if isinstance(conditions, list):
        synced = next((c for c in conditions if isinstance(c, dict) and c.get("type") == "Synced"),
                      None)
    if synced is None:
        return Health(False, "Unknown",
                      "the sealed-secrets controller has not reported a Synced condition yet")
    if str(synced.get("status")) != "True":
        return Health(False, "NotSynced", str(synced.get("message") or synced.get("reason") or ""))
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    generation, observed = metadata.get("generation"), status.get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return Health(False, "Progressing",
                      f"the controller has seen generation {observed}, not {generation}")
    name = metadata.get("name", "")
    if secret_keys is None:
        return Health(False, "SecretMissing", f"Secret {name} does not exist")
    spec = obj.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    expected = set(spec.get("encryptedData") or {})
    template = spec.get("template")
    expected |= set((template if isinstance(template, dict) else {}).get("data") or {})
    lacking = sorted(expected - set(secret_keys))
    if lacking:
        return Health(False, "SecretIncomplete", f"Secret {name} lacks key(s) {', '.join(lacking)}")
    return Health(True, "Synced", str(synced.get("message") or ""))


def health_of(kind: str, obj: dict[str, Any], secret_keys: Collection[str] | None) -> Health | None:
    if kind == "SeldonDeployment":
        return seldon_health(obj)
    if kind == "SealedSecret":
        return sealed_health(obj, secret_keys)
    return None
