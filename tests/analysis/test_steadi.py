"""The CDC STEADI screen: the TUG, the 30-second chair stand and the 4-Stage Balance Test read
together with STEADI's own criteria, the best attempt of each, what was not done or not read."""

from __future__ import annotations

from lmm_desktop.analysis.steadi import screen_summary, steadi_screen


def _t(test: str, d: float | None = None, reps: int | None = None, ref: dict | None = None,
       **measures: float) -> dict:
    return {"test": test, "duration_s": d, "repetitions": reps, "measures": measures,
            "reason": None, "reference": ref}


def test_steadi_reads_each_test_with_its_own_criterion() -> None:
    """A TUG of 12.4 s is under Shumway-Cook's 13.5 s but at STEADI's 12 s it is a problem;
    six stands below the norm; a tandem of 11 s is not."""
    cst_ref = {"at_risk": True, "status": "below average", "who": "men aged 65-69",
               "cutoff_text": "< 12 stands"}
    items = steadi_screen([
        ("tug", _t("timed_up_and_go", 14.0)), ("tug 2", _t("timed_up_and_go", 12.4)),
        ("chair", _t("thirty_second_chair_stand", 30.0, 6, cst_ref)),
        ("balance", _t("four_stage_balance", 11.0)),
        ("walk", _t("walking_speed", 5.0)),
    ])
    assert [(i.test, i.value, i.problem, i.trial) for i in items] == [
        ("timed_up_and_go", "12.4 s", True, "tug 2"),  # the faster attempt
        ("thirty_second_chair_stand", "6 stands", True, "chair"),
        ("four_stage_balance", "tandem 11.0 s", False, "balance"),
    ]
    assert "below average for men aged 65-69 (< 12 stands)" in items[1].note
    assert screen_summary(items) == (
        "A gait, strength or balance problem on 2 of the 3 tests done (TUG, 30-second chair "
        "stand).")


def test_not_done_not_read_and_none() -> None:
    items = steadi_screen([("chair", _t("thirty_second_chair_stand", 30.0, 14)),
                           ("balance", _t("four_stage_balance", 6.0, censored=1.0))])
    assert items[0].value == "not done" and items[0].problem is None
    assert items[1].problem is None and "age (60-94) and sex" in items[1].note
    assert items[2].value == "tandem at least 6.0 s" and items[2].problem is None
    assert screen_summary(items) == (
        "No problem found on the tests that could be read; not read: 30-second chair stand, "
        "4-Stage Balance Test; not done: TUG.")
    stopped = steadi_screen([(None, {"test": "four_stage_balance", "duration_s": None,
                                     "reason": "the test stopped at the semi-tandem stance"})])
    assert stopped[2].value == "tandem not reached" and stopped[2].problem is True
    assert steadi_screen([(None, _t("walking_speed", 5.0))]) == []
    assert screen_summary([]) == ""
    ok = steadi_screen([(None, _t("timed_up_and_go", 9.0))])
    assert screen_summary(ok) == (
        "No gait, strength or balance problem on the 1 test(s) done; not done: 30-second chair "
        "stand, 4-Stage Balance Test.")


def test_a_session_report_has_the_screen() -> None:
    """The TUG demo and the chair stand demo in one report for a man of 66: the screen lists
    both with a problem (TUG 17.2 s; 6 stands) and the balance test as not done."""
    from pathlib import Path

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import PatientDetails, analyse, assemble_report
    from lmm_desktop.report.html import render_html
    from lmm_desktop.report.model import ReportOptions, SessionInfo

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    items = [analyse(read_trial(demo / n)) for n in ("S0048_tug_01.mot",
                                                     "S0039_chair_stand_30s_01.mot")]
    model = assemble_report(items, patient=PatientDetails("A B", "1960-05-01", "male", "P-1"),
                            session=SessionInfo("2026-11-20"),
                            options=ReportOptions(include_ai=False))
    html = render_html(model).html
    assert "Fall-risk screen (CDC STEADI functional tests)" in html
    assert ("A gait, strength or balance problem on 2 of the 2 tests done (TUG, 30-second chair "
            "stand); not done: 4-Stage Balance Test.") in html
    single = assemble_report(items[:1], options=ReportOptions(include_ai=False))
    assert "17.2 s</td>" in render_html(single).html
    walk = assemble_report([analyse(read_trial(demo / "S0004_walking_01.mot"))],
                           options=ReportOptions(include_ai=False))
    assert "STEADI" not in render_html(walk).html


def test_the_short_form_for_a_table_cell() -> None:
    from lmm_desktop.analysis.steadi import screen_short

    ref = {"at_risk": False, "status": "average or better", "who": "men aged 65-69",
           "cutoff_text": "< 12 stands"}
    assert screen_short(steadi_screen([(None, _t("timed_up_and_go", 12.0)),
                                       (None, _t("four_stage_balance", 8.0))])) == (
        "problem: TUG, 4-Stage")
    assert screen_short(steadi_screen([(None, _t("timed_up_and_go", 9.0)),
                                       (None, _t("thirty_second_chair_stand", 30.0, 14, ref))])
                        ) == "no problem (2 of 3 done)"
    assert screen_short(steadi_screen([(None, _t("thirty_second_chair_stand", 30.0, 14))])) == (
        "not read (30-s chair stand)")
    assert screen_short([]) == ""
