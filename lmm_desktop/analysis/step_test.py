"""The 2-minute step test (Senior Fitness Test, Rikli & Jones 1999): stepping in place for two
minutes, each knee raised to a height midway between the kneecap and the iliac crest; the
score is the number of times the right knee reaches that height. A test of aerobic endurance
that fits a small room (where a 6-minute walk does not).

Rule (``STEP_RULE``): the knee joints' heights (4 Hz low-pass); a knee's *standing* height is
its median while its foot is on the floor; the target is midway between the knee's standing
height and the iliac crest's (the ASIS's standing height plus 3 cm; without ASIS points, the
pelvis origin's plus 5 cm). A trial is a step test when nobody walks (no walking bout) and both
knees are lifted at least 10 cm above standing, alternately, 20 times or more each. The two
minutes start at the first lift (the right or left knee leaving its standing height by 3 cm);
a right-knee lift counts when it reaches the target within them (a lift must come back down
below the target by 5 cm before the next counts). Lifts that rose 10 cm but not to the target
are counted apart; a recording that ends sooner gives a lower bound.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass
from lmm_desktop.analysis.balance import STANCE_FOOT_M, ankle_heights
from lmm_desktop.core.body import BodyPoints

STEP_TEST = "two_minute_step_test"
WINDOW_S = 120.0
LIFT_M = 0.10
MIN_LIFTS = 20
CREST_ABOVE_ASIS_M = 0.03
CREST_ABOVE_PELVIS_M = 0.05
STEP_RULE = (
    "2-minute step test (Senior Fitness Test): knee heights (4 Hz); the target midway between "
    "the knee's standing height and the iliac crest's (ASIS + 3 cm); no walking, both knees "
    "lifted >= 10 cm alternately >= 20 times; the 2 min from the first lift (a knee 3 cm up); a "
    "right-knee lift counts when it reaches the target (back down 5 cm below it before the next)"
)


def _lifts(h: NDArray[np.float64], threshold: float, drop: float) -> list[int]:
    """Frames where ``h`` rises through ``threshold`` after being below ``threshold - drop``."""
    out, armed = [], True
    for i in range(1, len(h)):
        if armed and h[i] >= threshold > h[i - 1]:
            out.append(i)
            armed = False
        elif h[i] < threshold - drop:
            armed = True
    return out


def step_test(points: BodyPoints | None, sig: MotionSignals, walking: bool
              ) -> dict[str, float] | None:
    """The 2-minute step test's measures, or None when the trial is not one:
    ``steps`` (right-knee lifts to the target in the 2 min), ``low_lifts`` (right-knee lifts of
    10 cm or more that fell short of it), ``left_steps`` (the left knee's, for symmetry),
    ``target_cm`` (above the standing knee), ``covered_s``, ``censored``, ``start_s``,
    ``first_minute_steps``."""
    if walking or points is None or points.n_frames != len(sig.time):
        return None
    if not all(points.has(n) for n in ("knee_r", "knee_l")):
        return None
    rate = sig.rate_hz
    hs = ankle_heights(points, rate)
    if hs is None:
        return None
    down = {"r": hs[0] < STANCE_FOOT_M, "l": hs[1] < STANCE_FOOT_M}
    if min(int(v.sum()) for v in down.values()) < rate:  # a second on each foot at least
        return None
    knees = {s: lowpass(fill_nan(points.point(f"knee_{s}")[:, 1]), rate, 4.0) for s in "rl"}
    stand = {s: float(np.median(knees[s][down[s]])) for s in "rl"}  # the knee over its foot
    standing = down["r"] | down["l"]
    lifts10 = {s: _lifts(knees[s], stand[s] + LIFT_M, 0.05) for s in "rl"}
    if min(len(v) for v in lifts10.values()) < MIN_LIFTS:
        return None
    asis = [points.point(f"asis_{s}")[:, 1] for s in "rl" if points.has(f"asis_{s}")]
    if asis and all(np.isfinite(a[standing]).any() for a in asis):
        crest = float(np.nanmedian(np.concatenate([a[standing] for a in asis]))) \
            + CREST_ABOVE_ASIS_M
    else:
        crest = float(np.nanmedian(points.point("pelvis")[standing, 1])) + CREST_ABOVE_PELVIS_M
    target = {s: (stand[s] + crest) / 2 for s in "rl"}
    first = min(int(np.flatnonzero(knees[s] > stand[s] + 0.03)[0]) for s in "rl")
    t0 = float(sig.time[first])
    t_end = t0 + WINDOW_S
    within = sig.time <= t_end
    reached = {s: [i for i in _lifts(knees[s], target[s], 0.05) if within[i]] for s in "rl"}
    short_r = [i for i in lifts10["r"] if within[i]
               and knees["r"][i: i + round(rate)].max() < target["r"]]
    covered = min(t_end, float(sig.time[-1])) - t0
    out = {"steps": float(len(reached["r"])), "left_steps": float(len(reached["l"])),
           "low_lifts": float(len(short_r)), "target_cm": 100.0 * (target["r"] - stand["r"]),
           "covered_s": covered, "start_s": t0,
           "first_minute_steps": float(sum(sig.time[i] <= t0 + 60.0 for i in reached["r"]))}
    if covered < WINDOW_S - 0.05:
        out["censored"] = 1.0
    return out


def step_test_text(m: dict[str, float]) -> str:
    """'58 steps to the target (41 cm above the standing knee); 31 in the first minute, 27 in
    the second; left knee 57; 6 lifts fell short of the target.'"""
    if "steps" not in m:
        return ""
    text = (f"{m['steps']:.0f} right-knee lifts to the target ({m['target_cm']:.0f} cm above the "
            f"standing knee); {m['first_minute_steps']:.0f} in the first minute, "
            f"{m['steps'] - m['first_minute_steps']:.0f} in the second; left knee "
            f"{m['left_steps']:.0f}")
    if m.get("low_lifts"):
        text += f"; {m['low_lifts']:.0f} right-knee lifts fell short of the target"
    return text + "."


__all__ = ["STEP_RULE", "STEP_TEST", "step_test", "step_test_text"]
