"""Comparison report (difference table, overlaid curves), chat export, SVG helpers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.errors import InvalidValueError
from lmm_desktop.records.models import ChatMessage
from lmm_desktop.report.assemble import TrialInput, assemble_report
from lmm_desktop.report.build import make_scrubber
from lmm_desktop.report.chat_export import chat_json, chat_markdown, export_chat
from lmm_desktop.report.html import render_html
from lmm_desktop.report.model import AI_DISCLAIMER, DifferenceRow
from lmm_desktop.report.svg import Line, line_chart, nice_ticks


def test_difference_row_arithmetic() -> None:
    r = DifferenceRow("Walking speed", "m/s", 2, 1.25, 1.0)
    assert r.difference == pytest.approx(-0.25) and r.percent_change == pytest.approx(-20.0)
    assert DifferenceRow("x", "", 1, None, 1.0).difference is None
    assert DifferenceRow("x", "", 1, 0.0, 1.0).percent_change is None


def test_comparison_of_two_trials(walk_unimpaired: TrialInput, walk_parkinsons: TrialInput) -> None:
    model = assemble_report([walk_unimpaired, walk_parkinsons], comparison=True)
    comp = model.comparison
    assert comp is not None and comp.reason is None
    a, b = model.trials
    rows = {r.label: r for r in comp.rows}
    speed_a = next(r.both for r in a.spatiotemporal if r.key == "speed_m_s")
    speed_b = next(r.both for r in b.spatiotemporal if r.key == "speed_m_s")
    assert speed_a is not None and speed_b is not None
    speed = rows["Walking speed"]
    assert (speed.a, speed.b) == (speed_a.value, speed_b.value)
    assert speed.percent_change == pytest.approx(
        (speed_b.value - speed_a.value) / speed_a.value * 100
    )
    assert "Step length (left)" in rows and "Gait Profile Score (overall)" in rows
    knee = next(p for p in comp.panels if p.key == "knee_angle")
    assert [(s.label, s.dashed) for s in knee.series] == [
        ("A left", False),
        ("A right", False),
        ("B left", True),
        ("B right", True),
    ]
    html = render_html(model).html
    assert "Difference (B - A)" in html and "% change" in html and "Curves overlaid" in html


def test_comparison_without_cycles_says_why(
    opencap_walk: TrialInput, walk_unimpaired: TrialInput
) -> None:
    model = assemble_report([opencap_walk, opencap_walk], comparison=True)
    assert model.comparison is not None
    assert model.comparison.reason is not None and "no gait cycles" in model.comparison.reason
    html = render_html(model).html
    assert "Not available: no gait cycles to overlay" in html


MESSAGES = [
    ChatMessage("user", "Does Ada limp?", "2026-11-20T10:00:00+00:00"),
    ChatMessage("assistant", "The right step is shorter.\nCheck the video.", ""),
]


def test_chat_markdown_and_json(tmp_path: Path) -> None:
    md = chat_markdown(MESSAGES, trial="walk_01", patient="P-ABC123")
    assert md.startswith("# Chat about trial walk_01\n")
    assert "**Clinician** (2026-11-20T10:00:00+00:00):" in md
    assert "**Assistant**:" in md and "Check the video." in md and AI_DISCLAIMER in md
    doc = chat_json(MESSAGES, trial="walk_01")
    assert doc["format_version"] == 1 and doc["disclaimer"] == AI_DISCLAIMER
    assert [m["role"] for m in doc["messages"]] == ["user", "assistant"]
    scrub = make_scrubber("Ada Lovelace", "1815-12-10", "P-ABC123")
    out = export_chat(MESSAGES, tmp_path / "chat.json", trial="walk_01", scrub=scrub)
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert loaded["messages"][0]["text"] == "Does P-ABC123 limp?"
    assert export_chat(MESSAGES, tmp_path / "chat.md", trial="w").read_text().count("**") == 4
    with pytest.raises(InvalidValueError, match=r"Allowed suffixes are '\.md', '\.json'"):
        export_chat(MESSAGES, tmp_path / "chat.txt", trial="w")


def test_scrubber_spellings() -> None:
    scrub = make_scrubber("Ada Lovelace", "1815-12-10", "P-1")
    assert scrub("ada LOVELACE born 10/12/1815 or 1815-12-10 or 10.12.1815") == (
        "P-1 born P-1 or P-1 or P-1"
    )
    assert scrub("Mrs Lovelace and Ada") == "Mrs P-1 and P-1"
    assert scrub("Adamant") == "Adamant"  # whole words only


def test_svg_helpers() -> None:
    assert nice_ticks(-7.3, 42.0) == [-10.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    assert nice_ticks(0.0, 0.0) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    y = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    svg = line_chart(np.arange(5.0), [Line(y, "#ff0000")], title="t")
    assert svg.count("<polyline") == 2  # a NaN breaks the line
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_comparison_of_two_squat_series(fixtures_dir: Path) -> None:
    """Before / after squats: depth, each side's flexion peaks and their symmetry, the weight
    shift as a change in cm (no % change of an offset either way of zero)."""
    from dataclasses import replace

    from lmm_desktop.core.canonical import JOINT_INDEX
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse

    before = read_trial(fixtures_dir / "opencap" / "squats1_videoAndMocap.mot")
    kin = before.kinematics
    assert kin is not None
    angles = kin.angles.copy()
    angles[:, JOINT_INDEX["knee_angle_l"]] *= 0.8  # the left knee bends less afterwards
    after = replace(before, kinematics=replace(kin, angles=angles))
    model = assemble_report([analyse(before), analyse(after)], comparison=True)
    assert model.comparison is not None
    rows = {r.label: r for r in model.comparison.rows}
    left = rows["Squats: peak knee flexion (left)"]
    assert left.b == pytest.approx(0.8 * left.a, rel=1e-6)  # type: ignore[operator]
    right = rows["Squats: peak knee flexion (right)"]
    assert right.difference == pytest.approx(0.0, abs=1e-9)
    sym = rows["Squats: peak knee flexion symmetry"]
    assert sym.a > 95 and sym.b == pytest.approx(80 * left.a / right.a, rel=0.01)  # type: ignore[operator]
    assert sym.percent_change is None
    shift = rows["Squats: lateral shift at bottom (+ right)"]
    assert shift.difference is not None and shift.percent_change is None
    assert rows["Squats: depth (pelvis drop)"].a == pytest.approx(35.0, abs=1.0)
    html = render_html(model).html
    assert "Squats: knee / ankle separation at bottom</td>" in html  # no empty '()' unit


def test_the_tests_compared_by_their_result_not_their_length() -> None:
    """A chair stand compares its stands, a reach its centimetres, a jump trial its best
    height, a 4-Stage Balance Test its tandem stance; a squat series is compared by its
    repetitions' measures, not by the series' length."""
    from dataclasses import replace

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse
    from lmm_desktop.report.compare import difference_rows
    from lmm_desktop.report.model import ClinicalTestInfo, ReportOptions, TrialReport

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    base = assemble_report([analyse(read_trial(demo / "S0039_chair_stand_30s_01.mot"))],
                           options=ReportOptions(include_ai=False)).trials[0]

    def trial(**tests: tuple[float, int | None, dict[str, float]]) -> TrialReport:
        return replace(base, clinical_tests=[
            ClinicalTestInfo(k, k.replace("_", " ").title(), d, [], "", reps, m)
            for k, (d, reps, m) in tests.items()])

    a = trial(thirty_second_chair_stand=(30.0, 6, {}), functional_reach=(20.0, 3,
              {"reach_cm": 18.0}), jumps=(3.0, 2, {"best_height_flight_cm": 20.0}),
              squats=(12.0, 4, {}), timed_up_and_go=(17.2, None, {}))
    b = trial(thirty_second_chair_stand=(30.0, 9, {}), functional_reach=(21.0, 3,
              {"reach_cm": 24.0}), jumps=(3.0, 2, {"best_height_flight_cm": 25.0}),
              squats=(10.0, 4, {}), timed_up_and_go=(14.0, None, {}))
    rows = {r.label: r for r in difference_rows(a, b)}
    assert (rows["Thirty Second Chair Stand stands in 30 s"].a,
            rows["Thirty Second Chair Stand stands in 30 s"].b) == (6, 9)
    assert rows["Functional Reach reach"].unit == "cm"
    assert rows["Functional Reach reach"].difference == pytest.approx(6.0)
    assert rows["Jumps best height"].percent_change == pytest.approx(25.0)
    assert rows["Timed Up And Go time"].difference == pytest.approx(-3.2)
    assert not any(k.startswith("Squats") for k in rows)
