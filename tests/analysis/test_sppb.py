"""The Short Physical Performance Battery: each part's points at the protocol's cut-offs, the
best attempt, parts estimated or credited said so, the total only when all three were scored,
and the 4-m walk from a standing start it times the gait on."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.analysis.sppb import (
    balance_points,
    chair_points,
    gait_points,
    sppb_score,
)
from tests.analysis.test_clinical_tests import make_walk, run_clinical_tests


def _t(test: str, d: float | None = None, reps: int | None = None, **measures: float) -> dict:
    return {"test": test, "duration_s": d, "repetitions": reps, "measures": measures,
            "reason": None, "reference": None}


@pytest.mark.parametrize(("secs", "points"), [
    (4.81, 4), (4.82, 3), (6.20, 3), (6.21, 2), (8.70, 2), (8.71, 1), (20.0, 1)])
def test_gait_points_at_the_cut_offs(secs: float, points: int) -> None:
    assert gait_points(secs) == points


@pytest.mark.parametrize(("secs", "points"), [
    (9.0, 4), (11.19, 4), (11.2, 3), (13.69, 3), (13.7, 2), (16.69, 2), (16.7, 1), (59.9, 1),
    (60.1, 0)])
def test_chair_points_at_the_cut_offs(secs: float, points: int) -> None:
    assert chair_points(secs) == points


def test_balance_points_stop_at_the_first_stance_not_held() -> None:
    assert balance_points(10.2, 10.1, 10.0)[0] == 4
    assert balance_points(10.2, 10.1, 9.97)[0] == 4  # within the 0.05 s tolerance
    assert balance_points(10.2, 10.1, 6.0)[0] == 3
    assert balance_points(10.2, 10.1, 2.9)[0] == 2
    assert balance_points(10.2, 7.0, 12.0)[0] == 1  # the tandem after a failed semi-tandem
    assert balance_points(4.0, 10.0, 10.0)[0] == 0
    pts, note = balance_points(None, 10.5, 6.0)  # the recording began at the semi-tandem
    assert pts == 3 and "feet together not recorded" in note
    pts, note = balance_points(10.5, 10.5, None)
    assert pts == 2 and "tandem not recorded" in note


def test_a_full_battery_scores_and_reads_the_total() -> None:
    score = sppb_score([
        ("balance", _t("four_stage_balance", 6.2, together_s=10.6, semi_tandem_s=10.7,
                       tandem_s=6.2)),
        ("walk slow", _t("walking_speed", 4.0, speed_m_s=0.70, walk_4m_s=6.5)),
        ("walk", _t("walking_speed", 4.0, speed_m_s=0.80, walk_4m_s=5.9)),  # the faster walk
        ("sts", _t("five_times_sit_to_stand", 14.2, 5)),
        ("sts 2", _t("five_times_sit_to_stand", 13.1, 5)),
    ])
    assert score is not None
    assert [(p.name, p.points, p.trial) for p in score.parts] == [
        ("balance", 3, "balance"), ("gait", 3, "walk"), ("chair", 3, "sts 2")]
    assert score.total == 9 and score.short() == "9 / 12"
    assert score.summary() == "SPPB 9 / 12: mild limitation."
    assert score.parts[1].value == "4 m in 5.90 s (0.68 m/s)"
    low = sppb_score([("b", _t("four_stage_balance", 2.0, together_s=10.2, semi_tandem_s=10.1,
                                tandem_s=2.0)),
                      ("w", _t("walking_speed", 4.0, speed_m_s=0.5, walk_4m_s=8.0)),
                      ("s", _t("five_times_sit_to_stand", 18.0, 5))])
    assert low is not None and low.total == 5
    assert low.summary() == ("SPPB 5 / 12: moderate limitation; 8 or less is poor physical "
                             "performance (EWGSOP2).")


def test_gait_from_the_steady_speed_is_marked_an_estimate() -> None:
    score = sppb_score([("w", _t("walking_speed", 4.0, speed_m_s=0.66)),
                        ("s", _t("five_times_sit_to_stand", 10.0, 5))])
    assert score is not None
    gait = score.parts[1]
    assert gait.points == 3 and gait.value == "4 m in about 6.06 s (0.66 m/s)"
    assert gait.note.startswith("estimated") and "within 10 % of a cut-off" in gait.note
    assert score.total is None and score.parts[0].value == "not done"
    assert score.summary() == ("SPPB 7 of 8 on the gait speed and chair stands; balance not "
                               "done.")
    assert score.short() == "7 of 8 (balance not scored)"


def test_chair_stands_from_a_30_second_chair_stand() -> None:
    """Its first five stands are a five-times sit-to-stand; fewer than five in 30 s score 1
    (five would take 16.7-60 s) when three or more, 'not timed' at one or two."""
    walk = ("w", _t("walking_speed", 4.0, speed_m_s=1.0, walk_4m_s=4.5))
    three = sppb_score([walk, ("c", _t("thirty_second_chair_stand", 30.0, 3))])
    assert three is not None and three.parts[2].points == 1
    two = sppb_score([walk, ("c", _t("thirty_second_chair_stand", 30.0, 2))])
    assert two is not None and two.parts[2].points is None
    assert "time a five-times sit-to-stand" in two.parts[2].note
    cut = sppb_score([walk, ("c", _t("thirty_second_chair_stand", 18.0, 3, censored=1.0))])
    assert cut is not None and cut.parts[2].value == "not timed"


def test_stands_pushed_up_with_the_arms_are_flagged() -> None:
    """The SPPB's chair stands are done with the arms folded; stands pushed up with the arms
    score 0 by the protocol. The app's hands-down check is a flag, not a verdict: the points
    stand and the note asks for the video."""
    score = sppb_score([
        ("w", _t("walking_speed", 4.0, speed_m_s=1.0, walk_4m_s=4.5)),
        ("s", _t("five_times_sit_to_stand", 12.5, 5, hands_low_rises=3, rises_checked=5)),
    ])
    assert score is not None
    chair = score.parts[2]
    assert chair.points == 3
    assert chair.note == ("the hands were down by the hips at seat-off in 3 of 5 rises: the "
                          "protocol scores stands pushed up with the arms 0 (check the video)")


def test_one_part_alone_is_no_battery() -> None:
    assert sppb_score([("w", _t("walking_speed", 4.0, speed_m_s=1.2))]) is None
    assert sppb_score([("t", _t("timed_up_and_go", 9.0))]) is None


# --- the 4-m walk from a standing start -------------------------------------------------------


def _heel_crossing(walk, start_s: float) -> float:  # type: ignore[no-untyped-def]
    """Independently of the app: the first time a heel is 4 m past the front of the standing
    feet (the synthetic walk goes along +x)."""
    pts, t = walk.points, walk.time
    line = max(pts.point("toe_r")[0, 0], pts.point("toe_l")[0, 0])
    heel = np.fmax(pts.point("heel_r")[:, 0], pts.point("heel_l")[:, 0])
    i = np.flatnonzero((heel >= line + 4.0) & (t >= start_s))[0]
    return float(t[i])


def test_four_metre_walk_from_a_standing_start() -> None:
    """The synthetic walk stands 1 s, then speeds up smoothly to 1.2 m/s: the pelvis moves
    0.5 cm by 1.27 s (the rule's first movement), and the 4 m end at a heel's crossing."""
    walk = make_walk(1.2)
    (res,), _ = run_clinical_tests(walk.kin, walk.time, walk.points)
    m = res.measures
    x = walk.kin.pelvis_translation[:, 0]
    first = float(walk.time[np.flatnonzero(x - x[0] > 0.005)[0]])
    assert m["walk_4m_start_s"] == pytest.approx(first, abs=0.03)
    assert m["walk_4m_start_s"] == pytest.approx(1.0, abs=0.3)  # the synthetic start
    end = _heel_crossing(walk, first)
    assert m["walk_4m_start_s"] + m["walk_4m_s"] == pytest.approx(end, abs=0.02)
    # without foot positions the pelvis's 4 m stands in
    (res2,), _ = run_clinical_tests(walk.kin, walk.time, None)
    pelvis_end = float(walk.time[np.flatnonzero(x - x[0] >= 4.0)[0]])
    assert res2.measures["walk_4m_start_s"] + res2.measures["walk_4m_s"] == pytest.approx(
        pelvis_end, abs=0.03)


def test_no_four_metre_time_for_a_walk_already_under_way() -> None:
    walk = make_walk(1.2)
    keep = walk.time >= 3.5  # cut where it is already walking at speed
    from dataclasses import replace

    t = walk.time[keep] - walk.time[keep][0]
    kin = replace(walk.kin, angles=walk.kin.angles[keep],
                  pelvis_rotation=walk.kin.pelvis_rotation[keep],
                  pelvis_translation=walk.kin.pelvis_translation[keep])
    pts = replace(walk.points, time=t, positions=walk.points.positions[keep])
    (res,), _ = run_clinical_tests(kin, t, pts)
    assert "walk_4m_s" not in res.measures
    assert res.measures["speed_m_s"] == pytest.approx(1.2, rel=0.03)


def test_the_parkinson_demo_session_scores_a_full_battery() -> None:
    """The demo's Parkinson's participant: the 4-Stage trial (feet together 10.6 s,
    semi-tandem 10.6 s, tandem 6.1 s: 3 points), the walk (0.90 m/s; no standing start in the
    recording, so 4 m at that speed, about 4.4 s: 4 points, marked an estimate) and a 5xSTS of
    23.7 s (simulated 23.8 s: 1 point) give 8 / 12, poor physical performance by EWGSOP2; the
    report has the battery with its parts, a report of the walk alone has none."""
    from pathlib import Path

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse, assemble_report
    from lmm_desktop.report.html import render_html
    from lmm_desktop.report.model import ReportOptions

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    names = ("S0048_four_stage_balance_01.mot", "S0048_walking_01.mot", "S0048_sts5_01.mot")
    items = [analyse(read_trial(demo / n)) for n in names]
    tests = [(n, c.to_dict()) for n, it in zip(names, items, strict=True)
             for c in it.result.clinical_tests]
    score = sppb_score(tests)
    assert score is not None
    assert [(p.name, p.points) for p in score.parts] == [("balance", 3), ("gait", 4),
                                                          ("chair", 1)]
    assert score.total == 8 and score.parts[1].note.startswith("estimated")
    html = render_html(assemble_report(items, options=ReportOptions(include_ai=False))).html
    assert "Short Physical Performance Battery (SPPB)" in html
    assert ("SPPB 8 / 12: mild limitation; 8 or less is poor physical performance "
            "(EWGSOP2).") in html
    from lmm_desktop.report.html import key_findings

    assert ("Short Physical Performance Battery 8 / 12 (balance 3, gait speed 4, chair stands "
            "1): mild limitation; 8 or less is poor physical performance (EWGSOP2).") in (
        key_findings(assemble_report(items, options=ReportOptions(include_ai=False))))
    walk = render_html(assemble_report(items[1:2], options=ReportOptions(include_ai=False)))
    assert "SPPB" not in walk.html


def test_the_demo_walk_from_a_standing_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The demo's 4-m walk (the Parkinson's participant stands 1.5 s, then walks at the usual
    pace through the line): the app's 4-m time within 0.1 s of the noise-free simulation's
    (from the pelvis's first 0.5 cm to a heel 4 m past the standing toes), the file rebuilt
    byte for byte; with it the battery's gait part is timed, not estimated."""
    from pathlib import Path

    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from training.simulate.demo import DEMO_RATE_HZ, DEMO_SEED, pick_participants
    from training.simulate.walk_4m import write_walk_4m_demo

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    parkinsons = pick_participants(DEMO_SEED)[3][0]
    path, _line, truth = write_walk_4m_demo(tmp_path, parkinsons, DEMO_RATE_HZ, DEMO_SEED)
    assert path.read_bytes() == (demo / path.name).read_bytes()
    res = analyze(read_trial(demo / path.name))
    walk = next(t for t in res.clinical_tests if t.test == "walking_speed")
    m = walk.measures
    assert m["walk_4m_s"] == pytest.approx(truth["walk_4m_s"], abs=0.1)
    assert m["walk_4m_start_s"] == pytest.approx(truth["start"], abs=0.1)
    from lmm_desktop.analysis.clinical_tests import components_text

    assert components_text(walk).startswith(
        f"The first 4 m from a standing start took {m['walk_4m_s']:.2f} s")
    score = sppb_score([("w", walk.to_dict()), ("s", _t("five_times_sit_to_stand", 12.0, 5))])
    assert score is not None and score.parts[1].note == (
        "from a standing start, as the protocol times it")
    assert score.parts[1].points == 4  # 4.6 s, under 4.82
