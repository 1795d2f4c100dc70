"""Where LMM Desktop keeps the user's settings, records, caches and logs.

``LMM_DESKTOP_HOME`` overrides everything (tests and portable installs); otherwise the XDG
folders on Linux, ``~/Library/Application Support`` on macOS and ``%APPDATA%`` on Windows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "lmm-desktop"


def _base(kind: str) -> Path:
    override = os.environ.get("LMM_DESKTOP_HOME")
    if override:
        return Path(override) / kind
    home = Path.home()
    if sys.platform == "win32":
        root = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return root / APP / kind
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP / kind
    xdg = {"config": "XDG_CONFIG_HOME", "data": "XDG_DATA_HOME", "cache": "XDG_CACHE_HOME"}[kind]
    default = {"config": ".config", "data": ".local/share", "cache": ".cache"}[kind]
    return Path(os.environ.get(xdg, home / default)) / APP


def config_dir() -> Path:
    """User settings folder (created on demand, readable only by the user)."""
    return _ensure(_base("config"))


def data_dir() -> Path:
    """User data folder: records database, autosave, exported artefacts."""
    return _ensure(_base("data"))


def cache_dir() -> Path:
    """Caches that can be rebuilt (converted model weights, motion tokens)."""
    return _ensure(_base("cache"))


def log_file() -> Path:
    """The log file named in messages about unexpected errors."""
    return data_dir() / "lmm-desktop.log"


def _ensure(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p
