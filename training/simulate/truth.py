"""Ground truth of a simulated trial, computed from what was simulated.

Events come from the floor contact the body was placed with; speed, cadence and step lengths from
the pelvis translation and the heel positions at those events; test durations from the phases.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from training.simulate.motion import Placed

Event = tuple[str, str, float]
Phase = tuple[str, float, float]


def events_from_contact(contact: NDArray[np.bool_], rate_hz: float) -> list[Event]:
    """Heel strikes (first frame on the floor) and toe offs (first frame off), time-ordered."""
    out: list[Event] = []
    for f, side in enumerate(("right", "left")):
        d = np.diff(contact[:, f].astype(np.int8))
        out += [("heel_strike", side, (i + 1) / rate_hz) for i in np.flatnonzero(d == 1)]
        out += [("toe_off", side, (i + 1) / rate_hz) for i in np.flatnonzero(d == -1)]
    return sorted(out, key=lambda e: (e[2], e[1], e[0]))


def merge_phases(phases: list[Phase]) -> list[Phase]:
    """One entry per phase name (earliest start, latest end), in time order."""
    spans: dict[str, tuple[float, float]] = {}
    for name, a, b in phases:
        lo, hi = spans.get(name, (a, b))
        spans[name] = (min(lo, a), max(hi, b))
    return sorted(((n, a, b) for n, (a, b) in spans.items()), key=lambda x: x[1])


def gait_truth(events: list[Event], placed: Placed, rate_hz: float) -> dict[str, float]:
    """Speed (m/s), cadence (steps/min), step and stride values over the complete steps.

    Speed is the horizontal pelvis displacement between the first and last heel strike divided by
    the time between them; cadence counts the steps (heel strikes) in that interval. A step length
    is the distance along the walking direction between the two heels at a heel strike; it is
    attributed to the side that struck.
    """
    hs = [(t, s) for lab, s, t in events if lab == "heel_strike"]
    if len(hs) < 3:
        return {}
    frames = np.array([round(t * rate_hz) for t, _ in hs])
    t0, t1 = hs[0][0], hs[-1][0]
    xz = placed.pelvis_translation[frames][:, [0, 2]]  # (k, 2) metres
    disp = xz[-1] - xz[0]
    dist = float(np.linalg.norm(disp))
    u = disp / max(dist, 1e-9)  # walking direction on the floor
    out = {"speed_m_s": dist / (t1 - t0), "cadence_steps_min": 60.0 * (len(hs) - 1) / (t1 - t0)}
    heel = placed.feet[:, :, 0][:, :, [0, 2]]  # (n, 2, 2): side, (x, z)
    for side, f in (("right", 0), ("left", 1)):
        idx = frames[[s == side for _, s in hs]]
        if idx.size:
            gap = heel[idx, f] - heel[idx, 1 - f]  # (k, 2)
            out[f"step_length_{side[0]}_m"] = float(np.mean(gap @ u))
            lateral = np.abs(gap @ np.array([-u[1], u[0]]))
            out[f"step_width_{side[0]}_m"] = float(np.mean(lateral))
        if idx.size > 1:
            out[f"stride_time_{side[0]}_s"] = float(np.mean(np.diff(idx)) / rate_hz)
        out.update(_stance_pct(events, side))
    return out


def _stance_pct(events: list[Event], side: str) -> dict[str, float]:
    hs = np.array([t for lab, s, t in events if s == side and lab == "heel_strike"])
    to = np.array([t for lab, s, t in events if s == side and lab == "toe_off"])
    vals = []
    for a, b in itertools.pairwise(hs):
        off = to[(to > a) & (to < b)]
        if off.size:
            vals.append((off[0] - a) / (b - a) * 100.0)
    return {f"stance_pct_{side[0]}": float(np.mean(vals))} if vals else {}


def clinical_test_truth(
    activity: str, phases: list[Phase], events: list[Event]
) -> dict[str, float]:
    """Clinical test times (s) and counts from the phases and events.

    The times follow the clinical protocols, as the app's analysis measures them
    (:mod:`lmm_desktop.analysis.clinical_tests`):

    - TUG: from the first movement of the rise (``sit_to_stand`` starts with the trunk leaning
      forward) to sitting back with the back against the chair (end of ``turn_and_sit``);
    - 5xSTS: from the first movement of the first rise to the end of the fifth stand (full
      standing reached, ``rise_5`` ends), not the return to the chair;
    - FSST: from the first foot touching the floor in the second square to the last foot touching
      the floor back in the first square (Dite & Temple 2002).
    """
    span = {n: (a, b) for n, a, b in phases}
    if activity == "tug" and "sit_to_stand" in span and "turn_and_sit" in span:
        return {"tug_s": span["turn_and_sit"][1] - span["sit_to_stand"][0]}
    if activity == "sts5" and "rise_1" in span and "rise_5" in span:
        return {"sts5_s": span["rise_5"][1] - span["rise_1"][0]}
    if activity == "fsst":
        steps = [(a, b) for n, a, b in phases if n.startswith("step_")]
        lands = [t for lab, _, t in events if lab == "heel_strike" and t <= steps[-1][1]]
        first = min(t for t in lands if t >= steps[0][0])  # first foot down in the 2nd square
        return {"fsst_s": max(lands) - first}
    if activity == "squats":
        return {"squat_count": float(sum(n.startswith("squat_") for n in span))}
    return {}
