"""Shared pieces of every spec file: strictness and the Kubernetes-style envelope.

Spec types are frozen, keyword-only dataclasses that pydantic validates in strict mode
with unknown keys forbidden, and from which it generates ``schemas/``. Defining them
needs no pydantic import: the markers below hand their constraints to pydantic only when
it builds a validator (``__get_pydantic_core_schema__``). So a valid spec file is loaded
without importing pydantic at all (``gitops_seldon.spec.accept``), which is what keeps
the pre-commit hook fast; pydantic is imported when a file has to be explained.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    TypeVar,
    cast,
    dataclass_transform,
)

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

API_VERSION_LITERAL = Literal["gitops-seldon.dev/v1alpha1"]

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
"""RFC 1123 label: what Kubernetes requires of names that become Services and containers."""


@dataclasses.dataclass(frozen=True, eq=False)
class Check:
    """Constraints on a value (pydantic ``Field`` keywords: ``pattern``, ``ge``, ``le``,
    ``max_length``, ``discriminator`` ...), applied when pydantic builds a validator."""

    constraints: dict[str, Any]

    def __init__(self, **constraints: Any) -> None:
        object.__setattr__(self, "constraints", constraints)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        from pydantic import Field

        return handler.generate_schema(Annotated[source, Field(**self.constraints)])


@dataclasses.dataclass(frozen=True)
class Lax:
    """Lift strict mode for this one type: YAML sequences load as lists and an ``Items``
    field holds a tuple, which strict mode alone would refuse. Items stay strict."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        from pydantic import Strict as StrictMode

        return handler.generate_schema(Annotated[source, StrictMode(False)])


@dataclasses.dataclass(frozen=True, eq=False)
class Validated:
    """A check pydantic runs after the type check, and the JSON Schema that says the same
    thing to editors and to ``gitops_seldon.spec.accept``."""

    check: Callable[[Any], Any]
    json_schema: dict[str, Any]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        from pydantic import AfterValidator, WithJsonSchema

        return handler.generate_schema(
            Annotated[source, AfterValidator(self.check), WithJsonSchema(self.json_schema)])


DnsLabel = Annotated[str, Check(pattern=DNS_LABEL, max_length=63)]
EnvName = Annotated[str, Check(pattern=DNS_LABEL, max_length=40)]
Quantity = Annotated[
    str,
    Check(pattern=r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[munkMGTPE])?$"),
]
"""A Kubernetes resource quantity such as ``500m``, ``1``, ``2Gi``; always a string in specs."""

T = TypeVar("T")
Items = Annotated[tuple[T, ...], Lax()]
"""An immutable list: YAML sequences load as tuples; the items themselves stay strict."""

STRICT_CONFIG: dict[str, Any] = {"strict": True, "extra": "forbid"}
"""pydantic's ConfigDict for every spec type (a plain dict: no pydantic import)."""

FIELDS_SET = "_fields_set"


def fields_set(value: Strict) -> frozenset[str]:
    """The fields ``value`` was constructed with, explicit ``None`` included: what pydantic
    calls ``model_fields_set``. Environment overrides rely on it (``hpa: null`` removes a
    field in one environment; a field not written inherits). For a value pydantic made
    itself (``spec.strict.validate``), the fields that differ from their defaults."""
    recorded: frozenset[str] | None = getattr(value, FIELDS_SET, None)
    if recorded is not None:
        return recorded
    return frozenset(f.name for f in dataclasses.fields(value)
                     if getattr(value, f.name) != _default(f))


def _default(item: dataclasses.Field[Any]) -> Any:
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return dataclasses.MISSING


@dataclass_transform(frozen_default=True, kw_only_default=True)
class Strict:
    """Base of every spec type: immutable values that pydantic validates with no type
    coercion and no unknown keys (constructing one in code validates nothing).

    Subclasses are made frozen keyword-only dataclasses automatically, and every value
    remembers which fields its constructor was given (``fields_set``); ``build`` passes
    exactly the keys a document wrote."""

    __pydantic_config__: ClassVar[dict[str, Any]] = STRICT_CONFIG
    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only __init__ is generated per class: dataclass(frozen=True) would also write
        # __setattr__, __delattr__, __hash__, __eq__ and __repr__ for each of the 28
        # types, which took 16 ms of every pre-commit hook run. Strict has one of each.
        dataclasses.dataclass(kw_only=True, eq=False, repr=False)(cls)
        generated = cls.__init__

        @functools.wraps(generated)
        def __init__(self: Strict, **values: Any) -> None:
            if self.__dict__.get(FIELDS_SET) is not None:
                raise dataclasses.FrozenInstanceError("cannot initialise a value again")
            object.__setattr__(self, FIELDS_SET, None)  # under construction
            try:
                generated(self, **values)
            finally:  # frozen even if a __post_init__ check refused it
                object.__setattr__(self, FIELDS_SET, frozenset(values))

        setattr(cls, "__init__", __init__)  # noqa: B010 (mypy: no assigning to a method)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get(FIELDS_SET, False) is not None:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__, self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{self.__class__.__name__}({shown})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        schema = handler(source)
        if schema["type"] == "dataclass":
            # strict mode would want an instance here; a spec file is a mapping (its
            # fields stay strict).
            cast(dict[str, Any], schema)["strict"] = False
        return schema


class Metadata(Strict):
    name: DnsLabel
    """The object's name: a DNS-1123 label, at most 63 characters."""
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    """Labels copied onto what this object renders to."""
    annotations: dict[str, str] = dataclasses.field(default_factory=dict)
    """Annotations copied onto what this object renders to."""
