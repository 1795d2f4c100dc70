"""Comparison of two trials or sessions (e.g. before and after treatment): overlaid cycle curves
and a difference table (A, B, B - A, % change from A)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lmm_desktop.report.model import Comparison, CurvePanel, DifferenceRow, Measure, TrialReport


def _value(m: Measure | None) -> float | None:
    return None if m is None else m.value


def difference_rows(a: TrialReport, b: TrialReport) -> list[DifferenceRow]:
    """Spatiotemporal parameters, GPS and clinical-test times measured in both or either."""
    rows: list[DifferenceRow] = []
    b_rows = {r.key: r for r in b.spatiotemporal}
    a_rows = {r.key: r for r in a.spatiotemporal}
    for key in [*a_rows, *(k for k in b_rows if k not in a_rows)]:
        ra, rb = a_rows.get(key), b_rows.get(key)
        ref = ra or rb
        assert ref is not None
        if ref.both is not None or (ra and ra.both) or (rb and rb.both):
            rows.append(
                DifferenceRow(
                    ref.label,
                    ref.unit,
                    ref.decimals,
                    _value(ra.both if ra else None),
                    _value(rb.both if rb else None),
                )
            )
            continue
        for side in ("left", "right"):
            rows.append(
                DifferenceRow(
                    f"{ref.label} ({side})",
                    ref.unit,
                    ref.decimals,
                    _value(getattr(ra, side)) if ra else None,
                    _value(getattr(rb, side)) if rb else None,
                )
            )
    ga, gb = a.gait_profile, b.gait_profile
    if ga is not None or gb is not None:
        rows.append(
            DifferenceRow(
                "Gait Profile Score (overall)",
                "deg",
                1,
                ga.gps_overall if ga else None,
                gb.gps_overall if gb else None,
            )
        )
        for side in ("left", "right"):
            rows.append(
                DifferenceRow(
                    f"Gait Profile Score ({side})",
                    "deg",
                    1,
                    ga.gps.get(side) if ga else None,
                    gb.gps.get(side) if gb else None,
                )
            )
    rows += _kinetic_rows(a, b)
    rows += _squat_rows(a, b)
    ta = {t.test: t for t in a.clinical_tests if t.duration_s is not None}
    tb = {t.test: t for t in b.clinical_tests if t.duration_s is not None}
    for test in [*ta, *(k for k in tb if k not in ta)]:
        if test == "squats":
            continue  # its repetitions' measures are compared above, not the series' length
        ref_t = ta.get(test) or tb[test]
        what, unit, decimals, value = _TEST_RESULTS.get(test, _TIME)
        rows.append(
            DifferenceRow(
                f"{ref_t.title} {what}",
                unit,
                decimals,
                value(ta[test]) if test in ta else None,
                value(tb[test]) if test in tb else None,
            )
        )
    return rows


_TIME: tuple[str, str, int, Any] = ("time", "s", 2, lambda t: t.duration_s)
_TEST_RESULTS: dict[str, tuple[str, str, int, Any]] = {
    # the tests whose result is not their duration: what is compared instead
    "thirty_second_chair_stand": ("stands in 30 s", "stands", 0, lambda t: t.repetitions),
    "arm_curl_30s": ("curls in 30 s", "curls", 0, lambda t: t.repetitions),
    "two_minute_step_test": ("steps in 2 min", "steps", 0, lambda t: t.repetitions),
    "functional_reach": ("reach", "cm", 1, lambda t: t.measures.get("reach_cm")),
    "four_stage_balance": ("tandem stance", "s", 1, lambda t: t.duration_s),
    "jumps": ("best height", "cm", 1, lambda t: t.measures.get("best_height_flight_cm")),
    "standing_balance": ("95 % ellipse", "cm²", 1, lambda t: t.measures.get("ellipse95_cm2")),
}


#: squat measures compared (keys of ``squat_rows``), with the limb symmetry of the peaks
SQUAT_KEYS = ("depth_cm", "knee_flexion_deg", "hip_flexion_deg", "ankle_dorsiflexion_deg",
              "knee_ankle_ratio", "lateral_shift_cm", "trunk_lean_deg", "pelvic_drop_deg")
SIGNED = ("lateral_shift_cm",)
"""Offsets either way of zero: their change is given, not a % change."""


def _squat_rows(a: TrialReport, b: TrialReport) -> list[DifferenceRow]:
    """A squat series' depth, flexion peaks per side and their symmetry, knee alignment,
    weight shift and trunk lean, when either trial is a squat series."""
    if a.squats is None and b.squats is None:
        return []
    ra = {r["key"]: r for r in (a.squats.rows if a.squats else [])}
    rb = {r["key"]: r for r in (b.squats.rows if b.squats else [])}
    out = []
    for key in SQUAT_KEYS:
        x, y = ra.get(key), rb.get(key)
        ref = x or y
        if ref is None:
            continue
        unit, dec, label = ref["unit"], ref["decimals"], f"Squats: {ref['label'].lower()}"

        def get(row: dict[str, Any] | None, field: str) -> float | None:
            return None if row is None else row.get(field)

        if "value" in ref:
            out.append(DifferenceRow(label, unit, dec, get(x, "value"), get(y, "value"),
                                     relative=key not in SIGNED))
            continue
        for side in ("left", "right"):
            out.append(DifferenceRow(f"{label} ({side})", unit, dec, get(x, side), get(y, side)))
        if get(x, "symmetry_pct") is not None or get(y, "symmetry_pct") is not None:
            out.append(DifferenceRow(f"{label} symmetry", "%", 0, get(x, "symmetry_pct"),
                                     get(y, "symmetry_pct"), relative=False))
    return out


#: (variable, label, unit, max or min) of the kinetic peaks compared
KINETIC_ROWS = (
    ("ankle_moment", "Ankle plantarflexor moment peak", "N m/kg", "max"),
    ("ankle_power", "Ankle power generation peak", "W/kg", "max"),
    ("knee_moment", "Knee extensor moment peak", "N m/kg", "max"),
    ("hip_moment", "Hip extensor moment peak", "N m/kg", "max"),
)


def kinetic_peak(t: TrialReport, var: str, side: str, kind: str) -> float | None:
    """The mean over a side's cycles of a kinetic curve's peak (``kind`` 'max' or 'min'), or
    None when the trial has no such curve."""
    g = t.ground_reaction
    if g is None or var not in g.kinetics:
        return None
    ys = [y for s, y in g.kinetics[var] if s == side]
    if not ys:
        return None
    return float(sum(float(y.max() if kind == "max" else y.min()) for y in ys) / len(ys))


def _kinetic_rows(a: TrialReport, b: TrialReport) -> list[DifferenceRow]:
    """The kinetic peaks per side, when either trial has joint kinetics."""
    rows = []
    for var, label, unit, kind in KINETIC_ROWS:
        for side in ("left", "right"):
            va, vb = kinetic_peak(a, var, side, kind), kinetic_peak(b, var, side, kind)
            if va is not None or vb is not None:
                rows.append(DifferenceRow(f"{label} ({side})", unit, 2, va, vb))
    return rows


def overlay_panels(
    a: TrialReport, b: TrialReport, label_a: str = "A", label_b: str = "B"
) -> list[CurvePanel]:
    """A's curves solid, B's dashed, on A's normative bands (B's when A has none)."""
    b_by_key = {p.key: p for p in b.panels}
    out = []
    keys = [p.key for p in a.panels] + [
        p.key for p in b.panels if p.key not in {q.key for q in a.panels}
    ]
    a_by_key = {p.key: p for p in a.panels}
    for key in keys:
        pa, pb = a_by_key.get(key), b_by_key.get(key)
        ref = pa or pb
        assert ref is not None
        series = [
            replace(s, label=f"{label_a} {s.side}", dashed=False) for s in (pa.series if pa else [])
        ]
        series += [
            replace(s, label=f"{label_b} {s.side}", dashed=True) for s in (pb.series if pb else [])
        ]
        bands = pa.bands if pa and pa.bands else (pb.bands if pb else [])
        reason = None if series else (ref.reason or "no gait cycle in either trial")
        out.append(CurvePanel(ref.key, ref.title, ref.positive, series, bands, {}, reason))
    return out


def compare(
    a: TrialReport, b: TrialReport, *, label_a: str | None = None, label_b: str | None = None
) -> Comparison:
    """The comparison section for two trials (A first, e.g. the earlier session)."""
    la = label_a or f"A: {a.label}"
    lb = label_b or f"B: {b.label}"
    panels = overlay_panels(a, b, la.split(":")[0], lb.split(":")[0])
    reason = None
    if not any(p.series for p in panels):
        why = a.reasons.get("cycles") or b.reasons.get("cycles") or "no gait cycles"
        reason = f"no gait cycles to overlay ({why})"
    return Comparison(la, lb, panels, difference_rows(a, b), reason)
