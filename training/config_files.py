"""Reading typed training configs from JSON/YAML files (one implementation for every config)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any


def config_data(cls: type, path: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for dataclass ``cls`` from a JSON or YAML file, then ``overrides``
    (``None`` values ignored). Unknown keys raise ValueError naming the file and the known keys."""
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        data = json.loads(text)
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"Unknown keys in '{path}': {sorted(unknown)}; known: {sorted(known)}.")
    data.update({k: v for k, v in overrides.items() if v is not None})
    return dict(data)
