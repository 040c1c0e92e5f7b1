"""Which Secret keys a credential schema allows in ``encryptedData``, and the value formats.

Rules from the ZenML schemas (reference zenml-seldon/facts.md section 1.5): only the
schema's secret fields are sealed (the others live in the Credentials spec and render adds
them as template data); pairs that only work together; mutually exclusive auth modes.
Messages name keys, never values. ``check_key_set`` needs no plaintext (validate uses it);
``check_values`` checks formats and runs only where the values are (seal).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from gitops_seldon.problems import Level
from gitops_seldon.spec.credentials import AZFields, Credentials, GSFields, S3Fields

JSON_FIELDS = {"seldon_gs": ("service_account_credentials", "token")}
URL_FIELDS = {"seldon_az": ("sas_url",)}

_KeyOf = Callable[[str], str]


@dataclass(frozen=True)
class KeyIssue:
    key: str | None
    """The Secret key the issue is about, or None for the key set as a whole."""
    rule: str
    message: str
    level: Level = Level.ERROR


def secret_keys(credentials: Credentials) -> dict[str, str]:
    """Secret key -> schema field, for the fields that are sealed."""
    return {credentials.secret_key(f): f for f in credentials.spec.SECRET_FIELDS}


def key_prefix(credentials: Credentials) -> str:
    return f"RCLONE_CONFIG_{credentials.spec.remote_name().upper()}_"


def _unknown(credentials: Credentials, key: str) -> KeyIssue:
    spec = credentials.spec
    name = credentials.metadata.name
    prefix = key_prefix(credentials)
    if key.startswith("RCLONE_CONFIG_") and not key.startswith(prefix):
        return KeyIssue(key, "sealed-wrong-remote",
                        f"{key} is not for rclone remote {spec.remote_name()!r}: keys of "
                        f"credentials {name!r} start with {prefix}")
    field = key[len(prefix):].lower() if key.startswith(prefix) else None
    if field is not None and (field in spec.CONSTANTS or field in spec.clear_fields()):
        return KeyIssue(key, "sealed-not-secret",
                        f"{key} is not a secret field of {spec.SCHEMA}: set {field!r} in "
                        f"credentials/{name}.yaml instead (render adds it unsealed)")
    allowed = ", ".join(secret_keys(credentials))
    return KeyIssue(key, "sealed-unknown-key",
                    f"{key} is not a field of schema {spec.SCHEMA} (secret keys: {allowed})")


def check_key_set(credentials: Credentials, keys: Iterable[str]) -> list[KeyIssue]:
    """Problems of a set of sealed keys against the credentials' schema and clear fields."""
    present = set(keys)
    known = secret_keys(credentials)
    issues = [_unknown(credentials, key) for key in sorted(present - set(known))]
    fields = {known[k] for k in present if k in known}
    if not present:
        issues.append(KeyIssue(None, "sealed-empty",
                               "nothing is sealed: encryptedData has no keys"))
        return issues
    key = credentials.secret_key
    spec = credentials.spec
    if isinstance(spec, S3Fields):
        issues += _pairs_s3(spec, fields, key)
    elif isinstance(spec, GSFields):
        issues += _rules_gs(spec, fields, key)
    elif isinstance(spec, AZFields):
        issues += _rules_az(spec, fields, key)
    return issues


def _pairs_s3(spec: S3Fields, fields: set[str], key: _KeyOf) -> list[KeyIssue]:
    issues = []
    access, secret, token = "access_key_id", "secret_access_key", "session_token"
    if (access in fields) != (secret in fields):
        have, missing = (access, secret) if access in fields else (secret, access)
        issues.append(KeyIssue(key(have), "sealed-pair",
                               f"{key(have)} needs {key(missing)}: seal both or neither"))
    if token in fields and not {access, secret} <= fields:
        issues.append(KeyIssue(key(token), "sealed-pair",
                               f"{key(token)} is only used with {key(access)} and {key(secret)}"))
    if spec.env_auth and access in fields:
        issues.append(KeyIssue(key(access), "sealed-env-auth",
                               "env_auth is true in the credentials but static keys are sealed; "
                               "rclone uses env_auth only when the keys are blank",
                               Level.WARNING))
    return issues


def _rules_gs(spec: GSFields, fields: set[str], key: _KeyOf) -> list[KeyIssue]:
    issues = []
    sa, token, client_secret = "service_account_credentials", "token", "client_secret"
    if spec.anonymous:
        issues.append(KeyIssue(None, "sealed-exclusive",
                               "anonymous is true in the credentials: public access takes no "
                               "sealed credentials"))
    if sa in fields and (token in fields or client_secret in fields):
        other = token if token in fields else client_secret
        issues.append(KeyIssue(key(other), "sealed-exclusive",
                               f"{key(sa)} and {key(other)} are different auth modes; seal one"))
    if client_secret in fields:
        if spec.client_id is None:
            issues.append(KeyIssue(key(client_secret), "sealed-pair",
                                   f"{key(client_secret)} needs client_id in the credentials"))
        if token not in fields:
            issues.append(KeyIssue(key(client_secret), "sealed-pair",
                                   f"{key(client_secret)} needs {key(token)} (a refresh token)"))
    return issues


def _rules_az(spec: AZFields, fields: set[str], key: _KeyOf) -> list[KeyIssue]:
    issues = []
    if "key" in fields and spec.account is None:
        issues.append(KeyIssue(key("key"), "sealed-pair",
                               f"{key('key')} needs account in the credentials"))
    if "client_secret" in fields and (spec.client_id is None or spec.tenant is None):
        issues.append(KeyIssue(key("client_secret"), "sealed-pair",
                               f"{key('client_secret')} needs client_id and tenant in the "
                               "credentials"))
    modes = [key(f) for f in ("key", "sas_url", "client_secret") if f in fields]
    modes += [m for m, on in (("use_msi", spec.use_msi), ("env_auth", spec.env_auth)) if on]
    if len(modes) > 1:
        issues.append(KeyIssue(None, "sealed-exclusive",
                               "Azure auth modes are exclusive, but several are set: "
                               + ", ".join(modes)))
    return issues


def check_values(credentials: Credentials, values: Mapping[str, str]) -> list[KeyIssue]:
    """Format problems of plaintext values. Messages never contain a value."""
    known = secret_keys(credentials)
    schema = credentials.spec.SCHEMA
    issues = []
    for key, value in values.items():
        field = known.get(key)
        if field is None:
            continue
        if value == "":
            issues.append(KeyIssue(key, "value-empty", f"{key} is empty"))
        elif field in JSON_FIELDS.get(schema, ()):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                issues.append(KeyIssue(key, "value-format", f"{key} must be a JSON object"))
        elif field in URL_FIELDS.get(schema, ()):
            if not value.startswith("https://") or any(c.isspace() for c in value):
                issues.append(KeyIssue(key, "value-format",
                                       f"{key} must be an https:// URL without spaces"))
        elif "\n" in value or "\r" in value:
            issues.append(KeyIssue(key, "value-format", f"{key} contains a line break"))
        elif value != value.strip():
            issues.append(KeyIssue(key, "value-format",
                                   f"{key} has leading or trailing whitespace"))
    return issues
