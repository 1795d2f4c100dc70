"""Turn an :class:`~lmm_desktop.analysis.pipeline.AnalysisResult` into plain rows for the panels.

No Qt here: the panels receive tables of strings with a status word, and the curves receive
normative bands as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Event

#: spatiotemporal key -> (label, compact unit), in display order ('%GC': percent of gait cycle,
#: symmetry: right / left x 100, 100 = symmetric)
ST_PARAMETERS: dict[str, tuple[str, str]] = {
    "speed_m_s": ("Walking speed", "m/s"),
    "cadence_steps_min": ("Cadence", "steps/min"),
    "stride_time_s": ("Stride time", "s"),
    "stride_length_m": ("Stride length", "m"),
    "step_length_m": ("Step length", "m"),
    "step_width_m": ("Step width", "m"),
    "stance_pct": ("Stance", "%GC"),
    "swing_pct": ("Swing", "%GC"),
    "single_support_pct": ("Single support", "%GC"),
    "double_support_pct": ("Double support", "%GC"),
    "step_length_symmetry_pct": ("Step length symmetry", "% R/L"),
    "stance_time_symmetry_pct": ("Stance symmetry", "% R/L"),
    "stride_time_cv_pct": ("Stride time variability", "% CV"),
    "arm_swing_deg": ("Arm swing", "deg"),
    "arm_swing_asymmetry_pct": ("Arm swing asymmetry", "%"),
}
#: decimals shown per unit (a precision a clinician can use, the same in a value and its range)
DECIMALS: dict[str, int] = {"m/s": 2, "steps/min": 0, "s": 2, "m": 2, "%GC": 1, "% R/L": 0,
                            "deg": 0, "%": 0, "% CV": 1}
NO_RANGE = "none"  # status of a parameter without a normative range
_STATUS = {"within": "normal", "below": "low", "above": "high"}
_RANK = {NO_RANGE: 0, "normal": 1, "low": 2, "high": 2}

Band = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


@dataclass(frozen=True)
class MetricRow:
    """One spatiotemporal parameter: values by side (or overall), normal range, status."""

    name: str
    unit: str
    left: float | None
    right: float | None
    overall: float | None
    normal: str  # the normal range as text, '' when none is known
    status: str  # 'normal' | 'low' | 'high' | 'none' (no normal range to compare with)
    note: str = ""
    """A reading beside the normal range (walking speed: its functional band), or ''."""


@dataclass(frozen=True)
class TestRow:
    """One clinical test timing."""

    __test__ = False  # not a pytest class

    name: str
    value: str
    detail: str
    cutoff: str = ""
    """The fall-risk cut-off the time is read against ('≥ 13.5 s'), or empty."""
    status: str = ""
    """'above cut-off' / 'below cut-off', or empty when the test has no published cut-off."""
    explanation: str = ""
    """What the time means, with the age norm and the sources."""
    rule: str = ""
    """How the test was timed."""
    start_s: float | None = None
    """When the test starts (seconds), when it was timed."""
    at_risk: bool | None = None
    """On the risk side of the cut-off (None: no cut-off)."""


@dataclass(frozen=True)
class FlagRow:
    """One data-quality flag."""

    severity: str
    message: str
    start_s: float | None = None
    """Where the problem first shows (seconds), when the flag knows."""


def _status(entry: dict[str, Any]) -> str:
    return _STATUS.get(str(entry.get("normative_status")), NO_RANGE)


def format_value(value: float | None, unit: str) -> str:
    """``value`` with the decimals of its unit; '—' when there is none."""
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.{DECIMALS.get(unit, 2)}f}"


def _range(entry: dict[str, Any], unit: str) -> str:
    rng = entry.get("normative_range")
    return "" if not rng else f"{format_value(rng[0], unit)}–{format_value(rng[1], unit)}"


def metric_rows(result: Any) -> list[MetricRow]:
    """Spatiotemporal rows of ``result`` (empty when no stride could be measured)."""
    st = getattr(result, "spatiotemporal", None)
    if st is None:
        return []
    table = st.to_dict()
    rows = []
    for key, (label, unit) in ST_PARAMETERS.items():
        entry = table.get(key)
        if not isinstance(entry, dict):
            continue
        if "left" in entry and "right" in entry:
            left, right = entry["left"], entry["right"]
            statuses = [_status(left), _status(right)]
            rows.append(
                MetricRow(
                    label,
                    unit,
                    left.get("value"),
                    right.get("value"),
                    None,
                    _range(left, unit) or _range(right, unit),
                    max(statuses, key=lambda s: _RANK[s]),
                )
            )
        else:
            note = ""
            if key == "speed_m_s" and entry.get("value") is not None:
                from lmm_desktop.analysis.clinical_tests import walking_category

                note = walking_category(float(entry["value"]))
            rows.append(
                MetricRow(
                    label, unit, None, None, entry.get("value"), _range(entry, unit),
                    _status(entry), note
                )
            )
    return [r for r in rows if (r.left, r.right, r.overall) != (None, None, None)]


def test_rows(
    result: Any, age_years: float | None = None, sex: str | None = None
) -> list[TestRow]:
    """Clinical test timings of ``result``, each against its published cut-off and, when the
    age is known (``age_years`` from the records, else the trial's subject), its age norm; the
    count tests against their age and sex norms (``sex`` from the records, else the trial's).
    The records win: a file's header may carry an age from another day."""
    from lmm_desktop.analysis.clinical_norms import COUNT_TESTS, POPULATION_NOTE, reference_for
    from lmm_desktop.analysis.clinical_tests import components_text
    from lmm_desktop.report.build import TEST_TITLES

    out = []
    age = age_years if age_years is not None else getattr(result, "age_years", None)
    sex = sex or getattr(result, "sex", None)
    for test in getattr(result, "clinical_tests", None) or []:
        name = _short_title(TEST_TITLES.get(test.test, str(test.test).replace("_", " ")))
        if test.test in COUNT_TESTS:
            out.append(_count_row(name, test, age, sex))
            continue
        if test.test == "functional_reach":
            out.append(_reach_row(name, test, age, sex))
            continue
        if test.test == "squats":
            sq = getattr(result, "squats", None)
            out.append(_squat_test_row(sq.title if sq is not None else name, test))
            continue
        if test.test == "standing_balance":
            from lmm_desktop.analysis.sway import sway_text

            m = test.measures
            out.append(TestRow(
                "Standing sway", f"{m.get('ellipse95_cm2', float('nan')):.1f} cm²",
                f"95 % ellipse; path {m.get('path_velocity_mm_s', float('nan')):.0f} mm/s "
                f"over {m.get('duration_s', 0):.0f} s",
                explanation=sway_text(m) + " Pelvis (centre of mass) sway, not the centre of "
                "pressure: compare trials of the same set-up; no norms are given.",
                rule=test.rule, start_s=test.phases[0].start_s if test.phases else None,
            ))
            continue
        if test.test == "jumps":
            from lmm_desktop.analysis.clinical_tests import components_text

            m = test.measures
            best = m.get("best_height_flight_cm")
            out.append(TestRow(
                name, f"{test.repetitions} jump{'s' if (test.repetitions or 0) > 1 else ''}",
                "" if best is None else f"best {best:.0f} cm (flight time)",
                explanation=components_text(test), rule=test.rule,
                start_s=test.phases[0].start_s if test.phases else None,
            ))
            continue
        value = f"{test.duration_s:.2f} s" if test.duration_s is not None else "not timed"
        speed = test.measures.get("speed_m_s")
        if speed is not None and test.duration_s is not None:
            value = f"{speed:.2f} m/s"
        detail = test.reason or (
            f"{test.repetitions} repetitions" if (test.repetitions or 0) > 1 else ""
        )
        if test.test == "four_stage_balance":
            from lmm_desktop.analysis.four_stage import stage_times_text

            value = "not timed" if test.duration_s is None else f"tandem {test.duration_s:.1f} s"
            detail = "; ".join(filter(None, [stage_times_text(test.measures), test.reason]))
        if test.test == "one_leg_stance" and test.duration_s is not None:
            legs = [f"on the {leg} leg {test.measures[f'{leg}_s']:.1f} s"
                    for leg in ("right", "left") if f"{leg}_s" in test.measures]
            detail = "; ".join([", ".join(legs), *([test.reason] if test.reason else [])])
        if test.overridden:
            detail = f"{detail}; set by hand".strip("; ")
        start = test.phases[0].start_s if test.phases else None
        ref = reference_for(test.test, test.duration_s, age)
        parts = components_text(test)
        if ref is None:
            out.append(TestRow(name, value, detail, explanation=parts, rule=test.rule,
                               start_s=start))
            continue
        why = " ".join(filter(None, [
            parts, ref.summary(), POPULATION_NOTE, "Sources: " + "; ".join(ref.sources()) + "."
        ]))
        if ref.age_group is None and ref.norms.age_norms:  # (FSST, one-leg stance: none)
            why += " The age norm is shown when the patient's age (60 or over) is known."
        out.append(
            TestRow(name, value, detail, ref.cutoff_text, ref.status, why, test.rule, start,
                    ref.at_risk)
        )
    return out


def _count_row(name: str, test: Any, age: float | None, sex: str | None) -> TestRow:
    """A count test (the 30-second chair stand, arm curl, 2-minute step test): the score
    against the age and sex norm when both are known."""
    from lmm_desktop.analysis.clinical_norms import COUNT_TESTS, POPULATION_NOTE, count_needs
    from lmm_desktop.analysis.clinical_tests import components_text

    _title, units, window, reference = COUNT_TESTS[test.test]
    n = test.repetitions or 0
    value = f"{n} {units if n != 1 else units[:-1]}"
    if test.measures.get("censored"):
        value = f"≥ {value}"
    detail = test.reason or f"in {window}"
    if test.overridden:
        detail += f" from {test.phases[0].start_s:.2f} s, set by hand" if test.phases else (
            ", set by hand")
    start = test.phases[0].start_s if test.phases else None
    parts = components_text(test)
    from lmm_desktop.analysis.sts_power import POWER_SOURCE, power_reading

    power = power_reading(test.measures, sex) if test.test == "thirty_second_chair_stand" else None
    power_text = str(power["text"]) if power else ""
    ref = reference(n, age, sex)
    if ref is None:
        return TestRow(name, value, detail, explanation=" ".join(filter(None, [
            parts, power_text, count_needs(test.test)])), rule=test.rule, start_s=start)
    sources = [*ref.sources(), *([POWER_SOURCE] if power else [])]
    why = " ".join(filter(None, [
        parts, ref.summary(), power_text, POPULATION_NOTE, "Sources: " + "; ".join(sources) + "."
    ]))
    if ref.at_risk and test.measures.get("censored"):
        # a lower bound (the recording stopped early) under the norm says nothing either way
        return TestRow(name, value, detail, ref.cutoff_text, "", why, test.rule, start)
    return TestRow(name, value, detail, ref.cutoff_text, ref.status, why, test.rule, start,
                   ref.at_risk)


def _reach_row(name: str, test: Any, age: float | None, sex: str | None) -> TestRow:
    """The Functional Reach Test: the reach against its fall-risk limits."""
    from lmm_desktop.analysis.clinical_norms import POPULATION_NOTE
    from lmm_desktop.analysis.clinical_tests import components_text
    from lmm_desktop.analysis.reach import reach_reference

    m = test.measures
    n = int(m.get("n_attempts", 1))
    detail = (f"mean of the last 2 of {n} attempts" if n >= 3 else
              f"mean of {n} attempts" if n > 1 else "1 attempt") + f"; best {m['best_cm']:.1f} cm"
    ref = reach_reference(m.get("reach_cm"), age, sex)
    start = test.phases[0].start_s if test.phases else None
    if ref is None:
        return TestRow(name, "not measured", detail, rule=test.rule, start_s=start)
    why = " ".join([components_text(test), ref["summary"], POPULATION_NOTE,
                    f"Sources: {ref['source']}."])
    return TestRow(name, ref["value_text"], detail, ref["cutoff_text"], ref["status"], why,
                   test.rule, start, bool(ref["at_risk"]))


def _squat_test_row(name: str, test: Any) -> TestRow:
    m = test.measures
    parts = []
    if m.get("depth_cm") is not None:
        parts.append(f"depth {m['depth_cm']:.0f} cm")
    kr, kl = m.get("knee_flexion_deg_r"), m.get("knee_flexion_deg_l")
    if kr is not None and kl is not None:
        parts.append(f"knee flexion R {kr:.0f} / L {kl:.0f}°")
    elif kr is not None or kl is not None:
        parts.append(f"knee flexion {kr if kr is not None else kl:.0f}°")
    start = test.phases[0].start_s if test.phases else None
    return TestRow(
        name,
        f"{test.repetitions} reps",
        "; ".join(parts) + " (Squats tab)",
        explanation=(f"{test.repetitions} repetitions in {test.duration_s:.2f} s. The Squats tab "
                     "has each measure per side, the repetitions and what to look at."),
        rule=test.rule,
        start_s=start,
    )


@dataclass(frozen=True)
class SquatMeasureRow:
    """One squat measure: the mean over the repetitions, per side or for both."""

    name: str
    unit: str
    left: str
    right: str
    both: str
    symmetry: str  # limb symmetry index '97 %', or ''
    low_symmetry: bool
    tip: str


@dataclass(frozen=True)
class SquatRepRow:
    """One repetition: when, how deep, how far each knee bent."""

    index: int
    span: str
    depth: str
    knee_left: str
    knee_right: str
    bottom_s: float


def squat_view(
    result: Any,
) -> tuple[list[SquatMeasureRow], list[SquatRepRow], list[str], str]:
    """The squat series of ``result`` for the Squats tab: measure rows, repetition rows, the
    findings (each with its rule) and a heading ('Squats', 'Single-leg squats (right)' with
    what that means); empty when the trial is not a squat series."""
    from lmm_desktop.analysis.squats import LSI_MIN_PCT, format_value, squat_rows

    sq = getattr(result, "squats", None)
    if sq is None:
        return [], [], [], ""
    d = sq.to_dict()
    rows = []
    for r in squat_rows(d):
        dec = r["decimals"]
        sym = r.get("symmetry_pct")

        def sd(v: float | None, dec: int = dec) -> str:
            return "" if v is None else f" (SD {v:.{dec}f})"

        if "value" in r:
            tip = f"{r['label']}: mean over {len(sq.reps)} repetitions{sd(r.get('sd'))}."
            rows.append(SquatMeasureRow(r["label"], r["unit"], "", "", format_value(
                r["value"], dec), "", False, tip))
        else:
            tip = (f"{r['label']}: mean over the repetitions; right "
                   f"{format_value(r['right'], dec)}{sd(r.get('sd_right'))}, left "
                   f"{format_value(r['left'], dec)}{sd(r.get('sd_left'))}.")
            if sym is not None:
                tip += (f" Limb symmetry index (smaller / larger side) {sym:.0f} %; under "
                        f"{LSI_MIN_PCT:.0f} % is flagged.")
            rows.append(SquatMeasureRow(
                r["label"], r["unit"], format_value(r["left"], dec), format_value(r["right"], dec),
                "", "" if sym is None else f"{sym:.0f} %",
                sym is not None and sym < LSI_MIN_PCT, tip))
    reps = [
        SquatRepRow(
            rep.index,
            f"{rep.start_s:.2f}–{rep.end_s:.2f} s",
            format_value(rep.measures.get("depth_cm"), 1),
            format_value(rep.measures.get("knee_flexion_deg_l"), 0),
            format_value(rep.measures.get("knee_flexion_deg_r"), 0),
            rep.bottom_s,
        )
        for rep in sq.reps
    ]
    findings = [f"{f.message} [{f.rule}]" for f in sq.findings]
    heading = f"{sq.title}: {len(sq.reps)} repetitions in {sq.duration_s:.2f} s."
    if sq.stance != "both":
        heading += (f" The other foot is held off the floor: the {sq.stance} leg's measures "
                    "only, with the pelvis drop on the free side; compare with the other "
                    "leg's trial for symmetry.")
    return rows, reps, findings, heading


def hand_timed(result: Any) -> bool:
    """True when the trial has a test whose start and end can be set by hand (TUG, FSST,
    5xSTS, one-leg stance; the start of a 30-second chair stand), unless it is a 4-Stage
    Balance Test (its positions are timed each on its own)."""
    from lmm_desktop.analysis.clinical_tests import primary_test

    tests = list(getattr(result, "clinical_tests", None) or [])
    if counted_in_30_s(result):
        return True  # its "go" set by hand: the stands are counted again from there
    if any(t.test == "four_stage_balance" for t in tests):
        return False  # the timeline shows the four positions: each is timed on its own
    return primary_test(tests) is not None


def counted_in_30_s(result: Any) -> bool:
    """True for a 30-second chair stand: only its start is set by hand."""
    return any(t.test == "thirty_second_chair_stand"
               for t in getattr(result, "clinical_tests", None) or [])


def repetition_windows(result: Any) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of each repetition the curves can be drawn over: a squat
    series' repetitions, else the rises of a 30-second chair stand or of a five-times
    sit-to-stand (empty when there are none)."""
    sq = getattr(result, "squats", None)
    if sq is not None:
        return [(r.start_s, r.end_s) for r in sq.reps]
    tests = getattr(result, "clinical_tests", None) or []
    sts = next((t for t in tests if t.test == "thirty_second_chair_stand"), None) or next(
        (t for t in tests if t.test == "five_times_sit_to_stand"), None)
    if sts is None:
        return []
    return [(p.start_s, p.end_s) for p in sts.phases if p.name.startswith("rise")]


def test_phases(result: Any) -> tuple[str | None, list[tuple[str, float, float]]]:
    """The short name and phases of the trial's timed test for the timeline (a 30-second
    chair stand's stands within its 30 s, a 4-Stage Balance Test's positions; else the test a
    hand-set start and end re-time; else a squat series' lowering and rising), or (None, [])
    when the trial has none."""
    from lmm_desktop.analysis.clinical_tests import primary_test
    from lmm_desktop.report.build import TEST_TITLES

    tests = list(getattr(result, "clinical_tests", None) or [])
    test = next((t for t in tests
                 if t.test in ("thirty_second_chair_stand", "four_stage_balance")), None)
    test = test or primary_test(tests) or next(
        (t for t in tests if t.test in ("squats", "jumps", "functional_reach", "arm_curl_30s",
                                        "two_minute_step_test", "standing_balance")), None)
    if test is None:
        return None, []
    name = _short_title(TEST_TITLES.get(test.test, test.test.replace("_", " ")))
    return name, [(p.name, p.start_s, p.end_s) for p in test.phases]


def reference_curves(result: Any) -> dict[str, dict[str | None, Any]]:
    """Mean gait cycles of ``result`` by joint base name and side (the pelvis: side None), for
    the curves of another trial to be compared with (empty without gait cycles)."""
    cycles = getattr(result, "cycles", None)
    out: dict[str, dict[str | None, Any]] = {}
    if cycles is None:
        return out
    for side, suffix in (("right", "_r"), ("left", "_l")):
        for name, stats in cycles.curves.get(side, {}).items():
            if name.endswith(suffix):
                out.setdefault(name[: -len(suffix)], {})[side] = stats.mean
            elif name.startswith("pelvis_") and side == "right":
                out.setdefault(name, {})[None] = stats.mean
    return out


def reference_repetition_curves(result: Any) -> dict[str, dict[str | None, Any]]:
    """Mean squat repetition of ``result`` by joint base name and side (empty without a squat
    series), for another trial's repetitions to be compared with."""
    sq = getattr(result, "squats", None)
    out: dict[str, dict[str | None, Any]] = {}
    if sq is None:
        return out
    for side, joints in sq.curves.items():
        for base, (mean, _sd) in joints.items():
            out.setdefault(base, {})[side] = mean
    return out


def _short_title(title: str) -> str:
    """'Timed Up and Go (TUG)' -> 'TUG'; titles without an abbreviation stay as they are."""
    if title.endswith(")") and "(" in title:
        short = title[title.rindex("(") + 1 : -1]
        if short and " " not in short:
            return short
    return title[:1].upper() + title[1:]


def flag_rows(result: Any) -> list[FlagRow]:
    """Data-quality flags of ``result``."""
    out = []
    for f in getattr(result, "quality", None) or []:
        ranges = list(getattr(f, "time_ranges_s", None) or [])
        out.append(FlagRow(str(f.severity), str(f.message), ranges[0][0] if ranges else None))
    return out


def summary(result: Any) -> str:
    """One line on which events the metrics use and why anything is missing."""
    if result is None:
        return ""
    parts = []
    source = getattr(result, "events_source", None)
    if source:
        parts.append(f"Metrics from {source} events.")
    reasons = getattr(result, "reasons", {}) or {}
    why = reasons.get("spatiotemporal")
    tests = getattr(result, "clinical_tests", None) or []
    if why and getattr(result, "spatiotemporal", None) is None and not tests:
        # (a trial that is a test, not a walk, needs no excuse for having no gait table)
        parts.append(f"No gait parameters: {why}.")
    return " ".join(parts)


def used_events(result: Any) -> list[Event] | None:
    """The events the analysis was computed from (None when it reports none)."""
    if result is None or not hasattr(result, "events_used"):
        return None
    events = list(result.events_used())
    others = [
        e for e in result.events if e.label not in ("heel_strike", "toe_off") and e.source == "file"
    ]
    return sorted(events + others, key=lambda e: e.time_s) or None


@dataclass(frozen=True)
class ContactRow:
    """One force-plate contact."""

    plate: int
    side: str
    span: str
    clean: bool
    reason: str
    start_s: float


def force_rows(result: Any) -> tuple[list[tuple[str, str, str]], list[ContactRow], str]:
    """The force plates' stance figures (``(label with unit, left, right)``, means over the
    clean contacts), the contacts, and a note (units, event timing against the plates); all
    empty for a trial without plates."""
    fp = getattr(result, "force_plates", None)
    if fp is None:
        return [], [], ""
    bw = fp.body_weight_n
    summary = fp.summary()
    rows = [
        (
            f"{r['label']} ({r['unit']})",
            *("—" if r[s] is None else f"{r[s]:.{r['decimals']}f}" for s in ("left", "right")),
        )
        for r in fp.stance_table()
    ]
    kin = getattr(result, "kinetics", None)
    if kin is not None and kin.cycles:
        from lmm_desktop.analysis.kinetics import peak_rows

        group = speed_group(result)
        rows += [
            (
                f"{r['label']} ({r['unit']}; normal {r['normal']:.2f})",
                *("—" if r[s] is None else f"{r[s]:.2f}" for s in ("left", "right")),
            )
            for r in peak_rows(kin, group)
        ]
    elif kin is not None and kin.reason:
        rows.append((f"Joint kinetics: {kin.reason}", "—", "—"))
    contacts = [
        ContactRow(
            plate=c.plate,
            side=c.side or "?",
            span=f"{c.start_s:.2f}–{c.end_s:.2f} s",
            clean=bool(c.clean),
            reason=c.reason or "",
            start_s=float(c.start_s),
        )
        for c in fp.contacts
    ]
    n_clean = sum(c.clean for c in contacts)
    counts = {s: int(summary.get(s, {}).get("n", 0)) for s in ("left", "right")}
    notes = [
        f"Means over {n_clean} clean contact(s) (L {counts['left']}, R {counts['right']}); "
        + ("forces in body weights." if bw else "forces in newtons (body mass unknown).")
    ]
    timing = []
    for source, stats in fp.agreement.items():
        parts = ", ".join(
            f"{'HS' if lab == 'heel_strike' else 'TO'} {st['mean_ms']:+.0f}"
            for lab, st in stats.items()
        )
        timing.append(f"{'detected' if source == 'detected' else 'file'} {parts}")
    if timing:
        notes.append(f"Events vs the plates (ms): {'; '.join(timing)}.")
    return rows, contacts, " ".join(notes)


def speed_group(result: Any) -> str:
    gps = getattr(result, "gait_profile_score", None)
    return str(getattr(gps, "speed_group", None) or "Free")


def normative_bands(result: Any, joints: list[str]) -> dict[str, Band]:
    """``{joint base name: (percent, low, high)}`` for the leg joints with a normative band."""
    try:
        from lmm_desktop.analysis.normative import normative_band
    except ModuleNotFoundError:
        return {}
    group = speed_group(result)
    bands: dict[str, Band] = {}
    for base in joints:
        if base.startswith("pelvis"):
            continue  # the norms are in the walking frame; the curves show the raw pelvis pose
        try:
            band = normative_band(base, group)
        except LmmError:
            continue
        pct = np.linspace(0.0, 100.0, band.lower.shape[0])
        bands[base] = (pct, band.lower, band.upper)
    return bands
