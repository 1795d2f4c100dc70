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

from lmm_desktop.analysis._signal import UP, horizontal, unit
from lmm_desktop.analysis.normative_map import (
    PELVIS_FRAME_SHIFT,
    pelvis_frame_offset_deg,
    pig_pelvic_tilt_deg,
)
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
    pelvis_frame_offset_deg: float | None = None
    """PiG minus OpenSim anterior pelvic tilt measured on the ASIS/PSIS points (see
    :mod:`~lmm_desktop.analysis.normative_map`); None without those points."""

    @property
    def n_cycles(self) -> dict[Side, int]:
        return {side: len(w) for side, w in self.windows.items()}  # type: ignore[misc]

    def get(self, side: Side, name: str) -> CycleStats | None:
        return self.curves.get(side, {}).get(name)

    def pig_equivalent(self, side: Side, name: str) -> CycleStats | None:
        """The curve in the Plug-in-Gait pelvis frame (OpenSim signs): pelvic tilt and hip flexion
        shifted by the pelvis-frame offset; other variables (or no offset) unchanged."""
        stats = self.get(side, name)
        base = name[:-2] if name.endswith(("_r", "_l")) else name
        shift = PELVIS_FRAME_SHIFT.get(base, 0.0)
        if stats is None or not shift or self.pelvis_frame_offset_deg is None:
            return stats
        d = shift * self.pelvis_frame_offset_deg
        return CycleStats(stats.cycles + d, stats.mean + d, stats.sd)

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


def _stride_frames(
    time: NDArray[np.float64], hs: list[float], gap: NDArray[np.bool_], side: Side, notes: list[str]
) -> list[tuple[float, float, int, int]]:
    """``(t0, t2, i0, i2)`` of each usable stride of one side; skipped ones get a note."""
    out = []
    for t0, t2 in itertools.pairwise(hs):
        if t2 - t0 > MAX_STRIDE_S or t0 < time[0] or t2 > time[-1]:
            notes.append(f"{side} stride {t0:.2f}-{t2:.2f} s skipped")
            continue
        i0, i2 = int(np.searchsorted(time, t0)), int(np.searchsorted(time, t2))
        if i2 - i0 < 5:
            continue
        if gap[i0 : i2 + 1].any():
            notes.append(f"{side} stride {t0:.2f}-{t2:.2f} s skipped: gap in the kinematics")
            continue
        out.append((t0, t2, i0, i2))
    return out


def _resample(
    data: NDArray[np.float64], starts: NDArray[np.intp], stops: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Resample rows ``starts[k]..stops[k]`` (inclusive) of ``(n, v)`` data to 101 points each
    (linear, as ``np.interp`` on 0..100 %), all strides and variables at once: ``(k, 101, v)``."""
    u = np.linspace(0.0, 1.0, N_POINTS)  # (101,)
    pos = starts[:, None] + (stops - starts)[:, None] * u  # (k, 101) fractional row index
    lo = np.minimum(np.floor(pos).astype(np.intp), stops[:, None] - 1)  # (k, 101)
    w = (pos - lo)[:, :, None]  # (k, 101, 1)
    return np.asarray(data[lo] * (1.0 - w) + data[lo + 1] * w, dtype=float)


def _gap_mask(kin: Kinematics) -> NDArray[np.bool_]:
    """``(n_frames,)`` True where the pelvis pose or a provided leg angle is missing (the frames
    ``pipeline.mask_gaps`` blanks)."""
    legs = [
        i
        for i, n in enumerate(CANONICAL_JOINTS)
        if kin.present[i] and n.startswith(("hip_", "knee_", "ankle_"))
    ]
    cols = kin.angles[:, legs]  # (n, k) degrees
    cols = cols[:, ~np.isnan(cols).all(axis=0)]  # a joint that is never there is no gap
    gap = np.isnan(cols).any(axis=1)
    if kin.pelvis_present:
        gap |= np.isnan(kin.pelvis_rotation).any(axis=1)
        gap |= np.isnan(kin.pelvis_translation).any(axis=1)
    return np.asarray(gap, dtype=bool)


def _side_curves(
    kin: Kinematics,
    strides: list[tuple[float, float, int, int]],
    side: Side,
    points: BodyPoints | None,
    direction: NDArray[np.float64] | None,
    pig_tilt: NDArray[np.float64] | None,
) -> tuple[dict[str, NDArray[np.float64]], NDArray[np.float64] | None]:
    """``(n_cycles, 101)`` curves of every variable over one side's strides, plus the samples of
    PiG anterior tilt + OpenSim walking-frame tilt (for the pelvis-frame offset) or None."""
    i0 = np.array([s[2] for s in strides], dtype=np.intp)
    i2 = np.array([s[3] for s in strides], dtype=np.intp)
    present = np.flatnonzero(kin.present)
    joints = _resample(kin.angles[:, present], i0, i2)  # (k, 101, n_present) degrees
    out = {CANONICAL_JOINTS[j]: joints[:, :, m] for m, j in enumerate(present)}
    # Per-stride quantities: the strides' frames laid end to end, each with its own heading.
    lengths = i2 - i0 + 1
    frames = np.concatenate([np.arange(a, b + 1) for a, b in zip(i0, i2)])  # (sum lengths,)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
    ends = offsets + lengths - 1
    tilt_diff = None
    headings = None
    if kin.pelvis_present:
        headings = np.array([_heading(kin, a, b, direction) for a, b in zip(i0, i2)])
        pel = pelvis_in_walking_frame(
            kin.pelvis_rotation[frames], np.repeat(headings, lengths)
        )  # (sum lengths, 3) degrees
        cyc = _resample(pel, offsets, ends)  # (k, 101, 3)
        for k, name in enumerate(PELVIS_NAMES):
            out[name] = cyc[:, :, k]
        if pig_tilt is not None:
            tilt_diff = pig_tilt[frames] + pel[:, 0]
    if points is not None:
        if headings is not None:
            d = np.stack([np.cos(headings), np.zeros_like(headings), -np.sin(headings)], axis=1)
        elif direction is not None:
            d = np.tile(np.asarray(direction, float), (len(strides), 1))  # (k, 3)
        else:
            d = None
        if d is not None:
            fp = _foot_progression_at(points, side, frames, np.repeat(d, lengths, axis=0))
            out["foot_progression"] = _resample(fp[:, None], offsets, ends)[:, :, 0]
    return out, tilt_diff


def _pig_tilt(points: BodyPoints | None) -> NDArray[np.float64] | None:
    """``(n_frames,)`` PiG anterior pelvic tilt (deg) from the ASIS/PSIS points, or None."""
    names = ("asis_r", "asis_l", "psis_r", "psis_l")
    if points is None or not all(points.has(n) for n in names):
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        return pig_pelvic_tilt_deg(*(points.point(n) for n in names))


def _foot_progression_at(
    points: BodyPoints, side: Side, frames: NDArray[np.intp], direction: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Foot progression (deg, internal +) on ``frames`` against per-frame ``(m, 3)`` directions."""
    s = "r" if side == "right" else "l"
    foot = unit(horizontal(points.point(f"toe_{s}")[frames] - points.point(f"heel_{s}")[frames]))
    d = unit(horizontal(direction))  # (m, 3)
    left_turn = np.cross(d, foot) @ UP  # (m,) + = toe points left of the direction
    angle = np.degrees(np.arctan2(left_turn, np.einsum("ij,ij->i", foot, d)))
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

    All strides and variables of a side are resampled in one vectorised step (one fractional
    frame index per stride and cycle point), so a 60 s trial takes a few milliseconds.

    Parameters
    ----------
    kin
        Canonical kinematics (degrees).
    time
        ``(n_frames,)`` seconds, the time base of ``kin`` (and of ``points``).
    events
        Gait events; only heel strikes with a side are used.
    points
        Optional body points on the same time base: adds ``foot_progression`` and, with ASIS and
        PSIS points, the pelvis-frame offset (see :mod:`~lmm_desktop.analysis.normative_map`).
    direction
        Optional ``(3,)`` walking direction for treadmill trials (else the pelvis yaw is used).

    Returns
    -------
    CycleCurves
        ``reason`` says why a side has no cycle. Strides with a gap in the kinematics are skipped
        (with a note).
    """
    time = np.asarray(time, float)
    curves: dict[Side, dict[str, CycleStats]] = {"right": {}, "left": {}}
    windows: dict[Side, list[tuple[float, float]]] = {"right": [], "left": []}
    notes: list[str] = []
    gap = _gap_mask(kin)
    pig_tilt = _pig_tilt(points) if kin.pelvis_present else None  # (n_frames,) degrees
    tilt_diffs: list[NDArray[np.float64]] = []
    sides: tuple[Side, Side] = ("right", "left")
    for side in sides:
        hs = sorted(e.time_s for e in events if e.label == HEEL_STRIKE and e.side == side)
        strides = _stride_frames(time, hs, gap, side, notes)
        if not strides:
            continue
        windows[side] = [(t0, t2) for t0, t2, _, _ in strides]
        per_var, tilt_diff = _side_curves(kin, strides, side, points, direction, pig_tilt)
        if tilt_diff is not None:
            tilt_diffs.append(tilt_diff)
        for name, arr in per_var.items():  # arr: (n_cycles, 101) degrees
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
    offset = None
    if tilt_diffs:
        both = np.concatenate(tilt_diffs)  # (m,) degrees
        offset = pelvis_frame_offset_deg(both, np.zeros_like(both))
    return CycleCurves(curves, windows, reason, notes, offset)
