"""Four Square Step Test (FSST) timed from foot placements.

The person stands in one square of a 2 x 2 grid (formed by two crossed canes on the floor) and
steps, facing the same way throughout, into each square in turn (e.g. forward, right, back,
left), then back round the other way. Here:

- a foot is *in contact* while its lowest point (heel or toe) is within 3 cm of the floor (the 2nd
  percentile of foot heights) and its centre (6 Hz low-pass) moves slower than 0.4 m/s, for at
  least 0.06 s (a foot that only touches a square between two steps); contacts at the same place
  (< 5 cm apart) broken for <= 0.15 s are one contact (capture noise makes a standing foot
  jitter by about a centimetre, i.e. a few tenths of a metre per second); the foot is off where it
  started to move (its speed traced back from the limit to where it stops falling);
- the body is *in a square* after a landing that leaves both feet in contact and on the same side of
  the grid centre along both the forward and sideways axes (axes from the heading at the start; the
  centre is the middle of the range of the stance positions);
- the standard pattern is 8 steps between adjacent squares, 4 in one sense of rotation then 4 in the
  other, ending in the starting square;
- the time runs, as in the clinical protocol (Dite & Temple 2002), from the first foot touching the
  floor in the second square to the last foot coming back to touch the floor in the first square.
  Each step's phase runs from its first foot leaving the floor to its last foot landing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import lowpass, true_runs
from lmm_desktop.analysis.clinical_tests import FSST, Phase, TestResult
from lmm_desktop.core.body import BodyPoints

CONTACT_HEIGHT_M = 0.03
CONTACT_SPEED_M_S = 0.4
FOOT_CUTOFF_HZ = 6.0
MERGE_GAP_S = 0.15
MERGE_DIST_M = 0.05
MIN_CONTACT_S = 0.06
MIN_GRID_M = 0.2

FSST_RULE = (
    "foot contact: lowest foot point within 3 cm of the floor and foot speed (6 Hz low-pass) "
    "< 0.4 m/s for >= 0.06 s, breaks <= 0.15 s at the same place bridged; square: both feet down "
    "on the same side of the grid centre; duration: first foot touching the floor in the second "
    "square to the last foot touching the floor back in the first square; pattern: 4 steps one "
    "way round, 4 back"
)


def _foot(points: BodyPoints, side: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Horizontal centre ``(n, 2)`` (x, z) and lowest height ``(n,)`` of one foot, metres."""
    names = [f"heel_{side}", f"toe_{side}"]
    if not all(points.has(n) for n in names):
        names = [f"ankle_{side}"]
    pts = np.stack([points.point(n) for n in names], axis=1)  # (n, k, 3) m
    seen = np.isfinite(pts[:, :, 1]).any(axis=1)  # (n,) False in data gaps
    xz = np.full((pts.shape[0], 2), np.nan)
    low = np.full(pts.shape[0], np.nan)
    xz[seen] = np.nanmean(pts[seen][:, :, [0, 2]], axis=1)
    low[seen] = np.nanmin(pts[seen][:, :, 1], axis=1)
    return xz, low


def _placements(
    xz: NDArray[np.float64],
    low: NDArray[np.float64],
    floor: float,
    rate: float,
    time: NDArray[np.float64],
) -> list[tuple[int, int, int, NDArray[np.float64]]]:
    """Contact runs of one foot: ``(first frame, first frame after, foot-off frame, median
    position (2,))``; the foot-off frame is where the foot started to move (<= first after)."""
    smooth = np.column_stack(
        [lowpass(np.nan_to_num(xz[:, i]), rate, FOOT_CUTOFF_HZ) for i in range(2)]
    )  # (n, 2) m; gaps read as a jump to the origin, i.e. as moving
    speed = np.linalg.norm(np.gradient(smooth, time, axis=0), axis=1)  # (n,) m/s
    contact = (low <= floor + CONTACT_HEIGHT_M) & (speed <= CONTACT_SPEED_M_S)
    runs: list[list[int]] = []
    for a, b in true_runs(contact):
        if runs and a - runs[-1][1] <= MERGE_GAP_S * rate:
            moved = np.nanmedian(xz[a:b], axis=0) - np.nanmedian(xz[slice(*runs[-1])], axis=0)
            if np.linalg.norm(moved) < MERGE_DIST_M:
                runs[-1][1] = b  # a noise-length break at the same place: the same contact
                continue
        runs.append([a, b])
    out = []
    for a, b in runs:
        if b - a < MIN_CONTACT_S * rate:
            continue
        lift = b  # the foot off: where it started to move, not where it passed the speed limit
        while lift - 1 > a and speed[lift - 2] < speed[lift - 1]:
            lift -= 1
        out.append((a, b, lift, np.nanmedian(xz[a:b], axis=0)))
    return out


def _quadrant(foot: NDArray[np.float64], centre: NDArray[np.float64]) -> tuple[int, int] | None:
    """Square ``(sign forward, sign right)`` of a foot (forward, right, m); None on a line."""
    q = np.sign(foot - centre)
    return None if np.any(q == 0) else (int(q[0]), int(q[1]))


class _Visits(NamedTuple):
    """Squares visited and, per square, frames of its landings (see :func:`_square_sequence`)."""

    squares: list[tuple[int, int]]  # (sign forward, sign right) of each square, in order
    landed: list[int]  # the landing that left both feet in the square (last foot down)
    started: list[int]  # first foot off after the previous square was entered
    first_in: list[int]  # first foot down in the square (a foot landing at a new place)


def _square_sequence(points: BodyPoints, heading0_deg: float) -> _Visits:
    """The squares the feet visit, in order, with the frames that enter and leave them."""
    time = points.time
    rate = float((len(time) - 1) / (time[-1] - time[0]))
    feet = {s: _foot(points, s) for s in ("l", "r")}
    floor = float(np.nanpercentile(np.concatenate([feet[s][1] for s in feet]), 2))
    events: list[tuple[int, str, str, NDArray[np.float64]]] = []
    lifts: list[int] = []  # frames a foot started to leave the floor
    for s, (xz, low) in feet.items():
        for a, b, off, pos in _placements(xz, low, floor, rate, time):
            events += [(a, "land", s, pos), (b, "lift", s, pos)]
            lifts.append(off)
    events.sort(key=lambda e: (e[0], e[1] == "land"))
    lifts.sort()
    th = np.radians(heading0_deg)
    axes = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])  # rows: fwd, right
    down: dict[str, NDArray[np.float64] | None] = {"l": None, "r": None}
    last: dict[str, NDArray[np.float64] | None] = {"l": None, "r": None}
    stances: list[tuple[int, NDArray[np.float64], NDArray[np.float64]]] = []
    new_places: list[tuple[int, NDArray[np.float64]]] = []  # landings away from the last spot
    for idx, kind, side, pos in events:
        if kind == "lift":
            down[side] = None
            continue
        prev_pos = last[side]
        if prev_pos is not None and np.linalg.norm(pos - prev_pos) >= MIN_GRID_M / 2:
            new_places.append((idx, axes @ pos))
        down[side] = last[side] = pos
        left, right = down["l"], down["r"]
        if left is not None and right is not None:
            stances.append((idx, axes @ left, axes @ right))
    visits = _Visits([], [], [], [])
    if not stances:
        return visits
    mids = np.array([(a + b) / 2 for _, a, b in stances])  # (k, 2) forward, right, m
    if np.any(np.ptp(mids, axis=0) < MIN_GRID_M):
        return visits
    centre = (mids.max(axis=0) + mids.min(axis=0)) / 2
    for idx, fa, fb in stances:
        q = _quadrant(fa, centre)
        if q is None or q != _quadrant(fb, centre):
            continue
        if visits.squares and q == visits.squares[-1]:
            continue
        prev = visits.landed[-1] if visits.landed else -1
        if visits.squares:
            visits.started.append(next((i for i in lifts if prev <= i <= idx), idx))
            visits.first_in.append(
                next(
                    (i for i, f in new_places if prev < i <= idx and _quadrant(f, centre) == q),
                    idx,
                )
            )
        else:
            visits.started.append(idx)
            visits.first_in.append(idx)
        visits.squares.append(q)
        visits.landed.append(idx)
    return visits


def _direction(a: tuple[int, int], b: tuple[int, int]) -> str:
    if a[0] != b[0] and a[1] != b[1]:
        return "diagonal"
    if a[0] != b[0]:
        return "forward" if b[0] > a[0] else "backward"
    return "right" if b[1] > a[1] else "left"


def _turn_sense(a: tuple[int, int], b: tuple[int, int]) -> int:
    """+1 anticlockwise, -1 clockwise (seen from above, forward up), 0 for a diagonal step."""
    ang = [np.arctan2(q[0], q[1]) for q in (a, b)]
    d = (np.degrees(ang[1] - ang[0]) + 180) % 360 - 180
    return int(np.sign(d)) if abs(abs(d) - 90) < 1 else 0


def four_square_step_test(points: BodyPoints, heading_deg: NDArray[np.float64]) -> TestResult:
    """Time the Four Square Step Test from the feet (rule in :data:`FSST_RULE`).

    Parameters
    ----------
    points
        Body points with ``heel_*``/``toe_*`` (or ``ankle_*``) trajectories, metres, Y up.
    heading_deg
        ``(n_frames,)`` heading (pelvis rotation about the vertical), degrees; its first value
        sets the forward axis of the grid.
    """
    squares, landed, started, first_in = _square_sequence(points, float(heading_deg[0]))
    t = points.time
    phases = [
        Phase(
            f"step {k}: {_direction(squares[k - 1], squares[k])}",
            float(t[started[k]]),
            float(t[landed[k]]),
        )
        for k in range(1, len(squares))
    ]
    senses = [_turn_sense(squares[k - 1], squares[k]) for k in range(1, len(squares))]
    n_steps = len(phases)
    if n_steps < 4:
        return TestResult(
            FSST,
            None,
            phases,
            FSST_RULE,
            repetitions=n_steps,
            reason=f"{n_steps} step(s) between floor squares; the test has 8",
        )
    standard = (
        n_steps == 8
        and 0 not in senses
        and len(set(senses[:4])) == 1
        and senses[4:] == [-senses[0]] * 4
        and squares[-1] == squares[0]
    )
    if not standard:
        return TestResult(
            FSST,
            None,
            phases,
            FSST_RULE,
            repetitions=n_steps,
            reason="the steps do not follow the standard four-square order "
            "(4 steps one way round, then 4 back to the start)",
        )
    first = "clockwise" if senses[0] < 0 else "anticlockwise"
    return TestResult(
        FSST,
        float(t[landed[-1]] - t[first_in[1]]),
        phases,
        f"{FSST_RULE}; this trial: {first} first",
        repetitions=8,
    )
