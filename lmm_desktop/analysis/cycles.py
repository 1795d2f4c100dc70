"""Gait-cycle normalised curves: each stride resampled to 0..100 % in 101 points, mean ± SD.

Strides run from a heel strike to the next heel strike of the same foot (as OpenCap's
``get_coordinates_normalized_time``). Pelvis angles are first expressed in the walking direction's
frame (OpenSim's pelvis angles are ground angles that include the heading), so they compare with
Plug-in-Gait style norms; foot progression is computed from the heel and toe points when given.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import UP, horizontal, resample_cycle, unit
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics
from lmm_desktop.core.trial import HEEL_STRIKE, Event, Side

N_POINTS = 101
MAX_STRIDE_S = 3.0
PELVIS_NAMES = ("pelvis_tilt", "pelvis_list", "pelvis_rotation")


@dataclass
class CycleStats:
    """One variable over the cycles of one side: ``cycles`` is ``(n, 101)``, mean/sd ``(101,)``."""

    cycles: NDArray[np.float64]
    mean: NDArray[np.float64]
    sd: NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.cycles.shape[0])


@dataclass
class CycleCurves:
    """Cycle-normalised curves per side and variable.

    ``curves[side][name]``: canonical joint names (``knee_angle_r``; every present joint is cycled
    on both sides' strides), ``pelvis_tilt``/``pelvis_list``/``pelvis_rotation`` (walking frame,
    degrees) and ``foot_progression`` (degrees, internal +) when points were given.
    """

    curves: dict[Side, dict[str, CycleStats]]
    windows: dict[Side, list[tuple[float, float]]]
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_cycles(self) -> dict[Side, int]:
        return {side: len(w) for side, w in self.windows.items()}  # type: ignore[misc]

    def get(self, side: Side, name: str) -> CycleStats | None:
        return self.curves.get(side, {}).get(name)

    @property
    def percent(self) -> NDArray[np.float64]:
        return np.linspace(0.0, 100.0, N_POINTS)


def _rot(axis: int, angle: NDArray[np.float64]) -> NDArray[np.float64]:
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((angle.shape[0], 3, 3))  # (n, 3, 3)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[:, axis, axis] = 1.0
    out[:, i, i], out[:, i, j], out[:, j, i], out[:, j, j] = c, -s, s, c
    return out


def pelvis_in_walking_frame(
    pelvis_rotation: NDArray[np.float64], heading_rad: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Re-express OpenSim pelvis angles (tilt Z, list X, rotation Y, body-fixed) relative to a
    frame turned by ``heading_rad`` about the vertical; returns ``(n, 3)`` degrees."""
    a, b, c = np.radians(pelvis_rotation).T
    r = _rot(2, a) @ _rot(0, b) @ _rot(1, c)  # (n, 3, 3) ground <- pelvis
    r = _rot(1, -np.asarray(heading_rad, float)) @ r  # walking frame <- pelvis
    tilt = np.arctan2(-r[:, 0, 1], r[:, 1, 1])
    lst = np.arcsin(np.clip(r[:, 2, 1], -1.0, 1.0))
    rot = np.arctan2(-r[:, 2, 0], r[:, 2, 2])
    return np.degrees(np.stack([tilt, lst, rot], axis=1))


def _heading(kin: Kinematics, i0: int, i2: int, direction: NDArray[np.float64] | None) -> float:
    """Walking heading over a stride: pelvis displacement, else the given direction, else the
    circular mean of the pelvis yaw (treadmill)."""
    d = kin.pelvis_translation[i2] - kin.pelvis_translation[i0]
    if np.all(np.isfinite(d)) and np.hypot(d[0], d[2]) > 0.3:
        return float(np.arctan2(-d[2], d[0]))
    if direction is not None:
        return float(np.arctan2(-direction[2], direction[0]))
    yaw = np.radians(kin.pelvis_rotation[i0 : i2 + 1, 2])
    return float(np.arctan2(np.nanmean(np.sin(yaw)), np.nanmean(np.cos(yaw))))


def foot_progression(
    points: BodyPoints, side: Side, direction: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(n_frames,)`` foot progression angle in degrees, internal (toe towards the other foot) +.

    The angle in the ground plane between the heel-to-toe line and the walking ``direction``.
    """
    s = "r" if side == "right" else "l"
    foot = unit(horizontal(points.point(f"toe_{s}") - points.point(f"heel_{s}")))  # (n, 3)
    d = unit(horizontal(np.asarray(direction, float)))
    left_turn = np.cross(np.broadcast_to(d, foot.shape), foot) @ UP  # + = toe points left
    angle = np.degrees(np.arctan2(left_turn, foot @ d))
    return angle if side == "right" else -angle


def cycle_curves(
    kin: Kinematics,
    time: NDArray[np.float64],
    events: list[Event],
    *,
    points: BodyPoints | None = None,
    direction: NDArray[np.float64] | None = None,
) -> CycleCurves:
    """Resample every stride of each side to 101 points and average.

    Parameters
    ----------
    kin
        Canonical kinematics (degrees).
    time
        ``(n_frames,)`` seconds, the time base of ``kin`` (and of ``points``).
    events
        Gait events; only heel strikes with a side are used.
    points
        Optional body points on the same time base: adds ``foot_progression``.
    direction
        Optional ``(3,)`` walking direction for treadmill trials (else the pelvis yaw is used).

    Returns
    -------
    CycleCurves
        ``reason`` says why a side has no cycle.
    """
    time = np.asarray(time, float)
    curves: dict[Side, dict[str, CycleStats]] = {"right": {}, "left": {}}
    windows: dict[Side, list[tuple[float, float]]] = {"right": [], "left": []}
    notes: list[str] = []
    present = [n for n, p in zip(CANONICAL_JOINTS, kin.present) if p]
    sides: tuple[Side, Side] = ("right", "left")
    for side in sides:
        hs = sorted(e.time_s for e in events if e.label == HEEL_STRIKE and e.side == side)
        per_var: dict[str, list[NDArray[np.float64]]] = {}
        for t0, t2 in itertools.pairwise(hs):
            if t2 - t0 > MAX_STRIDE_S or t0 < time[0] or t2 > time[-1]:
                notes.append(f"{side} stride {t0:.2f}-{t2:.2f} s skipped")
                continue
            i0, i2 = int(np.searchsorted(time, t0)), int(np.searchsorted(time, t2))
            if i2 - i0 < 5:
                continue
            windows[side].append((t0, t2))
            for name in present:
                per_var.setdefault(name, []).append(resample_cycle(kin.angle(name)[i0 : i2 + 1]))
            if kin.pelvis_present:
                h = _heading(kin, i0, i2, direction)
                pel = pelvis_in_walking_frame(
                    kin.pelvis_rotation[i0 : i2 + 1], np.full(i2 + 1 - i0, h)
                )
                cyc = resample_cycle(pel)  # (101, 3) degrees
                for k, name in enumerate(PELVIS_NAMES):
                    per_var.setdefault(name, []).append(cyc[:, k])
            if points is not None:
                d = np.array([np.cos(h), 0.0, -np.sin(h)]) if kin.pelvis_present else direction
                if d is not None:
                    fp = foot_progression(points, side, d)[i0 : i2 + 1]
                    per_var.setdefault("foot_progression", []).append(resample_cycle(fp))
        for name, cycles in per_var.items():
            arr = np.stack(cycles)  # (n_cycles, 101) degrees
            sd = arr.std(axis=0, ddof=1) if arr.shape[0] > 1 else np.full(N_POINTS, np.nan)
            curves[side][name] = CycleStats(arr, arr.mean(axis=0), sd)
    missing = [s for s in sides if not windows[s]]
    reason = None
    if missing:
        reason = (
            "no complete stride (two heel strikes of the same foot) for the "
            + " and ".join(missing)
            + " side"
            + ("s" if len(missing) == 2 else "")
        )
    return CycleCurves(curves, windows, reason, notes)
