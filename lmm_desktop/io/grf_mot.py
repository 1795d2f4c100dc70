"""Write a trial's ground reactions as an OpenSim external-loads ``.mot`` file.

The layout of OpenSim's own examples (``subject01_walk1_grf.mot``): one row per analog sample,
``time``, then per foot the force (N), the point of application (m) and the torque (N m), right
foot first (``ground_force_v*``, ``ground_force_p*``, ``ground_torque_*``) and the left foot with
the ``1_`` prefix, in the Y-up frame of the kinematics. Each plate's force goes to the foot of its
contact at that instant (the contact's foot from
:mod:`lmm_desktop.analysis.force_plates`; a contact no foot was matched to is left out and said
so); between contacts, and on an unloaded plate, the foot's row is zero, as OpenSim expects. The
torque is the free moment about the vertical. In OpenSim, an ExternalLoads file applies
``ground_force`` to ``calcn_r`` and ``1_ground_force`` to ``calcn_l``, expressed in ground.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.errors import TrialWriteError
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import _text

PREFIX = {"right": "", "left": "1_"}


def grf_columns() -> list[str]:
    cols = ["time"]
    for side in ("right", "left"):
        p = PREFIX[side]
        cols += [f"{p}ground_force_v{a}" for a in "xyz"]
        cols += [f"{p}ground_force_p{a}" for a in "xyz"]
    for side in ("right", "left"):
        cols += [f"{PREFIX[side]}ground_torque_{a}" for a in "xyz"]
    return cols


def grf_table(
    trial: Trial, contacts: Sequence[tuple[int, float, float, str | None]],
    rotation: NDArray[np.float64],
) -> tuple[NDArray[np.float64], int]:
    """``(n_samples, 19)`` rows of the external-loads file and how many contacts had no foot.

    ``contacts`` are ``(plate number, start s, end s, side)``; ``rotation`` takes the plates'
    lab frame to Y up.
    """
    plates = trial.force_plates
    time = plates[0].time
    out = np.zeros((len(time), 19))
    out[:, 0] = time
    unmatched = 0
    for plate in plates:
        if len(plate.time) != len(time):
            raise TrialWriteError("the force plates do not share one time base")
        grf = plate.grf @ rotation.T  # (n, 3) N, Y up
        cop = np.nan_to_num(plate.cop) @ rotation.T  # (n, 3) m
        for number, a, b, side in contacts:
            if number != plate.number:
                continue
            if side not in PREFIX:
                unmatched += 1
                continue
            on = (time >= a) & (time <= b)
            base = 1 if side == "right" else 7
            tq = 13 if side == "right" else 16
            out[on, base : base + 3] += grf[on]
            out[on, base + 3 : base + 6] = cop[on]
            out[on, tq + 1] += plate.free_moment[on]  # about Y (up)
    return out, unmatched


def write_grf_mot(
    trial: Trial, path: str | Path, contacts: Sequence[tuple[int, float, float, str | None]],
    rotation: NDArray[np.float64],
) -> tuple[Path, int]:
    """Write the external-loads file atomically; returns the path and the contacts left out.

    Raises
    ------
    TrialWriteError
        The trial has no force plates, or the file cannot be written.
    """
    p = Path(path)
    if not trial.force_plates:
        raise TrialWriteError(
            f"Cannot write '{p}': '{trial.name}' has no force plates (only a .c3d file with a "
            "FORCE_PLATFORM group has them)."
        )
    table, unmatched = grf_table(trial, contacts, rotation)
    names = grf_columns()
    lines = [
        f"{trial.name}_grf",
        "version=1",
        f"nRows={table.shape[0]}",
        f"nColumns={len(names)}",
        "inDegrees=yes",
        "",
        "Units are S.I. units (second, meters, Newtons, ...)",
        "Ground reactions on the body, Y up; ground_* the right foot, 1_ground_* the left.",
        "",
    ]
    return _text.write_sto_like(p, lines, names, table), unmatched


__all__ = ["grf_columns", "grf_table", "write_grf_mot"]
