"""A synthetic force-plate trial with a known ground reaction, written as a real C3D file.

One right-foot stance of 0.6 s on an AMTI-style (type 2) plate in a Z-up lab: a double-hump
vertical force, braking then propulsion, the centre of pressure rolling from heel to toe. The plate
channels are made from the ground reaction by the C3D definitions, independently of the reader:
the force applied to the plate in the plate's own axes (z down), and the moments about the
transducer origin 40 mm below the surface.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tests.io.c3d_writer import float_nd, int_nd, write_c3d

RATE = 100.0
PER_FRAME = 10  # analog samples per frame: 1000 Hz
N_FRAMES = 200
STANCE = (0.5, 1.1)
MASS_KG = 70.0
CENTRE_MM = np.array([300.0, 200.0, 0.0])
# Corners so that the plate's x = lab x, y = -lab y, z = -lab z (down), as AMTI plates are set.
CORNERS_MM = np.array(
    [[500.0, -100.0, 0.0], [100.0, -100.0, 0.0], [100.0, 500.0, 0.0], [500.0, 500.0, 0.0]]
)
R_PLATE = np.diag([1.0, -1.0, -1.0])  # plate axes as columns, in the lab frame
ORIGIN_MM = np.array([0.0, 0.0, 40.0])  # transducer origin relative to the surface centre


def ground_reaction(t: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """GRF on the body (N, lab), COP (mm, lab) and free moment (N m, about up) at times t."""
    bw = MASS_KG * 9.81
    s = np.clip((t - STANCE[0]) / (STANCE[1] - STANCE[0]), 0.0, 1.0)
    on = (t >= STANCE[0]) & (t <= STANCE[1])
    vert = 1.2 * bw * (np.sin(np.pi * s) + 0.25 * np.sin(3 * np.pi * s))  # peaks ~1.06 BW
    vert = np.where(on, np.maximum(vert, 0.0), 0.0)
    ap = np.where(on, -0.2 * bw * np.sin(2 * np.pi * s), 0.0)  # walking +x: braking first
    ml = np.where(on, 0.04 * bw * np.sin(np.pi * s), 0.0)
    grf = np.column_stack([ap, ml, vert])
    cop = np.column_stack([200.0 + 200.0 * s, np.full_like(s, 150.0), np.zeros_like(s)])
    free = np.where(on, 2.0 * np.sin(np.pi * s), 0.0)
    return grf, cop, free


def plate_channels(
    grf: NDArray[np.float64], cop_mm: NDArray[np.float64], free: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Fx, Fy, Fz (N), Mx, My, Mz (N mm) of an AMTI plate carrying this load."""
    f = (-grf) @ R_PLATE  # the load on the plate, plate axes (R is its own inverse)
    p = (cop_mm - CENTRE_MM) @ R_PLATE  # COP relative to the surface centre, plate axes, mm
    arm = p - ORIGIN_MM  # from the transducer origin
    m = np.cross(arm, f)  # N mm
    # the free moment on the plate is -free about the lab's up, so +free about its z (down)
    m[:, 2] += free * 1000.0
    return np.column_stack([f, m])


def markers(t: NDArray[np.float64]) -> tuple[list[str], NDArray[np.float64]]:
    """Heels, toes and pelvis (mm, Z up): the right foot flat on the plate during stance, the
    left foot well behind it, off the plate."""
    n = len(t)
    labels = ["RHEE", "RTOE", "LHEE", "LTOE", "LASI", "RASI", "LPSI", "RPSI"]
    pos = np.zeros((n, len(labels), 3))
    on = (t >= STANCE[0] - 0.02) & (t <= STANCE[1] + 0.02)
    # right foot: swings in before, stands on the plate, lifts after
    rx_heel = np.where(on, 190.0, np.where(t < STANCE[0], 190.0 - 1500 * (STANCE[0] - t), 190.0))
    rz = np.where(on, 60.0, 140.0)
    pos[:, 0] = np.column_stack([rx_heel, np.full(n, 150.0), rz])
    pos[:, 1] = np.column_stack([rx_heel + 230.0, np.full(n, 150.0), rz - 10.0])
    pos[:, 2] = np.column_stack([np.full(n, -700.0), np.full(n, 350.0), np.full(n, 60.0)])
    pos[:, 3] = np.column_stack([np.full(n, -470.0), np.full(n, 350.0), np.full(n, 50.0)])
    for k, (dx, dy) in enumerate(((150, 330), (150, 70), (-50, 300), (-50, 100)), start=4):
        pos[:, k] = np.column_stack([np.full(n, dx), np.full(n, dy), np.full(n, 950.0)])
    return labels, pos


def write_plate_trial(
    path: Path,
    *,
    plate_type: int = 2,
    reaction: bool = False,
    cal: NDArray[np.float64] | None = None,
    channels: list[int] | None = None,
    foot_shift_mm: float = 0.0,
    left_on_plate: bool = False,
    scale: float = 1.0,
    fz_offset: float = 0.0,
) -> Path:
    """Write the trial; ``reaction`` stores the channels negated (as Vicon's AMTI data give
    them), ``cal`` a type 4 calibration matrix, ``foot_shift_mm`` moves the right foot along x
    (partly off the plate), ``left_on_plate`` puts the left foot on the plate too,
    ``fz_offset`` adds a constant to the vertical channel (a plate not zeroed)."""
    t_an = np.arange(N_FRAMES * PER_FRAME) / (RATE * PER_FRAME)
    grf, cop, free = ground_reaction(t_an)
    ch = plate_channels(grf, cop, free)
    ch[:, 2] += fz_offset  # an amplifier that was not zeroed (N, plate axes: z down)
    if reaction:
        ch = -ch
    if cal is not None:
        ch = ch @ np.linalg.inv(cal).T  # stored = C^-1 @ true
    stored = ch / scale
    t = np.arange(N_FRAMES) / RATE
    labels, pos = markers(t)
    pos[:, 0:2, 0] += foot_shift_mm
    if left_on_plate:
        pos[:, 2] = np.column_stack([np.full(N_FRAMES, 420.0), np.full(N_FRAMES, 380.0),
                                     np.full(N_FRAMES, 60.0)])
        pos[:, 3] = np.column_stack([np.full(N_FRAMES, 480.0), np.full(N_FRAMES, 420.0),
                                     np.full(N_FRAMES, 50.0)])
    units = ["N", "N", "N", "Nmm", "Nmm", "Nmm"]
    plate = {
        "USED": int_nd([1], (1,)),
        "TYPE": int_nd([plate_type], (1,)),
        "CHANNEL": int_nd(channels or [1, 2, 3, 4, 5, 6], (6, 1)),
        "CORNERS": float_nd(CORNERS_MM.reshape(-1), (3, 4, 1)),
        "ORIGIN": float_nd(ORIGIN_MM, (3, 1)),
        "ZERO": int_nd([0, 0], (2,)),
    }
    if cal is not None:
        plate["CAL_MATRIX"] = float_nd(cal.T.reshape(-1), (6, 6, 1))  # stored by column
    width = 4
    unit_body = (
        bytes([0xFF, 2, width, 6]) + b"".join(u.ljust(width).encode() for u in units)
    )
    analog_params = {
        "SCALE": float_nd([scale] * 6, (6,)),
        "GEN_SCALE": float_nd([1.0], (1,)),
        "OFFSET": int_nd([0] * 6, (6,)),
        "UNITS": unit_body,
    }
    return write_c3d(
        path, labels, pos, RATE, analog=stored, analog_params=analog_params,
        plate_params=plate, groups=None,
    )
