"""Functional Reach Test: how far forward a standing person reaches with the arm raised, feet
still (Duncan et al. 1990).

The person stands, raises one arm forward to shoulder height (90 deg of flexion), and reaches
forward as far as they can without taking a step; the distance is the hand's travel forward from
the raised-arm start to the farthest point.

Rule (``REACH_RULE``): an arm is *raised* while the shoulder-to-hand line is within 25 deg of
horizontal (elevation 65-115 deg from hanging down) and the hand is in front of the shoulder;
an attempt is a raised stretch of at least 1.5 s with both ankles within 3 cm of the floor level
and the pelvis not walking. *Forward* is the feet's heel-to-toe direction at the start. The
start is where the arm first reaches 85 deg of elevation (the hand's mean position over the next
0.25 s); the reach is the hand's farthest point forward in the attempt minus the start (hand
and feet 2 Hz low-pass: a reach is slow, tracking noise is not). A foot that moved more than
4 cm between the two (a step) leaves the attempt out. The test's result is
the mean of the attempts, of the last two when there are three or more (the first is practice,
as Duncan et al. did); the best is given too.

The reading (:func:`reach_reference`): reaching 15.2 cm (6 in) or less, four times as likely to
fall, 15.3-25.4 cm (10 in) twice as likely, as those reaching farther (Duncan et al. 1992, older
men): a reach of 25.4 cm or less is on the risk side; and the age and sex group's mean +- SD
(Duncan et al. 1990).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass, true_runs
from lmm_desktop.analysis.balance import STANCE_FOOT_M, WALK_SPEED_M_S, ankle_heights
from lmm_desktop.core.body import BodyPoints

FUNCTIONAL_REACH = "functional_reach"
MIN_RAISED_S = 1.5
RAISED_DEG = 25.0
START_DEG = 85.0
STEP_M = 0.04
SMOOTH_HZ = 2.0
MIN_REACH_CM = 3.0
REACH_RULE = (
    "arm raised: the shoulder-to-hand line within 25 deg of horizontal, the hand in front; an "
    "attempt: raised >= 1.5 s, both ankles within 3 cm of the floor level, the pelvis not "
    "walking; forward: the feet's heel-to-toe direction; start: the hand where the arm first "
    "reaches 85 deg of elevation (mean over 0.25 s); reach: the hand's farthest point forward "
    "minus the start (2 Hz low-pass); a foot moved > 4 cm (a step) leaves the attempt out; "
    "result: the mean of "
    "the attempts (of the last two when there are three or more)"
)


@dataclass(frozen=True)
class ReachAttempt:
    """One reach: the arm (``'right'``/``'left'``), frames of the start and the farthest
    point, the end of the raised stretch, and the reach (cm)."""

    side: str
    start: int
    farthest: int
    end: int
    reach_cm: float


def _facing(points: BodyPoints, i: int) -> NDArray[np.float64] | None:
    """The feet's mean heel-to-toe direction (x, z unit vector) at frame ``i``."""
    d = np.zeros(2)
    for s in ("r", "l"):
        d += (points.point(f"toe_{s}")[i] - points.point(f"heel_{s}")[i])[[0, 2]]
    n = float(np.linalg.norm(d))
    return None if not np.isfinite(n) or n < 1e-6 else d / n


def reach_attempts(points: BodyPoints | None, sig: MotionSignals) -> list[ReachAttempt]:
    """The reaches of a standing trial (either arm), in time order; empty without arms."""
    if points is None or points.n_frames != len(sig.time):
        return []
    if not all(points.has(n) for n in ("shoulder_r", "hand_r", "shoulder_l", "hand_l")):
        return []
    rate = sig.rate_hz
    hs = ankle_heights(points, rate)
    if hs is None:
        return []
    still = (hs[0] < STANCE_FOOT_M) & (hs[1] < STANCE_FOOT_M) & (sig.speed < WALK_SPEED_M_S)

    def smooth(name: str) -> NDArray[np.float64]:  # a reach is slow: 2 Hz keeps it, not noise
        return np.column_stack([lowpass(fill_nan(points.point(name)[:, k]), rate, SMOOTH_HZ)
                                for k in range(3)])

    feet = [smooth(f"{p}_{f}") for p in ("heel", "toe") for f in ("r", "l")]
    out = []
    for s, side in (("r", "right"), ("l", "left")):
        hand = smooth(f"hand_{s}")
        arm = hand - points.point(f"shoulder_{s}")
        horiz = np.linalg.norm(arm[:, [0, 2]], axis=1)
        elevation = np.degrees(np.arctan2(horiz, -arm[:, 1]))  # 0 hanging down, 90 forward
        raised = np.abs(elevation - 90.0) <= RAISED_DEG
        for a, b in true_runs(raised & still):
            if sig.time[b - 1] - sig.time[a] < MIN_RAISED_S:
                continue
            up = np.flatnonzero(elevation[a:b] >= START_DEG)
            start = a + int(up[0]) if up.size else a + int(np.argmax(elevation[a:b]))
            fwd = _facing(points, start)
            if fwd is None:
                continue
            ahead = hand[:, [0, 2]] @ fwd  # (n,) the hand's position forward, m
            if float(np.dot(arm[start, [0, 2]], fwd)) <= 0:  # the arm is not raised forward
                continue
            n0 = max(1, round(0.25 * rate))
            base = float(np.mean(ahead[start : min(start + n0, b)]))
            far = start + int(np.argmax(ahead[start:b]))
            reach = 100.0 * (float(ahead[far]) - base)
            moved = max(float(np.linalg.norm(x[far] - x[start])) for x in feet)
            if reach >= MIN_REACH_CM and moved <= STEP_M:
                out.append(ReachAttempt(side, start, far, b - 1, reach))
    return sorted(out, key=lambda r: r.start)


def reach_result(attempts: list[ReachAttempt]) -> dict[str, float]:
    """``reach_cm`` (the mean of the attempts; of the last two when there are three or more),
    ``best_cm``, ``n_attempts``, and each attempt's ``reach_<k>_cm``."""
    vals = [a.reach_cm for a in attempts]
    used = vals[-2:] if len(vals) >= 3 else vals
    out = {"reach_cm": float(np.mean(used)), "best_cm": float(max(vals)),
           "n_attempts": float(len(vals))}
    out.update({f"reach_{k}_cm": v for k, v in enumerate(vals, start=1)})
    return out


#: (age_min, age_max): (men mean, SD, women mean, SD), cm (Duncan et al. 1990)
REACH_NORMS: dict[tuple[int, int], tuple[float, float, float, float]] = {
    (20, 40): (42.49, 4.89, 37.19, 5.53),
    (41, 69): (37.84, 5.59, 35.05, 5.55),
    (70, 87): (33.43, 3.93, 26.60, 8.92),
}
REACH_RISK_CM = 15.2
REACH_MODERATE_CM = 25.4
REACH_SOURCE = (
    "Duncan PW, Studenski S, Chandler J, Prescott B. J Gerontol 1992;47(3):M93-M98 (fall risk); "
    "Duncan PW, Weiner DK, Chandler J, Studenski S. J Gerontol 1990;45(6):M192-M197 (norms)"
)


def reach_reference(reach_cm: float | None, age_years: float | None = None,
                    sex: str | None = None) -> dict[str, Any] | None:
    """The reach against the fall-risk limits and, with the age (20-87) and sex, its group's
    mean +- SD; a dict shaped like the other tests' references (``kind`` 'score')."""
    if reach_cm is None or not np.isfinite(reach_cm):
        return None
    at_risk = reach_cm <= REACH_RISK_CM
    moderate = not at_risk and reach_cm <= REACH_MODERATE_CM
    meaning = ("4 times as likely to fall" if at_risk
               else "twice as likely to fall" if moderate else "")
    text = (f"A reach of {reach_cm:.1f} cm: " + (
        f"at or under {REACH_RISK_CM:g} cm (6 in), {meaning} as those reaching more than "
        f"{REACH_MODERATE_CM:g} cm" if at_risk else
        f"{REACH_RISK_CM:g}-{REACH_MODERATE_CM:g} cm (6-10 in), {meaning} as those reaching "
        "farther" if moderate else f"over {REACH_MODERATE_CM:g} cm (10 in)") + ".")
    group = None
    if age_years is not None and np.isfinite(age_years) and sex in ("male", "female"):
        group = next(((lo, hi, v) for (lo, hi), v in REACH_NORMS.items()
                      if lo <= age_years < hi + 1), None)
    who = None
    if group is not None:
        lo, hi, (mm, msd, wm, wsd) = group
        mean, sd = (mm, msd) if sex == "male" else (wm, wsd)
        who = f"{'men' if sex == 'male' else 'women'} aged {lo}-{hi}"
        text += f" The average for {who} is {mean:.1f} +/- {sd:.1f} cm."
    return {
        "kind": "score",
        "value_text": f"{reach_cm:.1f} cm",
        "cutoff_s": None,
        "cutoff_text": f"≤ {REACH_MODERATE_CM:g} cm",
        "above_cutoff": not (at_risk or moderate),
        "at_risk": at_risk or moderate,
        "status": "4x fall risk" if at_risk else "2x fall risk" if moderate else "lower risk",
        "meaning": (f"a reach of {REACH_MODERATE_CM:g} cm (10 in) or less: twice as likely to "
                    f"fall ({REACH_RISK_CM:g} cm, 6 in, or less: 4 times)"),
        "who": who,
        "population": "older men (veterans)",
        "source": REACH_SOURCE,
        "age_years": age_years,
        "age_group": None if group is None else f"{group[0]}-{group[1]}",
        "age_worse_than_s": None,
        "above_age_norm": None,
        "age_source": None,
        "sources": [REACH_SOURCE],
        "summary": text,
    }


__all__ = ["FUNCTIONAL_REACH", "REACH_RULE", "ReachAttempt", "reach_attempts",
           "reach_reference", "reach_result"]
