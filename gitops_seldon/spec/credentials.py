"""Credentials: which storage schema a Secret follows, and its non-secret fields.

The schemas are ZenML's ``seldon_s3``, ``seldon_gs`` and ``seldon_az``. Each field becomes
the Secret key ``RCLONE_CONFIG_<REMOTE>_<FIELD>``; secret fields never appear in a spec
file, only in the SealedSecrets that ``gitops-seldon seal`` writes.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, ClassVar, Literal

from gitops_seldon.spec.base import API_VERSION_LITERAL, Check, Metadata, Strict

Scope = Literal["strict", "namespace-wide", "cluster-wide"]
RemoteName = Annotated[str, Check(pattern=r"^[a-z][a-z0-9]*$", max_length=32)]


class _SchemaFields(Strict):
    """The fields of one credential schema, as written in the spec (non-secret ones)."""

    SCHEMA: ClassVar[str]
    DEFAULT_REMOTE: ClassVar[str]
    CONSTANTS: ClassVar[dict[str, str]]
    """Fields with a fixed value, always emitted (``type``)."""
    SECRET_FIELDS: ClassVar[tuple[str, ...]]
    """Fields whose values are secret: only ever sealed, never in a spec file."""

    scope: Scope = "strict"
    """SealedSecret scope: strict (name and namespace bound), namespace-wide or cluster-wide."""
    remote: RemoteName | None = None
    """rclone remote name; modelUris using these credentials must start with ``<remote>:``."""

    def remote_name(self) -> str:
        return self.remote or self.DEFAULT_REMOTE

    @classmethod
    def clear_fields(cls) -> tuple[str, ...]:
        """The rclone settings a spec file sets in the clear (not ``scope``, ``remote`` and
        ``schema``, which say how to seal and address them)."""
        return tuple(f.name for f in dataclasses.fields(cls)
                     if f.name not in ("scope", "remote", "schema"))

    def clear_values(self) -> dict[str, str]:
        """Non-secret fields as they go into the Secret (field name -> string value)."""
        values = dict(self.CONSTANTS)
        for name in self.clear_fields():
            value = getattr(self, name)
            if value is None:
                continue
            values[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return values


class S3Fields(_SchemaFields):
    SCHEMA = "seldon_s3"
    DEFAULT_REMOTE = "s3"
    CONSTANTS: ClassVar[dict[str, str]] = {"type": "s3"}
    SECRET_FIELDS = ("access_key_id", "secret_access_key", "session_token")

    schema: Literal["seldon_s3"]
    """Credential schema."""
    provider: str = "aws"
    """S3 provider as rclone names it: aws, minio, ceph, ..."""
    env_auth: bool = False
    """Take credentials from the runtime (IAM role, IRSA) instead of keys."""
    region: str | None = None
    endpoint: str | None = None
    """S3 endpoint URL, for S3-compatible stores such as MinIO."""


class GSFields(_SchemaFields):
    SCHEMA = "seldon_gs"
    DEFAULT_REMOTE = "gs"
    CONSTANTS: ClassVar[dict[str, str]] = {"type": "google cloud storage"}
    SECRET_FIELDS = ("client_secret", "service_account_credentials", "token")

    schema: Literal["seldon_gs"]
    """Credential schema."""
    anonymous: bool = False
    """Public buckets only, no credentials."""
    client_id: str | None = None
    project_number: str | None = None
    auth_url: str | None = None
    token_url: str | None = None


class AZFields(_SchemaFields):
    SCHEMA = "seldon_az"
    DEFAULT_REMOTE = "az"
    CONSTANTS: ClassVar[dict[str, str]] = {"type": "azureblob"}
    SECRET_FIELDS = ("key", "sas_url", "client_secret")

    schema: Literal["seldon_az"]
    """Credential schema."""
    env_auth: bool = False
    account: str | None = None
    use_msi: bool = False
    """Managed Service Identity; works only inside Azure."""
    client_id: str | None = None
    tenant: str | None = None


CredentialFields = Annotated[S3Fields | GSFields | AZFields, Check(discriminator="schema")]

SCHEMAS: dict[str, type[_SchemaFields]] = {
    cls.SCHEMA: cls for cls in (S3Fields, GSFields, AZFields)
}


class Credentials(Strict):
    """A storage credential used by Models through ``spec.credentials``."""

    apiVersion: API_VERSION_LITERAL
    kind: Literal["Credentials"]
    metadata: Metadata
    spec: CredentialFields

    def secret_key(self, field: str) -> str:
        """The Secret key a schema field is stored under."""
        return f"RCLONE_CONFIG_{self.spec.remote_name().upper()}_{field.upper()}"


def secret_need(credentials: Credentials) -> str:
    """Whether Credentials need sealed values: ``required`` (static keys are the only way
    in), ``optional`` (GCS: ambient workload credentials also work) or ``none`` (the clear
    fields choose a keyless mode: S3 ``env_auth``, GCS ``anonymous``, Azure ``env_auth`` or
    ``use_msi``; ``gitops-seldon seal`` has nothing to seal then)."""
    spec = credentials.spec
    if isinstance(spec, S3Fields):
        return "none" if spec.env_auth else "required"
    if isinstance(spec, GSFields):
        return "none" if spec.anonymous else "optional"
    return "none" if spec.env_auth or spec.use_msi else "required"
