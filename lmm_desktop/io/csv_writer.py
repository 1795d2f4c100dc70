"""Canonical kinematics as CSV, for spreadsheets and statistics packages."""

from __future__ import annotations

from pathlib import Path

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.canonical import PELVIS_TRANSLATIONS
from lmm_desktop.core.errors import TrialWriteError
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import _text


def column_unit(name: str) -> str:
    """Unit of a written column: ``s`` for time, ``m`` for pelvis translations, else ``deg``."""
    if name == "time":
        return "s"
    if name in PELVIS_TRANSLATIONS:
        return "m"
    return "deg"


def write_csv(trial: Trial, path: str | Path) -> Path:
    """Write time and the canonical kinematics as comma-separated values (atomic).

    The single header row names each column with its unit, e.g. ``time (s)``,
    ``pelvis_tx (m)``, ``knee_angle_r (deg)``. Joints the trial lacks are omitted, never written
    as zeros; values are repr-exact (``nan`` where a present joint has a gap).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    TrialWriteError
        The trial has no joint angles, or the file cannot be written.
    """
    p = Path(path)
    names, table = _text.kinematics_table(trial, p)  # (n_frames, 1 + n_columns); s, deg, m
    header = ",".join(f"{name} ({column_unit(name)})" for name in names)
    try:
        with atomic_write(p, "w", newline="\n") as fh:
            fh.write(header + "\n")
            for chunk in _text.format_rows(table, ","):
                fh.write(chunk)
    except OSError as exc:
        raise TrialWriteError(f"Cannot write '{p}': {exc.strerror or exc}.") from exc
    return p
