"""Gait event detection from body point trajectories (heel strike and toe off).

Method (OpenCap, opencap-processing ``ActivityAnalyses/gait_analysis.py``, ``segment_walking``;
after Zeni et al. 2008, Gait Posture 27:710): the heel (calcaneus) and toe positions are taken
relative to the sacrum (mid-PSIS) and projected on the direction of walking; heel strikes are the
maxima of the heel's forward position, toe offs the minima of the toe's. OpenCap projects on the lab
X axis and uses an absolute peak prominence of 0.30 m, relaxed to 0.25 and 0.20 m when the events
come out of order. Here the direction is local (see :mod:`lmm_desktop.analysis.direction`, so turns
and curved paths work, and a treadmill uses the axis of largest foot excursion), the prominence is
relative to the foot's own excursion (so slow and pathological gait is found), turns are excluded,
and each side's events are forced to alternate heel strike / toe off.

Heel-strike refinement (``method='refined'``, the default): the heel's forward position relative to
the pelvis peaks when the heel moves as fast as the body, i.e. a few tens of milliseconds before
contact (Zeni et al. report this early bias). The refined heel strike is the first frame after that
peak at which the heel has lost 70 % of its stance-phase speed relative to the pelvis (the speed it
settles at 0.10-0.25 s later: the walking speed overground, the belt speed on a treadmill). Heels
touch down with roughly a quarter to a third of the walking speed left, hence 70 %.
``method='opencap'`` keeps the raw peaks, as OpenCap does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

from lmm_desktop.analysis._signal import lowpass
from lmm_desktop.analysis.direction import WalkingDirection, pelvis_reference, walking_direction
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.errors import validate_choice
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, Side

MIN_EXCURSION_M = 0.08
"""A foot moving less than this (5th-95th percentile) relative to the pelvis is not walking."""

RELATIVE_PROMINENCES = (0.35, 0.25, 0.15)
"""Peak prominences tried in turn, as fractions of the foot excursion (OpenCap: 0.3/0.25/0.2 m)."""

HS_SPEED_FRACTION = 0.7
"""Refined heel strike: the heel has lost this fraction of its speed relative to the pelvis."""

MIN_EVENT_SEPARATION_S = 0.35
"""Two heel strikes (or toe offs) of one foot closer than this cannot both be real."""

_SIDES: tuple[tuple[Side, str], ...] = (("right", "r"), ("left", "l"))
_CROSS_ORDER = {
    ("right", HEEL_STRIKE): ("left", TOE_OFF),
    ("left", TOE_OFF): ("left", HEEL_STRIKE),
    ("left", HEEL_STRIKE): ("right", TOE_OFF),
    ("right", TOE_OFF): ("right", HEEL_STRIKE),
}


@dataclass
class GaitEventResult:
    """Detected gait events and what the detector saw.

    Attributes
    ----------
    events
        Heel strikes and toe offs sorted by time, ``source='detected'``.
    reason
        Why no (or too few) events were found; None when every side has a full stride.
    direction
        ``(3,)`` mean walking direction, unit vector in the ground plane.
    turns
        ``(start_s, end_s)`` intervals excluded as turns.
    treadmill
        True when the pelvis did not progress (treadmill walking).
    notes
        Anything the user should know (events dropped to keep the order, relaxed thresholds).
    walking
        The per-frame direction estimate (used by the spatiotemporal computation).
    """

    events: list[Event]
    reason: str | None
    direction: NDArray[np.float64]
    turns: list[tuple[float, float]] = field(default_factory=list)
    treadmill: bool = False
    notes: list[str] = field(default_factory=list)
    walking: WalkingDirection | None = None

    def times(self, label: str, side: Side) -> NDArray[np.float64]:
        """Times (s) of the events with this label and side."""
        return np.array([e.time_s for e in self.events if e.label == label and e.side == side])


def forward_signals(
    points: BodyPoints, walking: WalkingDirection, rate_hz: float
) -> dict[tuple[Side, str], NDArray[np.float64]]:
    """Heel and toe forward positions relative to the sacrum, ``(n_frames,)`` metres each.

    Keys are ``(side, 'heel'|'toe')``. Frames in turns are NaN.
    """
    ref = pelvis_reference(points)
    out: dict[tuple[Side, str], NDArray[np.float64]] = {}
    for side, s in _SIDES:
        for part, names in (
            ("heel", (f"heel_{s}", f"ankle_{s}")),
            ("toe", (f"toe_{s}", f"mtp_{s}")),
        ):
            name = next(
                (n for n in names if points.has(n) and np.isfinite(points.point(n)).any()), None
            )
            if name is None:
                continue
            rel = points.point(name) - ref  # (n_frames, 3), metres
            sig = lowpass(np.einsum("ij,ij->i", rel, walking.per_frame), rate_hz, 6.0)
            sig[walking.turn_mask] = np.nan
            out[(side, part)] = sig
    return out


def _runs(sig: NDArray[np.float64], min_len: int) -> list[tuple[int, int]]:
    good = np.concatenate([[False], np.isfinite(sig), [False]]).astype(int)
    starts = np.flatnonzero(np.diff(good) == 1)
    stops = np.flatnonzero(np.diff(good) == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops) if b - a >= min_len]


def _peaks(sig: NDArray[np.float64], prominence: float, distance: int) -> NDArray[np.intp]:
    found = []
    for a, b in _runs(sig, max(3, distance // 2)):
        idx, _ = find_peaks(sig[a:b], prominence=prominence, distance=distance)
        found.append(idx + a)
    return np.concatenate(found).astype(np.intp) if found else np.zeros(0, np.intp)


def _alternate(
    hs: NDArray[np.intp], to: NDArray[np.intp], heel: NDArray[np.float64], toe: NDArray[np.float64]
) -> tuple[list[int], list[int], int]:
    """Keep one heel strike between toe offs and vice versa (the more extreme one)."""
    seq = sorted([(int(i), HEEL_STRIKE) for i in hs] + [(int(i), TOE_OFF) for i in to])
    kept: list[tuple[int, str]] = []
    dropped = 0
    for idx, lab in seq:
        if kept and kept[-1][1] == lab:
            prev = kept[-1][0]
            better = heel[idx] > heel[prev] if lab == HEEL_STRIKE else toe[idx] < toe[prev]
            if better:
                kept[-1] = (idx, lab)
            dropped += 1
            continue
        kept.append((idx, lab))
    return (
        [i for i, lab in kept if lab == HEEL_STRIKE],
        [i for i, lab in kept if lab == TOE_OFF],
        dropped,
    )


def _cross_side_violations(events: list[Event]) -> int:
    """Count breaks of the R-HS, L-TO, L-HS, R-TO cycle (OpenCap's ``detect_correct_order``)."""
    bad = 0
    for a, b in itertools.pairwise(events):
        if _CROSS_ORDER.get((a.side, a.label)) != (b.side, b.label):  # type: ignore[arg-type]
            bad += 1
    return bad


def _no_walking_reason(
    signals: dict[tuple[Side, str], NDArray[np.float64]], walking: WalkingDirection
) -> str | None:
    heels = [signals.get((side, "heel")) for side, _ in _SIDES]
    if any(h is None or not np.isfinite(h).any() for h in heels):
        return "no walking can be analysed: the heel (or ankle) points of both feet are needed"
    r, l = heels[0], heels[1]
    assert r is not None and l is not None
    exc = [float(np.nanpercentile(h, 95) - np.nanpercentile(h, 5)) for h in (r, l)]
    if max(exc) < MIN_EXCURSION_M:
        moved = float(np.nanmax(walking.pelvis_speed)) if walking.pelvis_speed.size else 0.0
        return (
            f"no walking detected: the feet stay within {100 * max(exc):.1f} cm of the pelvis "
            f"along the direction of travel (peak pelvis speed {moved:.2f} m/s); "
            f"walking moves each foot at least {100 * MIN_EXCURSION_M:.0f} cm"
        )
    both = np.isfinite(r) & np.isfinite(l)
    if both.sum() > 20 and np.std(r[both]) > 0 and np.std(l[both]) > 0:
        corr = float(np.corrcoef(r[both], l[both])[0, 1])
        if corr > 0.3:
            return (
                "no walking detected: both feet move forward and back together relative to "
                f"the pelvis (correlation {corr:+.2f}), as in squats or sit-to-stand; in "
                "walking they move in opposition"
            )
        swaps = _lead_swaps(r[both] - l[both])
        if swaps < MIN_LEAD_SWAPS:
            return (
                f"no walking detected: the feet change places {swaps} time(s) (the leading "
                f"foot, by at least {100 * LEAD_M:.0f} cm); walking swaps them at every step, "
                "a balance test or a step into a stance does not"
            )
    return None


MIN_LEAD_SWAPS = 2
LEAD_M = 0.04
"""Walking swaps the leading foot at every step: the right heel ahead of the left by at least
4 cm, then behind it by as much, and again (two swaps: one stride). Feet placed one ahead of the
other and held there (semi-tandem, tandem) do not."""


def _lead_swaps(d: NDArray[np.float64]) -> int:
    """How often ``d`` (right heel minus left, along the direction of travel) goes from above
    ``LEAD_M`` to below ``-LEAD_M`` or back."""
    state, swaps = 0, 0
    for v in d:
        new = 1 if v > LEAD_M else -1 if v < -LEAD_M else 0
        if new and state and new != state:
            swaps += 1
        state = new or state
    return swaps


def _refine_heel_strikes(hs: list[int], heel: NDArray[np.float64], rate_hz: float) -> list[int]:
    """Move each heel-strike peak forward to where the heel has (nearly) stopped."""
    u = np.gradient(heel) * rate_hz  # (n_frames,) heel forward velocity rel. pelvis, m/s
    a, b = round(0.10 * rate_hz), round(0.25 * rate_hz)
    out = []
    for p in hs:
        settle = u[p + a : p + b]
        v_ref = float(-np.nanmedian(settle)) if np.isfinite(settle).any() else np.nan
        if not np.isfinite(v_ref) or v_ref < 0.05:
            out.append(p)
            continue
        thr = -HS_SPEED_FRACTION * v_ref
        below = np.flatnonzero(u[p : p + b] <= thr)
        if below.size == 0:
            out.append(p)
            continue
        k = p + int(below[0])
        if k > p and abs(u[k - 1] - thr) < abs(u[k] - thr):
            k -= 1
        out.append(k)
    return out


def detect_gait_events(
    points: BodyPoints, *, rate_hz: float, method: str = "refined"
) -> GaitEventResult:
    """Detect heel strikes and toe offs from heel/toe trajectories relative to the pelvis.

    Parameters
    ----------
    points
        Body points (forward kinematics or markers) with ``heel_r/l``, ``toe_r/l`` (``ankle``/
        ``mtp`` as fall-backs) and a pelvis reference (PSIS, pelvis origin or hips). Y up, metres.
    rate_hz
        Sample rate of ``points``.
    method
        ``'refined'`` (default: heel strikes moved from the OpenCap/Zeni peak to contact, see the
        module docstring) or ``'opencap'`` (the raw peaks, as OpenCap's ``segment_walking``).

    Returns
    -------
    GaitEventResult
        Never silently empty: ``reason`` says why events are missing or too few for a stride.
    """
    validate_choice("method", method, ("refined", "opencap"))
    if points.n_frames < max(10, int(0.5 * rate_hz)):
        return GaitEventResult(
            [],
            f"the trial is too short for gait events ({points.n_frames} "
            "frames; at least half a second is needed)",
            np.array([1.0, 0, 0]),
        )
    walking = walking_direction(points, rate_hz=rate_hz)
    signals = forward_signals(points, walking, rate_hz)
    base = GaitEventResult([], None, walking.mean, walking.turns, walking.treadmill, [], walking)
    reason = _no_walking_reason(signals, walking)
    if reason is not None:
        base.reason = reason
        base.treadmill = False  # a pelvis that stays in place without walking is not a treadmill
        return base

    distance = max(1, round(MIN_EVENT_SEPARATION_S * rate_hz))
    events: list[Event] = []
    for frac in RELATIVE_PROMINENCES:
        events, dropped = _detect_with(
            points, signals, frac, distance, rate_hz if method == "refined" else None
        )
        if _cross_side_violations(events) == 0 and dropped == 0:
            break
    base.notes.append(f"peak prominence {frac:.2f} x foot excursion")
    if dropped:
        base.notes.append(f"{dropped} event(s) dropped so that heel strike and toe off alternate")
    bad = _cross_side_violations(events)
    if bad:
        base.notes.append(
            f"{bad} place(s) where the left/right event order is not the usual "
            "R-HS, L-TO, L-HS, R-TO: check these events"
        )
    base.events = events
    base.reason = _few_events_reason(events)
    return base


def _detect_with(
    points: BodyPoints,
    signals: dict[tuple[Side, str], NDArray[np.float64]],
    frac: float,
    distance: int,
    refine_rate_hz: float | None,
) -> tuple[list[Event], int]:
    events: list[Event] = []
    dropped = 0
    for side, _ in _SIDES:
        heel, toe = signals[(side, "heel")], signals.get((side, "toe"))
        exc = float(np.nanpercentile(heel, 95) - np.nanpercentile(heel, 5))
        hs = _peaks(heel, frac * exc, distance)
        if toe is not None:
            exc_t = float(np.nanpercentile(toe, 95) - np.nanpercentile(toe, 5))
            to = _peaks(-toe, frac * exc_t, distance)
            hs_k, to_k, n_drop = _alternate(hs, to, heel, toe)
            dropped += n_drop
        else:
            hs_k, to_k = [int(i) for i in hs], []
        if refine_rate_hz is not None:
            hs_k = _refine_heel_strikes(hs_k, heel, refine_rate_hz)
        events += [Event(HEEL_STRIKE, side, float(points.time[i]), "detected") for i in hs_k]
        events += [Event(TOE_OFF, side, float(points.time[i]), "detected") for i in to_k]
    events.sort(key=lambda e: e.time_s)
    return events, dropped


def _few_events_reason(events: list[Event]) -> str | None:
    counts = {
        side: sum(1 for e in events if e.side == side and e.label == HEEL_STRIKE)
        for side, _ in _SIDES
    }
    if not events:
        return "the feet move but no heel strike or toe off stands out: check the heel/toe points"
    short = [s for s, c in counts.items() if c < 2]
    if len(short) == 2:
        return (
            "fewer than two heel strikes of each foot were found "
            f"(right {counts['right']}, left {counts['left']}): no full stride to analyse"
        )
    if short:
        return (
            f"only {counts[short[0]]} heel strike(s) of the {short[0]} foot: no full "
            f"{short[0]} stride; {short[0]}-side results are missing"
        )
    return None


def merge_events(file_events: Iterable[Event], detected: Iterable[Event]) -> list[Event]:
    """Put file and detected events in one time-sorted list, keeping both (``source`` tells them
    apart; nothing is de-duplicated or overwritten)."""
    merged = list(file_events) + [
        e if e.source == "detected" else Event(e.label, e.side, e.time_s, "detected", e.raw_label)
        for e in detected
    ]
    return sorted(merged, key=lambda e: (e.time_s, e.source))


def match_events(
    reference: Iterable[Event], detected: Iterable[Event], *, tolerance_s: float = 0.1
) -> list[tuple[Event, Event | None, float | None]]:
    """Pair each reference event with the nearest detected one of the same label and side.

    Returns ``(reference, detected or None, detected - reference in s or None)``; a detected event
    further than ``tolerance_s`` away counts as unmatched.
    """
    det = list(detected)
    out: list[tuple[Event, Event | None, float | None]] = []
    for ref in reference:
        same = [d for d in det if d.label == ref.label and d.side == ref.side]
        best = min(same, key=lambda d: abs(d.time_s - ref.time_s), default=None)
        if best is None or abs(best.time_s - ref.time_s) > tolerance_s:
            out.append((ref, None, None))
        else:
            out.append((ref, best, best.time_s - ref.time_s))
    return out
