"""Walking direction, treadmill detection and turns, from body point trajectories.

The direction of progression is estimated locally from the horizontal velocity of the pelvis
averaged over exactly one stride, so curved paths and turns are handled. One stride, not a fixed
second: the pelvis sways sideways once per stride (by 5-15 cm in slow, hemiparetic or cane-assisted
gait), which swings a one-second heading estimate by +/-15-35 deg when strides last 1.5-2.5 s; a
moving mean over one whole period cancels that sway. The stride period comes from the
autocorrelation of the heels' horizontal speed (direction-free; one swing per stride per foot).

A turn is a heading change faster than ``TURN_RATE_DEG_S`` that adds up to at least
``MIN_TURN_DEG``: the net change is what tells a turn from residual side-to-side sway.

When the pelvis does not progress (treadmill), the direction is the ground-plane axis along which
the feet move most relative to the pelvis, oriented with the way the pelvis faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import UP, fill_nan, horizontal, lowpass, moving_mean, unit
from lmm_desktop.core.body import BodyPoints

PROGRESSING_SPEED_M_S = 0.15
"""Below this smoothed pelvis speed the subject is taken as not progressing (treadmill/standing)."""

TURN_RATE_DEG_S = 25.0
"""Heading changes faster than this (over a 0.5 s window) may be turns (see ``MIN_TURN_DEG``)."""

MIN_TURN_DEG = 30.0
"""A fast heading change is a turn, excluded from analysis, when its net change reaches this."""

DIRECTION_WINDOW_S = 1.0
"""Moving window over which the pelvis velocity is averaged when no stride period is found."""

STRIDE_PERIOD_RANGE_S = (0.6, 3.5)
"""Stride periods searched for (fast running-like walking .. very slow assisted gait)."""


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
        ``(n_frames,)`` horizontal pelvis speed averaged over one stride, m/s.
    stride_period_s
        Dominant stride period (s) used as the averaging window; None when none was found.
    """

    per_frame: NDArray[np.float64]
    mean: NDArray[np.float64]
    treadmill: bool
    turn_mask: NDArray[np.bool_]
    turns: list[tuple[float, float]] = field(default_factory=list)
    pelvis_speed: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    stride_period_s: float | None = None


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
            xz = horizontal(points.point(name) - ref)[:, [0, 2]]  # (n_frames, 2), metres
            xz = xz[np.isfinite(xz).all(axis=1)]
            # Each point about its own mean: the fixed left-right offset of the feet is no motion.
            if xz.shape[0]:
                rel.append(xz - xz.mean(axis=0))
    if not rel or sum(r.shape[0] for r in rel) < 3:
        return np.array([1.0, 0.0, 0.0])
    centred = np.concatenate(rel, axis=0)  # (k * n_frames, 2), metres
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


def stride_period_s(points: BodyPoints, rate_hz: float) -> float | None:
    """Dominant stride period (s) from the heels' horizontal speed, or None when not periodic.

    Each heel moves once per stride (swing) and rests or moves with the belt in stance, so the
    autocorrelation of its horizontal speed peaks at the stride period whatever the direction.
    The two heels' autocorrelations are added; the highest local maximum in
    ``STRIDE_PERIOD_RANGE_S`` with a correlation of at least 0.3 is taken.
    """
    lo, hi = (round(x * rate_hz) for x in STRIDE_PERIOD_RANGE_S)
    n = points.n_frames
    if n < 2 * lo + 2:
        return None
    acf = np.zeros(n)
    used = 0
    for names in (("heel_r", "ankle_r"), ("heel_l", "ankle_l")):
        name = next((x for x in names if points.has(x) and np.isfinite(points.point(x)).any()), "")
        if not name:
            continue
        pos = lowpass(fill_nan(horizontal(points.point(name)))[0], rate_hz, 6.0)  # (n, 3) m
        speed = np.linalg.norm(np.gradient(pos, axis=0), axis=1) * rate_hz  # (n,) m/s
        x = speed - speed.mean()
        spec = np.fft.rfft(x, 2 * n)
        acf += np.fft.irfft(spec * np.conj(spec))[:n] / max(float(x @ x), 1e-12)
        used += 1
    if not used:
        return None
    acf /= used  # (n,) biased autocorrelation, 1 at lag 0: favours the fundamental over 2T
    seg = acf[lo : min(hi, n - 2) + 1]
    if seg.size < 3:
        return None
    inner = seg[1:-1]
    peaks = np.flatnonzero((inner > seg[:-2]) & (inner >= seg[2:])) + 1
    peaks = peaks[seg[peaks] >= 0.3]
    if peaks.size == 0:
        return None
    return float((lo + peaks[np.argmax(seg[peaks])]) / rate_hz)


def _stride_mean(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Centred moving mean over ``window`` frames; the first and last half window hold the
    nearest complete mean (a partial window would let the sideways sway back in)."""
    out = moving_mean(x, window)
    h = window // 2
    if x.shape[0] > window + 1 and h > 0:
        out[:h] = out[h]
        out[-h:] = out[-h - 1]
    return out


def _turns(
    heading_deg: NDArray[np.float64], moving: NDArray[np.bool_], rate_hz: float
) -> NDArray[np.bool_]:
    """``(n_frames,)`` True in turns: fast heading change with a net change of ``MIN_TURN_DEG``."""
    yaw_rate = np.gradient(heading_deg) * rate_hz  # (n_frames,) deg/s
    yaw_rate = moving_mean(yaw_rate, round(0.5 * rate_hz))
    fast = np.abs(yaw_rate) > TURN_RATE_DEG_S
    turn = np.zeros_like(fast)
    padded = np.concatenate([[False], fast, [False]]).astype(int)
    pad = round(0.25 * rate_hz)
    n = heading_deg.shape[0]
    for a, b in zip(np.flatnonzero(np.diff(padded) == 1), np.flatnonzero(np.diff(padded) == -1)):
        a0, b0 = max(0, int(a) - pad), min(n - 1, int(b) + pad)
        if abs(heading_deg[b0] - heading_deg[a0]) >= MIN_TURN_DEG or not moving[a:b].all():
            turn[a0 : b0 + 1] = True
    return turn


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
    period = stride_period_s(points, rate_hz)
    window = round((period or DIRECTION_WINDOW_S) * rate_hz)
    smooth = lowpass(horizontal(ref), rate_hz, 4.0)  # (n_frames, 3), metres
    vel = np.gradient(smooth, axis=0) * rate_hz if n > 1 else np.zeros((n, 3))
    vel = _stride_mean(vel, window)  # (n_frames, 3), m/s, mean over one stride
    speed = np.linalg.norm(vel, axis=1)
    moving = speed > PROGRESSING_SPEED_M_S
    facing = facing_direction(points)

    if moving.mean() < 0.3:
        axis = _treadmill_axis(points, ref, rate_hz)
        per_frame = np.tile(axis, (n, 1))  # (n_frames, 3)
        return WalkingDirection(per_frame, axis, True, np.zeros(n, bool), [], speed, period)

    per_frame = np.where(moving[:, None], unit(vel), np.nan)
    if facing is not None:
        facing = unit(_stride_mean(facing, window))  # the pelvis also rotates once per stride
        per_frame = np.where(moving[:, None], per_frame, facing)
    per_frame = unit(fill_nan(per_frame)[0])
    heading = np.degrees(np.unwrap(np.arctan2(-per_frame[:, 2], per_frame[:, 0])))
    turn = _turns(heading, moving, rate_hz)
    straight = moving & ~turn
    mean = unit(np.nanmean(per_frame[straight], axis=0)) if straight.any() else per_frame[0]
    return WalkingDirection(
        per_frame, mean, False, turn, _intervals(turn, points.time), speed, period
    )
