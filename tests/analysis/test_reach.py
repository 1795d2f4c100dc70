"""The Functional Reach Test: attempts found on the simulated demo, the result over the
attempts, the fall-risk limits and the age and sex norms, trials that are not one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.analysis import reach as fr
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.analysis.reach import (
    FUNCTIONAL_REACH,
    ReachAttempt,
    reach_reference,
    reach_result,
)
from lmm_desktop.io import read_trial

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_the_result_over_the_attempts() -> None:
    three = [ReachAttempt("right", 0, 1, 2, v) for v in (18.0, 20.0, 22.0)]
    m = reach_result(three)
    assert m["reach_cm"] == 21.0 and m["best_cm"] == 22.0 and m["n_attempts"] == 3
    assert m["reach_1_cm"] == 18.0  # the practice attempt is listed, not averaged
    assert reach_result(three[:2])["reach_cm"] == 19.0
    assert reach_result(three[:1])["reach_cm"] == 18.0


@pytest.mark.parametrize(("cm", "status", "risk"), [
    (12.0, "4x fall risk", True), (15.2, "4x fall risk", True), (20.0, "2x fall risk", True),
    (25.4, "2x fall risk", True), (30.0, "lower risk", False)])
def test_the_fall_risk_limits(cm: float, status: str, risk: bool) -> None:
    ref = reach_reference(cm)
    assert ref is not None
    assert ref["status"] == status and ref["at_risk"] is risk and ref["kind"] == "score"
    assert ref["cutoff_text"] == "≤ 25.4 cm" and ref["value_text"] == f"{cm:.1f} cm"
    assert "Duncan PW" in ref["source"]


def test_the_age_and_sex_norm() -> None:
    ref = reach_reference(20.0, 75.0, "female")
    assert ref is not None and ref["who"] == "women aged 70-87"
    assert "The average for women aged 70-87 is 26.6 +/- 8.9 cm." in ref["summary"]
    assert reach_reference(20.0, 90.0, "male")["who"] is None  # type: ignore[index]
    assert reach_reference(20.0, 75.0, None)["who"] is None  # type: ignore[index]
    assert reach_reference(None) is None and reach_reference(float("nan")) is None


def test_the_simulated_demo_has_three_reaches() -> None:
    trial = read_trial(DEMO / "S0039_functional_reach_01.mot")
    result = analyze(trial)
    test = next(t for t in result.clinical_tests if t.test == FUNCTIONAL_REACH)
    assert test.repetitions == 3
    assert [p.name for p in test.phases] == [f"reach {k}, right arm" for k in (1, 2, 3)]
    assert "standing_balance" not in [t.test for t in result.clinical_tests]
    assert "leans forward on purpose" in result.reasons["clinical_tests.standing_balance"]


def test_a_foot_that_moves_leaves_the_attempt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the step limit at 0 cm every attempt has a foot 'moving' (tracking noise): none is
    kept, and the trial is not a reach test."""
    monkeypatch.setattr(fr, "STEP_M", 0.0)
    result = analyze(read_trial(DEMO / "S0039_functional_reach_01.mot"))
    assert FUNCTIONAL_REACH not in [t.test for t in result.clinical_tests]
    assert "no reach forward" in result.reasons[f"clinical_tests.{FUNCTIONAL_REACH}"]


@pytest.mark.parametrize("name", ["S0004_walking_01.mot", "S0004_one_leg_stance_01.mot",
                                  "S0048_four_stage_balance_01.mot", "S0004_sts5_01.mot"])
def test_other_trials_are_not_a_reach_test(name: str) -> None:
    result = analyze(read_trial(DEMO / name))
    assert FUNCTIONAL_REACH not in [t.test for t in result.clinical_tests]


def test_in_the_tests_table_the_report_and_a_study_table() -> None:
    from lmm_desktop.report.assemble import PatientDetails, analyse, assemble_report
    from lmm_desktop.report.batch import row_of, summary_text
    from lmm_desktop.report.html import key_findings, render_html
    from lmm_desktop.report.model import ReportOptions, SessionInfo
    from lmm_desktop.report.progress import measures_of
    from lmm_desktop.ui.analysis_view import hand_timed, test_phases, test_rows

    trial = read_trial(DEMO / "S0039_functional_reach_01.mot")
    result = analyze(trial)
    row = next(r for r in test_rows(result, 66.0, "male") if r.name == "FRT")
    reach = result.clinical_tests[0].measures["reach_cm"]
    assert row.value == f"{reach:.1f} cm" and row.cutoff == "≤ 25.4 cm"
    assert row.status == "2x fall risk" and row.at_risk is True
    assert row.detail.startswith("mean of the last 2 of 3 attempts; best ")
    assert "The average for men aged 41-69 is 37.8 +/- 5.6 cm." in row.explanation
    assert test_phases(result)[0] == "FRT" and not hand_timed(result)
    model = assemble_report([analyse(trial)],
                            patient=PatientDetails("A B", "1960-05-01", "male", "P-1"),
                            session=SessionInfo("2026-11-20"),
                            options=ReportOptions(include_ai=False))
    assert any(f.startswith(f"Functional Reach Test (FRT) {reach:.1f} cm, a reach of 25.4 cm")
               for f in key_findings(model))
    html = render_html(model).html
    assert f"Functional Reach Test (FRT): {reach:.1f} cm (2x fall risk, ≤ 25.4 cm)" in html
    assert "This reach is" in html
    table_row = row_of(result.to_dict())
    assert table_row["functional_reach_cm"] == pytest.approx(reach, abs=1e-3)  # rounded
    assert summary_text(table_row)[0].startswith(f"reach {reach:.0f} cm")
    assert measures_of(result)["functional_reach_cm"] == pytest.approx(reach, abs=1e-3)
