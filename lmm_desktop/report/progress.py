"""A patient's progress over sessions: the key measures of every recorded trial, session by session.

Each trial the records hold for the patient is read again from its file and analysed with the
clinician's edited events (and the session's body mass, for the joint kinetics), so the figures
are the ones the app shows for that trial today. Per session the walking measures are the mean
over its walking trials and a timed test's result is its fastest valid time (the clinical
convention when a test is repeated). A trial whose file has moved or cannot be read is listed
with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.errors import LmmError
from lmm_desktop.records.models import age_on
from lmm_desktop.records.store import RecordStore

#: key, label, unit, decimals, and whether a larger value is better (None: neither)
MEASURES: tuple[tuple[str, str, str, int, bool | None], ...] = (
    ("speed_m_s", "Walking speed", "m/s", 2, True),
    ("cadence_steps_min", "Cadence", "steps/min", 0, None),
    ("stride_length_m", "Stride length", "m", 2, True),
    ("gps", "Gait Profile Score", "deg", 1, False),
    ("timed_up_and_go", "TUG", "s", 1, False),
    ("four_square_step_test", "FSST", "s", 1, False),
    ("five_times_sit_to_stand", "5xSTS", "s", 1, False),
    ("chair_stand_30s", "30-s chair stand", "stands", 0, True),
    ("ankle_power_max", "Ankle push-off power", "W/kg", 2, True),
    ("one_leg_stance", "One-leg stance", "s", 1, True),
    ("one_leg_stance_right_s", "One-leg stance, right leg", "s", 1, True),
    ("one_leg_stance_left_s", "One-leg stance, left leg", "s", 1, True),
    ("four_stage_balance", "Tandem stance (4-Stage)", "s", 1, True),
    ("functional_reach_cm", "Functional reach", "cm", 1, True),
    ("arm_curl_30s", "30-s arm curl", "curls", 0, True),
    ("two_minute_step_test", "2-min step test", "steps", 0, True),
    ("jump_height_cm", "Jump height (flight time)", "cm", 1, True),
    ("sway_ellipse95_cm2", "Standing sway (95 % ellipse)", "cm²", 1, False),
    ("squat_depth_cm", "Squat depth", "cm", 1, True),
    ("squat_knee_symmetry_pct", "Squat knee flexion symmetry", "%", 0, True),
    ("sts_power_w_kg", "Sit-to-stand power", "W/kg", 2, True),
    ("sppb_total", "SPPB", "0-12 points", 0, True),
)
SESSION_LEVEL = ("sppb_total",)
"""Measures of the session as a whole (the SPPB adds up three trials' tests), not of a trial."""
TESTS = ("timed_up_and_go", "four_square_step_test", "five_times_sit_to_stand")
HELD = ("one_leg_stance", "one_leg_stance_right_s", "one_leg_stance_left_s", "jump_height_cm",
        "chair_stand_30s", "four_stage_balance", "functional_reach_cm", "arm_curl_30s",
        "two_minute_step_test", "sts_power_w_kg")
"""Results whose best attempt is the largest: times held on one leg, jump heights, the chair
stands in 30 s."""


@dataclass
class TrialMeasures:
    """What one trial measured (``None`` where it does not apply), or why it could not be read."""

    trial_id: int
    name: str
    values: dict[str, float | None] = field(default_factory=dict)
    problem: str | None = None
    tests: list[dict[str, Any]] = field(default_factory=list)
    """The trial's clinical tests (``TestResult.to_dict`` with their ``reference``, read with
    the patient's age and sex from the records), for the session's STEADI screen."""


@dataclass
class SessionProgress:
    """One session: its date and trials, and the session's value of each measure."""

    session_id: int
    date: str | None
    trials: list[TrialMeasures]
    values: dict[str, float | None] = field(default_factory=dict)
    steadi: str = ""
    """The session's CDC STEADI screen in a few words ('problem: TUG, 4-Stage'), '' when no
    STEADI test was recorded (see :func:`lmm_desktop.analysis.steadi.screen_short`)."""
    sppb: str = ""
    """The session's Short Physical Performance Battery ('9 / 12', or '6 of 8 (gait speed not
    scored)'), '' when fewer than two of its parts were recorded."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "date": self.date,
            "steadi": self.steadi,
            "sppb": self.sppb,
            "values": {k: None if v is None else round(v, 4) for k, v in self.values.items()},
            "trials": [
                {"name": t.name, "problem": t.problem,
                 "values": {k: None if v is None else round(v, 4) for k, v in t.values.items()}}
                for t in self.trials
            ],
        }


def patient_progress(
    store: RecordStore,
    patient_id: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[SessionProgress]:
    """Every session of the patient (by date), each trial re-analysed.

    ``progress(k, n)`` is called before each trial; ``stop()`` returning True ends the work
    early (the sessions done so far are returned).
    """
    sessions = store.sessions(patient_id)
    work = [(s, t) for s in sessions for t in store.trials(s.id)]
    out: dict[int, SessionProgress] = {
        s.id: SessionProgress(s.id, s.date, []) for s in sessions
    }
    for k, (session, rec) in enumerate(work):
        if stop is not None and stop():
            break
        if progress is not None:
            progress(k, len(work))
        out[session.id].trials.append(_measure(store, session, rec))
    from lmm_desktop.analysis.sppb import sppb_score
    from lmm_desktop.analysis.steadi import screen_short, steadi_screen

    for sp in out.values():
        sp.values = _session_values(sp.trials)
        tests = [(t.name, c) for t in sp.trials for c in t.tests]
        sp.steadi = screen_short(steadi_screen(tests))
        sppb = sppb_score(tests)
        sp.values["sppb_total"] = None if sppb is None or sppb.total is None else float(
            sppb.total)
        sp.sppb = sppb.short() if sppb is not None else ""
    return [sp for sp in out.values() if sp.trials]


def _measure(store: RecordStore, session: Any, rec: Any) -> TrialMeasures:
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse

    tm = TrialMeasures(rec.id, rec.name)
    if rec.format == "opencap" and session.path:
        path, name = Path(session.path), rec.name
    else:
        path, name = Path(rec.path), None
    if not path.exists():
        tm.problem = f"the file is no longer at {path}"
        return tm
    try:
        trial = read_trial(path, trial=name)
        if trial.subject.mass_kg is None and session.body_mass_kg is not None:
            trial.subject.mass_kg = float(session.body_mass_kg)
        patient = store.patient(session.patient_id)
        # the norms of the tests need the age and sex: the records' (the birth date on the
        # session's date) win over the file header's
        age = age_on(patient.birth_date, session.date)
        if age is not None:
            trial.subject.age_years = age
        sex = {"female": "female", "male": "male", "other": "other"}.get(patient.sex or "")
        if sex is not None:
            trial.subject.sex = sex  # type: ignore[assignment]
        result = analyse(trial, edits=store.edited_events(rec.id)).result
    except LmmError as exc:
        tm.problem = str(exc)
        return tm
    tm.values = measures_of(result)
    tm.tests = list(result.to_dict().get("clinical_tests") or [])
    return tm


def measures_of(result: Any) -> dict[str, float | None]:
    """The :data:`MEASURES` of one analysis result."""
    d = result.to_dict()
    st = d.get("spatiotemporal") or {}
    out: dict[str, float | None] = {}
    for key in ("speed_m_s", "cadence_steps_min", "stride_length_m"):
        entry = st.get(key) or {}
        value = entry.get("value")
        if value is None and isinstance(entry.get("left"), dict):  # a sided parameter
            sides = [entry[s].get("value") for s in ("left", "right") if entry.get(s)]
            sides = [v for v in sides if v is not None]
            value = float(np.mean(sides)) if sides else None
        out[key] = value
    gps = d.get("gait_profile_score") or {}
    out["gps"] = gps.get("gps_overall")
    for test in (*TESTS, "one_leg_stance", "four_stage_balance"):
        times = [c["duration_s"] for c in d.get("clinical_tests", [])
                 if c.get("test") == test and c.get("duration_s") is not None]
        out[test] = (max(times) if test in HELD else min(times)) if times else None
    kin = d.get("kinetics") or {}
    summary = kin.get("summary") or {}
    peaks = [summary.get(s, {}).get("ankle_power_max") for s in ("left", "right")]
    peaks = [p for p in peaks if p is not None]
    out["ankle_power_max"] = float(np.mean(peaks)) if peaks else None
    tests = d.get("clinical_tests", [])
    for leg in ("right", "left"):
        held = [float(h) for c in tests if c.get("test") == "one_leg_stance"
                if (h := (c.get("measures") or {}).get(f"{leg}_s")) is not None]
        out[f"one_leg_stance_{leg}_s"] = max(held) if held else None
    for key, test in (("chair_stand_30s", "thirty_second_chair_stand"),
                      ("arm_curl_30s", "arm_curl_30s"),
                      ("two_minute_step_test", "two_minute_step_test")):
        counts = [float(c["repetitions"]) for c in tests
                  if c.get("test") == test and c.get("repetitions") is not None
                  and not (c.get("measures") or {}).get("censored")]  # complete ones only
        out[key] = max(counts) if counts else None
    power = [float(v) for c in tests
             if c.get("test") in ("thirty_second_chair_stand", "five_times_sit_to_stand")
             if (v := (c.get("measures") or {}).get("sts_power_w_kg")) is not None]
    out["sts_power_w_kg"] = max(power) if power else None
    reach = [float(v) for c in tests if c.get("test") == "functional_reach"
             if (v := (c.get("measures") or {}).get("reach_cm")) is not None]
    out["functional_reach_cm"] = max(reach) if reach else None
    jumps = d.get("jumps") or {}
    out["jump_height_cm"] = jumps.get("best_height_flight_cm")
    sway = [float(v) for c in tests if c.get("test") == "standing_balance"
            if (v := (c.get("measures") or {}).get("ellipse95_cm2")) is not None]
    out["sway_ellipse95_cm2"] = float(np.mean(sway)) if sway else None
    sq = d.get("squats") or {}
    out["squat_depth_cm"] = ((sq.get("summary") or {}).get("depth_cm") or {}).get("mean")
    out["squat_knee_symmetry_pct"] = (sq.get("symmetry_pct") or {}).get("knee_flexion_deg")
    return out


def _session_values(trials: list[TrialMeasures]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, *_ in MEASURES:
        if key in SESSION_LEVEL:
            continue
        vals = [t.values.get(key) for t in trials if t.values.get(key) is not None]
        if not vals:
            out[key] = None
        elif key in TESTS:
            out[key] = float(min(v for v in vals if v is not None))  # the best attempt
        elif key in HELD:
            out[key] = float(max(v for v in vals if v is not None))  # the longest held
        else:
            out[key] = float(np.mean([v for v in vals if v is not None]))
    return out


def session_cell(session: Any, key: str, value: float | None, decimals: int,
                 none: str = "—") -> str:
    """A session's cell of the progress table: the value, or for the SPPB a partial score
    ('6 of 8 (gait speed not scored)'), or '—'."""
    if value is not None:
        return f"{value:.{decimals}f}"
    text: str = session.sppb if key == "sppb_total" else ""
    return text or none


def change_text(first: float | None, last: float | None, decimals: int,
                better_up: bool | None) -> str:
    """'+0.15 (better)' from the first session to the last, '' when either is missing."""
    if first is None or last is None:
        return ""
    diff = last - first
    if better_up is None or abs(diff) < 0.5 * 10 ** (-decimals):
        verdict = ""
    else:
        verdict = " (better)" if (diff > 0) == better_up else " (worse)"
    return f"{diff:+.{decimals}f}{verdict}"


__all__ = [
    "MEASURES",
    "SessionProgress",
    "TrialMeasures",
    "change_text",
    "measures_of",
    "patient_progress",
    "session_cell",
]
