"""Render a :class:`ReportModel` as one self-contained HTML file (inline CSS, charts as inline
SVG, images as data URIs), or as the QTextDocument variant the PDF writer uses (same HTML, charts
as named image resources it rasterises).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.analysis.clinical_norms import COUNT_TESTS, POPULATION_NOTE, count_needs
from lmm_desktop.assistant.tasks import show_value
from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.report._html_parts import (
    BAND_COLOUR,
    CSS,
    NA,
    PANEL_H,
    PANEL_W,
    SIDE_COLOURS,
    Figure,
    Figures,
    esc,
    fmt,
    measure_cell,
    not_available,
    panel_grid,
    range_text,
    table,
)
from lmm_desktop.report.model import (
    AI_DISCLAIMER,
    ClinicalTestInfo,
    Comparison,
    CurvePanel,
    CurveSeries,
    GroundReactionInfo,
    ReportModel,
    SideName,
    TrialReport,
)
from lmm_desktop.report.svg import Fill, Line, bar_chart, legend, line_chart, phase_timeline

H_PATIENT = "Patient and session"
H_SUMMARY = "Summary"
H_SPATIOTEMPORAL = "Spatiotemporal parameters"
H_KINEMATICS = "Kinematics over the gait cycle"
H_GPS = "Gait Profile Score and Movement Analysis Profile"
H_TESTS = "Clinical tests"
H_QUALITY = "Data quality"
H_SNAPSHOT = "3D snapshot"
H_AI = "AI findings"
H_NOTES = "Clinician notes"
H_CHAT = "Chat transcript"
H_COMPARISON = "Comparison"
H_SIGNOFF = "Sign-off"

SECTION_HEADINGS: tuple[str, ...] = (
    H_PATIENT,
    H_SUMMARY,
    H_SPATIOTEMPORAL,
    H_KINEMATICS,
    H_GPS,
    H_TESTS,
    H_QUALITY,
    H_SNAPSHOT,
    H_AI,
    H_NOTES,
    H_SIGNOFF,
)
"""Headings every report has (the chat transcript and comparison are optional)."""


@dataclass
class RenderedReport:
    """The HTML and, for the Qt variant, the figures it references by name."""

    html: str
    figures: dict[str, Figure] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)


def render_html(model: ReportModel, *, for_qt: bool = False) -> RenderedReport:
    """Render the report. ``for_qt``: ``<img src>`` names resources instead of data URIs."""
    figs = Figures(for_qt=for_qt)
    parts = [_header(model), _patient(model), _summary(model), _steadi(model), _sppb(model),
             _across_trials(model, figs)]
    for i, trial in enumerate(model.trials):
        parts.append(_trial(model, trial, i, figs))
    if model.comparison is not None:
        parts.append(_comparison(model.comparison, figs))
    if model.progress:
        parts.append(_progress(model, figs))
    parts.append(_notes(model))
    if model.options.include_chat:
        parts.append(_chat(model))
    parts.append(_signoff(model))
    body = "\n".join(parts)
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(model.title)}</title><style>{CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
    return RenderedReport(html, dict(figs.items), dict(figs.png))


def write_html(model: ReportModel, path: str | Path) -> Path:
    """Write the self-contained HTML report atomically."""
    p = Path(path)
    with atomic_write(p) as fh:
        fh.write(render_html(model).html)
    return p


# --------------------------------------------------------------------------- sections
def _header(m: ReportModel) -> str:
    return (
        f"<h1>{esc(m.title)}</h1>"
        f'<p class="meta">Generated {esc(m.generated)} by {esc(m.software)}. '
        "Kinematics are from the motion capture named below; normal ranges: Schwartz et al. "
        "2008 (kinematics), pace-, sex- and age-matched tables (spatiotemporal).</p>"
    )


def _kv_rows(items: list[tuple[str, str]]) -> list[list[str]]:
    return [[k, v] for k, v in items]


def _patient(m: ReportModel) -> str:
    p, s = m.patient, m.session
    items: list[tuple[str, str]] = []
    if m.options.deidentify:
        items.append(("Patient code", p.identifier_code or NA))
        items.append(("De-identified", "yes: name and birth date are left out"))
    else:
        items.append(("Name", p.name or NA))
        items.append(("Birth date", p.birth_date or NA))
        if p.identifier_code:
            items.append(("Patient code", p.identifier_code))
    items.append(("Sex", p.sex or NA))
    if p.age_years is not None:  # completed years; 90 and over grouped when de-identified
        years = int(p.age_years)
        shown = "90 or older" if m.options.deidentify and years >= 90 else f"{years} years"
        items.append(("Age", shown))
    if p.height_m is not None:
        items.append(("Height", f"{p.height_m:.2f} m"))
    if p.mass_kg is not None:
        items.append(("Mass", f"{p.mass_kg:.1f} kg"))
    items += [
        ("Session date", s.date or NA),
        ("Assessor", s.assessor or NA),
        ("Referral question", s.referral_question or NA),
        ("Walking aid", s.walking_aid or NA),
    ]
    return f"<h2>{H_PATIENT}</h2>" + table(["Item", "Value"], _kv_rows(items))


def _summary(m: ReportModel) -> str:
    rows = []
    for t in m.trials:
        speed = next((r.both for r in t.spatiotemporal if r.key == "speed_m_s"), None)
        cadence = next((r.both for r in t.spatiotemporal if r.key == "cadence_steps_min"), None)
        gps = t.gait_profile.gps_overall if t.gait_profile else None
        timed = [_test_result(c) for c in t.clinical_tests if c.duration_s is not None]
        warn = sum(1 for q in t.quality if q.severity != "info")
        rows.append(
            [
                t.label,
                f"{fmt(t.duration_s, 1)} s",
                fmt(speed.value if speed else None, 2),
                fmt(cadence.value if cadence else None, 0),
                fmt(gps, 1),
                "; ".join(timed) or "none found",
                str(warn),
            ]
        )
    head = [
        "Trial",
        "Length",
        "Speed (m/s)",
        "Cadence (steps/min)",
        "GPS (deg)",
        "Clinical tests",
        "Quality flags",
    ]
    widths = ["26%", "10%", "10%", "12%", "9%", "23%", "10%"]
    return (
        f"<h2>{H_SUMMARY}</h2>"
        + table(head, rows, widths=widths)
        + '<p class="small">n/a: not measurable in that trial (the trial sections say why). '
        "GPS: Gait Profile Score, the RMS difference from the normal mean curves.</p>"
        + _key_findings(m)
    )


def _across_trials(m: ReportModel, figs: Figures) -> str:
    """With two or more walking trials: each parameter's mean over the trials and its
    between-trial SD and coefficient of variation (how repeatable the walk was), and the mean
    gait-cycle curves over the trials against the normal bands."""
    walks = [t for t in m.trials if t.spatiotemporal]
    if len(walks) < 2:
        return ""
    rows = []
    for r0 in walks[0].spatiotemporal:
        for side in ("both", "left", "right"):
            vals = []
            for t in walks:
                r = next((r for r in t.spatiotemporal if r.key == r0.key), None)
                meas = None if r is None else getattr(r, side)
                if meas is not None and meas.value is not None:
                    vals.append(meas.value)
            if len(vals) < 2:
                continue
            mean, sd = float(np.mean(vals)), float(np.std(vals, ddof=1))
            cv = f"{100 * sd / abs(mean):.0f}" if mean else "n/a"
            who = "" if side == "both" else f" {side}"
            rows.append(
                [f"{r0.label}{who} ({r0.unit})", fmt(mean, r0.decimals), fmt(sd, r0.decimals),
                 cv, str(len(vals))]
            )
    out = [
        f"<h2>Across the {len(walks)} walking trials</h2>",
        table(["Parameter", "Mean of the trials", "SD between trials", "CV (%)", "Trials"],
              rows, compact=True),
        '<p class="small">The mean of each trial\'s value and how much the trials differ: a '
        "coefficient of variation above about 10 % suggests the walks were not alike (a "
        "different speed, a stumble) and single-trial values should be read with care.</p>",
    ]
    panels = []
    for p0 in walks[0].panels:
        series = []
        sides: tuple[SideName, ...] = ("left", "right")
        for side in sides:
            means = [
                s.mean for t in walks for p in t.panels if p.key == p0.key for s in p.series
                if s.side == side and not s.dashed
            ]
            if means:
                stack = np.stack(means)
                series.append(CurveSeries(
                    f"{side} (mean of {len(means)} trials)", side, np.nanmean(stack, axis=0),
                    np.nanstd(stack, axis=0) if len(means) > 1 else None,
                    sum(s.n_cycles for t in walks for p in t.panels if p.key == p0.key
                        for s in p.series if s.side == side),
                ))
        panels.append(CurvePanel(p0.key, p0.title, p0.positive, series, p0.bands,
                                 p0.toe_off_pct, p0.reason))
    if any(p.series for p in panels):
        out.append('<p class="small">Mean gait-cycle curves over the trials (each trial\'s mean '
                   "weighs the same), against the normal bands.</p>")
        out.append(panel_grid(panels, figs))
    return "\n".join(out)


def _progress(m: ReportModel, figs: Figures) -> str:
    """The patient's key measures session by session, with the change from the first to the
    last, and bars of walking speed and of each timed test per session."""
    from lmm_desktop.report.progress import MEASURES, change_text, session_cell

    sessions = m.progress or []
    dates = [s.date or f"session {s.session_id}" for s in sessions]
    rows, charts = [], []
    for key, label, unit, decimals, better_up in MEASURES:
        vals = [s.values.get(key) for s in sessions]
        known = [v for v in vals if v is not None]
        cells = [session_cell(s, key, v, decimals, NA)
                 for s, v in zip(sessions, vals, strict=True)]
        if not known and all(c == NA for c in cells):
            continue
        change = change_text(known[0], known[-1], decimals, better_up) if len(known) > 1 else ""
        rows.append([f"{label} ({unit})", *cells, change])
        if key in ("speed_m_s", "timed_up_and_go", "four_square_step_test",
                   "five_times_sit_to_stand") and len(known) > 1:
            svg = bar_chart(dates, [(label, "#4c6ef5", vals)], title=f"{label} ({unit})",
                            width=320)
            charts.append(figs.img(svg, 320, 30 + 20 * len(dates) + 24, label))
    if any(getattr(s, "steadi", "") for s in sessions):
        rows.append(["Fall-risk screen (CDC STEADI)",
                     *(getattr(s, "steadi", "") or "—" for s in sessions), ""])
    n = sum(len(s.trials) for s in sessions)
    out = [
        f'<h2 class="pagebreak">Progress over {len(sessions)} session(s)</h2>',
        f'<p class="small">Every trial of the patient in the records ({n}) analysed again with '
        "the edited events; walking measures are the mean over a session's walks, a timed "
        "test's the best attempt; the change is from the first session that has the measure "
        "to the last.</p>",
        table(["Measure", *dates, "Change"], rows, compact=True),
    ]
    if charts:
        tds = "".join(f"<td>{c}</td>" for c in charts[:4])
        out.append(f'<table class="grid" cellspacing="2" cellpadding="0"><tr>{tds}</tr></table>')
    missing = [f"{t.name} ({s.date or 'no date'}): {t.problem}"
               for s in sessions for t in s.trials if t.problem]
    if missing:
        out.append(f'<p class="small">Not read: {esc("; ".join(missing))}</p>')
    return "\n".join(out)


def _steadi(m: ReportModel) -> str:
    """The CDC STEADI functional tests read together across the report's trials (empty when
    none of the three is among them)."""
    from lmm_desktop.analysis.steadi import (
        STEADI_NOTE,
        STEADI_SOURCE,
        screen_summary,
        steadi_screen,
    )

    items = steadi_screen(_report_tests(m))
    if not items:
        return ""
    rows = []
    for i in items:
        word = {True: ("marked", "problem"), False: ("within", "no problem"),
                None: ("", "—")}[i.problem]
        where = f" ({i.trial})" if i.trial else ""
        rows.append(f"<td>{esc(i.title)}</td><td>{esc(i.value + where)}</td>"
                    f"<td>{esc(i.criterion)}</td><td class=\"{word[0]}\">{word[1]}</td>"
                    f"<td>{esc(i.note)}</td>")
    return (
        "<h3>Fall-risk screen (CDC STEADI functional tests)</h3>"
        f"<p>{esc(screen_summary(items))}</p>"
        + table(["Test", "Result", "STEADI criterion", "", "Note"], [[r] for r in rows],
                raw=True, compact=True)
        + f'<p class="small">{esc(STEADI_NOTE)} Source: {esc(STEADI_SOURCE)}.</p>'
    )


def _report_tests(m: ReportModel) -> list[tuple[str | None, dict[str, Any]]]:
    """The report's clinical tests as (trial label, test dict) pairs, for the batteries read
    across trials (the label only when the report has several trials)."""
    return [(t.label if len(m.trials) > 1 else None,
             {"test": c.test, "duration_s": c.duration_s, "repetitions": c.repetitions,
              "measures": c.measures, "reason": c.reason, "reference": c.reference})
            for t in m.trials for c in t.clinical_tests]


def _sppb(m: ReportModel) -> str:
    """The Short Physical Performance Battery scored across the report's trials (empty unless
    two of its three parts were recorded)."""
    from lmm_desktop.analysis.sppb import SPPB_NOTE, SPPB_SOURCE, sppb_score

    score = sppb_score(_report_tests(m))
    if score is None:
        return ""
    rows = []
    for p in score.parts:
        where = f" ({p.trial})" if p.trial else ""
        pts = "—" if p.points is None else f"{p.points} / 4"
        rows.append(f"<td>{esc(p.title)}</td><td>{esc(p.value + where)}</td>"
                    f"<td class=\"num\">{pts}</td><td>{esc(p.note)}</td>")
    return (
        "<h3>Short Physical Performance Battery (SPPB)</h3>"
        f"<p>{esc(score.summary())}</p>"
        + table(["Part", "Result", "Points", "Note"], [[r] for r in rows], raw=True,
                compact=True)
        + '<p class="small">Balance: side by side, semi-tandem 1 point each for 10 s, tandem 2 '
        "(10 s) or 1 (3-9.99 s); gait: 4-m walk under 4.82 s 4, to 6.20 s 3, to 8.70 s 2, "
        "slower 1; chair: five stands in 11.19 s or less 4, to 13.69 s 3, to 16.69 s 2, to 60 s "
        "1. Total 10-12 minimal, 7-9 mild, 4-6 moderate, 0-3 severe limitation. "
        f"{esc(SPPB_NOTE)} Source: {esc(SPPB_SOURCE)}.</p>"
    )


def key_findings(m: ReportModel) -> list[str]:
    """What the measurements flag, one sentence each, in the order of the trials: timed tests
    at or above their fall-risk cut-off (or slower than the age norm), gait parameters outside
    the normal range, and data-quality warnings (the measured values only, never the AI's)."""
    out: list[str] = []
    many = len(m.trials) > 1
    for t in m.trials:
        where = f"{t.label}: " if many else ""
        for c in t.clinical_tests:
            ref = c.reference
            low = int(c.measures.get("hands_low_rises", 0))
            if low:  # a sit-to-stand test's validity: the arms were to be crossed
                out.append(f"{where}{c.title}: the hands were down by the hips at seat-off in "
                           f"{low} of {int(c.measures.get('rises_checked', low))} rises "
                           "(pushing up? the test is done with the arms crossed).")
            if c.duration_s is None or not ref:
                continue
            if ref.get("kind") in ("count", "score"):  # a score: chair stands, a reach
                if ref.get("at_risk") and not c.measures.get("censored"):
                    out.append(f"{where}{c.title} {ref['value_text']}, {ref['meaning']} "
                               f"({ref['cutoff_text']}).")
                power = ref.get("power") or {}
                if power.get("low"):
                    out.append(f"{where}{c.title}: {power['text']}")
                continue
            if c.test == "four_stage_balance":
                if ref.get("at_risk") and not c.measures.get("censored"):
                    out.append(f"{where}{c.title}: the tandem stance held {c.duration_s:.1f} s, "
                               "under 10 s (an increased risk of falling).")
                continue
            if ref.get("at_risk", ref.get("above_cutoff")) and not ref.get("above_cutoff"):
                out.append(  # a time held (one-leg stance): too short is the risk
                    f"{where}{c.title} {c.duration_s:.1f} s, under the {ref['cutoff_s']:g} s "
                    f"fall-risk cut-off ({ref['meaning']} in {ref['population']})."
                )
            elif ref.get("at_risk", ref.get("above_cutoff")):
                out.append(
                    f"{where}{c.title} {c.duration_s:.1f} s, above the {ref['cutoff_text']} "
                    f"fall-risk cut-off ({ref['meaning']} in {ref['population']})."
                )
            elif ref.get("above_age_norm"):
                out.append(
                    f"{where}{c.title} {c.duration_s:.1f} s, below the fall-risk cut-off but "
                    f"slower than average for ages {ref['age_group']}."
                )
        for r in t.spatiotemporal:
            for side, meas in (("", r.both), (" left", r.left), (" right", r.right)):
                if meas is None or meas.value is None or meas.status in (None, "within"):
                    continue
                lo, hi = meas.normal_range or (None, None)
                normal = f" (normal {fmt(lo, r.decimals)}-{fmt(hi, r.decimals)})" if lo else ""
                unit = f" {r.unit}" if r.unit else ""
                out.append(
                    f"{where}{r.label}{side} {fmt(meas.value, r.decimals)}{unit}, "
                    f"{meas.status} the normal range{normal}."
                )
        out += [where + f for f in _kinetic_findings(t)]
        if t.squats is not None:
            out += [f"{where}{t.squats.title}: {f['message']}." for f in t.squats.findings]
        out += [f"{where}Jumps: {f['message']}." for f in t.jump_findings]
        warnings = [q for q in t.quality if q.severity != "info"]
        if warnings:
            kinds = ", ".join(sorted({q.kind for q in warnings}))
            out.append(
                f"{where}{len(warnings)} data-quality warning(s) ({kinds}): read the affected "
                "measures with care."
            )
    from lmm_desktop.analysis.sppb import sppb_score

    sppb = sppb_score(_report_tests(m))
    if sppb is not None and sppb.total is not None and sppb.total < 10:  # not minimal
        parts = ", ".join(f"{p.title.lower()} {p.points}" for p in sppb.parts)
        out.append(f"Short Physical Performance Battery {sppb.total} / 12 ({parts}): "
                   + sppb.summary().split(": ", 1)[1])
    return out


#: (variable, label, unit, max or min): the kinetic peaks read against the normal band
KINETIC_FINDINGS = (
    ("ankle_moment", "ankle plantarflexor moment peak", "N m/kg", "max"),
    ("ankle_power", "ankle power generation at push-off", "W/kg", "max"),
    ("knee_moment", "knee extensor moment peak in loading", "N m/kg", "max"),
    ("hip_moment", "hip extensor moment peak", "N m/kg", "max"),
)


def _kinetic_findings(t: TrialReport) -> list[str]:
    """Each side's kinetic peak outside the normal band at the normal peak (mean ± 1 SD)."""
    from lmm_desktop.report.compare import kinetic_peak

    g = t.ground_reaction
    if g is None or not g.kinetics:
        return []
    out = []
    for var, label, unit, kind in KINETIC_FINDINGS:
        lo, hi = g.kinetic_bands[var]
        mid = (lo + hi) / 2
        k = int(np.argmax(mid) if kind == "max" else np.argmin(mid))
        for side in ("left", "right"):
            peak = kinetic_peak(t, var, side, kind)
            if peak is None or lo[k] <= peak <= hi[k]:
                continue
            where = "below" if peak < lo[k] else "above"
            out.append(
                f"{label.capitalize()} {side} {peak:.2f} {unit}, {where} the normal range "
                f"({lo[k]:.2f}-{hi[k]:.2f})."
            )
    return out


def _key_findings(m: ReportModel) -> str:
    found = key_findings(m)
    if not found:
        squats = any(t.squats is not None for t in m.trials)
        return (
            "<p><b>Key findings:</b> every timed test on the safe side of its fall-risk cut-off"
            + (", every gait parameter within its normal range, nothing flagged in the squats;"
               if squats else " and every gait parameter within its normal range;")
            + " no data-quality warning.</p>"
        )
    items = "".join(f"<li>{esc(f)}</li>" for f in found)
    return (
        "<p><b>Key findings</b> (from the measurements; the AI's estimates are in their own "
        f"section):</p><ul>{items}</ul>"
    )


def _trial(m: ReportModel, t: TrialReport, index: int, figs: Figures) -> str:
    cycles = ", ".join(f"{n} {side}" for side, n in t.n_cycles.items()) or "none"
    events = {
        "file": "from the file",
        "detected": "detected automatically",
        "user": "edited by the user",
    }.get(t.events_source or "", "none")
    source = f"File: {esc(t.source)}. " if t.source else ""
    brk = ' class="pagebreak"' if index else ""
    out = [
        f"<h2{brk}>Trial {index + 1}: {esc(t.label)}</h2>",
        f'<p class="meta">{source}{t.n_frames} frames at {t.rate_hz:.0f} Hz '
        f"({t.duration_s:.2f} s); body points: {esc(t.points_source or NA)}; gait events "
        f"{events} ({t.n_events} used); gait cycles: {cycles}.</p>",
    ]
    out += [
        _spatiotemporal(t),
        _kinematics(t, figs),
        _gps(t, figs),
        _tests(t, figs),
        _ground_reaction(t, figs),
        _emg(t, figs),
        _quality(t),
        _snapshot(t, figs),
        _ai(m, t),
    ]
    return "\n".join(out)


def _same_reason(t: TrialReport, key: str) -> str | None:
    """Why ``key`` is missing; when that is why the gait table is missing, said once there."""
    why = t.reasons.get(key)
    if why and not t.spatiotemporal and why == t.reasons.get("spatiotemporal"):
        return "as for the spatiotemporal parameters above"
    return why


def _spatiotemporal(t: TrialReport) -> str:
    h = f"<h3>{H_SPATIOTEMPORAL}</h3>"
    if not t.spatiotemporal:
        return h + not_available(t.reasons.get("spatiotemporal"))
    rows = []
    for r in t.spatiotemporal:
        ref = r.both or r.right or r.left
        blank = '<td class="num"></td>'
        rows.append(
            [
                f"<td>{esc(r.label)} ({esc(r.unit)})</td>",
                measure_cell(r.left, r.decimals) if r.both is None else blank,
                measure_cell(r.right, r.decimals) if r.both is None else blank,
                measure_cell(r.both, r.decimals) if r.both is not None else blank,
                f'<td class="num">{range_text(ref, r.decimals)}</td>',
            ]
        )
    head = ["Parameter (unit)", "Left", "Right", "Both feet", "Normal range"]
    widths = ["20%", "23%", "23%", "23%", "11%"]
    sym = "; ".join(
        f"{k.replace('_pct', '').replace('_', ' ')}: {fmt(v, 1)} % "
        + ("(symmetry angle, 0 = symmetric)" if "asymmetry" in k else "(R/L x 100)")
        for k, v in t.symmetry.items()
        if v is not None
    )
    from lmm_desktop.analysis.clinical_tests import walking_category

    speed = next((r.both.value for r in t.spatiotemporal
                  if r.key == "speed_m_s" and r.both is not None and r.both.value is not None),
                 None)
    band = f" {walking_category(speed)}" if speed is not None else ""
    note = (
        f'<p class="small">Mean &plusmn; SD over the strides; in brackets: normal (green) '
        "or below/above the normal range (mean &plusmn; 1 SD) with the distance from its "
        "middle in SDs (amber up to 2 SD, red beyond). "
        f"Ranges: {esc(t.normative_basis or NA)}."
        f"{(' Symmetry: ' + esc(sym) + '.') if sym else ''}{esc(band)}</p>"
    )
    return h + table(head, rows, raw=True, widths=widths, compact=True) + note


def _kinematics(t: TrialReport, figs: Figures) -> str:
    h = f"<h3>{H_KINEMATICS}</h3>"
    if not any(p.series for p in t.panels):
        return h + not_available(_same_reason(t, "cycles"))
    key = legend(
        [
            ("line", SIDE_COLOURS["left"], "left (mean)"),
            ("line", SIDE_COLOURS["right"], "right (mean)"),
            ("band", BAND_COLOUR, "normal range (mean ± 1 SD)"),
            ("vline", "#555555", "toe off, in the side's colour"),
        ],
        width=672,
    )
    h = f'<h3 class="pagebreak">{H_KINEMATICS}</h3>'
    return (
        h + '<p class="small">Joint angles in degrees over the gait cycle (0 % and 100 %: '
        "heel strike of the same foot); the positive direction is given on each axis. "
        "Side-specific normal ranges (pelvic obliquity and rotation, foot progression) are "
        "tinted in the side's colour.</p>"
        + f"<p>{figs.img(key, 672, 22, 'legend')}</p>"
        + panel_grid(t.panels, figs)
    )


def _gps(t: TrialReport, figs: Figures) -> str:
    h = f"<h3>{H_GPS}</h3>"
    g = t.gait_profile
    if g is None:
        return h + not_available(_same_reason(t, "gait_profile_score"))
    from lmm_desktop.analysis.gps import GPS_VARIABLES

    cats = [label for _, label in GPS_VARIABLES] + ["GPS"]
    groups = [
        (
            side,
            SIDE_COLOURS[side],
            [g.gvs.get(side, {}).get(var) for var, _ in GPS_VARIABLES] + [g.gps.get(side)],
        )
        for side in ("left", "right")
    ]
    chart = bar_chart(
        cats,
        groups,
        title="Gait Variable Scores (deg), left blue, right orange-red",
        xlabel="RMS difference from the normal mean curve (deg)",
        width=600,
    )
    missing = "; ".join(f"{k}: {v}" for k, v in g.missing.items())
    return (
        h + f"<p>Overall GPS <b>{fmt(g.gps_overall, 1)} deg</b> (left "
        f"{fmt(g.gps.get('left'), 1)}, right {fmt(g.gps.get('right'), 1)}); reference: "
        f"Schwartz 2008, speed group {esc(g.speed_group)}. 0 deg means identical to the normal "
        "mean; larger values mean further from it.</p>"
        + f"<p>{figs.img(chart, 600, 24 + 20 * len(cats) + 30, 'movement analysis profile')}</p>"
        + '<p class="small">Pelvic tilt and hip flexion can carry a constant offset between '
        "OpenSim and the marker convention of the normal data; a large GVS there with a "
        "normally shaped curve reflects that convention, not a deviation."
        + (f" Left out: {esc(missing)}." if missing else "")
        + "</p>"
    )


def _tests(t: TrialReport, figs: Figures) -> str:
    h = f"<h3>{H_TESTS}</h3>"
    out = []
    for c in t.clinical_tests:
        if c.duration_s is None:
            continue
        if c.test == "squats" and t.squats is not None:
            out.append(_squats(t, figs))
            continue
        noun = "attempts" if c.test == "one_leg_stance" else "repetitions"
        reps = (f", {c.repetitions} {noun}" if (c.repetitions or 0) > 1 and c.test not in (
            "jumps", "thirty_second_chair_stand", "four_stage_balance", "functional_reach",
            "arm_curl_30s", "two_minute_step_test") else "")
        meas = _components(c) or ", ".join(
            _measure_text(k, v) for k, v in c.measures.items() if k != "censored")
        if c.reason:
            meas = "; ".join(filter(None, (meas, c.reason)))
        out.append(
            f"<p><b>{esc(_test_result(c))}</b>{reps}"
            f"{' (' + esc(meas) + ')' if meas else ''}"
            f"{' (timing set by hand)' if c.overridden else ''}</p>"
        )
        if c.reference:
            out.append(_test_reference(c.reference))
        elif c.test in COUNT_TESTS:
            out.append(f'<p class="small">{esc(count_needs(c.test))}</p>')
        if c.phases:
            t0 = min(a for _, a, _ in c.phases)
            t1 = max(b for _, _, b in c.phases)
            svg = phase_timeline(c.phases, t0, t1, width=600)
            out.append(f"<p>{figs.img(svg, 600, 64, c.title + ' phases')}</p>")
            out.append(
                table(
                    ["Phase", "Start (s)", "End (s)", "Duration (s)"],
                    [[n, fmt(a, 2), fmt(b, 2), fmt(b - a, 2)] for n, a, b in c.phases],
                )
            )
        out.append(f'<p class="small">Rule: {esc(c.rule)}</p>')
    missing = [
        (k.split(".", 1)[1], v) for k, v in t.reasons.items() if k.startswith("clinical_tests.")
    ]
    if missing:
        from lmm_desktop.report.build import TEST_TITLES

        # the reasons that say something about the trial (squats, not sit-to-stand; treadmill
        # walking) are listed; the plain "none of that here" ones only by the test's name
        plain = ("no ", "needs ", "the trial contains rises", "the trial has rises",
                 "the trial starts low", "the pelvis travels")
        said = [(k, v) for k, v in missing if not (v.startswith(plain) or v[:2] in ("0 ", "1 "))]
        names = [TEST_TITLES.get(k, k) for k, v in missing if (k, v) not in said]
        items = "".join(f"<li>{esc(TEST_TITLES.get(k, k))}: {esc(v)}</li>" for k, v in said)
        text = f"Not found in this trial: {esc(', '.join(names))}." if names else ""
        out.append(f'<p class="small">{text}</p>' + (f'<ul class="small">{items}</ul>'
                                                     if items else ""))
    if not out:
        out.append(not_available("no clinical test was recognised in this trial"))
    return h + "\n".join(out)


SQUAT_CURVES = (("hip_flexion", "Hip flexion"), ("knee_angle", "Knee flexion"),
                ("ankle_angle", "Ankle dorsiflexion"))


def _squats(t: TrialReport, figs: Figures) -> str:
    """A squat series: what to look at, each measure per side with its symmetry, the joint
    angles over the repetition, and the repetitions."""
    from lmm_desktop.analysis.squats import format_value

    q = t.squats
    assert q is not None
    out = [f"<p><b>{esc(q.title)}: {q.repetitions} repetitions in "
           f"{fmt(q.duration_s, 1)} s</b></p>"]
    if q.stance != "both":
        out.append(f"<p>The other foot was held off the floor: the {esc(q.stance)} leg's "
                   "measures, with the pelvis drop on the free side (the Trendelenburg sign) "
                   "and the trunk's lean over the stance leg; compare with the other leg's "
                   "trial for symmetry.</p>")
    if q.findings:
        items = "".join(
            f'<li>{esc(f["message"])} <span class="small">({esc(f["rule"])})</span></li>'
            for f in q.findings
        )
        out.append(f"<p>To look at:</p><ul>{items}</ul>")
    elif q.stance == "both":
        out.append("<p>Nothing to flag: the hip, knee and ankle flexion peaks are symmetric "
                   "(limb symmetry index &ge; 90 %), the weight stays centred over the feet, "
                   "the knees stay apart and the depth is consistent.</p>")
    rows = []
    for r in q.rows:
        label = f"{r['label']} ({r['unit']})" if r["unit"] else r["label"]
        dec = r["decimals"]
        if "value" in r:
            sd = "" if r.get("sd") is None else f" ± {format_value(r['sd'], dec)}"
            rows.append([label, "", "", format_value(r["value"], dec) + sd, ""])
        else:
            sym = r.get("symmetry_pct")
            rows.append([label, format_value(r["left"], dec), format_value(r["right"], dec), "",
                         "" if sym is None else f"{sym:.0f} %"])
    out.append(table(["Measure (mean over the repetitions)", "Left", "Right", "Both",
                      "Symmetry"], rows, compact=True))
    if q.curves:
        x = np.linspace(0.0, 100.0, 101)
        cells = []
        for joint, title in SQUAT_CURVES:
            series = q.curves.get(joint)
            if not series:
                continue
            lines = [Line(m, SIDE_COLOURS[side], side) for side, m, _sd in series]
            fills = [Fill(m - sd, m + sd, SIDE_COLOURS[side], 0.15) for side, m, sd in series]
            svg = line_chart(
                x, lines, fills=fills, title=title, xlabel="% of repetition", ylabel="deg",
                width=PANEL_W, height=PANEL_H, xticks=[0, 25, 50, 75, 100],
            )
            cells.append(figs.img(svg, PANEL_W, PANEL_H, f"{title} over the repetition"))
        tds = "".join(f'<td width="{PANEL_W}">{c}</td>' for c in cells)
        out.append(f'<table class="grid" cellspacing="2" cellpadding="0"><tr>{tds}</tr></table>')
        out.append('<p class="small">Mean &plusmn; 1 SD over the repetitions (lowering onset '
                   "to the end of the rise), right and left.</p>")
    reps = [
        [str(r["index"]), f"{r['start_s']:.2f}–{r['end_s']:.2f}", fmt(r["bottom_s"], 2),
         format_value(r["measures"].get("depth_cm"), 1),
         format_value(r["measures"].get("knee_flexion_deg_l"), 0),
         format_value(r["measures"].get("knee_flexion_deg_r"), 0),
         format_value(r["measures"].get("lateral_shift_cm"), 1)]
        for r in q.reps
    ]
    out.append(table(["Repetition", "Time (s)", "Lowest (s)", "Depth (cm)", "Knee L (deg)",
                      "Knee R (deg)", "Shift (cm, + right)"], reps, compact=True))
    out.append(f'<p class="small">Rule: {esc(q.rule)}</p>')
    return "\n".join(out)


GRF_TITLES = {
    "vertical": "Vertical",
    "anterior": "Anterior (+) / posterior",
    "lateral": "Medial-lateral (+ lateral)",
}


def _ground_reaction(t: TrialReport, figs: Figures) -> str:
    """Force plates: stance figures per side, the curves over stance, the contacts, notes."""
    g = t.ground_reaction
    if g is None:
        return ""
    h = "<h3>Ground reaction forces (force plates)</h3>"
    unit_words = "body weights (BW)" if g.unit == "BW" else "newtons (the body mass is unknown)"
    out = [
        f'<p class="small">Means over the clean contacts (one foot, wholly on one plate, '
        f"from touch-down to lift-off; vertical force above 20 N); forces in {unit_words}.</p>"
    ]
    if g.rows:
        rows = [
            [
                f"{r['label']} ({r['unit']})",
                fmt(r["left"], r["decimals"]),
                fmt(r["right"], r["decimals"]),
            ]
            for r in g.rows
        ]
        out.append(table(["Stance", "Left", "Right"], rows, compact=True))
    if any(g.curves.values()):
        x = np.linspace(0.0, 100.0, 101)
        cells = []
        for key, title in GRF_TITLES.items():
            lines = [Line(y, SIDE_COLOURS[side], side) for side, y in g.curves.get(key, [])]
            if not lines:
                continue
            svg = line_chart(
                x, lines, title=title, xlabel="% of stance", ylabel=g.unit,
                width=PANEL_W, height=PANEL_H, xticks=[0, 25, 50, 75, 100],
            )
            cells.append(figs.img(svg, PANEL_W, PANEL_H, f"{title} ground reaction"))
        tds = "".join(f'<td width="{PANEL_W}">{c}</td>' for c in cells)
        key = legend(
            [
                ("line", SIDE_COLOURS["left"], "left stance"),
                ("line", SIDE_COLOURS["right"], "right stance"),
            ],
            width=672,
        )
        out.append(f"<p>{figs.img(key, 672, 22, 'legend')}</p>")
        out.append(
            f'<table class="grid" cellspacing="2" cellpadding="0"><tr>{tds}</tr></table>'
        )
    if g.contacts:
        rows = [
            [
                str(c["plate"]),
                c["side"] or "?",
                f"{c['start_s']:.2f}–{c['end_s']:.2f}",
                "yes" if c["clean"] else f"no: {c.get('reason') or ''}",
            ]
            for c in g.contacts
        ]
        out.append(table(["Plate", "Foot", "Contact (s)", "Clean"], rows, compact=True))
    out.append(_kinetics(g, figs))
    out += [f'<p class="small">{esc(n)}</p>' for n in g.notes]
    return h + "\n".join(out)


def _emg(t: TrialReport, figs: Figures) -> str:
    """EMG: each channel's envelope peak and checks; the sided ones over the gait cycle."""
    e = t.emg
    if e is None:
        return ""
    h = "<h3>EMG (linear envelopes)</h3>"
    rows = [
        [r["label"], r["side"] or "-", r["muscle"] or "-", f"{r['peak_uv']:.0f}",
         str(r["n_cycles"]),
         ", ".join(f"{a}-{b}" for a, b in r.get("active_pct") or []) or "-",
         ", ".join(r["problems"]) or "ok"]
        for r in e.rows
    ]
    out = [table(["Channel", "Side", "Muscle", "Envelope peak (µV)", "Cycles",
                  "Active (% of cycle)", "Checks"], rows, compact=True)]
    if e.cycles:
        x = np.linspace(0.0, 100.0, 101)
        cells = []
        for label, side, y in e.cycles:
            svg = line_chart(
                x, [Line(y, SIDE_COLOURS[side], label)], title=label,
                xlabel="% of gait cycle", ylabel="% of peak", width=PANEL_W, height=PANEL_H,
                xticks=[0, 25, 50, 75, 100],
            )
            cells.append(figs.img(svg, PANEL_W, PANEL_H, f"{label} envelope"))
        trs = "".join(
            "<tr>" + "".join(f'<td width="{PANEL_W}">{c}</td>' for c in cells[i : i + 3])
            + "</tr>"
            for i in range(0, len(cells), 3)
        )
        out.append(f'<table class="grid" cellspacing="2" cellpadding="0">{trs}</table>')
    out += [f'<p class="small">{esc(n)}</p>' for n in e.notes]
    return h + "\n".join(out)


def _kinetics(g: GroundReactionInfo, figs: Figures) -> str:
    """Sagittal joint moments and powers over the gait cycle against the normal bands."""
    from lmm_desktop.analysis.kinetics import FRONTAL, SHORT_TITLES, TITLES, TRANSVERSE, VARIABLES

    h = "<h3>Joint moments and powers</h3>"
    if not g.kinetics:
        return h + not_available(g.kinetics_reason or "no gait cycle starts on a clean contact")
    x = np.linspace(0.0, 100.0, 101)
    cells = []
    for var in (*VARIABLES, *FRONTAL, *TRANSVERSE):
        if not g.kinetics.get(var):
            continue
        unit = "N m/kg" if var.endswith("moment") else "W/kg"
        band = g.kinetic_bands.get(var)
        fills = [Fill(band[0], band[1], BAND_COLOUR, 0.28)] if band is not None else []
        lines = [Line(y, SIDE_COLOURS[side], side) for side, y in g.kinetics[var]]
        svg = line_chart(
            x, lines, fills=fills, title=SHORT_TITLES[var],
            xlabel="% of gait cycle", ylabel=unit, width=PANEL_W, height=PANEL_H,
            xticks=[0, 25, 50, 75, 100],
            vlines=[(v, SIDE_COLOURS[s]) for s, v in g.toe_off_pct.items() if s in SIDE_COLOURS],
        )
        cells.append(figs.img(svg, PANEL_W, PANEL_H, TITLES[var]))
    rows = "".join(
        "<tr>" + "".join(f'<td width="{PANEL_W}">{c}</td>' for c in cells[i : i + 3]) + "</tr>"
        for i in range(0, len(cells), 3)
    )
    note = (
        '<p class="small">Internal moments per kg of body mass (hip and knee extensor, ankle '
        "plantarflexor positive; in the frontal plane, hip and knee abductor positive; about "
        "the thigh's and shank's long axes, internal rotator positive, with no normal band) and "
        "joint powers per kg (generation positive) over the gait "
        "cycles that start on a clean force-plate contact; toe off dashed in the side's colour; "
        f"grey: normal mean &plusmn; 1 SD ({esc(g.kinetics_group)} walkers; typically "
        "developing children, Schwartz, Rozumalski &amp; Trost 2008).</p>"
    )
    return h + note + f'<table class="grid" cellspacing="2" cellpadding="0">{rows}</table>'



def _test_reference(ref: dict[str, object]) -> str:
    """The published cut-off (and the age norm when the age is known) a test's time is read
    against: a small table whose status is in words and colour, then the sources."""

    def row(what: str, limit: str, worse: bool, above: bool | None = None) -> str:
        cls = "marked" if worse else "within"
        word = "above" if (worse if above is None else above) else "below"
        return (
            f'<td>{esc(what)}</td><td class="num">{esc(limit)}</td><td class="{cls}">{word}</td>'
        )

    if ref.get("kind") == "score":  # the functional reach: shorter is worse
        risk = bool(ref.get("at_risk"))
        cells = (f'<td>{esc("Fall-risk limit: " + str(ref["meaning"]))}</td>'
                 f'<td class="num">{esc(str(ref["cutoff_text"]))}</td>'
                 f'<td class="{"marked" if risk else "within"}">{esc(str(ref["status"]))}</td>')
        return (
            table(["Reference", "Limit", "This reach is"], [[cells]], raw=True, compact=True)
            + f'<p class="small">{esc(str(ref["summary"]))} Sources: '
            f'{esc(str(ref["source"]))}.</p>'
        )
    if ref.get("kind") == "count":  # the 30-second chair stand: fewer is worse
        below = bool(ref.get("at_risk"))
        meaning = str(ref.get("meaning") or "")
        cells = (f'<td>{esc(meaning[:1].upper() + meaning[1:])}</td>'
                 f'<td class="num">{esc(str(ref["cutoff_text"]))}</td>'
                 f'<td class="{"marked" if below else "within"}">'
                 f'{"below average" if below else "average or better"}</td>')
        listed = ref.get("sources")
        return (
            table(["Reference", "Limit", "This score is"], [[cells]], raw=True, compact=True)
            + f'<p class="small">{esc(POPULATION_NOTE)} Sources: '
            f'{esc("; ".join(str(x) for x in (listed if isinstance(listed, list) else [])))}.</p>'
        )
    rows = [
        row(
            f"Fall-risk cut-off: {ref['meaning']} ({ref['population']})",
            str(ref["cutoff_text"]),
            bool(ref.get("at_risk", ref["above_cutoff"])),
            bool(ref["above_cutoff"]),
        )
    ]
    if ref.get("age_group") and ref.get("age_worse_than_s") is not None:
        rows.append(
            row(
                f"Worse than average for ages {ref['age_group']}",
                f"> {float(str(ref['age_worse_than_s'])):g} s",
                bool(ref.get("above_age_norm")),
            )
        )
    listed = ref.get("sources")
    sources = "; ".join(
        str(x) for x in (listed if isinstance(listed, list) else [ref.get("source")]) if x
    )
    return (
        table(["Reference", "Limit", "This time is"], rows, raw=True, compact=True)
        + f'<p class="small">{esc(POPULATION_NOTE)} Sources: {esc(sources)}.</p>'
    )


def _test_result(c: ClinicalTestInfo) -> str:
    """'Timed Up and Go (TUG): 12.3 s'; the walking-speed test reports its speed, a squat
    series its repetitions."""
    if c.test == "squats":
        return f"{c.title}: {c.repetitions} repetitions in {fmt(c.duration_s, 1)} s"
    if c.test == "standing_balance":
        area = c.measures.get("ellipse95_cm2")
        return f"{c.title}: 95 % ellipse {fmt(area, 1)} cm² over {fmt(c.duration_s, 0)} s"
    if c.test == "jumps":
        best = c.measures.get("best_height_flight_cm")
        return f"{c.title}: best {fmt(best, 0)} cm of {c.repetitions}"
    if c.test in COUNT_TESTS:
        _name, unit, window, _ref = COUNT_TESTS[c.test]
        at_least = "at least " if c.measures.get("censored") else ""
        ref = (f" ({c.reference['status']} for ages {c.reference['age_group']}, "
               f"{c.reference['cutoff_text']})" if c.reference else "")
        return f"{c.title}: {at_least}{c.repetitions} {unit} in {window}{ref}"
    if c.test == "four_stage_balance":
        ref = f" ({c.reference['status']}, {c.reference['cutoff_text']})" if c.reference else ""
        return f"{c.title}: tandem stance held {fmt(c.duration_s, 1)} s{ref}"
    if c.test == "functional_reach":
        ref = f" ({c.reference['status']}, {c.reference['cutoff_text']})" if c.reference else ""
        return f"{c.title}: {fmt(c.measures.get('reach_cm'), 1)} cm{ref}"
    speed = c.measures.get("speed_m_s")
    if speed is not None:
        return f"{c.title}: {speed:.2f} m/s over {fmt(c.duration_s, 1)} s"
    ref = f" ({c.reference['status']}, {c.reference['cutoff_text']})" if c.reference else ""
    return f"{c.title}: {fmt(c.duration_s, 1)} s{ref}"


_UNITS = (("_m_s", "m/s"), ("_cm_s", "cm/s"), ("_s", "s"), ("_m", "m"), ("_deg", "deg"))


def _components(c: ClinicalTestInfo) -> str:
    """A TUG's or 5xSTS's parts in words (see ``clinical_tests.components_text``)."""
    from lmm_desktop.analysis.clinical_tests import TestResult, components_text

    return components_text(TestResult(c.test, c.duration_s, [], "", measures=c.measures))


def _measure_text(key: str, value: float) -> str:
    """'speed_m_s' 1.3 -> 'speed 1.30 m/s'."""
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} {value:.2f} {unit}"
    return f"{key.replace('_', ' ')} {value:.2f}"


def _quality(t: TrialReport) -> str:
    h = f"<h3>{H_QUALITY}</h3>"
    body = (
        "<p>No data-quality problem was found.</p>"
        if not t.quality
        else table(["Severity", "Problem"], [[q.severity, q.message] for q in t.quality])
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in t.notes)
    return (
        h
        + body
        + (f'<p class="small">Analysis notes:</p><ul class="small">{notes}</ul>' if notes else "")
    )


def _snapshot(t: TrialReport, figs: Figures) -> str:
    h = f"<h3>{H_SNAPSHOT}</h3>"
    if t.snapshot_png:
        img = figs.png_img(t.snapshot_png, 560, "3D view")
    elif t.snapshot_svg:
        img = figs.img(t.snapshot_svg, 640, 210, "side view")
    else:
        return h + not_available(t.reasons.get("snapshot") or "no snapshot was captured")
    caption = f'<p class="small">{esc(t.snapshot_caption)}</p>' if t.snapshot_caption else ""
    return h + f"<p>{img}</p>" + caption


def _ai(m: ReportModel, t: TrialReport) -> str:
    h = f"<h3>{H_AI}</h3>"
    if not m.options.include_ai:
        return h + not_available("left out of this report (--no-ai)", "AI findings not included")
    if not t.ai:
        return h + not_available(
            t.ai_reason or "no question was asked about this trial", "AI findings not available"
        )
    rows = []
    for a in t.ai:
        conf = "" if a.confidence is None else f"confidence {a.confidence * 100:.0f} %"
        if a.interval is not None:
            conf = (f"80 % interval {show_value(a.task, a.interval[0], None)} - "
                    f"{show_value(a.task, a.interval[1], a.unit)}")
        diff = ", ".join(f"{lab} {p * 100:.0f} %" for lab, p in a.differential[:3])
        meas = "" if a.measured is None else show_value(a.task, a.measured, a.unit)
        flags = ", ".join(f.replace("_", " ") for f in a.flags) or "none"
        rows.append(
            [
                f'<td><b>{esc(a.title)}</b><br><span class="small">{esc(a.question)}</span></td>',
                f'<td>{esc(a.result or a.answer)}<br><span class="small">{esc(diff)}</span></td>',
                f"<td>{esc(conf) or NA}</td>",
                f"<td>{esc(meas) or NA}</td>",
                f"<td>{esc(flags)}</td>",
            ]
        )
    version = next((a.model_version for a in t.ai if a.model_version), None)
    k = max((a.wordings for a in t.ai), default=0)
    # One note for the table: the probabilities and estimates do not depend on the wording.
    wordings = (f" Probabilities and estimates average the model's answers to {k} fixed "
                "wordings of each question." if k > 1 else "")
    return (
        h + '<table class="ai" width="100%" cellpadding="4" cellspacing="0"><tr><td>'
        f'<p class="disclaimer">{AI_DISCLAIMER}.</p>'
        '<p class="small">Estimates from the motion-language model for the clinician to '
        "weigh against the examination; they are not a diagnosis. Model: "
        f"{esc(version or 'unknown')}.{esc(wordings)}</p>"
        + table(["Question", "AI estimate", "Confidence", "Measured", "Flags"], rows, raw=True)
        + "</td></tr></table>"
    )


def _comparison(c: Comparison, figs: Figures) -> str:
    h = f'<h2 class="pagebreak">{H_COMPARISON}: {esc(c.label_a)} and {esc(c.label_b)}</h2>'
    rows = [
        [
            r.label + (f" ({r.unit})" if r.unit else ""),
            fmt(r.a, r.decimals),
            fmt(r.b, r.decimals),
            "n/a" if r.difference is None else f"{r.difference:+.{r.decimals}f}",
            "n/a" if r.percent_change is None else f"{r.percent_change:+.1f} %",
        ]
        for r in c.rows
    ]
    diff = (
        table(["Parameter (unit)", c.label_a, c.label_b, "Difference (B - A)", "% change"], rows)
        if rows
        else not_available("nothing measured in both")
    )
    if c.reason:
        curves = not_available(c.reason)
    else:
        key = legend(
            [
                ("line", SIDE_COLOURS["left"], "A left"),
                ("dashed", SIDE_COLOURS["left"], "B left"),
                ("line", SIDE_COLOURS["right"], "A right"),
                ("dashed", SIDE_COLOURS["right"], "B right"),
                ("band", BAND_COLOUR, "normal range"),
            ],
            width=672,
        )
        curves = f"<p>{figs.img(key, 672, 22, 'legend')}</p>" + panel_grid(c.panels, figs)
    return h + "<h3>Differences</h3>" + diff + '<h3 class="pagebreak">Curves overlaid</h3>' + curves


def _lines(text: str) -> str:
    """Escaped text whose line breaks survive (a note typed in paragraphs stays so)."""
    return "<br/>".join(esc(line) for line in text.strip().splitlines())


def _notes(m: ReportModel) -> str:
    items = []
    if m.session_note:
        items.append(f"<p><b>Session summary:</b><br/>{_lines(m.session_note)}</p>")
    for t in m.trials:
        if t.note:
            items.append(f"<p><b>{esc(t.label)}:</b> {_lines(t.note)}</p>")
    body = "".join(items) or '<p class="na">No notes recorded.</p>'
    return f"<h2>{H_NOTES}</h2>" + body


def _chat(m: ReportModel) -> str:
    h = f"<h2>{H_CHAT}</h2>"
    if not m.chat:
        return h + not_available("no chat was recorded for these trials")
    rows = [["Clinician" if c.role == "user" else "Assistant (AI)", c.text] for c in m.chat]
    return (
        h
        + f'<p class="small">Assistant answers are an {AI_DISCLAIMER}.</p>'
        + table(["Who", "Message"], rows, widths=["18%", "82%"])
    )


def _signoff(m: ReportModel) -> str:
    s = m.sign_off
    name = esc(s.name) if s.name else "&nbsp;" * 40
    date = esc(s.date) if s.date else "&nbsp;" * 20
    return (
        f"<h2>{H_SIGNOFF}</h2>"
        '<table cellpadding="6" cellspacing="0" width="100%">'
        f'<tr><td width="22%">Clinician</td><td class="signline">{name}</td></tr>'
        f'<tr><td>Date</td><td class="signline">{date}</td></tr>'
        '<tr><td>Signature</td><td class="signline">&nbsp;<br>&nbsp;</td></tr></table>'
        '<p class="small">I have reviewed the measurements and any AI estimates in this '
        "report.</p>"
    )
