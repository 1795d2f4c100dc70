"""Clinical tests timed from 3D kinematics: TUG, Four Square Step Test, 5x sit-to-stand, the
30-second chair stand, walking speed.

Every result says which rule timed it (``TestResult.rule``) so a clinician can check it against the
video, and can be overridden by hand (:func:`recompute_with_override`). No classifier: simple,
stated rules on the pelvis height, pelvis horizontal motion, heading and foot placements decide
which tests a trial contains (:func:`detect_activity_segments`).

Rules shared by the tests (constants below):

- *posture*: pelvis height normalised between its 2nd (seated) and 98th (standing) percentiles;
  seated below 0.25, standing above 0.75, and only when that range is at least 15 cm;
- *movement onset/end*: pelvis vertical velocity (6 Hz low-pass) above 0.05 m/s marks a rise (below
  -0.05 m/s a sit); its onset is traced back, and its end forward, to below 0.02 m/s and on down
  to the rest level (where the speed stops falling, or 0.005 m/s), at most 1.5 s back (3 s on);
  the end is taken once the pelvis is within 1 cm of the height it reaches (standing after a
  rise, seated after a sit), so a pause part-way is not the end;
- *first / last movement* (TUG and 5xSTS start, TUG end): the clinical timing starts at the first
  movement ("go": the trunk leaning forward while the pelvis is still on the seat) and the TUG
  ends with the back against the chair, so the rise's onset is traced further back, and the sit's
  end further on, to where the upper trunk (neck point) is back within 3 cm of where it rests
  while seated (its stillest 0.5 s within the seated stretch, at most 3 s away), and on to where
  its speed stops falling;
- *turns*: heading (pelvis rotation, or the hip line when no pelvis pose, 1 s moving average, which
  cancels the stride-frequency pelvis rotation) turning faster than 20 deg/s for a net change of at
  least 45 deg; the turn starts and ends where the heading is 10 deg from its plateau before /
  after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import (
    MotionSignals,
    Transition,
    Turn,
    back_in_chair,
    detect_turns,
    first_movement,
    motion_signals,
    posture_transitions,
    true_runs,
)
from lmm_desktop.analysis.arm_curl import (
    ARM_CURL,
    CURL_RULE,
    CurlSeries,
    curl_count,
    find_curls,
)
from lmm_desktop.analysis.arm_curl import (
    WINDOW_S as CURL_WINDOW_S,
)
from lmm_desktop.analysis.balance import (
    OLS,
    OLS_RULE,
    one_leg_stance_attempts,
    pelvis_sway_cm_s,
)
from lmm_desktop.analysis.four_stage import (
    FOUR_STAGE,
    FOUR_STAGE_RULE,
    Stance,
    four_stage_measures,
    two_footed_stances,
)
from lmm_desktop.analysis.jumps import JUMP_RULE, JUMPS, JumpAnalysis, find_jumps
from lmm_desktop.analysis.reach import (
    FUNCTIONAL_REACH,
    REACH_RULE,
    ReachAttempt,
    reach_attempts,
    reach_result,
)
from lmm_desktop.analysis.squats import SQUAT_RULE, SQUATS, SquatAnalysis, analyze_squats
from lmm_desktop.analysis.step_test import STEP_RULE, STEP_TEST, step_test
from lmm_desktop.analysis.sway import (
    STANDING_BALANCE,
    SWAY_RULE,
    standing_window,
    sway_measures,
    sway_text,
)
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import Event

TEST_START, TEST_END = "test_start", "test_end"
"""Labels of the events a clinician sets on the timeline to time the trial's test by hand."""

WALK_SPEED_M_S = 0.25
STEADY_TOLERANCE = 0.10

TUG, FSST, STS5, WALK = (
    "timed_up_and_go",
    "four_square_step_test",
    "five_times_sit_to_stand",
    "walking_speed",
)
CST30 = "thirty_second_chair_stand"
CST_WINDOW_S = 30.0
CST_MIN_SPAN_S = 25.0
"""A sit-to-stand series is a 30-second chair stand when it has more than five rises (a 5xSTS
stops at the fifth) or when its rises and sits go on for at least this long after the first
movement (a frail patient's three to five stands in 30 s); with exactly five rises the fifth
stand must come this late (a slow 5xSTS and the sit after it can last 25 s)."""


@dataclass(frozen=True)
class Phase:
    """A named interval of a test, seconds on the trial's time base."""

    name: str
    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4)}


@dataclass
class TestResult:
    """Timing of one clinical test; ``duration_s`` is ``None`` with a ``reason`` when not timed."""

    __test__ = False  # not a pytest class

    test: str
    duration_s: float | None
    phases: list[Phase]
    rule: str
    repetitions: int | None = None
    reason: str | None = None
    overridden: bool = False
    measures: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 4),
            "phases": [p.to_dict() for p in self.phases],
            "rule": self.rule,
            "repetitions": self.repetitions,
            "reason": self.reason,
            "overridden": self.overridden,
            "measures": {k: round(v, 4) for k, v in self.measures.items()},
        }


@dataclass
class ActivitySegments:
    """What the trial contains: rises, sits, turns, walking bouts, and the tests that apply."""

    signals: MotionSignals
    rises: list[Transition]
    sits: list[Transition]
    turns: list[Turn]
    walking: list[tuple[int, int]]  # frame index ranges [start, end)
    applicable: dict[str, str | None]  # test -> None if it applies, else the reason
    squats: SquatAnalysis | None = None
    """The squat series' repetitions and measures when the trial is one (see
    :mod:`lmm_desktop.analysis.squats`)."""
    one_leg: list[tuple[str, int, int, bool]] = field(default_factory=list)
    """One-leg stance attempts: (stance side, lift-off frame, touch-down frame, censored)."""
    jumps: JumpAnalysis | None = None
    """The two-footed jumps (see :mod:`lmm_desktop.analysis.jumps`)."""
    standing: tuple[int, int] | None = None
    """Frames of the quiet standing whose sway is measured (see :mod:`...analysis.sway`)."""
    points: BodyPoints | None = None
    """The body points the segments were found on."""
    stances: list[Stance] = field(default_factory=list)
    """Two-footed balance positions of a 4-Stage Balance Test (see
    :mod:`lmm_desktop.analysis.four_stage`)."""
    reaches: list[ReachAttempt] = field(default_factory=list)
    """Functional Reach Test attempts (see :mod:`lmm_desktop.analysis.reach`)."""
    arms: bool = False
    """The source tracks the arms (the hands' positions mean something)."""
    curls: CurlSeries | None = None
    """A 30-second arm curl's curls (see :mod:`lmm_desktop.analysis.arm_curl`)."""
    steps: dict[str, float] | None = None
    """A 2-minute step test's measures (see :mod:`lmm_desktop.analysis.step_test`)."""


def detect_activity_segments(
    kin: Kinematics, time: NDArray[np.float64], points: BodyPoints | None = None
) -> ActivitySegments:
    """Rises, sits, turns and walking bouts, and which clinical tests apply (rule-based).

    A test applies when: TUG, a rise, >= 1 m of walking and a turn of >= 120 deg, then a sit;
    five-times sit-to-stand, >= 3 rises with the pelvis staying within 1 m; squats, a lowering
    from standing and a rise back with the shanks leaning forward at the bottom (median ankle
    dorsiflexion >= 18 deg), the pelvis staying within 1 m; walking speed, a
    walking bout (speed >= 0.25 m/s over >= 1 m) whose steady part covers >= 2 m, and no TUG;
    FSST, foot placements (needs ``points``) with no sit or rise and the pelvis within 1.5 m;
    one-leg stance, a foot held >= 1 s off the floor and put back where it lifted, no rise or
    sit (:mod:`~lmm_desktop.analysis.balance`); jumps, two-footed flights
    (:mod:`~lmm_desktop.analysis.jumps`), which then rule out squats, sit-to-stand and TUG.
    """
    sig = motion_signals(kin, time, points)
    rises, sits = posture_transitions(sig)
    turns = detect_turns(sig)
    standing = ~(sig.posture < 0.5)  # NaN posture (no sit range) counts as standing
    walking = [
        (a, b)
        for a, b in true_runs((sig.speed >= WALK_SPEED_M_S) & standing)
        if np.linalg.norm(sig.xz[b - 1] - sig.xz[a]) >= 1.0
    ]
    app: dict[str, str | None] = {}
    app[TUG] = (
        None
        if _tug_window(sig, rises, sits, turns)
        else ("no rise, >= 1 m walk, turn of >= 120 deg and sit back down in that order")
    )
    if len(rises) < 3:
        app[STS5] = f"{len(rises)} rise(s) from a low pelvis position; sit-to-stand needs >= 3"
    elif np.linalg.norm(np.ptp(sig.xz[rises[0].onset : rises[-1].end + 1], axis=0)) >= 1.0:
        app[STS5] = "the pelvis moves >= 1 m away between the rises (not a sit-to-stand series)"
    elif (squat_ankle := squatting_ankle_deg(kin, sig, rises, sits)) is not None:
        app[STS5] = (
            f"squats, not sit-to-stand: the trial starts standing and at the low points the "
            f"shanks lean forward over the feet (ankle dorsiflexion {squat_ankle:.0f} deg; "
            f"seated on a chair it is under {SQUAT_ANKLE_DEG:.0f} deg)"
        )
    else:
        app[STS5] = None
    app[CST30] = _chair_stand_reason(sig, rises, sits, app[STS5])
    jumps = find_jumps(points, sig, kin) if points is not None else None
    app[JUMPS] = None if jumps is not None else (
        "no two-footed jump (both feet > 2 cm off the floor for >= 0.15 s, the body in free "
        "fall)"
        if points is not None else "needs foot positions (forward kinematics)")
    app[SQUATS] = _squat_reason(kin, sig, rises, sits)
    if jumps is not None:
        # in flight the pelvis rises above standing: the rises and sits its height gives are
        # the jumps' countermovements, not sit-to-stands or squats
        why = "the trial has jumps (both feet off the floor): measured as jumps"
        app[SQUATS] = why
        for test in (STS5, CST30, TUG):
            if app[test] is None:
                app[test] = why
    if app[TUG] is None:
        app[WALK] = "the walk is part of a Timed Up and Go"
    elif not walking:
        app[WALK] = "no walking (pelvis horizontal speed never >= 0.25 m/s while standing)"
    else:
        app[WALK] = (
            None
            if _steady(sig, *max(walking, key=lambda r: r[1] - r[0]))[2] >= 2.0
            else "no steady walking over >= 2 m"
        )
    if points is None:
        app[FSST] = "needs foot positions (forward kinematics)"
    elif rises or sits:
        app[FSST] = "the trial contains rises or sits"
    elif np.linalg.norm(np.ptp(sig.xz, axis=0)) >= 1.5:
        app[FSST] = "the pelvis travels >= 1.5 m (walking, not stepping between squares)"
    else:
        app[FSST] = None
    one_leg: list[tuple[str, int, int, bool]] = []
    if points is None:
        app[OLS] = "needs foot positions (forward kinematics)"
    elif rises or sits:
        app[OLS] = "the trial contains rises or sits"
    else:
        one_leg = one_leg_stance_attempts(points, sig)
        app[OLS] = None if one_leg else (
            "no stance on one leg of >= 1 s (one ankle > 5 cm above the floor, the other on it)"
        )
    stances: list[Stance] = []
    reaches: list[ReachAttempt] = []
    quiet: tuple[int, int] | None = None
    if points is None or rises or sits or walking:  # standing still is needed for these
        app[FOUR_STAGE] = app[STANDING_BALANCE] = app[FUNCTIONAL_REACH] = (
            "needs foot positions (forward kinematics)" if points is None
            else "the trial has rises, sits or walking")
    else:
        reaches = reach_attempts(points, sig)
        app[FUNCTIONAL_REACH] = None if reaches else (
            "no reach forward with an arm raised to shoulder height (>= 1.5 s), feet still")
        stances = two_footed_stances(points, sig)
        kinds = [st.position for st in stances]
        together_then_semi = "feet together" in kinds and "semi-tandem" in kinds[
            kinds.index("feet together"):]
        app[FOUR_STAGE] = None if ("tandem" in kinds or together_then_semi) else (
            "no tandem stance, and no semi-tandem after feet together, held >= 1 s")
        if app[FOUR_STAGE] is not None:
            stances = []
        quiet = None if reaches else standing_window(points, sig)
        app[STANDING_BALANCE] = None if quiet is not None else (
            "a Functional Reach Test: the body leans forward on purpose" if reaches else
            "no quiet standing of >= 10 s (both feet down, upright, the pelvis under 0.1 m/s)")
    steps = None
    if rises or sits:
        app[STEP_TEST] = "the trial contains rises or sits"
    else:
        steps = step_test(points, sig, bool(walking))
        app[STEP_TEST] = None if steps is not None else (
            "no stepping in place with both knees lifted >= 10 cm, 20 times or more each")
    curls = find_curls(kin, sig, bool(walking))
    app[ARM_CURL] = None if curls is not None else (
        "walking" if walking else
        "no elbow curling (50 deg down to 100 deg up) five times or more")
    squats = None
    if app[SQUATS] is None:
        squats = analyze_squats(kin, sig, rises, sits, points)
        if squats is None:
            app[SQUATS] = "no lowering from standing followed by a rise back"
    return ActivitySegments(sig, rises, sits, turns, walking, app, squats, one_leg, jumps,
                            quiet, points, stances, reaches, _arms_tracked(kin, points),
                            curls, steps)


def _arms_tracked(kin: Kinematics, points: BodyPoints | None) -> bool:
    """True when the hands' positions come from the capture (the arm and elbow angles, or
    hand markers), not from a model's default arms."""
    if points is None or not (points.has("hand_r") and points.has("hand_l")):
        return False
    if points.source == "markers":
        return bool(np.isfinite(points.point("hand_r")).any())
    from lmm_desktop.core.canonical import CANONICAL_JOINTS

    return not kin.from_markers and all(
        kin.present[CANONICAL_JOINTS.index(f"{j}_{s}")]
        for j in ("arm_flex", "elbow_flex") for s in ("r", "l"))


def _chair_stand_reason(
    sig: MotionSignals, rises: list[Transition], sits: list[Transition], sts_reason: str | None
) -> str | None:
    """None when the sit-to-stand series is a 30-second chair stand, else why not."""
    if sts_reason is not None:
        return sts_reason
    start = first_movement(sig, rises[0])
    last = max([r.end for r in rises] + [s.end for s in sits if s.onset > rises[0].onset])
    span = _t(sig, last) - _t(sig, start)
    if len(rises) > 5:
        return None
    fifth = _t(sig, rises[4].end) - _t(sig, start) if len(rises) == 5 else None
    if fifth is not None and fifth < CST_MIN_SPAN_S:
        # a slow five-times sit-to-stand (and the sit after it) can go on for 25 s; in a
        # 30-second chair stand at that pace a sixth rise would follow the fifth stand
        return (f"five rises, the fifth stand {fifth:.1f} s after the first movement and no "
                "sixth: a five-times sit-to-stand")
    if span >= CST_MIN_SPAN_S:
        return None
    return (f"{len(rises)} rises over {span:.0f} s: a 30-second chair stand goes on past five "
            f"rises or for at least {CST_MIN_SPAN_S:.0f} s")


def _squat_reason(
    kin: Kinematics, sig: MotionSignals, rises: list[Transition], sits: list[Transition]
) -> str | None:
    """None when the trial is a squat series, else why not."""
    if not sits or not rises:
        return ("no lowering from standing and rise back (a pelvis drop of at least "
                f"{MIN_DROP_CM:.0f} cm)")
    if sits[0].onset >= rises[0].onset:
        return "the trial starts low (seated), not standing"
    span = sig.xz[sits[0].onset : rises[-1].end + 1]
    if np.linalg.norm(np.ptp(span, axis=0)) >= 1.0:
        return "the pelvis moves >= 1 m away between the lowerings (not a squat series)"
    if squatting_ankle_deg(kin, sig, rises, sits) is None:
        return (f"at the low points the shanks stay near vertical (median ankle dorsiflexion "
                f"under {SQUAT_ANKLE_DEG:.0f} deg, or unknown): sitting down, not squatting")
    return None


MIN_DROP_CM = 15.0


SQUAT_ANKLE_DEG = 18.0
"""Median ankle dorsiflexion at the low points above which repeated lowering is squatting: seated
on a chair the shanks are near vertical (simulated 3-12 deg; seat-off about 15), in a squat the
knees travel over the toes (the OpenCap squat fixture: 25-28 deg)."""


def squatting_ankle_deg(
    kin: Kinematics, sig: MotionSignals, rises: list[Transition], sits: list[Transition]
) -> float | None:
    """The median ankle dorsiflexion at the low points when the trial is a squat series, else
    ``None``.

    A squat series starts standing (its first transition is a descent) and at its lowest points
    the shanks lean forward over the feet. A sit-to-stand test starts seated; a trial that sits
    down first and then rises from a chair keeps the shanks near vertical at the bottom.
    """
    if not rises or not sits or sits[0].onset >= rises[0].onset:
        return None
    both = np.stack([kin.angle("ankle_angle_r"), kin.angle("ankle_angle_l")], axis=1)
    n_ok = np.isfinite(both).sum(axis=1)
    ankle = np.where(n_ok > 0, np.nansum(both, axis=1) / np.maximum(n_ok, 1), np.nan)
    lows = []
    for r in rises:
        before = [s for s in sits if s.end <= r.onset + 1]
        a = before[-1].end if before else max(r.onset - 1, 0)
        lo = a + int(np.argmin(sig.height[a : r.onset + 1]))
        lows.append(ankle[lo])
    med = float(np.nanmedian(lows)) if np.isfinite(lows).any() else float("nan")
    return med if med >= SQUAT_ANKLE_DEG else None


def _path(sig: MotionSignals, a: int, b: int) -> float:
    seg = sig.xz[a : b + 1]
    return float(np.sum(np.linalg.norm(np.diff(seg, axis=0), axis=1))) if b > a else 0.0


def _tug_window(
    sig: MotionSignals, rises: list[Transition], sits: list[Transition], turns: list[Turn]
) -> tuple[Transition, Transition, list[Turn]] | None:
    for r in rises:
        for s in (s for s in sits if s.onset > r.end):
            inside = [t for t in turns if r.end <= t.start <= s.end]
            if _path(sig, r.end, s.onset) >= 1.0 and any(abs(t.angle_deg) >= 120 for t in inside):
                return r, s, inside
            break
    return None


def _t(sig: MotionSignals, i: int) -> float:
    return float(sig.time[i])


FIRST_MOVEMENT_RULE = (
    "first movement: the rise's onset (pelvis vertical velocity traced back from > 0.05 m/s to "
    "the rest level, < 0.02 m/s), traced on back to where the upper trunk was last within 3 cm of "
    "its seated rest position and its speed stops falling (the forward lean before seat-off)"
)
TUG_RULE = (
    f"start: {FIRST_MOVEMENT_RULE}; end: back against the chair: the pelvis at seated height with "
    "its downward velocity at the rest level, traced on to where the upper trunk is within 3 cm of "
    "its seated rest position and its speed stops falling; "
    "turns: heading leaves/reaches its plateau by 10 deg (1 s smoothing); turn 2 may overlap sit"
)


def timed_up_and_go(seg: ActivitySegments) -> TestResult:
    """Timed Up and Go: rise, walk out, turn, walk back, turn, sit (rule in ``TUG_RULE``)."""
    sig, found = seg.signals, _tug_window(seg.signals, seg.rises, seg.sits, seg.turns)
    if found is None:
        return TestResult(TUG, None, [], TUG_RULE, reason=seg.applicable.get(TUG))
    rise, sit, turns = found
    first = next(i for i, t in enumerate(turns) if abs(t.angle_deg) >= 120)
    t1 = turns[first]
    t2 = turns[first + 1] if first + 1 < len(turns) else None
    back_end = t2.start if t2 is not None else sit.onset
    start, end = first_movement(sig, rise), back_in_chair(sig, sit)
    phases = [
        Phase("rise", _t(sig, start), _t(sig, rise.end)),
        Phase("walk out", _t(sig, rise.end), _t(sig, t1.start)),
        Phase("turn", _t(sig, t1.start), _t(sig, t1.end)),
        Phase("walk back", _t(sig, t1.end), _t(sig, back_end)),
    ]
    if t2 is not None:
        phases.append(Phase("turn", _t(sig, t2.start), _t(sig, t2.end)))
    phases.append(Phase("sit", _t(sig, sit.onset), _t(sig, end)))
    measures = {
        "walk_distance_m": _path(sig, rise.end, sit.onset),
        # the instrumented TUG's components (Salarian et al. 2010): each part's time, the
        # walking speeds, the turn's angle
        "rise_s": _t(sig, rise.end) - _t(sig, start),
        "walk_out_speed_m_s": _speed(sig, rise.end, t1.start),
        "turn_s": _t(sig, t1.end) - _t(sig, t1.start),
        "turn_deg": abs(t1.angle_deg),
        "walk_back_speed_m_s": _speed(sig, t1.end, back_end),
        "turn_to_sit_s": _t(sig, end) - _t(sig, back_end),
    }
    return TestResult(
        TUG,
        _t(sig, end) - _t(sig, start),
        phases,
        TUG_RULE,
        repetitions=1,
        measures={k: v for k, v in measures.items() if np.isfinite(v)},
    )


def _speed(sig: MotionSignals, a: int, b: int) -> float:
    """Pelvis path length over time between frames a and b (m/s; NaN when b <= a)."""
    dt = _t(sig, b) - _t(sig, a)
    return _path(sig, a, b) / dt if dt > 0 else float("nan")


STS_RULE = (
    "rise: pelvis upward velocity > 0.05 m/s, onset/end at the rest level (< 0.02 m/s); sit "
    "likewise "
    "downward; duration: first movement of the first rise to the END OF THE FIFTH STAND (full "
    f"standing), not the return to the chair; {FIRST_MOVEMENT_RULE}"
)


def five_times_sit_to_stand(seg: ActivitySegments) -> TestResult:
    """Five-times sit-to-stand: five rises; timed from the first rise to the fifth full stand."""
    sig, rises = seg.signals, seg.rises[:5]
    if seg.applicable.get(STS5) is not None and len(rises) < 3:
        return TestResult(
            STS5, None, [], STS_RULE, repetitions=len(rises), reason=seg.applicable[STS5]
        )
    phases: list[Phase] = []
    start = first_movement(sig, rises[0]) if rises else 0
    for k, r in enumerate(rises, start=1):
        phases.append(Phase(f"rise {k}", _t(sig, start if k == 1 else r.onset), _t(sig, r.end)))
        nxt = [s for s in seg.sits if s.onset >= r.end]
        if k < len(rises) and nxt:
            phases.append(Phase(f"sit {k}", _t(sig, nxt[0].onset), _t(sig, nxt[0].end)))
    if len(rises) < 5:
        return TestResult(
            STS5,
            None,
            phases,
            STS_RULE,
            repetitions=len(rises),
            reason=f"only {len(rises)} rises found; the test needs 5",
        )
    measures = _rise_measures(phases, sig, rises)
    measures.update(_rise_posture(seg, rises))
    measures.update(_rise_hands(seg, rises))
    duration = _t(sig, rises[4].end) - _t(sig, start)
    measures.update(_rise_power(sig, rises[:5], duration / 5))
    return TestResult(
        STS5,
        duration,
        phases,
        STS_RULE,
        repetitions=5,
        reason=seg.applicable.get(STS5) or _hands_text(measures) or None,
        measures=measures,
    )


CST_RULE = (
    "30-second chair stand (CDC STEADI): the stands completed (the pelvis at full standing "
    "height, the rise's end) within 30 s of the first movement, plus one when a rise is more "
    "than halfway up (normalised pelvis height > 0.5) at 30 s; rises and sits as for the 5xSTS; "
    f"{FIRST_MOVEMENT_RULE}"
)


def thirty_second_chair_stand(seg: ActivitySegments, start_s: float | None = None
                              ) -> TestResult:
    """30-second chair stand: the full stands within 30 s of the first movement.

    ``repetitions`` is the score (the CDC's count, a stand more than halfway up at 30 s
    included); ``duration_s`` the 30 s window, or the part of it the recording covers (then the
    score is a lower bound and ``reason`` says so). Measures: ``stands``, ``covered_s``, each
    rise's and sit's time (as for the 5xSTS), the stands in the first and second 15 s (fewer
    later: tiring), and the posture at each rise's fastest moment.
    """
    sig, rises = seg.signals, seg.rises
    if start_s is None:
        start = first_movement(sig, rises[0])
    else:  # the "go" set by hand: the stands completed after it count
        start = min(int(np.searchsorted(sig.time, start_s)), len(sig.time) - 1)
        rises = [r for r in rises if r.end > start]
    t0 = _t(sig, start)
    t_end = t0 + CST_WINDOW_S
    covered = min(t_end, _t(sig, len(sig.time) - 1)) - t0
    done = [r for r in rises if _t(sig, r.end) <= t_end]
    stands = float(len(done))
    half_up = next((r for r in rises if _t(sig, r.onset) < t_end < _t(sig, r.end)), None)
    if half_up is not None:
        i30 = int(np.searchsorted(sig.time, t_end))
        if sig.posture[min(i30, len(sig.posture) - 1)] > 0.5:
            stands += 1.0
    phases: list[Phase] = []
    for k, r in enumerate(done, start=1):
        phases.append(Phase(f"rise {k}", _t(sig, start if k == 1 else r.onset), _t(sig, r.end)))
        nxt = [s for s in seg.sits if s.onset >= r.end and _t(sig, s.onset) < t_end]
        if nxt:
            phases.append(Phase(f"sit {k}", _t(sig, nxt[0].onset),
                                min(_t(sig, nxt[0].end), t_end)))
    last = _t(sig, len(sig.time) - 1)
    if last > t_end + 0.1:  # the recording goes on: where the counting stopped, on the timeline
        phases.append(Phase("> 30 s", t_end, last))
    measures: dict[str, float] = {"stands": stands, "covered_s": covered}
    if done:
        measures.update(_rise_measures(phases, sig, done))
        measures.update(_rise_posture(seg, done))
        measures.update(_rise_hands(seg, done))
        mid = t0 + CST_WINDOW_S / 2
        measures["first_15s_stands"] = float(sum(_t(sig, r.end) <= mid for r in done))
        measures["second_15s_stands"] = stands - measures["first_15s_stands"]
    reason = _hands_text(measures) or None
    if covered >= CST_WINDOW_S - 0.05 and done:
        measures.update(_rise_power(sig, done, CST_WINDOW_S / stands))
    if covered < CST_WINDOW_S - 0.05:
        measures["censored"] = 1.0
        reason = "; ".join(filter(None, [
            f"the recording ends {covered:.1f} s after the start, before the 30 s were up: at "
            f"least {stands:.0f} stands", reason]))
    rule = CST_RULE if start_s is None else (
        f"user override: the 30 s from {t0:.3f} s (detected by: {CST_RULE})")
    return TestResult(CST30, covered, phases, rule, repetitions=int(stands), reason=reason,
                      overridden=start_s is not None, measures=measures)


HANDS_LOW_M = 0.15
"""At a rise's fastest moment, hands less than this above the hips are down by the seat, the
thighs or the armrests (crossed on the chest they are 0.3-0.4 m above): pushing up?"""


def _rise_hands(seg: ActivitySegments, rises: list[Transition]) -> dict[str, float]:
    """``hands_low_rises``: the rises at whose fastest moment (about seat-off) both hands were
    under 15 cm above the hips, when the source tracks the arms (else nothing). The
    sit-to-stand tests are done with the arms crossed on the chest; hands down by the seat
    suggest pushing off the chair or the thighs."""
    pts = seg.points
    if not seg.arms or pts is None or not all(pts.has(n) for n in ("hip_r", "hip_l")):
        return {}
    hip = (pts.point("hip_r")[:, 1] + pts.point("hip_l")[:, 1]) / 2
    low = 0
    for r in rises:
        above = [pts.point(f"hand_{s}")[r.peak, 1] - hip[r.peak] for s in ("r", "l")]
        if all(np.isfinite(above)) and max(above) < HANDS_LOW_M:
            low += 1
    return {"hands_low_rises": float(low), "rises_checked": float(len(rises))}


def _hands_text(m: dict[str, float]) -> str:
    """'The hands were down by the hips at seat-off in 4 of 5 rises: ...' ('' when none)."""
    n = int(m.get("hands_low_rises", 0))
    if not n:
        return ""
    of = int(m.get("rises_checked", n))
    return (f"The hands were down by the hips at seat-off in {n} of {of} rise"
            f"{'s' if of > 1 else ''}: pushing off the chair or the thighs? The test is done "
            "with the arms crossed on the chest (check the video).")


def _rise_posture(seg: ActivitySegments, rises: list[Transition]) -> dict[str, float]:
    """At each rise's fastest moment (about seat-off): where the hips are over the feet
    sideways (``rise_lateral_shift_cm``, + toward the right: weight carried on one leg, as after
    a stroke) and the trunk's forward lean (``rise_trunk_lean_deg``), means over the rises."""
    from lmm_desktop.analysis.squats import positions_at

    at = [positions_at(seg.points, r.onset, r.peak, r.end) for r in rises]
    out = {}
    for key, name in (("lateral_shift_cm", "rise_lateral_shift_cm"),
                      ("trunk_lean_deg", "rise_trunk_lean_deg")):
        vals = [m[key] for m in at if key in m]
        if vals:
            out[name] = float(np.mean(vals))
    return out


def _rise_power(sig: MotionSignals, rises: list[Transition], per_rep_s: float
                ) -> dict[str, float]:
    """The hips' mean rise (``hip_rise_m``: the pelvis from its height at each rise's onset
    to its end) and the relative sit-to-stand power (``sts_power_w_kg``, Alcazar's equation;
    see :mod:`lmm_desktop.analysis.sts_power`)."""
    from lmm_desktop.analysis.sts_power import relative_power_w_kg

    rise = float(np.mean([sig.height[r.end] - sig.height[r.onset] for r in rises]))
    power = relative_power_w_kg(rise, per_rep_s)
    return {} if power is None else {"hip_rise_m": rise, "sts_power_w_kg": power}


def _rise_measures(
    phases: list[Phase], sig: MotionSignals, transitions: list[Transition]
) -> dict[str, float]:
    """Each rise's time (from the pelvis's onset, the first rise too, so that they compare:
    the test's time starts earlier, at the first movement) and each sit's: their means, the
    slowest rise, and the last rise over the first (above 1: slowing down as it goes on)."""
    rises = [_t(sig, r.end) - _t(sig, r.onset) for r in transitions]
    sits = [p.end_s - p.start_s for p in phases if p.name.startswith("sit")]
    out = {"rise_mean_s": float(np.mean(rises)), "slowest_rise_s": float(max(rises))}
    if sits:
        out["sit_mean_s"] = float(np.mean(sits))
    if len(rises) >= 2 and rises[0] > 0:
        out["last_over_first_rise"] = rises[-1] / rises[0]
    return out


def components_text(test: TestResult) -> str:
    """The parts of a TUG or a 5xSTS in one line, for the tests' notes ('' for others)."""
    m = test.measures
    if test.test == TUG and "rise_s" in m:
        parts = [
            f"rise {m['rise_s']:.1f} s",
            f"walk out {m['walk_out_speed_m_s']:.2f} m/s" if "walk_out_speed_m_s" in m else "",
            f"turn {m['turn_deg']:.0f}° in {m['turn_s']:.1f} s",
            f"walk back {m['walk_back_speed_m_s']:.2f} m/s" if "walk_back_speed_m_s" in m
            else "",
            f"turn and sit {m['turn_to_sit_s']:.1f} s",
        ]
        return "Components: " + "; ".join(p for p in parts if p) + "."
    if test.test == JUMPS and "best_height_flight_cm" in m:
        n = int(m.get("n_jumps", 1))
        text = (f"{n} jump{'s' if n > 1 else ''}; best {m['best_height_flight_cm']:.0f} cm from "
                f"the flight time")
        if "best_height_pelvis_cm" in m:
            text += f" ({m['best_height_pelvis_cm']:.0f} cm from the pelvis)"
        if "countermovement_cm" in m:
            text += f"; countermovement {m['countermovement_cm']:.0f} cm"
        if "best_rsi" in m:
            text += (f"; reactive strength index {m['best_rsi']:.2f} (contact "
                     f"{m['best_rsi_contact_s']:.2f} s"
                     + (f", after a drop from {m['drop_height_cm']:.0f} cm" if "drop_height_cm"
                        in m else "") + ")")
        kr, kl = m.get("landing_knee_flexion_deg_r"), m.get("landing_knee_flexion_deg_l")
        if kr is not None and kl is not None:
            text += f"; landing knee flexion R {kr:.0f} / L {kl:.0f}°"
            if "landing_symmetry_pct" in m:
                text += f" (symmetry {m['landing_symmetry_pct']:.0f} %)"
        if "landing_knee_ankle_ratio" in m:
            text += f"; knee / ankle separation {m['landing_knee_ankle_ratio']:.2f}"
        return text + "."
    if test.test == STANDING_BALANCE:
        return sway_text(m)
    if test.test == FOUR_STAGE:
        from lmm_desktop.analysis.four_stage import four_stage_text

        return four_stage_text(m)
    if test.test == WALK and "speed_m_s" in m:
        four = (f"The first 4 m from a standing start took {m['walk_4m_s']:.2f} s "
                f"({FOUR_M / m['walk_4m_s']:.2f} m/s; the SPPB's and the 4-metre gait speed "
                "test's course). " if m.get("walk_4m_s") else "")
        return four + walking_category(m["speed_m_s"])
    if test.test == STEP_TEST:
        from lmm_desktop.analysis.step_test import step_test_text

        return step_test_text(m)
    if test.test == ARM_CURL and "curls" in m:
        arm = "right" if m.get("right_arm") else "left"
        return (f"The {arm} arm; {m.get('first_15s_curls', 0):.0f} curls in the first 15 s, "
                f"{m['curls'] - m.get('first_15s_curls', 0):.0f} in the second.")
    if test.test == FUNCTIONAL_REACH and "reach_cm" in m:
        n = int(m.get("n_attempts", 1))
        each = ", ".join(f"{m[f'reach_{k}_cm']:.1f}" for k in range(1, n + 1)
                         if f"reach_{k}_cm" in m)
        used = "the mean of the last two" if n >= 3 else "the mean" if n > 1 else "one attempt"
        return (f"Reach {m['reach_cm']:.1f} cm ({used}; attempts {each} cm; best "
                f"{m['best_cm']:.1f} cm).")
    if test.test in (STS5, CST30) and "rise_mean_s" in m:
        text = ""
        if test.test == CST30 and "first_15s_stands" in m:
            text = (f"{m['first_15s_stands']:.0f} stands in the first 15 s, "
                    f"{m['second_15s_stands']:.0f} in the second. ")
        text += (f"Rises {m['rise_mean_s']:.1f} s on average (slowest {m['slowest_rise_s']:.1f} s)")
        if "sit_mean_s" in m:
            text += f", sits {m['sit_mean_s']:.1f} s"
        if "last_over_first_rise" in m:
            text += f"; the last rise took {m['last_over_first_rise']:.2f} x the first"
        if "rise_lateral_shift_cm" in m:
            shift = m["rise_lateral_shift_cm"]
            side = "right" if shift > 0 else "left"
            text += (f"; at the fastest moment of a rise the hips were {abs(shift):.1f} cm "
                     f"toward the {side} foot")
            if "rise_trunk_lean_deg" in m:
                lean = m["rise_trunk_lean_deg"]
                text += f", the trunk leaning {abs(lean):.0f}° {'forward' if lean >= 0 else 'back'}"
        from lmm_desktop.analysis.sts_power import power_text

        return " ".join(filter(None, [text + ".", power_text(m), _hands_text(m)]))
    return ""


WALKING_CATEGORIES = ((0.4, "a household ambulator", "under 0.4 m/s"),
                      (0.8, "a limited community ambulator", "0.4-0.8 m/s"),
                      (float("inf"), "a community ambulator", "0.8 m/s or more"))
"""Walking speed bands of Perry et al. (1995), after stroke: under 0.4 m/s, 0.4-0.8, over."""
WALKING_CATEGORY_SOURCE = (
    "Perry J, Garrett M, Gronley JK, Mulroy SJ. Classification of walking handicap in the "
    "stroke population. Stroke 1995;26(6):982-989"
)


def walking_category(speed_m_s: float) -> str:
    """'At 0.54 m/s, a limited community ambulator (0.4-0.8 m/s; Perry et al. 1995, after
    stroke).' The bands were set after stroke; the sentence says so."""
    if not np.isfinite(speed_m_s):
        return ""
    label, band = next((name, band) for upper, name, band in WALKING_CATEGORIES
                       if speed_m_s < upper)
    return (f"At {speed_m_s:.2f} m/s, {label} ({band}; Perry et al. 1995, derived after "
            f"stroke: {WALKING_CATEGORY_SOURCE}).")


WALK_RULE = (
    "steady state: the longest run of the longest walking bout where the pelvis speed, "
    "averaged over one stride (at least 1 s), is within 10 % of the bout's median, trimmed "
    "to whole strides; speed = distance along the direction of travel / time over it"
)
STRIDE_S = (0.7, 3.0)
"""Stride periods the steady-state speed is averaged over. A 1 s average cancels the step-
to-step rise and fall of the pelvis speed of a stride of about a second; a slow, asymmetric
stride (1.6 s after a stroke) needs its own period, or no stretch of the walk looks steady."""


def stride_period_s(sig: MotionSignals, a: int, b: int) -> float | None:
    """The stride period (s) of walking bout ``[a, b)``: the lag of the highest
    autocorrelation peak (0.7-3 s, correlation at least 0.3) of the pelvis speed with its
    3 s trend removed; None when the bout shows no such rhythm."""
    rate = sig.rate_hz
    lo, hi = round(STRIDE_S[0] * rate), round(STRIDE_S[1] * rate)
    v = np.hypot(*np.gradient(sig.xz[a:b], sig.time[a:b], axis=0).T)
    if len(v) < 2 * lo + 2:
        return None
    from scipy.ndimage import uniform_filter1d

    x = v - uniform_filter1d(v, max(3, round(3.0 * rate)), mode="nearest")
    x = x - x.mean()
    den = float(np.dot(x, x))
    if den <= 0:
        return None
    hi = min(hi, len(x) // 2)
    ac = np.array([np.dot(x[:-k], x[k:]) / den for k in range(1, hi + 1)])
    peaks = [k for k in range(max(lo, 2), hi - 1)
             if ac[k - 1] >= ac[k - 2] and ac[k - 1] >= ac[k] and ac[k - 1] >= 0.3]
    if not peaks:
        return None
    return float(max(peaks, key=lambda k: ac[k - 1]) / rate)


def _progression(sig: MotionSignals, a: int, b: int, window: int
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The pelvis's speed along its direction of travel over ``[a, b)`` (m/s, per frame), and
    the same averaged over ``window`` frames. The direction is that of the velocity averaged
    over the window, so the side-to-side sway of each step (up to 5 % of the path of a wide,
    slow gait) is left out, and a curved walk is followed."""
    from scipy.ndimage import uniform_filter1d

    vel = np.gradient(sig.xz[a:b], sig.time[a:b], axis=0)  # (n, 2) m/s
    mean = uniform_filter1d(vel, window, axis=0, mode="nearest")
    norm = np.linalg.norm(mean, axis=1, keepdims=True)
    u = np.divide(mean, norm, out=np.zeros_like(mean), where=norm > 1e-9)
    along = np.sum(vel * u, axis=1)
    return along, np.asarray(uniform_filter1d(along, window, mode="nearest"))


def _steady(sig: MotionSignals, a: int, b: int) -> tuple[int, int, float]:
    """Steady part ``[start, end)`` of walking bout ``[a, b)`` and the distance walked over
    it along the direction of travel (m)."""
    period = stride_period_s(sig, a, b)
    window = max(1, round(max(1.0, period or 1.0) * sig.rate_hz))
    along, speed = _progression(sig, a, b, window)
    med = float(np.median(speed))
    ok = np.abs(speed - med) <= STEADY_TOLERANCE * med
    steady = true_runs(ok)
    s, e = max(steady, key=lambda r: r[1] - r[0])
    if period is not None:
        # whole strides, centred: the pelvis speeds up and slows down within a stride (by half
        # its mean in a prosthetic gait), so a part-stride at either end would bias the mean
        stride = period * sig.rate_hz
        k = int((e - 1 - s) // stride)
        if k >= 1:
            extra = (e - 1 - s) - round(k * stride)
            s += extra // 2
            e = s + round(k * stride) + 1
    dt = np.gradient(sig.time[a:b])
    dist = float(np.sum((along * dt)[s:e - 1])) if e - 1 > s else 0.0
    return a + s, a + e, dist


def walking_speed_test(seg: ActivitySegments) -> TestResult:
    """Walking speed over the steady-state part of the longest walking bout."""
    sig = seg.signals
    if not seg.walking:
        return TestResult(WALK, None, [], WALK_RULE, reason=seg.applicable.get(WALK))
    a, b = max(seg.walking, key=lambda r: r[1] - r[0])
    s, e, dist = _steady(sig, a, b)
    dur = _t(sig, e - 1) - _t(sig, s)
    steady_speed = dist / dur if dur > 0 else float("nan")

    def outside(name: str, i: int, j: int) -> Phase:
        # before / after the steady part: speeding up (slowing down) when its first (last)
        # second is slower than the steady speed by 10 %, else a stretch of uneven speed (a
        # walk already under way)
        w = round(sig.rate_hz)
        k0, k1 = (i, min(j, i + w)) if name == "acceleration" else (max(i, j - w), j)
        span = _t(sig, k1) - _t(sig, k0)
        slower = span > 0 and _path(sig, k0, k1) / span < (1 - STEADY_TOLERANCE) * steady_speed
        return Phase(name if slower else "uneven speed", _t(sig, i), _t(sig, j))

    phases = [
        p
        for p in (
            outside("acceleration", a, s),
            Phase("steady", _t(sig, s), _t(sig, e - 1)),
            outside("deceleration", e - 1, b - 1),
        )
        if p.end_s - p.start_s >= MIN_PHASE_S or p.name == "steady"
    ]  # a bout already at speed has no acceleration phase
    if dur <= 0:
        return TestResult(WALK, None, phases, WALK_RULE, reason="no steady walking segment")
    measures = {"speed_m_s": dist / dur, "distance_m": dist}
    four = four_metre_walk(seg, a, b)
    if four is not None:
        measures["walk_4m_s"] = four[1] - four[0]
        measures["walk_4m_start_s"] = four[0]
    return TestResult(
        WALK,
        dur,
        phases,
        WALK_RULE,
        reason=seg.applicable.get(WALK),
        measures=measures,
    )


MIN_PHASE_S = 0.3
"""Shorter bits before or after the steady part (what trimming it to whole strides leaves) are
not shown as phases."""
FOUR_M = 4.0
STILL_M_S = 0.05
STILL_S = 0.5
FOUR_M_RULE = (
    "4-m walk from a standing start (the SPPB's and the 4-metre gait speed test's course): "
    "the pelvis still (< 0.05 m/s) for >= 0.5 s before the walk; timed from its first movement "
    "(2 cm from where it stood, traced back to 0.5 cm) until a heel is 4 m past the front of "
    "the feet as they stood (the pelvis 4 m on, without foot positions)"
)


def four_metre_walk(seg: ActivitySegments, a: int, b: int) -> tuple[float, float] | None:
    """(start, end) in s of the first 4 m of walking bout ``[a, b)`` when the recording shows
    the person standing still before it (see ``FOUR_M_RULE``); None when the walk starts
    already under way or covers less than 4 m."""
    sig = seg.signals
    rate = sig.rate_hz
    v = np.hypot(*np.gradient(sig.xz, sig.time, axis=0).T)
    still = [(s, e) for s, e in true_runs(v < STILL_M_S)
             if e - s >= STILL_S * rate and s < a + rate]
    if not still:
        return None
    s0, e0 = still[-1]
    rest = np.median(sig.xz[s0:e0], axis=0)
    off = np.linalg.norm(sig.xz - rest, axis=1)
    moved = np.flatnonzero(off[e0:b] > 0.02)
    if not len(moved):
        return None
    i = e0 + int(moved[0])
    while i > s0 and off[i - 1] > 0.005:
        i -= 1
    far = np.flatnonzero(off[i:b] >= FOUR_M)
    if not len(far):
        return None
    u = (sig.xz[i + int(far[0])] - rest) / off[i + int(far[0])]
    pts = seg.points
    feet = pts is not None and all(pts.has(n) for n in ("heel_r", "heel_l", "toe_r", "toe_l"))
    if feet and pts is not None:
        def ahead(name: str) -> NDArray[np.float64]:
            return np.asarray((pts.point(name)[:, [0, 2]] - rest) @ u)

        line = float(np.nanmedian(np.maximum(ahead("toe_r"), ahead("toe_l"))[s0:e0]))
        if not np.isfinite(line):
            return None
        heel = np.fmax(ahead("heel_r"), ahead("heel_l"))
        past = np.flatnonzero(heel[i:b] >= line + FOUR_M)
    else:
        past = np.flatnonzero(((sig.xz[i:b] - rest) @ u) >= FOUR_M)
    if not len(past):
        return None
    return _t(sig, i), _t(sig, i + int(past[0]))


def treadmill_reason(belt_speed_m_s: float | None) -> str:
    """Why the walking-speed test does not apply to a treadmill trial (belt speed when known)."""
    belt = (
        f"belt speed {belt_speed_m_s:.2f} m/s, measured from the feet in stance"
        if belt_speed_m_s
        else "belt speed unknown (no complete stride to measure it from the feet)"
    )
    return (
        f"treadmill trial ({belt}): the pelvis stays in place while the feet walk, so there is "
        "no overground walk to time; the walking speed is the belt speed (see the gait table)"
    )


def run_clinical_tests(
    kin: Kinematics,
    time: NDArray[np.float64],
    points: BodyPoints | None = None,
    *,
    treadmill: bool = False,
    belt_speed_m_s: float | None = None,
    segments: ActivitySegments | None = None,
) -> tuple[list[TestResult], dict[str, str]]:
    """Every test that applies to the trial, and for the others why they do not.

    Parameters
    ----------
    kin, time, points
        The trial's kinematics, its time base, and body points on it when available.
    treadmill
        The gait analysis found treadmill walking: the walking-speed test then says so (with
        ``belt_speed_m_s``, m/s, when known) instead of "no walking".
    segments
        :func:`detect_activity_segments` of the same trial, when already computed.

    Returns
    -------
    results, reasons
        ``results`` lists the tests that apply (timed, or with a ``reason`` when they could not be
        timed); ``reasons`` maps each test that does not apply to why.
    """
    from lmm_desktop.analysis.four_square import four_square_step_test  # imports this module

    seg = segments if segments is not None else detect_activity_segments(kin, time, points)
    if treadmill and not seg.walking:
        seg.applicable[WALK] = treadmill_reason(belt_speed_m_s)
    if treadmill and seg.applicable.get(OLS) is None:  # the swing of treadmill steps
        seg.applicable[OLS] = "treadmill walking, not a balance test"
    results: list[TestResult] = []
    reasons: dict[str, str] = {}
    for name, fn in (
        (TUG, timed_up_and_go),
        (CST30, thirty_second_chair_stand),  # the trial's test; its first five give the 5xSTS
        (STS5, five_times_sit_to_stand),
        (WALK, walking_speed_test),
    ):
        why = seg.applicable[name]
        if why is None:
            results.append(fn(seg))
            if name == STS5 and seg.applicable.get(CST30) is None and len(seg.rises) > 5:
                results[-1].reason = "; ".join(filter(None, [
                    "timed over the first five stands of a 30-second chair stand",
                    results[-1].reason]))
        else:
            reasons[name] = why
    if seg.applicable[FSST] is None and points is not None:
        fsst = four_square_step_test(points, seg.signals.heading)
        if fsst.duration_s is not None:
            results.append(fsst)
        else:
            reasons[FSST] = fsst.reason or "no four-square stepping pattern"
    else:
        reasons[FSST] = seg.applicable[FSST] or "not applicable"
    if seg.steps is not None:
        results.append(step_test_result(seg.steps, seg.signals))
    elif STEP_TEST in seg.applicable:
        reasons[STEP_TEST] = seg.applicable[STEP_TEST] or "no stepping in place"
    if seg.curls is not None:
        results.append(arm_curl_test(seg.curls, seg.signals))
    elif ARM_CURL in seg.applicable:
        reasons[ARM_CURL] = seg.applicable[ARM_CURL] or "no arm curls"
    if seg.applicable.get(FUNCTIONAL_REACH) is None and seg.reaches:
        results.append(functional_reach_test(seg))
    elif FUNCTIONAL_REACH in seg.applicable:
        reasons[FUNCTIONAL_REACH] = seg.applicable[FUNCTIONAL_REACH] or "no reach"
    if seg.applicable.get(FOUR_STAGE) is None:
        results.append(four_stage_test(seg))
    elif FOUR_STAGE in seg.applicable:
        reasons[FOUR_STAGE] = seg.applicable[FOUR_STAGE] or "no balance positions"
    if seg.applicable.get(OLS) is None:
        results.append(one_leg_stance_test(seg))
    else:
        reasons[OLS] = seg.applicable.get(OLS) or "not applicable"
    if seg.standing is not None and seg.points is not None:
        a, b = seg.standing
        results.append(TestResult(
            STANDING_BALANCE, _t(seg.signals, b - 1) - _t(seg.signals, a),
            [Phase("quiet standing", _t(seg.signals, a), _t(seg.signals, b - 1))], SWAY_RULE,
            measures=sway_measures(seg.points, seg.signals, seg.standing),
        ))
    elif STANDING_BALANCE in seg.applicable:
        reasons[STANDING_BALANCE] = seg.applicable[STANDING_BALANCE] or "no quiet standing"
    if seg.jumps is not None:
        results.append(jump_test(seg.jumps))
    elif JUMPS in seg.applicable:
        reasons[JUMPS] = seg.applicable[JUMPS] or "no jump"
    if seg.squats is not None:
        results.append(squat_test(seg.squats))
    elif SQUATS in seg.applicable:
        reasons[SQUATS] = seg.applicable[SQUATS] or "no squat repetition"
    return results, reasons


def one_leg_stance_test(seg: ActivitySegments) -> TestResult:
    """One-leg stance: the longest attempt, the longest per leg, the pelvis sway in it."""
    sig = seg.signals
    if not seg.one_leg:
        return TestResult(OLS, None, [], OLS_RULE, reason=seg.applicable.get(OLS))
    phases = [
        Phase(f"on {side} leg", _t(sig, a), _t(sig, b)) for side, a, b, _c in seg.one_leg
    ]
    best = max(seg.one_leg, key=lambda r: sig.time[r[2]] - sig.time[r[1]])
    side, a, b, censored = best
    measures = {"pelvis_sway_cm_s": pelvis_sway_cm_s(sig, a, b)}
    for leg in ("right", "left"):
        times = [_t(sig, e) - _t(sig, s) for sd, s, e, _c in seg.one_leg if sd == leg]
        if times:
            measures[f"{leg}_s"] = max(times)
    reason = None
    if censored:
        measures["censored"] = 1.0
        reason = (f"the recording ended (or began) with the {side} leg still standing alone: "
                  "the time is at least this long")
    return TestResult(
        OLS, _t(sig, b) - _t(sig, a), phases, OLS_RULE, repetitions=len(seg.one_leg),
        reason=reason, measures=measures,
    )


def step_test_result(m: dict[str, float], sig: MotionSignals) -> TestResult:
    """The 2-minute step test: the stepping as one phase (and what follows the 2 min), the
    right-knee lifts to the target as ``repetitions``."""
    t0 = m["start_s"]
    end = t0 + m["covered_s"]
    phases = [Phase("stepping", t0, end)]
    last = _t(sig, len(sig.time) - 1)
    if last > end + 0.1:
        phases.append(Phase("> 2 min", end, last))
    reason = None
    if m.get("censored"):
        reason = (f"the recording ends {m['covered_s']:.0f} s after the first lift, before the "
                  f"2 minutes were up: at least {m['steps']:.0f} steps")
    return TestResult(STEP_TEST, m["covered_s"], phases, STEP_RULE,
                      repetitions=int(m["steps"]), reason=reason, measures=dict(m))


def arm_curl_test(curls: CurlSeries, sig: MotionSignals) -> TestResult:
    """The 30-second arm curl: the curls as phases (each from leaving the down zone to
    reaching up, within the 30 s), the count as ``repetitions``."""
    m = curl_count(curls, sig.time)
    t0 = _t(sig, curls.first_movement)
    down = np.flatnonzero(curls.elbow < 50.0)  # each curl ends back down (or at the next)
    phases = []
    for k, (a, u) in enumerate(zip(curls.starts, curls.ups, strict=True), start=1):
        if sig.time[u] > t0 + CURL_WINDOW_S:
            break
        after = down[down > u]
        end = int(after[0]) if after.size else len(sig.time) - 1
        phases.append(Phase(f"curl {k}", _t(sig, max(a, curls.first_movement)),
                            min(_t(sig, end), t0 + CURL_WINDOW_S)))
    last = _t(sig, len(sig.time) - 1)
    if last > t0 + CURL_WINDOW_S + 0.1:  # where the counting stopped, as for the chair stand
        phases.append(Phase("> 30 s", t0 + CURL_WINDOW_S, last))
    reason = None
    if m.get("censored"):
        reason = (f"the recording ends {m['covered_s']:.1f} s after the start, before the 30 s "
                  f"were up: at least {m['curls']:.0f} curls")
    return TestResult(ARM_CURL, m["covered_s"], phases, CURL_RULE, repetitions=int(m["curls"]),
                      reason=reason, measures=m)


def functional_reach_test(seg: ActivitySegments) -> TestResult:
    """The Functional Reach Test: each attempt as a phase; the result (``measures['reach_cm']``)
    the mean of the attempts (of the last two when there are three or more)."""
    sig = seg.signals
    phases = [Phase(f"reach {k}, {a.side} arm", _t(sig, a.start), _t(sig, a.end))
              for k, a in enumerate(seg.reaches, start=1)]
    return TestResult(FUNCTIONAL_REACH, phases[-1].end_s - phases[0].start_s, phases,
                      REACH_RULE, repetitions=len(seg.reaches),
                      measures=reach_result(seg.reaches))


def four_stage_test(seg: ActivitySegments) -> TestResult:
    """The 4-Stage Balance Test: each position's attempts as phases; the test's time is the
    longest tandem attempt (None, with the reason, when the test stopped before the tandem)."""
    sig = seg.signals
    time = sig.time
    phases = [Phase(st.position if st.front is None else f"{st.position}, {st.front} in front",
                    _t(sig, st.start), _t(sig, st.end)) for st in seg.stances]
    phases += [Phase(f"on {side} leg", _t(sig, a), _t(sig, b)) for side, a, b, _c in seg.one_leg]
    phases.sort(key=lambda p: p.start_s)
    measures = four_stage_measures(seg.stances, seg.one_leg, time, sig)
    tandem = [st for st in seg.stances if st.position == "tandem"]
    if not tandem:
        last = max((st for st in seg.stances), key=lambda st: st.end)
        held = time[last.end] - time[last.start]
        return TestResult(
            FOUR_STAGE, None, phases, FOUR_STAGE_RULE, repetitions=len(phases),
            reason=(f"the test stopped at the {last.position} stance (held {held:.1f} s): no "
                    "tandem stance was recorded, and the protocol stops at a position not held "
                    "for 10 s"), measures=measures)
    best = max(tandem, key=lambda st: time[st.end] - time[st.start])
    reason = None
    if best.censored:
        measures["censored"] = 1.0
        reason = "the recording ended (or began) in the tandem stance: the time is at least this"
    return TestResult(FOUR_STAGE, measures["tandem_s"], phases, FOUR_STAGE_RULE,
                      repetitions=len(phases), reason=reason, measures=measures)


def jump_test(jumps: JumpAnalysis) -> TestResult:
    """The jumps as a test: flights and landings as phases, the best and mean measures."""
    phases: list[Phase] = []
    for j in jumps.jumps:
        phases.append(Phase(f"flight {j.index}", j.takeoff_s, j.landing_s))
        peaks = [j.measures[k] for k in ("time_to_peak_flexion_s_r", "time_to_peak_flexion_s_l")
                 if k in j.measures]
        if peaks:
            phases.append(Phase(f"landing {j.index}", j.landing_s, j.landing_s + max(peaks)))
    measures: dict[str, float] = {"n_jumps": float(len(jumps.jumps))}
    for key, value in (
        ("best_height_flight_cm", jumps.best("height_flight_cm")),
        ("best_height_pelvis_cm", jumps.best("height_pelvis_cm")),
        ("mean_flight_s", jumps.mean("flight_s")),
        ("countermovement_cm", jumps.mean("countermovement_cm")),
        ("landing_knee_flexion_deg_r", jumps.mean("landing_knee_flexion_deg_r")),
        ("landing_knee_flexion_deg_l", jumps.mean("landing_knee_flexion_deg_l")),
        ("landing_symmetry_pct", jumps.landing_symmetry_pct()),
        ("landing_knee_ankle_ratio", jumps.mean("landing_knee_ankle_ratio")),
    ):
        if value is not None:
            measures[key] = value
    reactive = [j for j in jumps.jumps if "rsi" in j.measures]
    if reactive:  # the best reactive jump: its RSI, contact time and the drop before it
        best = max(reactive, key=lambda j: j.measures["rsi"])
        measures["best_rsi"] = best.measures["rsi"]
        measures["best_rsi_contact_s"] = best.measures["contact_s"]
        if "drop_height_cm" in best.measures:
            measures["drop_height_cm"] = best.measures["drop_height_cm"]
        for j in reactive:
            phases.append(Phase(f"contact {j.index}", j.takeoff_s - j.measures["contact_s"],
                                j.takeoff_s))
        phases.sort(key=lambda ph: ph.start_s)
    last = jumps.jumps[-1]
    return TestResult(JUMPS, last.landing_s - jumps.jumps[0].takeoff_s, phases, JUMP_RULE,
                      repetitions=len(jumps.jumps), measures=measures)


def squat_test(squats: SquatAnalysis) -> TestResult:
    """The squat series as a test: its time, repetitions, phases and mean measures."""
    phases: list[Phase] = []
    for r in squats.reps:
        phases.append(Phase(f"lowering {r.index}", r.start_s, r.bottom_s))
        phases.append(Phase(f"rising {r.index}", r.bottom_s, r.end_s))
    measures = {k: v["mean"] for k, v in squats.summary().items() if v["mean"] is not None}
    return TestResult(
        SQUATS,
        squats.duration_s,
        phases,
        SQUAT_RULE,
        repetitions=len(squats.reps),
        measures=measures,
    )


def recompute_with_override(result: TestResult, start_s: float, end_s: float) -> TestResult:
    """The result with the user's start and end: duration and phases limited to that window.

    Phases wholly outside ``[start_s, end_s]`` are dropped, the others clipped to it; the first
    phase starts at ``start_s`` and the last ends at ``end_s``. ``overridden`` is set and the rule
    records the override.
    """
    if not (np.isfinite(start_s) and np.isfinite(end_s)) or end_s <= start_s:
        raise AnalysisError(
            f"The test window must end after it starts (got start {start_s} s, end {end_s} s)."
        )
    kept = [
        Phase(p.name, max(p.start_s, start_s), min(p.end_s, end_s))
        for p in result.phases
        if p.end_s > start_s and p.start_s < end_s
    ]
    if kept:
        kept[0] = replace(kept[0], start_s=start_s)
        kept[-1] = replace(kept[-1], end_s=end_s)
    else:
        kept = [Phase("user window", start_s, end_s)]
    return replace(
        result,
        duration_s=end_s - start_s,
        phases=kept,
        overridden=True,
        reason=None,
        rule=f"user override: {start_s:.3f} s to {end_s:.3f} s (detected by: {result.rule})",
    )


def _chair_stand_override(
    tests: list[TestResult], cst: TestResult, marks: list[Event], seg: ActivitySegments
) -> tuple[list[TestResult], str | None]:
    starts = [e.time_s for e in marks if e.label == TEST_START]
    if not starts:
        return tests, ("the end set by hand is not used: a 30-second chair stand lasts 30 s "
                       "from its start (set the start instead)")
    start = min(starts)
    note = ("the end set by hand is not used: a 30-second chair stand lasts 30 s from its start"
            if any(e.label == TEST_END for e in marks) else None)
    out = []
    for t in tests:
        if t is cst:
            out.append(thirty_second_chair_stand(seg, start))
        elif t.test == STS5 and t.duration_s is not None and t.phases:
            end = t.phases[-1].end_s
            out.append(recompute_with_override(t, start, end) if end > start else t)
        else:
            out.append(t)
    return out, note


TIMED_BY_HAND = (TUG, FSST, STS5, OLS)
"""Tests whose result is their duration, so a hand-set start and end re-time them (the
walking-speed test divides a distance by its time: it is not re-timed by hand)."""


def primary_test(tests: list[TestResult]) -> TestResult | None:
    """The trial's timed test a hand-set start and end apply to: the first of TUG, FSST,
    5xSTS and one-leg stance that was timed and has phases."""
    timed = [t for t in tests if t.test in TIMED_BY_HAND and t.duration_s is not None and t.phases]
    return min(timed, key=lambda t: TIMED_BY_HAND.index(t.test), default=None)


def apply_timing_override(
    tests: list[TestResult], events: Sequence[Event] | None,
    segments: ActivitySegments | None = None,
) -> tuple[list[TestResult], str | None]:
    """``tests`` with the primary test re-timed from the ``test_start`` / ``test_end`` events
    the clinician set (either alone keeps the detected other end), and a note when they could
    not be applied (then the tests are unchanged). A 30-second chair stand (with its
    ``segments``) is counted again over the 30 s from the start set by hand, and its 5xSTS
    starts there too; an end set by hand is not used for it."""
    marks = [e for e in events or () if e.label in (TEST_START, TEST_END)]
    if not marks:
        return tests, None
    cst = next((t for t in tests if t.test == CST30), None)
    if cst is not None and segments is not None:
        return _chair_stand_override(tests, cst, marks, segments)
    target = primary_test(tests)
    if target is None:
        return tests, ("the test start / end set by hand apply to no timed test here (TUG, "
                       "FSST, five-times sit-to-stand or one-leg stance)")
    starts = [e.time_s for e in marks if e.label == TEST_START]
    ends = [e.time_s for e in marks if e.label == TEST_END]
    start = min(starts) if starts else target.phases[0].start_s
    end = max(ends) if ends else target.phases[-1].end_s
    try:
        new = recompute_with_override(target, start, end)
    except AnalysisError as exc:
        return tests, f"the timing set by hand was not used: {exc}"
    return [new if t is target else t for t in tests], None
