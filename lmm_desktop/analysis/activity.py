"""Whole-body motion signals for timing clinical tests: pelvis height, posture, rises and sits,
turns (numpy/scipy only; the rules are stated in :mod:`lmm_desktop.analysis.clinical_tests`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, filtfilt

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.errors import AnalysisError

SEATED, STANDING = 0.25, 0.75
MIN_SIT_RANGE_M = 0.15
RISE_SPEED_M_S = 0.05
REST_SPEED_M_S = 0.02
STILL_M_S = 0.005
TURN_RATE_DEG_S = 20.0
MIN_TURN_DEG = 45.0
TURN_PLATEAU_DEG = 10.0
WALK_SPEED_M_S = 0.25


@dataclass(frozen=True)
class Transition:
    """A rise (``kind='rise'``) or a sit: frame indices of onset, peak speed and end."""

    kind: str
    onset: int
    peak: int
    end: int


@dataclass(frozen=True)
class Turn:
    """A change of heading: frame indices and the net change in degrees (+ = leftwards)."""

    start: int
    end: int
    angle_deg: float


@dataclass
class MotionSignals:
    """Whole-body signals the tests are timed on; every array is ``(n_frames,)``."""

    time: NDArray[np.float64]  # s
    height: NDArray[np.float64]  # pelvis height, m, 6 Hz low-pass
    vy: NDArray[np.float64]  # pelvis vertical velocity, m/s
    xz: NDArray[np.float64]  # (n, 2) pelvis horizontal position, m
    speed: NDArray[np.float64]  # horizontal speed, m/s, 1 s moving average
    heading: NDArray[np.float64]  # deg, unwrapped, 1 s moving average
    posture: NDArray[np.float64]  # 0 seated .. 1 standing (NaN when no sit range)

    @property
    def rate_hz(self) -> float:
        return float((len(self.time) - 1) / (self.time[-1] - self.time[0]))


def fill_nan(x: NDArray[np.float64]) -> NDArray[np.float64]:
    ok = np.isfinite(x)
    if ok.all():
        return x
    if not ok.any():
        raise AnalysisError(
            "The pelvis position is missing in every frame; clinical tests "
            "need the pelvis trajectory."
        )
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def lowpass(x: NDArray[np.float64], rate: float, cutoff: float = 6.0) -> NDArray[np.float64]:
    if len(x) < 16 or rate <= 2.5 * cutoff:
        return x
    b, a = butter(2, cutoff / (rate / 2))
    return np.asarray(filtfilt(b, a, x))


def motion_signals(
    kin: Kinematics, time: NDArray[np.float64], points: BodyPoints | None = None
) -> MotionSignals:
    """Pelvis height, velocity, horizontal path, heading and posture of one trial."""
    if len(time) < 3:
        raise AnalysisError("The trial is too short (fewer than 3 frames) for clinical tests.")
    rate = float((len(time) - 1) / (time[-1] - time[0]))
    use_kin = kin.pelvis_present and np.isfinite(kin.pelvis_translation).any()
    pel = kin.pelvis_translation if use_kin or points is None else points.point("pelvis")
    pos = np.column_stack([lowpass(fill_nan(pel[:, i]), rate) for i in range(3)])  # (n, 3) m
    vel = np.gradient(pos, time, axis=0)  # (n, 3) m/s
    win = max(1, round(rate))  # 1 s
    speed = uniform_filter1d(np.hypot(vel[:, 0], vel[:, 2]), win, mode="nearest")
    yaw = kin.pelvis_rotation[:, 2] if use_kin else np.full(len(time), np.nan)
    if not np.isfinite(yaw).any() and points is not None and points.has("hip_l"):
        lr = points.point("hip_l") - points.point("hip_r")  # (n, 3) right-to-left hip line
        yaw = np.degrees(np.arctan2(lr[:, 0], -lr[:, 2]))
    yaw = (
        np.degrees(np.unwrap(np.radians(fill_nan(yaw))))
        if np.isfinite(yaw).any()
        else (np.zeros(len(time)))
    )
    heading = uniform_filter1d(yaw, win, mode="nearest")
    h = pos[:, 1]
    lo, hi = np.percentile(h, [2, 98])
    posture = (h - lo) / (hi - lo) if hi - lo >= MIN_SIT_RANGE_M else np.full(len(h), np.nan)
    return MotionSignals(
        time=time,
        height=h,
        vy=vel[:, 1],
        xz=pos[:, [0, 2]],
        speed=speed,
        heading=heading,
        posture=posture,
    )


def posture_transitions(sig: MotionSignals) -> tuple[list[Transition], list[Transition]]:
    """Rises and sits by hysteresis on the normalised pelvis height, timed on its velocity."""
    rises: list[Transition] = []
    sits: list[Transition] = []
    if not np.isfinite(sig.posture).any():
        return rises, sits
    state, last_idx = None, 0
    for i, p in enumerate(sig.posture):
        new = "low" if p <= SEATED else "high" if p >= STANDING else None
        if new is None:
            continue
        if state is not None and new != state:
            kind = "rise" if new == "high" else "sit"
            (rises if kind == "rise" else sits).append(_timed(sig, kind, last_idx, i))
        state, last_idx = new, i
    return rises, sits


def _timed(sig: MotionSignals, kind: str, a: int, b: int) -> Transition:
    """Onset/end of a rise or sit whose crossing lies in frames ``a..b``."""
    v = sig.vy if kind == "rise" else -sig.vy
    peak = a + int(np.argmax(v[a : b + 1]))
    max_walk = max(1, round(1.5 * sig.rate_hz))
    lo, hi = max(0, peak - max_walk), min(len(v) - 1, peak + max_walk)
    onset = peak
    while onset > lo and v[onset - 1] > REST_SPEED_M_S:
        onset -= 1
    while onset > lo and STILL_M_S < v[onset - 1] < v[onset]:  # down to the rest level
        onset -= 1
    end = peak
    while end < hi and v[end + 1] > REST_SPEED_M_S:
        end += 1
    while end < hi and STILL_M_S < v[end + 1] < v[end]:
        end += 1
    return Transition(kind, onset, peak, end)


def true_runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, end)`` index ranges where ``mask`` is True."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def detect_turns(sig: MotionSignals) -> list[Turn]:
    rate_deg_s = np.gradient(sig.heading, sig.time)
    win = max(1, round(sig.rate_hz))
    turns: list[Turn] = []
    fast = true_runs(np.abs(rate_deg_s) >= TURN_RATE_DEG_S)
    merged: list[list[int]] = []
    for a, b in fast:  # merge runs of the same sense separated by < 0.3 s
        if (
            merged
            and a - merged[-1][1] < 0.3 * sig.rate_hz
            and np.sign(rate_deg_s[a]) == np.sign(rate_deg_s[merged[-1][0]])
        ):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    n = len(sig.heading)
    for a, b in merged:
        before = float(np.median(sig.heading[max(0, a - win) : a + 1]))
        after = float(np.median(sig.heading[b - 1 : min(n, b + win)]))
        if abs(after - before) < MIN_TURN_DEG:
            continue
        h = sig.heading
        start, end = a, b - 1
        while start < end and abs(h[start] - before) <= TURN_PLATEAU_DEG:
            start += 1
        while start > 0 and abs(h[start - 1] - before) > TURN_PLATEAU_DEG:
            start -= 1
        while end > start and abs(h[end] - after) <= TURN_PLATEAU_DEG:
            end -= 1
        while end < n - 1 and abs(h[end + 1] - after) > TURN_PLATEAU_DEG:
            end += 1
        turns.append(Turn(start, end, after - before))
    return turns
