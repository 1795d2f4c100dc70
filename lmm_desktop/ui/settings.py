"""User interface settings kept in QSettings: recent files, theme, window layout.

The application stores them in an INI file under the user's config folder
(:func:`lmm_desktop.core.paths.config_dir`), so tests that point ``LMM_DESKTOP_HOME`` elsewhere
never touch the real user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from lmm_desktop.core.paths import config_dir

MAX_RECENT = 10


def default_settings() -> QSettings:
    """The application's settings file (``<config dir>/ui.ini``)."""
    return QSettings(str(config_dir() / "ui.ini"), QSettings.Format.IniFormat)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list
        return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def add_recent(settings: QSettings, path: Path | str) -> list[str]:
    """Put ``path`` first in the recent list (no duplicates, at most :data:`MAX_RECENT`)."""
    p = str(Path(path).resolve())
    items = [p, *[r for r in recent_files(settings) if r != p]][:MAX_RECENT]
    settings.setValue("recent_files", items)
    return items


def clear_recent(settings: QSettings) -> None:
    settings.setValue("recent_files", [])


def demo_dir() -> Path:
    """Folder of the bundled simulated demo trials (``resources/demo``)."""
    import lmm_desktop

    return Path(lmm_desktop.__file__).resolve().parents[1] / "resources" / "demo"
