"""The 4-Stage Balance Test (CDC STEADI): feet together, semi-tandem, tandem, one leg.

The patient holds each of four foot positions for 10 s without moving the feet or holding on:
feet side by side; semi-tandem (the instep of one foot touching the big toe of the other);
tandem (one foot directly in front of the other, heel touching toe); standing on one leg. Unable
to hold the tandem stance for 10 s: an increased risk of falling.

Rule (``FOUR_STAGE_RULE``): while both feet are on the floor (each ankle within 3 cm of the
floor level, as for the one-leg stance) and the pelvis is not walking (< 0.25 m/s), the feet's
placement is read in the feet's own frame: *forward* along the mean heel-to-toe direction of the
two feet, *sideways* across it. With ``d`` the left foot's centre (mid heel-toe) minus the
right's, 0.5 s median-filtered, and ``L`` the foot length (median heel-to-toe distance):

- *feet together*: ``|d| forward < 0.25 L`` and ``|d| sideways <= 14 cm``
  (centre lines of feet that touch are about a foot's width, 9-11 cm, apart);
- *semi-tandem*: ``0.25 L <= |d| forward < 0.75 L`` and ``|d| sideways <= 14 cm``;
- *tandem*: ``|d| forward >= 0.75 L`` and ``|d| sideways <= 7 cm`` (feet in line);
- anything else (feet apart, a step) is none of them; and a position's first and last frames
  where a foot is more than 2 cm from where it stands in it (its median position; 6 Hz
  low-pass) are its way in or out, not the position.

A position held for at least 1 s is an attempt, timed from the frame its placement is first
read to the last (a foot lifted, moved, or the recording's end: then a lower bound). The one-leg
stage is the one-leg stance's attempts (:mod:`lmm_desktop.analysis.balance`). The trial is a
4-Stage Balance Test when it has a semi-tandem or tandem attempt (feet together alone is quiet
standing). The test's time is the longest tandem attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass, true_runs
from lmm_desktop.analysis.balance import STANCE_FOOT_M, WALK_SPEED_M_S, ankle_heights
from lmm_desktop.core.body import BodyPoints

FOUR_STAGE = "four_stage_balance"
HOLD_S = 10.0
"""Each position is held for 10 s; a tandem stance held less is the fall-risk sign."""
MIN_HOLD_S = 1.0
TOGETHER_SIDEWAYS_M = 0.14
TANDEM_SIDEWAYS_M = 0.07
SEMI_FORWARD = 0.25
TANDEM_FORWARD = 0.75
"""Forward offsets of the foot centres, in foot lengths, that start semi-tandem and tandem."""
SMOOTH_S = 0.5
FLAT_M = 0.01
"""A foot whose ankle is more than this above its height in a position (6 Hz low-pass) is
landing or lifting: the floor test's 3 cm lets in about 0.1 s at each end."""
SETTLED_M = 0.02
"""A foot further than this from where it stands in a position (6 Hz low-pass) is still on its
way there."""

STAGES = ("feet together", "semi-tandem", "tandem")
"""The three two-footed positions in the test's order (the fourth is the one-leg stance)."""
MEASURE_KEYS = {"feet together": "together_s", "semi-tandem": "semi_tandem_s",
                "tandem": "tandem_s"}

FOUR_STAGE_RULE = (
    "both ankles within 3 cm of the floor level, the pelvis not walking (< 0.25 m/s), each foot "
    "within 2 cm of where it stands in the position; the left "
    "foot's centre minus the right's (0.5 s median) in the feet's frame, L the foot length: "
    "feet together, forward < 0.25 L and sideways <= 14 cm; semi-tandem, forward 0.25-0.75 L and "
    "sideways <= 14 cm; tandem, forward >= 0.75 L and sideways <= 7 cm; a position held >= 1 s "
    "is an attempt, timed while its placement lasts; the one-leg stage as for the one-leg "
    "stance; the test's time is the longest tandem attempt (< 10 s: increased risk of falling)"
)


@dataclass(frozen=True)
class Stance:
    """One attempt at a two-footed position: frames ``[start, end]`` (inclusive) and which foot
    was in front (``'left'``/``'right'``; None with the feet together)."""

    position: str
    start: int
    end: int
    front: str | None
    censored: bool


def _median(x: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """Running median over ``width`` frames (odd), edges by the nearest full window."""
    if width < 3 or len(x) < width:
        return x
    half = width // 2
    win = np.lib.stride_tricks.sliding_window_view(np.pad(x, half, mode="edge"), width)
    return np.asarray(np.median(win, axis=1), dtype=np.float64)


def foot_placement(
    points: BodyPoints,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float] | None:
    """The left foot's centre minus the right's, forward and sideways (m, per frame; + forward:
    the left foot in front), and the foot length (m); None without heels and toes."""
    names = ("heel_r", "toe_r", "heel_l", "toe_l")
    if not all(points.has(n) for n in names):
        return None
    heel_r, toe_r, heel_l, toe_l = (points.point(n)[:, [0, 2]] for n in names)
    axis = (toe_r - heel_r) + (toe_l - heel_l)  # (n, 2) the feet's mean direction, x-z
    norm = np.linalg.norm(axis, axis=1, keepdims=True)
    fwd = axis / np.where(norm > 1e-9, norm, np.nan)
    side = np.column_stack([-fwd[:, 1], fwd[:, 0]])
    d = (heel_l + toe_l) / 2 - (heel_r + toe_r) / 2
    length = np.concatenate([np.linalg.norm(toe_r - heel_r, axis=1),
                             np.linalg.norm(toe_l - heel_l, axis=1)])
    if not np.isfinite(length).any():
        return None
    return (np.sum(d * fwd, axis=1), np.sum(d * side, axis=1),
            float(np.nanmedian(length)))


def _settled(feet: list[NDArray[np.float64]], a: int, b: int,
             within: float = SETTLED_M) -> tuple[int, int]:
    """``[a, b)`` from the first to the last frame where both feet are within ``within`` (2 cm)
    of where they stand in it (their median positions): a foot still on its way into the
    position, or already on its way out, is not standing in it (tracking noise in between is
    not cut). Given the ankles' heights, the same with 1 cm (:data:`FLAT_M`) trims the last
    centimetres of a foot's landing and the first of its lifting."""
    if b <= a:
        return a, a
    near = np.ones(b - a, dtype=bool)
    for xz in feet:
        centre = np.median(xz[a:b], axis=0)
        near &= np.linalg.norm(xz[a:b] - centre, axis=1) <= within
    idx = np.flatnonzero(near)
    if idx.size == 0:
        return a, a
    return a + int(idx[0]), a + int(idx[-1]) + 1  # only the way in and out are cut


def two_footed_stances(points: BodyPoints | None, sig: MotionSignals) -> list[Stance]:
    """The feet-together, semi-tandem and tandem attempts (>= 1 s), in time order."""
    if points is None or points.n_frames != len(sig.time):
        return []
    rate = sig.rate_hz
    hs = ankle_heights(points, rate)
    placed = foot_placement(points)
    if hs is None or placed is None:
        return []
    forward, sideways, length = placed
    width = max(3, round(SMOOTH_S * rate) | 1)
    seen = np.isfinite(forward) & np.isfinite(sideways)
    ap = _median(np.abs(fill_nan(forward)), width) / length
    ml = _median(np.abs(fill_nan(sideways)), width)
    down = (hs[0] < STANCE_FOOT_M) & (hs[1] < STANCE_FOOT_M) & (sig.speed < WALK_SPEED_M_S)
    feet = []
    for s in ("r", "l"):
        mid = (points.point(f"heel_{s}") + points.point(f"toe_{s}"))[:, [0, 2]] / 2
        feet.append(np.column_stack([lowpass(fill_nan(mid[:, k]), rate) for k in (0, 1)]))
    masks = {
        "feet together": (ap < SEMI_FORWARD) & (ml <= TOGETHER_SIDEWAYS_M),
        "semi-tandem": (ap >= SEMI_FORWARD) & (ap < TANDEM_FORWARD) & (ml <= TOGETHER_SIDEWAYS_M),
        "tandem": (ap >= TANDEM_FORWARD) & (ml <= TANDEM_SIDEWAYS_M),
    }
    out = []
    n = len(sig.time)
    for position, mask in masks.items():
        for a0, b0 in true_runs(mask & down & seen):
            a, b = _settled(feet, a0, b0)
            a, b = _settled([np.column_stack([h, h]) for h in hs], a, b, FLAT_M)
            if b <= a or sig.time[b - 1] - sig.time[a] < MIN_HOLD_S:
                continue
            front = None
            if position != "feet together":
                front = "left" if float(np.nanmedian(forward[a:b])) > 0 else "right"
            out.append(Stance(position, a, b - 1, front, censored=b >= n or a == 0))
    return sorted(out, key=lambda s: s.start)


def four_stage_measures(
    stances: list[Stance], one_leg: list[tuple[str, int, int, bool]], time: NDArray[np.float64],
    sig: MotionSignals | None = None,
) -> dict[str, float]:
    """The longest attempt at each position (``together_s``, ``semi_tandem_s``, ``tandem_s``,
    ``one_leg_s``), the highest stage held for 10 s (``stage_held``: 0-4, in the test's order,
    each stage counting only when those before it that were recorded were held too), which
    foot was in front in the longest tandem (``tandem_left_front``: 1 or 0), and with ``sig``
    the pelvis's sway in each longest attempt (``<position>_sway_cm_s``, its horizontal path
    over time: more sway, less steady)."""
    from lmm_desktop.analysis.balance import pelvis_sway_cm_s

    out: dict[str, float] = {}
    for position in STAGES:
        held = [s for s in stances if s.position == position]
        if held:
            best = max(held, key=lambda s: time[s.end] - time[s.start])
            key = MEASURE_KEYS[position]
            out[key] = float(time[best.end] - time[best.start])
            if sig is not None:
                out[key[:-2] + "_sway_cm_s"] = pelvis_sway_cm_s(sig, best.start, best.end)
            if position == "tandem":
                out["tandem_left_front"] = 1.0 if best.front == "left" else 0.0
    if one_leg:
        _side, a, b, _c = max(one_leg, key=lambda r: time[r[2]] - time[r[1]])
        out["one_leg_s"] = float(time[b] - time[a])
        if sig is not None:
            out["one_leg_sway_cm_s"] = pelvis_sway_cm_s(sig, a, b)
    stage = 0
    for k, key in enumerate(("together_s", "semi_tandem_s", "tandem_s", "one_leg_s"), start=1):
        if key not in out:
            continue  # not recorded (the recording may start at a later stage)
        if out[key] < HOLD_S - 0.05:
            break
        stage = k
    out["stage_held"] = float(stage)
    return out


def stage_times_text(m: dict[str, float]) -> str:
    """'together 10.2 s; semi-tandem 10.1 s; tandem 7.2 s; one leg 3.4 s' (the positions
    recorded)."""
    return "; ".join(f"{label} {m[key]:.1f} s" for label, key in (
        ("together", "together_s"), ("semi-tandem", "semi_tandem_s"), ("tandem", "tandem_s"),
        ("one leg", "one_leg_s")) if key in m)


def four_stage_text(m: dict[str, float]) -> str:
    """'Feet together 10.2 s, semi-tandem 10.1 s, tandem 7.2 s (left foot in front), one leg
    3.4 s; held for 10 s up to stage 2 (semi-tandem).'"""
    parts = []
    for label, key in (("feet together", "together_s"), ("semi-tandem", "semi_tandem_s"),
                       ("tandem", "tandem_s"), ("one leg", "one_leg_s")):
        if key in m:
            text = f"{label} {m[key]:.1f} s"
            extra = []
            if key == "tandem_s" and "tandem_left_front" in m:
                extra.append(f"{'left' if m['tandem_left_front'] else 'right'} foot in front")
            sway = m.get(key[:-2] + "_sway_cm_s")
            if sway is not None:
                extra.append(f"sway {sway:.1f} cm/s")
            parts.append(text + (f" ({', '.join(extra)})" if extra else ""))
    if not parts:
        return ""
    stage = int(m.get("stage_held", 0))
    names = ("none", "feet together", "semi-tandem", "tandem", "one leg")
    held = (f"held for 10 s up to stage {stage} ({names[stage]})" if stage
            else "no position held for 10 s")
    text = "; ".join([", ".join(parts), held])
    return text[:1].upper() + text[1:] + "."


__all__ = [
    "FOUR_STAGE",
    "FOUR_STAGE_RULE",
    "HOLD_S",
    "STAGES",
    "Stance",
    "foot_placement",
    "four_stage_measures",
    "four_stage_text",
    "stage_times_text",
    "two_footed_stances",
]
