"""Walking direction, treadmill detection and turns, from body point trajectories.

The direction of progression is estimated locally (a moving window of about one stride) from the
horizontal velocity of the pelvis, so curved paths and turns are handled. When the pelvis does not
progress (treadmill), the direction is the ground-plane axis along which the feet move most relative
to the pelvis, oriented with the way the pelvis faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import UP, fill_nan, horizontal, lowpass, moving_mean, unit
from lmm_desktop.core.body import BodyPoints

PROGRESSING_SPEED_M_S = 0.15
"""Below this smoothed pelvis speed the subject is taken as not progressing (treadmill/standing)."""

TURN_RATE_DEG_S = 40.0
"""Heading changes faster than this (over a 0.5 s window) are turns and excluded from analysis."""

DIRECTION_WINDOW_S = 1.0
"""Moving window over which the pelvis velocity is averaged (about one stride)."""


@dataclass
class WalkingDirection:
    """Direction of progression over time.

    Attributes
    ----------
    per_frame
        ``(n_frames, 3)`` unit vectors in the ground plane (Y component 0).
    mean
        ``(3,)`` unit vector: the mean direction over the straight-walking frames.
    treadmill
        True when the pelvis does not progress but the feet move (treadmill walking).
    turn_mask
        ``(n_frames,)`` True during turns.
    turns
        Turn intervals ``(start_s, end_s)``.
    pelvis_speed
        ``(n_frames,)`` smoothed horizontal pelvis speed, m/s.
    """

    per_frame: NDArray[np.float64]
    mean: NDArray[np.float64]
    treadmill: bool
    turn_mask: NDArray[np.bool_]
    turns: list[tuple[float, float]] = field(default_factory=list)
    pelvis_speed: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def _mean_of(points: BodyPoints, names: tuple[str, ...]) -> NDArray[np.float64] | None:
    arrs = [points.point(n) for n in names if points.has(n)]
    if len(arrs) != len(names):
        return None
    out = np.mean(np.stack(arrs), axis=0)  # (n_frames, 3), metres
    return out if np.isfinite(out).mean() > 0.5 else None


def pelvis_reference(points: BodyPoints) -> NDArray[np.float64]:
    """``(n_frames, 3)`` sacrum-like reference point, metres.

    Mid-PSIS (OpenCap uses the PSIS marker), else the pelvis origin, else the mid-hip point.
    """
    for names in (("psis_r", "psis_l"), ("pelvis",), ("hip_r", "hip_l"), ("asis_r", "asis_l")):
        ref = _mean_of(points, names)
        if ref is not None:
            return fill_nan(ref)[0]
    return np.full((points.n_frames, 3), np.nan)


def facing_direction(points: BodyPoints) -> NDArray[np.float64] | None:
    """``(n_frames, 3)`` horizontal unit vector the pelvis faces (up x right), or None."""
    for right, left in (("hip_r", "hip_l"), ("asis_r", "asis_l"), ("psis_r", "psis_l")):
        r, l = _mean_of(points, (right,)), _mean_of(points, (left,))
        if r is not None and l is not None:
            lateral = fill_nan(r - l)[0]  # (n_frames, 3) left-to-right, metres
            return unit(horizontal(np.cross(UP, lateral)))
    return None


def _intervals(mask: NDArray[np.bool_], time: NDArray[np.float64]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    starts = np.flatnonzero(np.diff(padded) == 1)
    stops = np.flatnonzero(np.diff(padded) == -1) - 1
    for a, b in zip(starts, stops):
        out.append((float(time[a]), float(time[b])))
    return out


def _treadmill_axis(
    points: BodyPoints, ref: NDArray[np.float64], rate_hz: float
) -> NDArray[np.float64]:
    """Ground-plane axis of largest foot excursion relative to the pelvis, oriented forward."""
    rel = []
    for name in ("heel_r", "heel_l", "ankle_r", "ankle_l", "toe_r", "toe_l"):
        if points.has(name):
            rel.append(horizontal(points.point(name) - ref))
    stacked = np.concatenate(rel, axis=0)  # (k * n_frames, 3), metres
    stacked = stacked[np.isfinite(stacked).all(axis=1)]
    if stacked.shape[0] < 3:
        return np.array([1.0, 0.0, 0.0])
    centred = stacked[:, [0, 2]] - stacked[:, [0, 2]].mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = np.array([vt[0, 0], 0.0, vt[0, 1]])
    facing = facing_direction(points)
    if facing is not None and np.isfinite(facing).any():
        if np.nanmean(facing @ axis) < 0:
            axis = -axis
        return axis
    # No hips: the foot swings forward faster than it slides back in stance.
    name = "heel_r" if points.has("heel_r") else "ankle_r"
    vel = np.gradient(lowpass(points.point(name) - ref, rate_hz), axis=0) * rate_hz @ axis
    if abs(np.nanpercentile(vel, 2)) > np.nanpercentile(vel, 98):
        axis = -axis
    return axis


def walking_direction(points: BodyPoints, *, rate_hz: float) -> WalkingDirection:
    """Estimate the local direction of progression, treadmill walking and turns.

    Parameters
    ----------
    points
        Body point trajectories (needs a pelvis reference: PSIS, pelvis origin or hips).
    rate_hz
        Sample rate of ``points``.
    """
    n = points.n_frames
    ref = pelvis_reference(points)
    smooth = lowpass(horizontal(ref), rate_hz, 4.0)  # (n_frames, 3), metres
    vel = np.gradient(smooth, axis=0) * rate_hz if n > 1 else np.zeros((n, 3))
    vel = moving_mean(vel, round(DIRECTION_WINDOW_S * rate_hz))  # (n_frames, 3), m/s
    speed = np.linalg.norm(vel, axis=1)
    moving = speed > PROGRESSING_SPEED_M_S
    facing = facing_direction(points)

    if moving.mean() < 0.3:
        axis = _treadmill_axis(points, ref, rate_hz)
        per_frame = np.tile(axis, (n, 1))  # (n_frames, 3)
        return WalkingDirection(per_frame, axis, True, np.zeros(n, bool), [], speed)

    per_frame = np.where(moving[:, None], unit(vel), np.nan)
    if facing is not None:
        per_frame = np.where(moving[:, None], per_frame, facing)
    per_frame = unit(fill_nan(per_frame)[0])
    heading = np.unwrap(np.arctan2(-per_frame[:, 2], per_frame[:, 0]))
    yaw_rate = np.degrees(np.gradient(heading)) * rate_hz
    yaw_rate = moving_mean(yaw_rate, round(0.5 * rate_hz))
    turn = np.abs(yaw_rate) > TURN_RATE_DEG_S
    turn = moving_mean(turn.astype(float), round(0.25 * rate_hz)) > 0  # widen a little
    straight = moving & ~turn
    mean = unit(np.nanmean(per_frame[straight], axis=0)) if straight.any() else per_frame[0]
    return WalkingDirection(per_frame, mean, False, turn, _intervals(turn, points.time), speed)
