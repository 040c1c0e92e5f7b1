"""The product's own SeldonDeployment JSON Schema (see ``generate`` and ``seldon_types``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"
SCHEMA_FILE = DATA_DIR / "seldondeployment.schema.json"


def load_product_schema() -> dict[str, Any]:
    """The generated schema shipped as package data."""
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data
