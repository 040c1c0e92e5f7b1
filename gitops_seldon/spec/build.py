"""Spec values from documents that are already known to be valid, and back.

``build(Model, data)`` turns the mapping of a spec file into frozen spec values: nested
mappings become the dataclasses the field types name, lists become tuples, an integer in
a float field becomes a float (what pydantic's strict mode does too). Each value is given
exactly the keys the document wrote, explicit nulls included, so ``fields_set`` knows
them. It trusts its input: callers build only after the document passed validation
(``gitops_seldon.spec.accept`` or pydantic). ``__post_init__`` checks still run.

``dump(value)`` is the inverse: the plain data of a value, as JSON holds it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin

from gitops_seldon.spec.base import Check

S = TypeVar("S")
Convert = Callable[[Any], Any]


def build(cls: type[S], data: Mapping[str, Any]) -> S:
    """The spec value of type ``cls`` that the valid mapping ``data`` describes."""
    converters = _converters(cls)
    return cls(**{key: converters[key](item) for key, item in data.items()})


_CONVERTERS: dict[type[Any], dict[str, Convert]] = {}


def _converters(cls: type[Any]) -> dict[str, Convert]:
    """Per field of ``cls``, how to convert its document value (made once per type)."""
    found = _CONVERTERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        found = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}
        _CONVERTERS[cls] = found
    return found


def _identity(value: Any) -> Any:
    return value


def _converter(annotation: Any) -> Convert:
    """How to turn a valid document value into a value of type ``annotation``."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        inner, *metadata = get_args(annotation)
        tags = [m.constraints["discriminator"] for m in metadata
                if isinstance(m, Check) and "discriminator" in m.constraints]
        if tags:
            return _tagged(get_args(inner), tags[0])
        return _converter(inner)
    if origin in (typing.Union, types.UnionType):
        return _union(get_args(annotation))
    if origin is tuple:
        item = _converter(get_args(annotation)[0])
        return lambda value: tuple(item(v) for v in value)
    if origin is dict:
        item = _converter(get_args(annotation)[1])
        if item is _identity:
            return dict
        return lambda value: {k: item(v) for k, v in value.items()}
    if annotation is float:
        return float
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        spec_type: type[Any] = annotation
        return lambda value: build(spec_type, value)
    return _identity


def _union(members: tuple[Any, ...]) -> Convert:
    """``X | None`` converts as ``X``; other unions here are of scalars (``int | str``)."""
    options = [m for m in members if m is not type(None)]
    if len(options) == 1:
        inner = _converter(options[0])
        return lambda value: None if value is None else inner(value)
    return _identity


def _tagged(members: tuple[Any, ...], tag: str) -> Convert:
    """A tagged union of spec types (Credentials' ``schema``): the member whose
    ``Literal`` tag field holds the document's tag."""
    by_tag: dict[Any, type[Any]] = {}
    for member in members:
        by_tag.update(dict.fromkeys(get_args(typing.get_type_hints(member)[tag]), member))
    return lambda value: build(by_tag[value[tag]], value)


def dump(value: Any, *, exclude_none: bool = False, exclude: frozenset[str] = frozenset()
         ) -> Any:
    """The plain data of a spec value, as JSON would hold it (``build``'s inverse):
    every field in declaration order, tuples as lists. ``exclude_none`` drops unset
    optional fields at every level; ``exclude`` drops top-level fields by name."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for item in dataclasses.fields(value):
            if item.name in exclude:
                continue
            field_value = getattr(value, item.name)
            if field_value is None and exclude_none:
                continue
            out[item.name] = dump(field_value, exclude_none=exclude_none)
        return out
    if isinstance(value, (list, tuple)):
        return [dump(v, exclude_none=exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: dump(v, exclude_none=exclude_none) for k, v in value.items()}
    return value
