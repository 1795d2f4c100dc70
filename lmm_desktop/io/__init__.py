"""Readers and writers. One entry point: :func:`read_trial` (and :func:`open_session` for folders).

Each format lives in its own module and is imported only when needed, so opening a .mot does not
pay for the c3d reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lmm_desktop.core.errors import TrialReadError, TrialWriteError

if TYPE_CHECKING:
    from lmm_desktop.core.trial import Trial
    from lmm_desktop.io.opencap import Session

READ_SUFFIXES = (".mot", ".sto", ".trc", ".c3d", ".npz", ".npy")
WRITE_SUFFIXES = (".mot", ".csv", ".npz", ".c3d")


def read_trial(path: str | Path, *, trial: str | None = None,
               rate_hz: float | None = None) -> Trial:
    """Read any supported trial file (or one trial of an OpenCap session folder).

    Parameters
    ----------
    path
        A ``.mot``/``.sto``/``.trc``/``.c3d``/``.npz``/``.npy`` file, or an OpenCap session folder.
    trial
        For a session folder: the trial name (default: the first trial).
    rate_hz
        Frame rate for formats that may not store one (a bare ``.npy`` 41-element vector).

    Raises
    ------
    TrialReadError
        The path is missing, of an unknown type, or its content cannot be read.
    """
    p = Path(path)
    if not p.exists():
        raise TrialReadError(p, "the file or folder does not exist")
    if p.is_dir():
        from lmm_desktop.io.opencap import open_session

        session = open_session(p)
        return session.read(trial)
    suffix = p.suffix.lower()
    if suffix in (".mot", ".sto"):
        from lmm_desktop.io.mot import read_mot

        return read_mot(p)
    if suffix == ".trc":
        from lmm_desktop.io.trc import read_trc

        return read_trc(p)
    if suffix == ".c3d":
        from lmm_desktop.io.c3d import read_c3d

        return read_c3d(p)
    if suffix in (".npz", ".npy"):
        from lmm_desktop.io.qpos import read_qpos

        return read_qpos(p, rate_hz=rate_hz)
    raise TrialReadError(
        p,
        f"the file type '{suffix or '(none)'}' is not supported",
        expected="one of " + ", ".join(READ_SUFFIXES) + " or an OpenCap session folder",
    )


def open_session(folder: str | Path) -> Session:
    """Open an OpenCap session folder and list its trials (see :mod:`lmm_desktop.io.opencap`)."""
    from lmm_desktop.io.opencap import open_session as _open

    return _open(Path(folder))


def write_trial(trial: Trial, path: str | Path) -> Path:
    """Write a trial's canonical kinematics as ``.mot``, ``.csv`` or the 41-element ``.npz``,
    or the whole trial (markers, angles, events, force plates, analog) as ``.c3d``.

    Writes are atomic: the file appears complete or not at all.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".mot":
        from lmm_desktop.io.mot import write_mot

        return write_mot(trial, p)
    if suffix == ".csv":
        from lmm_desktop.io.csv_writer import write_csv

        return write_csv(trial, p)
    if suffix == ".npz":
        from lmm_desktop.io.qpos import write_qpos

        return write_qpos(trial, p)
    if suffix == ".c3d":
        from lmm_desktop.io.c3d_writer import write_c3d

        return write_c3d(trial, p)
    raise TrialWriteError(
        f"Cannot write '{p}': the output type '{suffix or '(none)'}' is not supported; "
        f"use one of {', '.join(WRITE_SUFFIXES)}."
    )


__all__ = ["READ_SUFFIXES", "WRITE_SUFFIXES", "open_session", "read_trial", "write_trial"]
