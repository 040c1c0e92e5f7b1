"""Checks of SealedSecret manifests and plaintext Secrets, without any plaintext.

``check_sealed_secret`` reads what a SealedSecret says about itself (scope annotations,
name, namespace, ``gitops-seldon.dev/sealed-with``, the length facts of each ciphertext)
and, given a ``SealedExpectation`` (the environment's namespace and certificate, the
Credentials), tells whether the controller of that environment could decrypt it and
whether the key set satisfies the credential schema. ``check_plaintext_secret`` flags a
``kind: Secret`` that carries values. Messages name keys, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitops_seldon.problems import Level, Problem
from gitops_seldon.sealing.crypto import shape_of
from gitops_seldon.sealing.scope import SCOPE_ANNOTATIONS, SEALED_WITH, Scope, scope_of
from gitops_seldon.source import Document

if TYPE_CHECKING:
    from gitops_seldon.load import Loaded, Repository
    from gitops_seldon.spec.credentials import Credentials

API_VERSION = "bitnami.com/v1alpha1"
MIN_RSA_BYTES, MAX_RSA_BYTES = 128, 2048
"""Plausible RSA-OAEP part sizes (1024- to 16384-bit keys) when no certificate is known."""


@dataclass(frozen=True)
class SealedExpectation:
    """Where a sealed file will be applied, and with which controller certificate."""

    env: str | None = None
    namespace: str | None = None
    """The environment's namespace (render places the SealedSecret there)."""
    name: str | None = None
    """The Credentials name (the SealedSecret's name)."""
    scope: Scope | None = None
    """The scope the Credentials ask for."""
    fingerprint: str | None = None
    """``sha256:<hex>`` of the environment's certificate, when it can be read."""
    modulus_bytes: int | None = None
    """RSA modulus size of that certificate: every value's length prefix must equal it."""
    credentials: Credentials | None = None
    """The Credentials model: the key set is checked against its schema."""


def expectation_for(repo: Repository, env: str,
                    credentials: Loaded[Credentials] | Credentials | None) -> SealedExpectation:
    """The expectation for ``credentials/sealed/<env>/<name>.yaml``. A certificate that cannot
    be read gives no fingerprint (``check_certificates`` reports why)."""
    from gitops_seldon.load import Loaded

    model = credentials.value if isinstance(credentials, Loaded) else credentials
    environment = repo.config.value.spec.environments.get(env)
    fingerprint = modulus = None
    if environment is not None and environment.sealedSecretsCert is not None:
        fingerprint, modulus = _certificate_facts(repo.path(environment.sealedSecretsCert))
    return SealedExpectation(
        env=env,
        namespace=environment.namespace if environment is not None else None,
        name=model.metadata.name if model is not None else None,
        scope=model.spec.scope if model is not None else None,
        fingerprint=fingerprint,
        modulus_bytes=modulus,
        credentials=model,
    )


def _certificate_facts(path: Any) -> tuple[str | None, int | None]:
    from gitops_seldon.sealing.pem import fingerprint, first_certificate_der

    try:
        der = first_certificate_der(path.read_bytes())
    except OSError:
        return None, None
    if der is None:
        return None, None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

        key = x509.load_der_x509_certificate(der).public_key()
        modulus = (key.key_size + 7) // 8 if isinstance(key, RSAPublicKey) else None
    except ValueError:
        modulus = None
    return fingerprint(der), modulus


def check_certificates(repo: Repository) -> list[Problem]:
    """Environment certificates that exist but cannot be sealed with: no certificate block,
    not RSA, expired (with kubeseal's date), or not the pinned ``certFingerprint``."""
    from gitops_seldon.sealing.certs import CertificateError, check_pin, read_certificate

    problems = []
    document = repo.config.document
    for env, settings in sorted(repo.config.value.spec.environments.items()):
        relpath = settings.sealedSecretsCert
        if relpath is None or not repo.path(relpath).is_file():
            continue  # a missing file is the config check's
        loc = ("spec", "environments", env, "sealedSecretsCert")
        try:
            cert = read_certificate(repo.path(relpath), relpath)
            check_pin(cert, settings.certFingerprint)
        except CertificateError as exc:
            rule = "certificate-pin" if "certFingerprint" in str(exc) else "certificate"
            problems.append(document.problem(loc, rule, str(exc)))
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def check_sealed_secret(document: Document, *,
                        expected: SealedExpectation | None = None) -> list[Problem]:
    """Problems of a SealedSecret read from a manifest or ``credentials/sealed/``."""
    data = document.data
    if not isinstance(data, Mapping):
        return [document.problem((), "sealed-shape", "expected a SealedSecret mapping")]
    problems: list[Problem] = []

    def add(loc: tuple[str | int, ...], rule: str, message: str,
            level: Level = Level.ERROR) -> None:
        problem = document.problem(loc, rule, message)
        problems.append(Problem(problem.path, problem.line, problem.col, rule, message, level))

    if data.get("apiVersion") != API_VERSION:
        add(("apiVersion",), "sealed-shape", f"a SealedSecret's apiVersion is {API_VERSION}")
    metadata = _mapping(data.get("metadata"))
    annotations = _mapping(metadata.get("annotations"))
    spec = _mapping(data.get("spec"))
    template = _mapping(spec.get("template"))
    template_meta = _mapping(template.get("metadata"))
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        add(("metadata",), "sealed-shape", "metadata.name is missing")
    if "data" in spec:
        add(("spec", "data"), "sealed-legacy-data",
            "spec.data is the deprecated whole-Secret format; seal into spec.encryptedData")
    encrypted = spec.get("encryptedData")
    if not isinstance(encrypted, Mapping):
        add(("spec",), "sealed-shape", "spec.encryptedData is missing (the CRD requires it)")
        encrypted = {}

    scope = scope_of(annotations)
    _check_scope_annotations(add, annotations, template_meta, scope)
    for field in ("name", "namespace"):
        inner = template_meta.get(field)
        if inner is not None and inner != metadata.get(field):
            add(("spec", "template", "metadata", field), "sealed-template-metadata",
                f"template {field} {inner!r} differs from the SealedSecret's; the controller "
                f"uses the SealedSecret's own {field}", Level.WARNING)

    modulus = expected.modulus_bytes if expected is not None else None
    for key, value in encrypted.items():
        loc = ("spec", "encryptedData", key)
        if not isinstance(value, str):
            add(loc, "sealed-ciphertext", f"{key}: a sealed value must be a string")
            continue
        try:
            shape = shape_of(value)
        except ValueError as exc:
            add(loc, "sealed-ciphertext", f"{key}: not a sealed value ({exc})")
            continue
        if modulus is not None and shape.wrapped != modulus:
            add(loc, "sealed-ciphertext",
                f"{key}: sealed with a {shape.wrapped * 8}-bit key, but the certificate of "
                f"environment {expected.env if expected else '?'!r} has a {modulus * 8}-bit key")
        elif modulus is None and not MIN_RSA_BYTES <= shape.wrapped <= MAX_RSA_BYTES:
            add(loc, "sealed-ciphertext",
                f"{key}: the length prefix says {shape.wrapped} bytes of RSA ciphertext, which "
                "no RSA key sealed")
    if expected is not None:
        _check_expected(add, expected, data, scope, encrypted, template)
    return problems


def _check_scope_annotations(add: Any, annotations: Mapping[str, Any],
                             template_meta: Mapping[str, Any], scope: Scope) -> None:
    for key in SCOPE_ANNOTATIONS:
        if key in annotations and annotations[key] != "true":
            add(("metadata", "annotations", key), "sealed-scope-annotation",
                f'{key} is {annotations[key]!r}: only the string "true" selects this scope, '
                "so the controller decrypts this as strict", Level.WARNING)
    template_annotations = _mapping(template_meta.get("annotations"))
    template_scope = scope_of(template_annotations)
    if template_scope == scope:
        return
    if scope == "strict":
        key = next(k for k in SCOPE_ANNOTATIONS if template_annotations.get(k) == "true")
        add(("spec", "template", "metadata", "annotations", key), "sealed-scope-annotation",
            f"the {template_scope} annotation is only in the template: the controller reads "
            "the scope from metadata.annotations and uses the strict label, so values sealed "
            f"{template_scope} will not decrypt")
    else:
        add(("metadata", "annotations"), "sealed-scope-annotation",
            f"metadata says {scope} but the template says {template_scope}; kubeseal writes "
            "the same scope annotation into both", Level.WARNING)


def _check_expected(add: Any, expected: SealedExpectation, data: Mapping[str, Any], scope: Scope,
                    encrypted: Mapping[str, Any], template: Mapping[str, Any]) -> None:
    from gitops_seldon.sealing.rules import check_key_set

    metadata = _mapping(data.get("metadata"))
    annotations = _mapping(metadata.get("annotations"))
    env = f"environment {expected.env!r}" if expected.env else "the environment"
    if expected.scope is not None and scope != expected.scope:
        add(("metadata",), "sealed-scope",
            f"sealed {scope}, but the Credentials ask for scope {expected.scope}; re-seal with "
            "gitops-seldon seal --replace")
    namespace = metadata.get("namespace")
    if expected.namespace is not None and scope != "cluster-wide":
        if namespace is None:
            add(("metadata",), "sealed-namespace",
                f"metadata.namespace is missing; {scope} values only decrypt in the namespace "
                f"they were sealed for ({env} deploys to {expected.namespace!r})")
        elif namespace != expected.namespace:
            add(("metadata", "namespace"), "sealed-namespace",
                f"sealed for namespace {namespace!r}, but {env} deploys to "
                f"{expected.namespace!r}; {scope} values do not decrypt in another namespace")
    if expected.name is not None and scope == "strict" and metadata.get("name") != expected.name:
        add(("metadata", "name"), "sealed-name",
            f"strict values only decrypt under the name they were sealed for; this file "
            f"must be the SealedSecret {expected.name!r}")
    sealed_with = annotations.get(SEALED_WITH)
    if expected.fingerprint is not None:
        if sealed_with is None:
            add(("metadata",), "sealed-certificate",
                f"no {SEALED_WITH} annotation: cannot tell whether this was sealed with the "
                f"certificate of {env}", Level.WARNING)
        elif sealed_with != expected.fingerprint:
            add(("metadata", "annotations", SEALED_WITH), "sealed-certificate",
                f"sealed with certificate {sealed_with}, but {env} uses "
                f"{expected.fingerprint}; the controller cannot decrypt it: re-seal")
    secret_type = template.get("type")
    if expected.credentials is not None:
        if secret_type not in (None, "Opaque"):
            add(("spec", "template", "type"), "sealed-type",
                f"credentials are an Opaque Secret, not {secret_type!r}")
        for issue in check_key_set(expected.credentials, [str(k) for k in encrypted]):
            loc: tuple[str | int, ...] = ("spec", "encryptedData")
            if issue.key is not None and issue.key in encrypted:
                loc = (*loc, issue.key)
            add(loc, issue.rule, issue.message, issue.level)


def check_plaintext_secret(document: Document) -> list[Problem]:
    """A ``kind: Secret`` (alone or in a ``kind: List``) with values in ``data`` or
    ``stringData``: one problem per key, never showing the value."""
    problems: list[Problem] = []
    data = document.data
    if not isinstance(data, Mapping):
        return problems
    if data.get("kind") == "List" and isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            problems += _plaintext(document, item, ("items", index))
        return problems
    return _plaintext(document, data, ())


def _plaintext(document: Document, obj: Any, at: tuple[str | int, ...]) -> list[Problem]:
    if not isinstance(obj, Mapping) or obj.get("kind") != "Secret":
        return []
    name = _mapping(obj.get("metadata")).get("name") or "(unnamed)"
    problems = []
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, Mapping):
            for key, value in values.items():
                if value in (None, ""):
                    continue
                problems.append(document.problem(
                    (*at, field, key), "plaintext-secret",
                    f"Secret {name!r} holds {key!r} in {field} in clear text (base64 is not "
                    "encryption); seal it (gitops-seldon seal) and commit the SealedSecret"))
        elif values not in (None, "", [], {}):
            problems.append(document.problem(
                (*at, field), "plaintext-secret",
                f"Secret {name!r} has {field} in clear text; seal it instead"))
    return problems
