"""Four Square Step Test (FSST) timed from foot placements.

The person stands in one square of a 2 x 2 grid (formed by two crossed canes on the floor) and
steps, facing the same way throughout, into each square in turn (e.g. forward, right, back,
left), then back round the other way. Here:

- a foot is *in contact* while its lowest point (heel or toe) is within 3 cm of the floor (the 2nd
  percentile of foot heights) and its centre moves slower than 0.15 m/s, for at least 0.1 s;
- the body is *in a square* after a landing that leaves both feet in contact and on the same side of
  the grid centre along both the forward and sideways axes (axes from the heading at the start; the
  centre is the middle of the range of the stance positions);
- the standard pattern is 8 steps between adjacent squares, 4 in one sense of rotation then 4 in the
  other, ending in the starting square; the time runs from the first foot leaving the floor to the
  last foot landing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import lowpass, true_runs
from lmm_desktop.analysis.clinical_tests import FSST, Phase, TestResult
from lmm_desktop.core.body import BodyPoints

CONTACT_HEIGHT_M = 0.03
CONTACT_SPEED_M_S = 0.15
MIN_CONTACT_S = 0.1
MIN_GRID_M = 0.2

FSST_RULE = (
    "foot contact: lowest foot point within 3 cm of the floor and foot speed < 0.15 m/s for "
    ">= 0.1 s; square: both feet down on the same side of the grid centre; duration: first foot "
    "leaving the floor to the last foot landing; pattern: 4 steps one way round, 4 back"
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
) -> list[tuple[int, int, NDArray[np.float64]]]:
    """Contact runs ``(first frame, first frame after, median position (2,))`` of one foot."""
    smooth = np.column_stack([lowpass(np.nan_to_num(xz[:, i]), rate) for i in range(2)])
    speed = np.linalg.norm(np.gradient(smooth, time, axis=0), axis=1)  # (n,) m/s
    contact = (low <= floor + CONTACT_HEIGHT_M) & (speed <= CONTACT_SPEED_M_S)
    return [
        (a, b, np.median(xz[a:b], axis=0))
        for a, b in true_runs(contact)
        if b - a >= MIN_CONTACT_S * rate
    ]


def _square_sequence(
    points: BodyPoints, heading0_deg: float
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Squares visited ``(sign forward, sign right)``, the landing frame that entered each, and
    the frame each step started (first foot off after the previous square was entered)."""
    time = points.time
    rate = float((len(time) - 1) / (time[-1] - time[0]))
    feet = {s: _foot(points, s) for s in ("l", "r")}
    floor = float(np.nanpercentile(np.concatenate([feet[s][1] for s in feet]), 2))
    events: list[tuple[int, str, str, NDArray[np.float64]]] = []
    for s, (xz, low) in feet.items():
        for a, b, pos in _placements(xz, low, floor, rate, time):
            events += [(a, "land", s, pos), (b, "lift", s, pos)]
    events.sort(key=lambda e: (e[0], e[1] == "land"))
    th = np.radians(heading0_deg)
    axes = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])  # rows: fwd, right
    down: dict[str, NDArray[np.float64] | None] = {"l": None, "r": None}
    stances: list[tuple[int, NDArray[np.float64], NDArray[np.float64]]] = []
    lifts: list[int] = []
    for idx, kind, side, pos in events:
        if kind == "lift":
            down[side] = None
            lifts.append(idx)
            continue
        down[side] = pos
        left, right = down["l"], down["r"]
        if left is not None and right is not None:
            stances.append((idx, axes @ left, axes @ right))
    if not stances:
        return [], [], []
    mids = np.array([(a + b) / 2 for _, a, b in stances])  # (k, 2) forward, right, m
    if np.any(np.ptp(mids, axis=0) < MIN_GRID_M):
        return [], [], []
    centre = (mids.max(axis=0) + mids.min(axis=0)) / 2
    squares: list[tuple[int, int]] = []
    landed: list[int] = []
    started: list[int] = []
    for idx, fa, fb in stances:
        qa, qb = np.sign(fa - centre), np.sign(fb - centre)
        if np.any(qa != qb) or np.any(qa == 0):
            continue
        q = (int(qa[0]), int(qa[1]))
        if squares and q == squares[-1]:
            continue
        prev = landed[-1] if landed else -1
        started.append(next((i for i in lifts if prev <= i <= idx), idx) if squares else idx)
        squares.append(q)
        landed.append(idx)
    return squares, landed, started


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
    squares, landed, started = _square_sequence(points, float(heading_deg[0]))
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
        phases[-1].end_s - phases[0].start_s,
        phases,
        f"{FSST_RULE}; this trial: {first} first",
        repetitions=8,
    )
