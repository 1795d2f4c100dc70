"""One-leg stance (single-leg balance) test: how long the person stands on one leg.

Rule (``OLS_RULE``): each ankle's height above the floor (the lower of the two ankles' 5th
percentile heights over the trial: the ankle joint's height with the foot flat), 6 Hz low-pass.
A foot is *up* while its ankle is more than 5 cm above that level; the other foot is the stance
foot while its ankle stays within 3 cm of it and the pelvis is not walking (horizontal speed
under 0.25 m/s). A stance of at least 1 s whose raised foot comes down within 15 cm of where
it left the floor (not a step elsewhere, as in the Four Square Step Test) is an attempt; it is
timed from the lift-off (the raised ankle leaving 2 cm above its level) to the touch-down (back
under 2 cm), or to the end of the recording, when the time is a lower bound
(``measures['censored'] = 1``). The test's time is the longest attempt (the clinical
convention: the best of the attempts); the longest per leg is in ``measures`` (``right_s``:
standing on the right leg).

The fall-risk reading (:mod:`lmm_desktop.analysis.clinical_norms`): unable to stand on one leg
for 5 s (Vellas et al. 1997). A trial with rises or sits (sit-to-stand, squats) is not a balance
test; a trial where the foot is held up while the pelvis lowers is a single-leg squat
(:mod:`lmm_desktop.analysis.squats`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass, true_runs
from lmm_desktop.core.body import BodyPoints

OLS = "one_leg_stance"
FOOT_UP_M = 0.05
STANCE_FOOT_M = 0.03
LIFT_M = 0.02
MIN_ATTEMPT_S = 1.0
PUT_BACK_M = 0.15
"""A raised foot put down more than this from where it lifted off has stepped (the Four Square
Step Test, walking), not balanced."""
WALK_SPEED_M_S = 0.25
OLS_RULE = (
    "a foot is up while its ankle is > 5 cm above the floor level (the ankles' 5th percentile "
    "height) and the other ankle stays within 3 cm of it, the pelvis not walking (< 0.25 m/s); "
    "an attempt lasts >= 1 s, the raised foot put back down within 15 cm of where it lifted, "
    "and is timed from the lift-off to the touch-down (the raised ankle "
    "crossing 2 cm above its level) or the end of the recording (then a lower bound); the "
    "test's time is the longest attempt"
)


def ankle_heights(points: BodyPoints, rate: float) -> tuple[NDArray[np.float64], ...] | None:
    """Ankle heights above the floor level (right, left), metres, or None without ankles."""
    if not (points.has("ankle_r") and points.has("ankle_l")):
        return None
    raw = [points.point(f"ankle_{s}")[:, 1] for s in ("r", "l")]
    if not all(np.isfinite(h).any() for h in raw):
        return None
    hs = [lowpass(fill_nan(h), rate) for h in raw]
    floor = min(float(np.percentile(h, 5)) for h in hs)
    return tuple(h - floor for h in hs)


def one_leg_stance_attempts(
    points: BodyPoints | None, sig: MotionSignals
) -> list[tuple[str, int, int, bool]]:
    """``(stance side, lift-off frame, touch-down frame, censored)`` of each attempt (>= 1 s),
    in time order; empty when there is none or the body points lack the ankles."""
    if points is None or points.n_frames != len(sig.time):
        return []
    rate = sig.rate_hz
    hs = ankle_heights(points, rate)
    if hs is None:
        return []
    hr, hl = hs
    still = sig.speed < WALK_SPEED_M_S
    xz = {s: points.point(f"ankle_{s}")[:, [0, 2]] for s in ("r", "l")}
    seen: NDArray[np.bool_] = np.asarray(
        np.isfinite(points.point("ankle_r")).all(axis=1)
        & np.isfinite(points.point("ankle_l")).all(axis=1), dtype=bool)  # both ankles tracked
    out = []
    for side, up, down, lifted in (("left", hr, hl, "r"), ("right", hl, hr, "l")):
        mask = (up > FOOT_UP_M) & (down < STANCE_FOOT_M) & still
        for a, b in true_runs(mask):
            start, end = a, b - 1
            while start > 0 and up[start - 1] > LIFT_M:
                start -= 1
            while end < len(up) - 1 and up[end + 1] > LIFT_M:
                end += 1
            if not seen[start : end + 1].all():  # a gap in the tracking: not timed
                continue
            censored = end >= len(up) - 1 or (start == 0 and up[0] > LIFT_M)
            moved = float(np.linalg.norm(xz[lifted][end] - xz[lifted][start]))
            if not censored and moved > PUT_BACK_M:  # a step to somewhere else
                continue
            if sig.time[end] - sig.time[start] >= MIN_ATTEMPT_S:
                out.append((side, start, end, censored))
    out.sort(key=lambda r: r[1])
    merged: list[tuple[str, int, int, bool]] = []
    for r in out:  # the same lift seen as two runs (a dip under 5 cm that stays off the floor)
        if merged and merged[-1][0] == r[0] and r[1] <= merged[-1][2]:
            last = merged[-1]
            merged[-1] = (last[0], last[1], max(last[2], r[2]), last[3] or r[3])
        else:
            merged.append(r)
    return merged


def pelvis_sway_cm_s(sig: MotionSignals, a: int, b: int) -> float:
    """Mean horizontal speed of the pelvis (path length over time, cm/s) in frames a..b."""
    seg = sig.xz[a : b + 1]
    if b <= a:
        return 0.0
    path = float(np.sum(np.linalg.norm(np.diff(seg, axis=0), axis=1)))
    return 100.0 * path / float(sig.time[b] - sig.time[a])
