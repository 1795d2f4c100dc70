"""Build the report model from analysis results, records and assistant answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lmm_desktop.report.model import (
    AiFinding,
    ClinicalTestInfo,
    CurvePanel,
    CurveSeries,
    EmgInfo,
    GaitProfileInfo,
    GroundReactionInfo,
    Measure,
    ParameterRow,
    PatientInfo,
    QualityInfo,
    SideName,
    SquatInfo,
    TrialReport,
)

if TYPE_CHECKING:
    from lmm_desktop.analysis.cycles import CycleCurves
    from lmm_desktop.analysis.pipeline import AnalysisResult

#: (key, label, unit, decimals, sided)
ST_PARAMETERS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("speed_m_s", "Walking speed", "m/s", 2, False),
    ("cadence_steps_min", "Cadence", "steps/min", 1, False),
    ("stride_time_s", "Stride time", "s", 2, False),
    ("step_length_m", "Step length", "m", 2, True),
    ("stride_length_m", "Stride length", "m", 2, True),
    ("step_width_m", "Step width", "m", 2, False),
    ("stance_pct", "Stance phase", "% of cycle", 1, True),
    ("swing_pct", "Swing phase", "% of cycle", 1, True),
    ("single_support_pct", "Single support", "% of cycle", 1, True),
    ("double_support_pct", "Double support", "% of cycle", 1, False),
    ("stride_time_cv_pct", "Stride time variability", "% CV", 1, False),
    ("arm_swing_deg", "Arm swing", "deg", 0, True),
)

#: (variable, title, positive direction) in Baker et al.'s order; see analysis/normative_map.py
KINEMATIC_PANELS: tuple[tuple[str, str, str], ...] = (
    ("pelvis_tilt", "Pelvic tilt", "posterior +"),
    ("pelvis_list", "Pelvic obliquity", "left side up +"),
    ("pelvis_rotation", "Pelvic rotation", "right side forward +"),
    ("hip_flexion", "Hip flexion", "flexion +"),
    ("hip_adduction", "Hip adduction", "adduction +"),
    ("hip_rotation", "Hip rotation", "internal +"),
    ("knee_angle", "Knee flexion", "flexion +"),
    ("ankle_angle", "Ankle dorsiflexion", "dorsiflexion +"),
    ("foot_progression", "Foot progression", "internal +"),
)
_SIDE_FREE = ("pelvis_tilt", "pelvis_list", "pelvis_rotation", "foot_progression")
_SIDE_BANDS = ("pelvis_list", "pelvis_rotation", "foot_progression")

TEST_TITLES: dict[str, str] = {
    "timed_up_and_go": "Timed Up and Go (TUG)",
    "four_square_step_test": "Four Square Step Test (FSST)",
    "five_times_sit_to_stand": "Five Times Sit-to-Stand (5xSTS)",
    "thirty_second_chair_stand": "30-Second Chair Stand (30s-CST)",
    "walking_speed": "Walking speed (steady state)",
    "squats": "Squats",
    "one_leg_stance": "One-leg stance (OLS)",
    "four_stage_balance": "4-Stage Balance Test (4-Stage)",
    "functional_reach": "Functional Reach Test (FRT)",
    "arm_curl_30s": "30-Second Arm Curl (30s-ACT)",
    "two_minute_step_test": "2-Minute Step Test (2MST)",
    "jumps": "Jumps",
    "standing_balance": "Standing sway",
}


# --------------------------------------------------------------------------- de-identification
def make_scrubber(
    name: str | None, birth_date: str | None, code: str | None
) -> Callable[[str], str]:
    """A function that replaces the patient's name (and each name part of 3+ letters) and birth
    date (ISO, day/month/year and month/day/year spellings) in free text."""
    patterns: list[str] = []
    if name:
        parts = [p for p in re.split(r"[\s,.;]+", name) if len(p) >= 3]
        patterns += [re.escape(name.strip())] + [re.escape(p) for p in parts]
    if birth_date:
        patterns.append(re.escape(birth_date))
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", birth_date.strip())
        if m:
            y, mo, d = m.groups()
            for a, b in ((d, mo), (mo, d)):
                patterns += [
                    rf"{int(a)}[./-]0?{int(b)}[./-]{y}",
                    rf"0?{int(a)}[./-]0?{int(b)}[./-]{y}",
                ]
    if not patterns:
        return lambda s: s
    rx = re.compile(
        r"\b(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )
    replacement = code or "[removed]"
    return lambda s: rx.sub(replacement, s)


def patient_info(
    *,
    name: str | None,
    birth_date: str | None,
    sex: str | None,
    identifier_code: str | None,
    deidentify: bool,
    age_years: float | None = None,
    height_m: float | None = None,
    mass_kg: float | None = None,
) -> PatientInfo:
    """Patient block; in a de-identified report the name and birth date are left out."""
    return PatientInfo(
        identifier_code=identifier_code,
        name=None if deidentify else name,
        birth_date=None if deidentify else birth_date,
        sex=sex,
        age_years=age_years,
        height_m=height_m,
        mass_kg=mass_kg,
    )


# --------------------------------------------------------------------------- spatiotemporal
def _measure(e: Any) -> Measure | None:
    if not isinstance(e, dict):
        return None
    rng = e.get("normative_range")
    return Measure(
        e.get("value"),
        e.get("sd"),
        int(e.get("n") or 0),
        e.get("normative_status"),
        None if rng is None else (float(rng[0]), float(rng[1])),
    )


def spatiotemporal_rows(st: dict[str, Any]) -> list[ParameterRow]:
    """Rows of the spatiotemporal table from ``SpatiotemporalResult.to_dict()``."""
    rows = []
    for key, label, unit, decimals, sided in ST_PARAMETERS:
        e = st.get(key)
        if e is None:
            continue
        row = ParameterRow(key, label, unit, decimals)
        if sided:
            row.left, row.right = _measure(e.get("left")), _measure(e.get("right"))
        else:
            row.both = _measure(e)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- curves
def _band(var: str, side: str, group: str) -> tuple[np.ndarray, np.ndarray] | None:
    from lmm_desktop.analysis.normative import normative_band
    from lmm_desktop.core.errors import AnalysisError

    try:
        b = normative_band(var, group, side=side)
    except AnalysisError:
        return None
    return b.lower, b.upper


def curve_panels(
    cycles: CycleCurves,
    *,
    speed_group: str = "Free",
    label: str = "",
    dashed: bool = False,
    toe_off_pct: dict[str, float] | None = None,
    with_bands: bool = True,
) -> list[CurvePanel]:
    """The nine Gait-Profile-Score variables, left and right mean curves with normative bands."""
    panels = []
    for var, title, positive in KINEMATIC_PANELS:
        series: list[CurveSeries] = []
        bands: list[tuple[Any, np.ndarray, np.ndarray]] = []
        for side, s in (("left", "l"), ("right", "r")):
            stats = cycles.get(side, var if var in _SIDE_FREE else f"{var}_{s}")  # type: ignore[arg-type]
            if stats is None or not np.isfinite(stats.mean).any():
                continue
            name = f"{label} {side}".strip()
            series.append(CurveSeries(name, side, stats.mean, stats.sd, stats.n, dashed))  # type: ignore[arg-type]
            if with_bands and (var in _SIDE_BANDS or not bands):
                band = _band(var, side, speed_group)
                if band is not None:
                    bands.append((side if var in _SIDE_BANDS else None, *band))
        reason = None if series else (cycles.reason or "no gait cycle with this variable")
        if not series and var == "foot_progression":
            reason = "needs heel and toe positions (body points)"
        panels.append(
            CurvePanel(var, title, positive, series, bands, dict(toe_off_pct or {}), reason)
        )
    return panels


def toe_off_percent(st: dict[str, Any] | None) -> dict[str, float]:
    """Mean stance duration per side (% of the cycle): where toe off falls on the curves."""
    out: dict[str, float] = {}
    if not st or not isinstance(st.get("stance_pct"), dict):
        return out
    for side in ("left", "right"):
        v = (st["stance_pct"].get(side) or {}).get("value")
        if v is not None:
            out[side] = float(v)
    return out


# --------------------------------------------------------------------------- other sections
def gait_profile(gps: dict[str, Any] | None) -> GaitProfileInfo | None:
    if gps is None or gps.get("gps_overall") is None:
        return None
    return GaitProfileInfo(
        gvs={s: {k: v for k, v in d.items() if v is not None} for s, d in gps["gvs"].items()},
        gps=dict(gps["gps"]),
        gps_overall=gps["gps_overall"],
        speed_group=str(gps.get("speed_group", "Free")),
        missing=dict(gps.get("missing") or {}),
    )


def clinical_tests(tests: Sequence[dict[str, Any]]) -> list[ClinicalTestInfo]:
    return [
        ClinicalTestInfo(
            test=t["test"],
            title=TEST_TITLES.get(t["test"], t["test"].replace("_", " ")),
            duration_s=t.get("duration_s"),
            phases=[(p["name"], float(p["start_s"]), float(p["end_s"])) for p in t["phases"]],
            rule=t.get("rule") or "",
            repetitions=t.get("repetitions"),
            measures=dict(t.get("measures") or {}),
            reason=t.get("reason"),
            overridden=bool(t.get("overridden")),
            reference=t.get("reference"),
        )
        for t in tests
    ]


def ai_finding(
    answer: dict[str, Any], question: str, scrub: Callable[[str], str] = lambda s: s
) -> AiFinding:
    """An :class:`~lmm_desktop.assistant.answer.Answer` dict as a report line (task titles and
    label texts from the task registry)."""
    from lmm_desktop.assistant.tasks import TASKS, show_value

    task = TASKS.get(answer.get("task") or "")
    title = task.title if task is not None else "Free question"
    probs: dict[str, float] = dict(answer.get("probabilities") or {})

    def text_of(label_id: str) -> str:
        if task is not None and task.kind == "classification":
            try:
                return task.label(label_id).text
            except KeyError:
                return label_id
        return label_id

    result = None
    if answer.get("label") is not None:
        result = text_of(str(answer["label"]))
    elif answer.get("value") is not None:
        result = show_value(answer.get("task"), float(answer["value"]), answer.get("unit"))
    interval = answer.get("interval")
    return AiFinding(
        title=title,
        question=scrub(question),
        answer=scrub(str(answer.get("text", ""))),
        result=None if result is None else result.strip(),
        confidence=max(probs.values()) if probs else None,
        interval=None if not interval else (float(interval[0]), float(interval[1])),
        unit=answer.get("unit"),
        measured=answer.get("measured"),
        differential=[
            (text_of(k), float(v)) for k, v in sorted(probs.items(), key=lambda kv: -kv[1])
        ],
        flags=list(answer.get("flags") or []),
        model_version=answer.get("model_version"),
        task=answer.get("task"),
        wordings=int(answer.get("wordings") or 0),
    )


def trial_report(
    result: AnalysisResult,
    *,
    label: str | None = None,
    source: str | None = None,
    ai: Sequence[tuple[str, dict[str, Any]]] = (),
    ai_reason: str | None = None,
    note: str | None = None,
    snapshot_png: bytes | None = None,
    snapshot_svg: str | None = None,
    snapshot_caption: str | None = None,
    scrub: Callable[[str], str] = lambda s: s,
) -> TrialReport:
    """One trial's section from its :class:`AnalysisResult`.

    ``ai`` holds ``(question, Answer.to_dict())`` pairs; ``scrub`` cleans free text.
    """
    d = result.to_dict()
    st = d.get("spatiotemporal")
    gps = d.get("gait_profile_score")
    reasons = {k: scrub(v) for k, v in d["reasons"].items()}
    group = str(gps.get("speed_group", "Free")) if gps else "Free"
    panels = (
        curve_panels(result.cycles, speed_group=group, toe_off_pct=toe_off_percent(st))
        if result.cycles is not None
        else []
    )
    name = scrub(result.trial_name)
    return TrialReport(
        name=name,
        label=scrub(label) if label else name,
        source=None if source is None else scrub(source),
        n_frames=result.n_frames,
        rate_hz=result.rate_hz,
        duration_s=result.duration_s,
        points_source=result.points_source,
        events_source=result.events_source,
        n_events=len(result.events_used()),
        n_cycles={str(k): v for k, v in result.cycles.n_cycles.items()}
        if result.cycles is not None
        else {},
        spatiotemporal=spatiotemporal_rows(st) if st else [],
        normative_basis=(st.get("normative_reference") or {}).get("basis") if st else None,
        symmetry={
            k: (st.get(k) or {}).get("value")
            for k in ("step_length_symmetry_pct", "stance_time_symmetry_pct",
                      "arm_swing_asymmetry_pct")
        }
        if st
        else {},
        panels=panels,
        gait_profile=gait_profile(gps),
        clinical_tests=clinical_tests(d["clinical_tests"]),
        quality=[QualityInfo(q["severity"], q["kind"], q["message"]) for q in d["quality"]],
        snapshot_png=snapshot_png,
        snapshot_svg=snapshot_svg,
        snapshot_caption=snapshot_caption,
        ai=[ai_finding(a, q, scrub) for q, a in ai],
        ai_reason=ai_reason,
        note=None if note is None else scrub(note),
        reasons=reasons,
        notes=[scrub(n) for n in d["notes"]],
        ground_reaction=ground_reaction(result, group),
        emg=emg_info(result),
        squats=squat_info(result),
        jump_findings=[] if getattr(result, "jumps", None) is None else list(
            result.jumps.findings),  # type: ignore[union-attr]
    )


def squat_info(result: AnalysisResult) -> SquatInfo | None:
    """The squat part of a trial's section, or None when the trial is not a squat series."""
    sq = getattr(result, "squats", None)
    if sq is None:
        return None
    from lmm_desktop.analysis.squats import squat_rows

    d = sq.to_dict()
    curves: dict[str, list[tuple[SideName, Any, Any]]] = {}
    for side in ("right", "left"):
        for joint, (mean, sd) in sq.curves.get(side, {}).items():
            curves.setdefault(joint, []).append((side, mean, sd))  # type: ignore[arg-type]
    return SquatInfo(
        repetitions=d["repetitions"],
        duration_s=d["duration_s"],
        rows=squat_rows(d),
        reps=d["reps"],
        findings=d["findings"],
        curves=curves,
        rule=d["rule"],
        title=d["title"],
        stance=d["stance"],
    )


def emg_info(result: AnalysisResult) -> EmgInfo | None:
    """The EMG part of a trial's section, or None without EMG."""
    emg = result.emg
    if emg is None:
        return None
    cycles = [
        (c.label, c.side, c.cycle_mean)
        for c in emg.channels
        if c.side is not None and c.cycle_mean is not None
    ]
    return EmgInfo(rows=[c.to_dict() for c in emg.channels], cycles=cycles, notes=list(emg.notes))


GRF_COMPONENTS = ("vertical", "anterior", "lateral")


def ground_reaction(result: AnalysisResult, group: str = "Free") -> GroundReactionInfo | None:
    """The force plates' part of a trial's section (with the joint kinetics and their normal
    bands for the speed ``group``), or None without plates."""
    fp = result.force_plates
    if fp is None:
        return None
    scale = 1.0 / fp.body_weight_n if fp.body_weight_n else 1.0
    curves: dict[str, list[tuple[SideName, Any]]] = {k: [] for k in GRF_COMPONENTS}
    for c in fp.clean:
        if c.curve is None or c.side is None:
            continue
        for k, name in enumerate(GRF_COMPONENTS):
            curves[name].append((c.side, c.curve[:, k] * scale))
    from lmm_desktop.analysis.force_plates import describe_agreement

    notes = describe_agreement(fp.agreement)
    info = GroundReactionInfo(
        unit="BW" if fp.body_weight_n else "N",
        rows=fp.stance_table(),
        contacts=[c.to_dict() for c in fp.contacts],
        curves=curves,
        notes=notes,
        kinetics_group=group,
    )
    kin = result.kinetics
    if kin is not None and kin.cycles:
        from lmm_desktop.analysis.kinetics import FRONTAL, TRANSVERSE, VARIABLES
        from lmm_desktop.analysis.normative import KINETIC_VARIABLES, kinetic_band

        for var in (*VARIABLES, *FRONTAL, *TRANSVERSE):
            info.kinetics[var] = [(cyc.side, cyc.curves[var]) for cyc in kin.cycles
                                  if var in cyc.curves]
            if var in KINETIC_VARIABLES:  # no normal band for the rotation moments
                band = kinetic_band(var, group)
                info.kinetic_bands[var] = (band.lower, band.upper)
        for cyc in kin.cycles:
            info.toe_off_pct.setdefault(cyc.side, cyc.stance_pct)
        info.notes += kin.notes
    elif kin is not None:
        info.kinetics_reason = kin.reason
    return info
