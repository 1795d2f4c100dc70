"""The 30-second arm curl (Senior Fitness Test, Rikli & Jones 1999): full elbow curls with a
hand weight in 30 s, seated.

Rule (``CURL_RULE``): each elbow's flexion angle (4 Hz low-pass) is *down* below 50 deg and
*up* above 100 deg; a curl is a down-to-up passage, complete when the elbow reaches up (full
flexion, as the test counts it). The arm with more curls is the tested one. A trial is an arm
curl test when that arm curls at least five times and nobody walks. The 30 s start at the first
movement (the elbow leaving its rest angle, within 5 deg of the lowest before the first curl);
curls completed by then count, and one more when the arm is more than halfway up (over 75
deg and rising) at 30 s. A recording that ends sooner gives a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics

ARM_CURL = "arm_curl_30s"
DOWN_DEG = 50.0
UP_DEG = 100.0
HALF_DEG = 75.0
MIN_CURLS = 5
WINDOW_S = 30.0
CURL_RULE = (
    "30-second arm curl (Senior Fitness Test): the elbow's flexion (4 Hz) down below 50 deg, up "
    "above 100 deg; a curl counts when the elbow reaches up; the arm with more curls is tested "
    "(>= 5); the 30 s from the first movement (the elbow leaving its rest angle by 5 deg), plus "
    "one curl when the arm is more than halfway up (> 75 deg, rising) at 30 s"
)


@dataclass(frozen=True)
class CurlSeries:
    """The tested arm's curls: frames where each curl started (left the down zone) and
    completed (reached up), the first movement, and the elbow angle (degrees)."""

    side: str
    starts: list[int]
    ups: list[int]
    first_movement: int
    elbow: NDArray[np.float64]


def _curls(elbow: NDArray[np.float64]) -> tuple[list[int], list[int]]:
    """(start, up) frames of each down-to-up passage of ``elbow``."""
    starts, ups = [], []
    state, last_down = None, None
    for i, e in enumerate(elbow):
        if e < DOWN_DEG:
            state, last_down = "down", i
        elif e > UP_DEG:
            if state == "down" and last_down is not None:
                starts.append(last_down)
                ups.append(i)
            state = "up"
    return starts, ups


def find_curls(kin: Kinematics, sig: MotionSignals, walking: bool) -> CurlSeries | None:
    """The arm curls of a trial (the arm with more), or None when it is not an arm curl test
    (fewer than five curls, walking, or no elbow angles)."""
    if walking:
        return None
    best: CurlSeries | None = None
    for s, side in (("r", "right"), ("l", "left")):
        j = CANONICAL_JOINTS.index(f"elbow_flex_{s}")
        if not kin.present[j] or not np.isfinite(kin.angles[:, j]).any():
            continue
        elbow = lowpass(fill_nan(kin.angles[:, j].astype(float)), sig.rate_hz, 4.0)
        starts, ups = _curls(elbow)
        if len(ups) < MIN_CURLS or (best is not None and len(ups) <= len(best.ups)):
            continue
        rest = float(np.min(elbow[: starts[0] + 1]))
        first = starts[0]
        while first > 0 and elbow[first] > rest + 5.0:
            first -= 1
        best = CurlSeries(side, starts, ups, first, elbow)
    return best


def curl_count(series: CurlSeries, time: NDArray[np.float64]) -> dict[str, float]:
    """``curls`` in the 30 s (the halfway rule included), ``covered_s``, ``censored`` (1 when
    the recording ends first), ``right_arm`` (1 or 0), ``first_15s_curls``."""
    t0 = float(time[series.first_movement])
    t_end = t0 + WINDOW_S
    done = [u for u in series.ups if time[u] <= t_end]
    curls = float(len(done))
    i30 = int(np.searchsorted(time, t_end))
    covered = min(t_end, float(time[-1])) - t0
    if i30 < len(time) - 1:
        e, rising = series.elbow[i30], series.elbow[i30 + 1] > series.elbow[i30]
        if e > HALF_DEG and rising and e <= UP_DEG:
            curls += 1.0
    out = {"curls": curls, "covered_s": covered, "right_arm": float(series.side == "right"),
           "first_15s_curls": float(sum(time[u] <= t0 + WINDOW_S / 2 for u in done))}
    if covered < WINDOW_S - 0.05:
        out["censored"] = 1.0
    return out


__all__ = ["ARM_CURL", "CURL_RULE", "CurlSeries", "curl_count", "find_curls"]
