"""The 4-Stage Balance Test: the positions read from where the feet are, the longest tandem
stance against the 10 s of the CDC's STEADI, and trials that are not one."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from lmm_desktop.analysis.clinical_norms import reference_for
from lmm_desktop.analysis.clinical_tests import (
    OLS,
    components_text,
    detect_activity_segments,
    run_clinical_tests,
)
from lmm_desktop.analysis.four_stage import FOUR_STAGE, four_stage_measures, four_stage_text
from tests.analysis.test_clinical_tests import DT, Synthetic, build, make_sts, make_walk, ramp

FOOT = 0.258  # heel to toe of the built-in model at 1.70 m


def _feet_plan(moves: list[tuple[str, float, tuple[float, float], float]], end: float
               ) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Heels (x forward, height, z right) from feet apart; each move ``(foot, start,
    (x, z), lift)`` carries that foot over 0.5 s to ``(x, z)``, lifted ``lift`` m on the way
    (a longer ``lift`` > 0.05 is held up as a one-leg stance until the next move of it)."""
    t = np.arange(0, end, DT)
    heels = {"r": np.tile([0.0, 0.0, 0.085], (len(t), 1)),
             "l": np.tile([0.0, 0.0, -0.085], (len(t), 1))}
    for foot, t0, (x, z), lift in moves:
        h = heels[foot]
        h[:, 0] += ramp(t, t0, t0 + 0.5, 0, x - h[np.searchsorted(t, t0), 0])
        h[:, 2] += ramp(t, t0, t0 + 0.5, 0, z - h[np.searchsorted(t, t0), 2])
        h[:, 1] += lift * np.sin(np.pi * np.clip((t - t0) / 0.5, 0, 1))
    return t, heels


def make_four_stage(tandem_s: float = 7.0) -> Synthetic:
    """Feet apart to 1.0 s; feet together 2.0-12.5 s; semi-tandem (left foot half a foot ahead)
    13.0-23.5; tandem (left heel at the right toe) 24.5 to 24.5 + ``tandem_s``; back to feet
    together, then standing on the right leg 5 s."""
    half = 0.045
    t_end = 24.5 + tandem_s
    moves = [
        ("l", 1.0, (0.0, -half), 0.04), ("r", 1.5, (0.0, half), 0.04),
        ("l", 12.5, (0.5 * FOOT, -half), 0.04),
        ("l", 23.5, (FOOT, 0.0), 0.04), ("r", 24.0, (0.0, 0.0), 0.04),
        ("l", t_end, (0.0, -half), 0.04), ("r", t_end + 0.5, (0.0, half), 0.04),
    ]
    t, heels = _feet_plan(moves, t_end + 10.0)
    up0 = t_end + 2.0
    heels["l"][:, 1] += ramp(t, up0, up0 + 0.3, 0, 0.10) - ramp(t, up0 + 5.0, up0 + 5.3, 0, 0.10)
    centre = (heels["r"] + heels["l"]) / 2
    stand_on_right = (t > up0) & (t < up0 + 5.3)
    z = np.where(stand_on_right, heels["r"][:, 2], centre[:, 2])
    pelvis = np.column_stack([centre[:, 0] + 0.05, np.full_like(t, 0.93), z])
    truth = {"together": 10.5, "semi": 10.5, "tandem": tandem_s, "one_leg": 5.0}
    return build(t, pelvis, np.zeros_like(t), heels, truth)


@pytest.fixture(scope="module")
def four() -> Synthetic:
    return make_four_stage()


def test_each_position_and_its_time(four: Synthetic) -> None:
    seg = detect_activity_segments(four.kin, four.time, four.points)
    assert seg.applicable[FOUR_STAGE] is None
    kinds = [(s.position, s.front) for s in seg.stances]
    assert kinds == [("feet together", None), ("semi-tandem", "left"), ("tandem", "left"),
                     ("feet together", None), ("feet together", None)]  # before and after
    assert seg.stances[-1].censored  # still standing when the recording ends
    results, _ = run_clinical_tests(four.kin, four.time, four.points)
    test = next(r for r in results if r.test == FOUR_STAGE)
    m = test.measures
    # the ankles within 1 cm of their height in the position: before, the floor test's 3 cm
    # let in the landing's and lifting's last centimetres (+0.21-0.25 s); now +0.04 s
    assert m["together_s"] == pytest.approx(four.truth["together"], abs=0.1)
    assert m["semi_tandem_s"] == pytest.approx(four.truth["semi"], abs=0.1)
    assert m["tandem_s"] == pytest.approx(four.truth["tandem"], abs=0.1)
    assert m["one_leg_s"] == pytest.approx(four.truth["one_leg"], abs=0.4)
    assert test.duration_s == m["tandem_s"] and m["tandem_left_front"] == 1.0
    assert m["stage_held"] == 2.0  # the tandem was not held for 10 s
    assert [p.name for p in test.phases][:3] == [
        "feet together", "semi-tandem, left in front", "tandem, left in front"]
    assert any(r.test == OLS for r in results)  # the fourth stage is also the one-leg stance
    ref = reference_for(FOUR_STAGE, test.duration_s)
    assert ref is not None and ref.at_risk and ref.cutoff_text == "< 10 s"
    text = components_text(test)
    assert f"tandem {m['tandem_s']:.1f} s (left foot in front, sway " in text
    # the scripted pelvis stays put: its sway in each position is near nothing
    assert all(m[k] < 0.5 for k in ("together_sway_cm_s", "semi_tandem_sway_cm_s",
                                     "tandem_sway_cm_s", "one_leg_sway_cm_s"))
    assert "held for 10 s up to stage 2 (semi-tandem)" in text


def test_a_tandem_held_for_10_s_is_not_a_risk() -> None:
    syn = make_four_stage(tandem_s=11.0)
    results, _ = run_clinical_tests(syn.kin, syn.time, syn.points)
    test = next(r for r in results if r.test == FOUR_STAGE)
    assert test.duration_s == pytest.approx(11.0, abs=0.3)
    assert test.measures["stage_held"] == 3.0  # the one-leg stance (5 s) was not held 10 s
    ref = reference_for(FOUR_STAGE, test.duration_s)
    assert ref is not None and not ref.at_risk


def test_walking_sit_to_stand_and_plain_standing_are_not_a_four_stage_test() -> None:
    for syn in (make_walk(), make_sts()):
        _, reasons = run_clinical_tests(syn.kin, syn.time, syn.points)
        assert reasons[FOUR_STAGE] == "the trial has rises, sits or walking"
    # feet together alone (quiet standing) is not the test
    t, heels = _feet_plan([("l", 1.0, (0.0, -0.045), 0.04), ("r", 1.5, (0.0, 0.045), 0.04)],
                          14.0)
    pelvis = np.column_stack([np.full_like(t, 0.05), np.full_like(t, 0.93), np.zeros_like(t)])
    still = build(t, pelvis, np.zeros_like(t), heels, {})
    results, reasons = run_clinical_tests(still.kin, still.time, still.points)
    assert FOUR_STAGE not in [r.test for r in results]
    assert "no tandem stance" in reasons[FOUR_STAGE]


def test_measures_stage_order_and_text() -> None:
    from lmm_desktop.analysis.four_stage import Stance

    time = np.arange(0, 40, 0.5)
    stances = [Stance("feet together", 0, 21, None, False), Stance("semi-tandem", 22, 30, "right",
                                                                   False)]
    m = four_stage_measures(stances, [], time)
    assert m == {"together_s": 10.5, "semi_tandem_s": 4.0, "stage_held": 1.0}
    assert four_stage_text(m) == (
        "Feet together 10.5 s, semi-tandem 4.0 s; held for 10 s up to stage 1 (feet together).")
    assert four_stage_text({}) == ""


def _as_trial(syn: Synthetic):  # type: ignore[no-untyped-def]
    from lmm_desktop.core.trial import Provenance, Trial

    return Trial(time=syn.time, rate_hz=100.0, source=None, kinematics=syn.kin,
                 provenance=Provenance(None, "mot", trial_name="four_stage", simulated=True))


def test_in_the_window_table_the_report_and_a_study_table(four: Synthetic) -> None:
    """The tests table row, the report's result line and key finding, the batch column, the
    progress measure."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.report.assemble import analyse, assemble_report
    from lmm_desktop.report.batch import row_of, summary_text
    from lmm_desktop.report.html import key_findings, render_html
    from lmm_desktop.report.model import ReportOptions
    from lmm_desktop.report.progress import measures_of
    from lmm_desktop.ui.analysis_view import hand_timed, test_phases, test_rows

    trial = _as_trial(four)
    result = analyze(trial)
    row = next(r for r in test_rows(result) if r.name == "4-Stage")
    assert row.value.startswith("tandem 7.") and row.cutoff == "< 10 s" and row.at_risk
    assert row.detail.startswith("together 10.") and "one leg 5." in row.detail
    name, phases = test_phases(result)
    assert name == "4-Stage" and phases[1][0] == "semi-tandem, left in front"
    assert not hand_timed(result)
    model = assemble_report([analyse(trial)], options=ReportOptions(include_ai=False))
    found = key_findings(model)
    assert any(f.startswith("4-Stage Balance Test (4-Stage): the tandem stance held 7.")
               and f.endswith("under 10 s (an increased risk of falling).") for f in found)
    html = render_html(model).html
    assert "4-Stage Balance Test (4-Stage): tandem stance held 7." in html
    table_row = row_of(result.to_dict())
    assert table_row["tandem_stance_s"] == pytest.approx(result.clinical_tests[0].duration_s)
    assert "tandem 7." in summary_text(table_row)[0]
    assert measures_of(result)["four_stage_balance"] == pytest.approx(7.25, abs=0.3)
