"""Accept a valid spec document fast: the generated JSON Schema, compiled, then
``build``. No pydantic import.

The schemas are the ones in ``schemas/`` (a copy ships as package data), generated from
the spec types by pydantic itself. The checker reads them as pydantic's strict mode
does (``CompiledSchema(strict=True)``). Only acceptance is decided here: a document
this refuses goes to pydantic (``gitops_seldon.spec.strict``), which either explains it
or accepts it after all, so a difference between the two can make a run slower but
never changes its verdict the other way. ``tests/test_spec_accept.py`` checks that
nothing pydantic refuses is accepted here.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, TypeVar

from gitops_seldon.schema_check import CompiledSchema
from gitops_seldon.spec.build import build

S = TypeVar("S")

SCHEMA_FILES = {"Config": "config.schema.json", "Model": "model.schema.json",
                "Credentials": "credentials.schema.json"}
"""The spec type -> its schema file (in ``schemas/`` and ``gitops_seldon/data/spec/``)."""
PACKAGED_SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "spec"


@functools.cache
def _compiled(file_name: str) -> CompiledSchema:
    text = (PACKAGED_SCHEMAS / file_name).read_text(encoding="utf-8")
    return CompiledSchema(json.loads(text), strict=True)


def accept(cls: type[S], data: Any) -> S | None:
    """The ``cls`` value of ``data`` when the schema accepts it; None otherwise (let
    pydantic decide and explain)."""
    file_name = SCHEMA_FILES.get(cls.__name__)
    if file_name is None:
        return None
    try:
        if _compiled(file_name).errors(data):
            return None
        return build(cls, data)
    except (ValueError, TypeError, KeyError):
        # a __post_init__ rule JSON Schema cannot say (minReplicas <= maxReplicas)
        return None
    except RecursionError:
        # the checker recurses a few frames per level; pydantic does not
        return None
