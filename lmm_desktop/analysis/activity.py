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
SETTLED_M = 0.01
TURN_RATE_DEG_S = 20.0
MIN_TURN_DEG = 45.0
TURN_PLATEAU_DEG = 10.0
WALK_SPEED_M_S = 0.25
AT_REST_M = 0.03
REST_WINDOW_S = 0.5
MAX_LEAD_S = 3.0
TRUNK_POINTS = ("neck", "c7", "head")


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
    trunk: NDArray[np.float64]  # (n, 3) upper trunk (neck, C7, head; else pelvis) position, m

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
        trunk=_trunk(points, rate, pos),
    )


def _trunk(
    points: BodyPoints | None, rate: float, pelvis: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(n, 3)`` m: the upper trunk (neck, C7 or head; 6 Hz low-pass), the pelvis without them.

    The trunk shows the first movement of a rise (leaning forward while the pelvis is still on
    the seat) and the last of a sit (leaning back against the chair), which the pelvis does not.
    """
    name = next((n for n in TRUNK_POINTS if points is not None and points.has(n)), None)
    top = None if name is None or points is None else points.point(name)  # (n, 3) m
    if top is None or not np.isfinite(top).any(axis=1).any():
        return pelvis
    return np.column_stack([lowpass(fill_nan(top[:, i]), rate) for i in range(3)])


def _rest_position(sig: MotionSignals, a: int, b: int) -> NDArray[np.float64] | None:
    """``(3,)`` m: where the upper trunk rests in frames ``a..b`` (its stillest 0.5 s); None when
    the stretch is shorter than that (no rest to speak of, e.g. the bottom of a squat)."""
    w = round(REST_WINDOW_S * sig.rate_hz)
    if b - a + 1 < max(w, 2):
        return None
    speed = np.linalg.norm(np.gradient(sig.trunk[a : b + 1], sig.time[a : b + 1], axis=0), axis=1)
    mean = np.convolve(speed, np.ones(w) / w, mode="valid")  # (b - a + 2 - w,) m/s
    k = a + int(np.argmin(mean))
    return np.asarray(np.median(sig.trunk[k : k + w], axis=0))


def movement_start(sig: MotionSignals, i: int, lo: int) -> int:
    """First movement of the transition under way at frame ``i`` (``i`` when the trunk is at rest
    there).

    Going back from ``i``: the last frame at which the upper trunk was still where it rested
    before (within 3 cm of its position over its stillest 0.5 s in ``lo..i``), then on back while
    its speed keeps falling (to the start of the movement). A pause on the way (a slow rise that
    halts with the trunk leaning forward) does not end the search: the trunk is not back at rest.
    """
    return _movement_edge(sig, i, lo, -1)


def movement_end(sig: MotionSignals, i: int, hi: int) -> int:
    """Last movement of the transition under way at frame ``i``: the first frame at which the
    upper trunk is where it comes to rest after it (in ``i..hi``); mirror of
    :func:`movement_start`."""
    return _movement_edge(sig, i, hi, 1)


def _movement_edge(sig: MotionSignals, i: int, limit: int, step: int) -> int:
    rest = _rest_position(sig, min(i, limit), max(i, limit))
    if rest is None:
        return i
    away = np.linalg.norm(sig.trunk - rest, axis=1) > AT_REST_M  # (n,)
    if not away[i]:
        return i
    edge = i
    while edge != limit and away[edge]:
        edge += step
    speed = np.linalg.norm(np.gradient(sig.trunk, sig.time, axis=0), axis=1)  # (n,) m/s
    while edge != limit and speed[edge + step] < speed[edge]:
        edge += step
    return edge


def _seated_from(sig: MotionSignals, i: int, step: int) -> int:
    """The far end, in direction ``step``, of the seated stretch next to frame ``i`` (at most 3 s
    away): the search for a rise's first movement (a sit's last) stays within it, so the squat
    before a rise from a squat is not taken for its first movement."""
    limit = i + step * round(MAX_LEAD_S * sig.rate_hz)
    limit = min(max(limit, 0), len(sig.time) - 1)
    j = i
    while j != limit and sig.posture[j] > SEATED / 2:  # a rise timed from a pause part-way up
        j += step
    while j != limit and not sig.posture[j + step] > SEATED:  # NaN (no sit range): go on
        j += step
    return j


def first_movement(sig: MotionSignals, rise: Transition) -> int:
    """Frame of the first movement of a rise: the trunk leaning forward before seat-off (see
    :func:`movement_start`), searched within the seated stretch before it."""
    return movement_start(sig, rise.onset, _seated_from(sig, rise.onset, -1))


def back_in_chair(sig: MotionSignals, sit: Transition) -> int:
    """Frame at which a sit ends with the trunk back against the chair (its last movement, see
    :func:`movement_end`), searched within the seated stretch after it."""
    return movement_end(sig, sit.end, _seated_from(sig, sit.end, 1))


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
    """Onset/end of a rise or sit whose crossing lies in frames ``a..b``.

    The end is where the pelvis comes to rest at its final height (standing after a rise, seated
    after a sit: within 1 cm of the highest / lowest point before it moves the other way), so a
    rise that pauses on the way up (a slow or hesitant one) is not cut short at the pause.
    """
    v = sig.vy if kind == "rise" else -sig.vy
    h = sig.height if kind == "rise" else -sig.height  # rising, whichever the transition
    peak = a + int(np.argmax(v[a : b + 1]))
    max_walk = max(1, round(1.5 * sig.rate_hz))
    lo, hi = max(0, peak - max_walk), min(len(v) - 1, peak + 2 * max_walk)
    onset = peak
    while onset > lo and v[onset - 1] > REST_SPEED_M_S:
        onset -= 1
    while onset > lo and STILL_M_S < v[onset - 1] < v[onset]:  # down to the rest level
        onset -= 1
    back = next((k for k in range(peak, hi + 1) if v[k] < -RISE_SPEED_M_S), hi)
    final = float(np.max(h[peak : back + 1]))  # the height reached before moving back
    end = next(k for k in range(peak, back + 1) if h[k] >= final - SETTLED_M)
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
