"""The whole analysis of one trial: body points, gait events, spatiotemporal parameters, gait cycles
and Gait Profile Score, clinical tests and data quality, in one :class:`AnalysisResult`.

Whatever does not apply (no walking in a squat trial, no sit-to-stand in a walk) is ``None`` with a
line in ``reasons`` that says why; nothing is silently empty.

Events: gait events from the file (``source='file'``) and detected ones (``'detected'``) are both
kept and listed; the analysis uses the user's edited events when given (``events_override``,
``'user'``), else the file's when they hold a complete stride, else the detected ones.
``events_source`` says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lmm_desktop.analysis.clinical_norms import reference_of
from lmm_desktop.analysis.clinical_tests import (
    FSST,
    ActivitySegments,
    TestResult,
    apply_timing_override,
    detect_activity_segments,
    run_clinical_tests,
)
from lmm_desktop.analysis.cycles import CycleCurves, cycle_curves
from lmm_desktop.analysis.emg import EmgResult, analyze_emg
from lmm_desktop.analysis.events import GaitEventResult, detect_gait_events
from lmm_desktop.analysis.force_plates import (
    ForcePlateAnalysis,
    analyze_force_plates,
    event_agreement,
    refine_events,
)
from lmm_desktop.analysis.gps import GaitProfile, gait_profile_score
from lmm_desktop.analysis.jumps import JumpAnalysis
from lmm_desktop.analysis.kinetics import KineticsResult, compute_kinetics
from lmm_desktop.analysis.normative import leg_length_m, speed_group
from lmm_desktop.analysis.quality import QualityFlag, check_quality
from lmm_desktop.analysis.spatiotemporal import SpatiotemporalResult, compute_spatiotemporal
from lmm_desktop.analysis.squats import SquatAnalysis
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, Trial

GAIT_LABELS = (HEEL_STRIKE, TOE_OFF)


@dataclass
class AnalysisResult:
    """Everything measured on one trial (see :meth:`to_dict` for the JSON shape)."""

    trial_name: str
    n_frames: int
    rate_hz: float
    duration_s: float
    points_source: str
    events: list[Event]
    events_source: str | None
    gait_events: GaitEventResult | None
    spatiotemporal: SpatiotemporalResult | None
    cycles: CycleCurves | None
    gait_profile_score: GaitProfile | None
    clinical_tests: list[TestResult]
    quality: list[QualityFlag]
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    age_years: float | None = None
    """The subject's age when known: picks the clinical tests' age norms."""
    sex: str | None = None
    """The subject's sex when known ('male', 'female', 'other'): with the age, picks the
    30-second chair stand's norm."""
    force_plates: ForcePlateAnalysis | None = None
    """Force-plate contacts and stance figures (a .c3d with plates), else None."""
    kinetics: KineticsResult | None = None
    """Sagittal joint moments and powers over the cycles that start on a plate, else None."""
    emg: EmgResult | None = None
    """EMG envelopes (a .c3d with EMG channels), else None."""
    squats: SquatAnalysis | None = None
    """The repetitions, depth, symmetry and alignment of a squat series, else None."""
    jumps: JumpAnalysis | None = None
    """The two-footed jumps: heights, flights, landings, else None."""

    def events_used(self) -> list[Event]:
        """The events the gait analysis was computed from."""
        return [e for e in self.events if e.source == self.events_source]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary.

        Keys: ``trial`` (name, frames, rate, duration, body-point source), ``events`` (every event
        as ``{label, side, time_s, source}``), ``events_source``, ``spatiotemporal`` (the
        :meth:`SpatiotemporalResult.to_dict` table: value, sd and normative status per parameter,
        or null), ``gait_profile_score`` (GVS per variable and side, GPS per side and overall, or
        null), ``cycles`` (cycles per side and their time windows, or null),
        ``clinical_tests`` (``{test, duration_s, phases, rule, ..., reference}``, the reference
        being the published cut-off and age norm the time is read against, or null: see
        :mod:`lmm_desktop.analysis.clinical_norms`), ``quality`` (flags),
        ``force_plates`` (contacts, stance figures per side and the agreement of the kinematic
        and file events with the plates' timing, or null), ``kinetics`` (sagittal moment and
        power peaks per side over the cycles that start on a plate, or null), ``squats``
        (repetitions with their measures, means, symmetry and findings, or null), ``reasons`` (why
        each null or missing item is so) and ``notes``.
        """
        return {
            "trial": {
                "name": self.trial_name,
                "n_frames": self.n_frames,
                "rate_hz": round(self.rate_hz, 6),
                "duration_s": round(self.duration_s, 6),
                "points_source": self.points_source,
            },
            "events": [e.to_dict() for e in self.events],
            "events_source": self.events_source,
            "spatiotemporal": (
                None if self.spatiotemporal is None else self.spatiotemporal.to_dict()
            ),
            "gait_profile_score": (
                None if self.gait_profile_score is None else self.gait_profile_score.to_dict()
            ),
            "cycles": _cycles_summary(self.cycles),
            "clinical_tests": [
                {**t.to_dict(), "reference": _reference_dict(t, self.age_years, self.sex)}
                for t in self.clinical_tests
            ],
            "quality": [q.to_dict() for q in self.quality],
            "force_plates": None if self.force_plates is None else self.force_plates.to_dict(),
            "kinetics": _kinetics_dict(self),
            "emg": None if self.emg is None else self.emg.to_dict(),
            "squats": None if self.squats is None else self.squats.to_dict(),
            "jumps": None if self.jumps is None else self.jumps.to_dict(),
            "reasons": dict(self.reasons),
            "notes": list(self.notes),
        }


def _kinetics_dict(r: AnalysisResult) -> dict[str, Any] | None:
    if r.kinetics is None:
        return None
    from lmm_desktop.analysis.kinetics import peak_rows

    group = r.gait_profile_score.speed_group if r.gait_profile_score is not None else "Free"
    group = group or "Free"
    out = r.kinetics.to_dict()
    out["speed_group"] = group
    # unrounded: a reader rounds them once, as the window does
    out["peaks"] = peak_rows(r.kinetics, group) if r.kinetics.cycles else []
    return out


def _reference_dict(
    test: TestResult, age_years: float | None, sex: str | None = None
) -> dict[str, Any] | None:
    return reference_of(test.test, test.duration_s, test.repetitions, age_years, sex,
                        test.measures)


def _cycles_summary(cycles: CycleCurves | None) -> dict[str, Any] | None:
    if cycles is None:
        return None
    return {
        "n_cycles": dict(cycles.n_cycles),
        "windows_s": {
            side: [[round(a, 4), round(b, 4)] for a, b in w] for side, w in cycles.windows.items()
        },
        "reason": cycles.reason,
    }


def body_points_for(trial: Trial) -> BodyPoints:
    """Forward kinematics of the trial, or body points from its markers when it has no angles.

    Raises
    ------
    AnalysisError
        The trial has neither joint angles nor markers.
    """
    if trial.kinematics is not None and not trial.kinematics.from_markers:
        from lmm_desktop.biomech.fk import forward_kinematics

        return forward_kinematics(trial)
    if trial.markers is not None:
        from lmm_desktop.analysis.markers import body_points_from_markers

        return body_points_from_markers(trial.markers)
    raise AnalysisError(f"Cannot analyse '{trial.name}': it has neither joint angles nor markers.")


_GAP_JOINTS = tuple(
    f"{j}_{s}"
    for s in ("r", "l")
    for j in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle")
)


def mask_gaps(trial: Trial, points: BodyPoints) -> BodyPoints:
    """Body points with every frame in a kinematic gap set to NaN (a copy; ``points`` unchanged).

    Forward kinematics poses a missing pelvis at the origin and missing angles at zero (fine for
    drawing), which would read as the body jumping back to the origin. A frame is a gap when the
    pelvis pose or a leg angle the source provides is missing; without a shared time base nothing
    is masked.
    """
    kin = trial.kinematics
    if kin is None or points.n_frames != trial.n_frames:
        return points
    cols = [
        kin.angle(j) for j in _GAP_JOINTS if kin.present[CANONICAL_JOINTS.index(j)]
    ]  # each (n_frames,) degrees
    gap = np.zeros(points.n_frames, dtype=bool)
    if kin.pelvis_present:
        gap |= np.isnan(kin.pelvis_translation).any(axis=1)
        gap |= np.isnan(kin.pelvis_rotation).any(axis=1)
    for c in cols:
        gap |= np.isnan(c)
    if not gap.any():
        return points
    pos = points.positions.copy()  # (n_frames, n_points, 3), metres
    pos[gap] = np.nan
    return BodyPoints(points.time, points.names, pos, points.segments, points.source)


def _with_power_in_watts(test: TestResult, mass_kg: float | None) -> TestResult:
    """A sit-to-stand test's power in watts (``sts_power_w``) when the body mass is known."""
    rel = test.measures.get("sts_power_w_kg")
    if rel is None or not mass_kg:
        return test
    return replace(test, measures={**test.measures, "sts_power_w": rel * float(mass_kg)})


def _rate(time: np.ndarray) -> float:
    return float((len(time) - 1) / (time[-1] - time[0])) if len(time) > 1 else 0.0


def _has_stride(events: Sequence[Event]) -> bool:
    return any(
        sum(1 for e in events if e.label == HEEL_STRIKE and e.side == side) >= 2
        for side in ("left", "right")
    )


def _choose_events(
    trial: Trial, detected: GaitEventResult | None, override: Sequence[Event] | None
) -> tuple[list[Event], str | None, list[str]]:
    """All events to list, which source the analysis uses, and notes on the choice."""
    file_events = list(trial.events)
    found = [] if detected is None else list(detected.events)
    notes: list[str] = []
    if override is not None:
        user = [Event(e.label, e.side, e.time_s, "user", e.raw_label) for e in override]
        listed = file_events + found + user
        return sorted(listed, key=lambda e: (e.time_s, e.source)), "user", notes
    listed = sorted(file_events + found, key=lambda e: (e.time_s, e.source))
    file_gait = [e for e in file_events if e.label in GAIT_LABELS]
    if _has_stride(file_gait):
        source: str | None = "file"
    elif found:
        source = "detected"
        if file_gait:
            notes.append("the file's gait events hold no complete stride; detected events used")
    else:
        source = "file" if file_gait else None
    return listed, source, notes


def _gait(
    trial: Trial,
    points: BodyPoints,
    used: list[Event],
    detected: GaitEventResult,
    reasons: dict[str, str],
) -> tuple[SpatiotemporalResult | None, CycleCurves | None, GaitProfile | None]:
    """Spatiotemporal table, cycle curves and GPS from the chosen events (None + reason if none)."""
    kin = trial.kinematics
    arms = points.source == "markers" or (
        kin is not None and not kin.from_markers
        and all(kin.present[CANONICAL_JOINTS.index(f"arm_flex_{s}")] for s in ("r", "l"))
    )
    st = compute_spatiotemporal(used, points, subject=trial.subject, walking=detected.walking,
                                arms=arms)
    if not st.strides:
        reasons["spatiotemporal"] = st.reason or "no complete stride"
        reasons.setdefault("gait_profile_score", reasons["spatiotemporal"])
        reasons.setdefault("cycles", reasons["spatiotemporal"])
        return None, None, None
    if st.reason:
        reasons["spatiotemporal"] = st.reason
    kin = trial.kinematics
    if kin is None:
        reasons["cycles"] = "the trial has no joint angles (markers only)"
        reasons["gait_profile_score"] = reasons["cycles"]
        return st, None, None
    same_base = points.n_frames == trial.n_frames
    cycles = cycle_curves(
        kin,
        trial.time,
        used,
        points=points if same_base else None,
        direction=detected.direction if detected.treadmill else None,
    )
    if cycles.reason:
        reasons["cycles"] = cycles.reason
    speeds = st.values("speed_m_s")
    group = speed_group(
        float(np.mean(speeds)) if speeds.size else None, leg_length_m(trial.subject, points)
    )
    gps = gait_profile_score(cycles, speed_group=group)
    if gps.reason:
        reasons["gait_profile_score"] = gps.reason
    return st, cycles, gps


def analyze(
    trial: Trial,
    *,
    points: BodyPoints | None = None,
    events_override: Sequence[Event] | None = None,
) -> AnalysisResult:
    """Analyse one trial: events, spatiotemporal, cycles + GPS, clinical tests, data quality.

    Parameters
    ----------
    trial
        The trial (joint angles, or markers only).
    points
        Body points already computed (e.g. by the 3D view); forward kinematics (or the markers)
        otherwise.
    events_override
        User-edited gait events: the gait analysis is recomputed from them (listed as ``'user'``).

    Raises
    ------
    AnalysisError
        The trial has neither joint angles nor markers, or too few frames.
    """
    if points is None:
        points = body_points_for(trial)
    if (trial.kinematics is None or trial.kinematics.from_markers) and (
        points.source == "markers"
    ):
        # a marker-only trial: its lower-body angles from the markers (cycles, GPS, curves)
        from lmm_desktop.analysis.marker_angles import with_marker_kinematics

        with_marker_kinematics(trial, points)
    points = mask_gaps(trial, points)
    if points.n_frames < 3:
        raise AnalysisError(
            f"Cannot analyse '{trial.name}': it has only {points.n_frames} frame(s)."
        )
    rate = _rate(points.time)
    reasons: dict[str, str] = {}
    detected = detect_gait_events(points, rate_hz=rate)
    kin = trial.kinematics if trial.kinematics is not None else Kinematics.empty(points.n_frames)
    ktime = trial.time if trial.kinematics is not None else points.time
    seg: ActivitySegments | None = None
    seg_error: AnalysisError | None = None
    try:
        seg = detect_activity_segments(kin, ktime, points)
    except AnalysisError as exc:  # e.g. no pelvis trajectory: the tests cannot be timed
        seg_error = exc
    squat_note = None
    in_place = seg is not None and (
        seg.squats is not None or seg.steps is not None
        or ((bool(seg.one_leg) or seg.jumps is not None) and not seg.walking)
    )
    if in_place and detected.events:
        # One foot held up (single-leg squats, a one-leg stance) breaks the feet-move-together
        # rule that tells squats from walking, and the detector finds 'strides' in the knee
        # bends or the lift of a foot: a squat series or a balance test has no gait events.
        assert seg is not None
        what = ("squat series" if seg.squats is not None
                else "2-minute step test (stepping in place)" if seg.steps is not None
                else "jump trial" if seg.jumps is not None else "one-leg stance test")
        detected = replace(
            detected, events=[], treadmill=False, notes=[],
            reason=f"the trial is a {what}: its foot movements are not walking strides",
        )
        squat_note = (f"{what}: the foot strikes the gait-event detector found are not gait "
                      "events and are left out")
    if detected.reason:
        reasons["detected_events"] = detected.reason
    plates = _with_force_plates(trial, detected)
    events, source, notes = _choose_events(trial, detected, events_override)
    notes += detected.notes
    if squat_note:
        notes.append(squat_note)
    if plates is not None:
        notes += plates.notes
    if trial.kinematics is not None and trial.kinematics.from_markers:
        notes += trial.kinematics.notes
    used = [e for e in events if e.source == source and e.label in GAIT_LABELS]
    st = cycles = gps = None
    if used:
        st, cycles, gps = _gait(trial, points, used, detected, reasons)
    else:
        why = detected.reason or "no gait events"
        for key in ("spatiotemporal", "cycles", "gait_profile_score"):
            reasons[key] = why
    try:
        if seg is None:
            raise seg_error or AnalysisError("no activity segments")
        tests, why_not = run_clinical_tests(
            kin,
            ktime,
            points,
            treadmill=detected.treadmill,
            belt_speed_m_s=None if st is None else st.treadmill_speed_m_s,
            segments=seg,
        )
    except AnalysisError as exc:  # e.g. no pelvis trajectory: the tests cannot be timed
        tests, why_not = [], {"all": str(exc)}
    reasons.update({f"clinical_tests.{k}": v for k, v in why_not.items()})
    _add_cop_sway(trial, tests, seg)
    tests, override_note = apply_timing_override(tests, events_override, seg)
    if override_note:
        notes.append(override_note)
    tests = [_with_power_in_watts(t, trial.subject.mass_kg) for t in tests]
    fsst = source != "user" and any(t.test == FSST and t.duration_s is not None for t in tests)
    if fsst and st is not None:
        # Stepping between squares gives the event detector foot strikes, but its steps are
        # not strides: a walking speed of 0.003 m/s or a cadence of 250 steps/min (when it
        # reads as treadmill walking) would mislead the reader.
        why = ("the trial is a Four Square Step Test: its steps between squares are not "
               "walking strides")
        st = cycles = gps = None
        for key in ("spatiotemporal", "cycles", "gait_profile_score"):
            reasons[key] = why
    if fsst and source == "detected":
        # nor are they gait events to show and edit: the test's steps are its phases
        source = None
        notes.append("Four Square Step Test: its foot strikes are not used as gait events")
    quality = check_quality(trial, points, used, treadmill=detected.treadmill)
    if plates is not None:
        quality += _event_timing_flags(plates, source)
    if detected.treadmill:
        notes.append("treadmill walking: foot sliding is not checked (the belt moves the feet)")
    return AnalysisResult(
        trial_name=trial.name,
        n_frames=trial.n_frames,
        rate_hz=float(trial.rate_hz),
        duration_s=trial.duration_s,
        points_source=points.source,
        events=events,
        events_source=source,
        gait_events=detected,
        spatiotemporal=st,
        cycles=cycles,
        gait_profile_score=gps,
        clinical_tests=tests,
        quality=quality,
        reasons=reasons,
        notes=notes,
        age_years=trial.subject.age_years,
        sex=trial.subject.sex,
        force_plates=plates,
        kinetics=kinetics_for(trial, plates, [e for e in events if e.source == source], points),
        emg=analyze_emg(trial.analog, used),
        squats=None if seg is None else seg.squats,
        jumps=None if seg is None else seg.jumps,
    )


def _add_cop_sway(
    trial: Trial, tests: list[TestResult], seg: ActivitySegments | None
) -> None:
    """A standing-sway test on force plates also gets the centre of pressure's sway."""
    test = next((t for t in tests if t.test == "standing_balance"), None)
    if test is None or not trial.force_plates or seg is None or seg.standing is None:
        return
    if seg.points is None or trial.markers is None:
        return
    from lmm_desktop.analysis.markers import lab_rotation
    from lmm_desktop.analysis.sway import cop_sway, hip_line

    a, b = seg.standing
    cop = cop_sway(trial.force_plates, float(seg.signals.time[a]),
                   float(seg.signals.time[b - 1]), lab_rotation(trial.markers),
                   hip_line(seg.points, a, b))
    if cop is not None:
        test.measures.update(cop)


def kinetics_for(
    trial: Trial,
    plates: ForcePlateAnalysis | None,
    events: Sequence[Event],
    points: BodyPoints | None = None,
) -> KineticsResult | None:
    """Joint moments and powers of a trial with force plates (None without plates)."""
    if plates is None or trial.markers is None:
        return None
    from lmm_desktop.analysis.markers import lab_rotation

    if points is None:
        points = body_points_for(trial)
    if points.source == "markers":
        from lmm_desktop.analysis.marker_angles import complete_hips

        complete_hips(points)  # Harrington's hip centres when the markers give none
    return compute_kinetics(
        points,
        trial.force_plates,
        plates,
        list(events),
        mass_kg=trial.subject.mass_kg,
        sex=trial.subject.sex,
        rotation=lab_rotation(trial.markers),
    )


EVENT_TIMING_WARN_MS = 40.0
"""Mean difference from the force plates above which the gait events' timing is flagged."""


def _with_force_plates(trial: Trial, detected: GaitEventResult) -> ForcePlateAnalysis | None:
    """Analyse the plates, measure the detector and the file's events against them, and time
    the detected events the plates saw by the plates (they are the reference)."""
    plates = analyze_force_plates(trial)
    if plates is None:
        return None
    if detected.events:
        plates.agreement["detected"] = event_agreement(plates, detected.events)
    file_gait = [e for e in trial.events if e.label in GAIT_LABELS]
    if file_gait:
        plates.agreement["file"] = event_agreement(plates, file_gait)
    plates.agreement = {k: v for k, v in plates.agreement.items() if v}
    detected.events, n, added = refine_events(detected.events, plates)
    if n:
        plates.notes.append(
            f"{n} detected gait event(s) timed by the force plates (threshold 20 N)"
        )
    if added:
        plates.notes.append(
            f"{added} gait event(s) the kinematic detector missed were added from the force "
            "plates"
        )
    return plates


def _event_timing_flags(plates: ForcePlateAnalysis, source: str | None) -> list[QualityFlag]:
    """Warnings: a plate that was not zeroed, and events the analysis used far from the force
    plates' timing."""
    out = [
        QualityFlag(
            "plate_offset",
            "warning",
            f"Force plate {number} reads {level:+.0f} N with nobody on it (not zeroed); the "
            "offset was removed before the contacts were timed. Zero the plates before the next "
            "recording.",
            [],
        )
        for number, level in sorted(plates.offsets.items())
    ]
    agree = plates.agreement.get(source or "")
    if source not in ("detected", "file") or not agree:
        return out
    for label, stats in agree.items():
        if stats["mean_abs_ms"] > EVENT_TIMING_WARN_MS:
            what = "foot strikes" if label == HEEL_STRIKE else "foot offs"
            whose = "detected" if source == "detected" else "in the file"
            out.append(
                QualityFlag(
                    "event_timing",
                    "warning",
                    f"The {what} {whose} are {stats['mean_abs_ms']:.0f} ms (mean) from the force "
                    f"plates' timing over {int(stats['n'])} contact(s); check the events.",
                    [],
                )
            )
    return out
