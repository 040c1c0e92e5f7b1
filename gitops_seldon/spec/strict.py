"""pydantic's strict validation of the spec types: the authority on what a valid spec
file is, and the source of the messages that explain an invalid one.

Importing this module imports pydantic, which costs more than a whole pre-commit hook run
should; ``gitops_seldon.load`` comes here only for a document that the generated JSON
Schema did not accept (``gitops_seldon.spec.accept``).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

S = TypeVar("S")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter(cls: type[S]) -> TypeAdapter[S]:
    """The validator of one spec type, built once per process."""
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return cast(TypeAdapter[S], found)


def validate(cls: type[S], data: Any) -> S:
    """``data`` as a ``cls`` value; raises ``pydantic.ValidationError`` when invalid.
    (The value does not know which fields ``data`` set; ``gitops_seldon.load`` builds
    the values it returns with ``gitops_seldon.spec.build``.)"""
    return adapter(cls).validate_python(data)


def errors(cls: type[Any], data: Any) -> list[ErrorDetails]:
    """pydantic's errors for ``data`` as a ``cls`` (empty: valid). Inputs are not
    included: a rejected value may be a secret."""
    try:
        validate(cls, data)
    except ValidationError as error:
        return error.errors(include_input=False, include_url=False)
    return []
