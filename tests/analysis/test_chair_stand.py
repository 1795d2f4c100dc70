"""The 30-second chair stand: when a sit-to-stand series is one, the CDC's count, a recording
that stops early, and the score against the age and sex norm."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.analysis import clinical_tests as ct
from lmm_desktop.analysis.clinical_norms import (
    CHAIR_STAND_NEEDS,
    chair_stand_reference,
    reference_of,
)
from lmm_desktop.analysis.clinical_tests import CST30, STS5, run_clinical_tests
from tests.analysis.test_clinical_tests import make_sts


def _tests(n_rises: int, cut_s: float | None = None) -> tuple[dict[str, ct.TestResult],
                                                             dict[str, str]]:
    syn = make_sts(n_rises)
    kin, time, points = syn.kin, syn.time, syn.points
    if cut_s is not None:  # the recording stops early
        keep = time <= cut_s
        from lmm_desktop.core.body import BodyPoints
        from lmm_desktop.core.canonical import Kinematics

        kin = Kinematics(kin.angles[keep], kin.present, kin.pelvis_rotation[keep],
                         kin.pelvis_translation[keep], kin.pelvis_present)
        points = BodyPoints(points.time[keep], points.names, points.positions[keep],
                            points.segments, points.source)
        time = time[keep]
    results, reasons = run_clinical_tests(kin, time, points)
    return {r.test: r for r in results}, reasons


def test_twelve_stands_in_30_s_of_a_longer_series() -> None:
    """Rise k ends at 2 + 2.6(k - 1) s, the first movement at 1.0 s: rises 1-12 end by 31 s,
    the 13th starts at 32.2 s; the 5xSTS is the first five, as a 30-s test gives it."""
    tests, _ = _tests(13)
    cst = tests[CST30]
    assert cst.repetitions == 12 and cst.measures["stands"] == 12
    assert cst.duration_s == pytest.approx(30.0) and cst.reason is None
    assert cst.phases[0].start_s == pytest.approx(1.0, abs=0.1)
    ends = [p.end_s for p in cst.phases if p.name.startswith("rise")]
    np.testing.assert_allclose(ends, [2.0 + 2.6 * k for k in range(12)], atol=0.1)
    assert cst.measures["first_15s_stands"] == 6 and cst.measures["second_15s_stands"] == 6
    assert cst.measures["last_over_first_rise"] == pytest.approx(1.0, abs=0.1)
    assert "6 stands in the first 15 s, 6 in the second" in ct.components_text(cst)
    assert tests[STS5].duration_s == pytest.approx(ends[4] - cst.phases[0].start_s)
    assert "30-second chair stand" in (tests[STS5].reason or "")


def test_a_rise_more_than_halfway_up_at_30_s_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 12th rise runs from 29.6 to 30.6 s (linear): with the window ending at 30.2 s it is
    60 % up and counts; ending at 30.0 s it is 40 % up and does not."""
    start = _tests(13)[0][CST30].phases[0].start_s
    for end, expected in ((30.2, 12), (30.0, 11)):
        monkeypatch.setattr(ct, "CST_WINDOW_S", end - start)
        assert _tests(13)[0][CST30].repetitions == expected, end


def test_a_recording_that_stops_early_gives_a_lower_bound() -> None:
    tests, _ = _tests(13, cut_s=20.5)
    cst = tests[CST30]
    assert cst.repetitions == 8 and cst.measures["censored"] == 1.0
    assert cst.duration_s == pytest.approx(19.5, abs=0.15)
    assert "at least 8 stands" in (cst.reason or "")


def test_five_rises_in_14_s_are_a_5xsts_not_a_30_s_test() -> None:
    tests, reasons = _tests(5)
    assert STS5 in tests and CST30 not in tests
    assert reasons[CST30] == ("five rises, the fifth stand 11.4 s after the first movement "
                              "and no sixth: a five-times sit-to-stand")
    assert tests[STS5].reason is None
    four, reasons = _tests(4)
    assert CST30 not in four
    assert "4 rises over 10 s" in reasons[CST30] and "at least 25 s" in reasons[CST30]


def test_a_slow_5xsts_and_its_last_sit_are_no_30_s_test() -> None:
    """The demo's Parkinson's participant takes 23.8 s (simulated) for five stands and sits
    down after the fifth: 27 s of rises and sits, but no sixth rise after a fifth stand that
    early, so no 30-second chair stand."""
    from pathlib import Path

    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_sts5_01.mot"
    res = analyze(read_trial(demo))
    by = {t.test: t for t in res.clinical_tests}
    assert CST30 not in by and by[STS5].duration_s == pytest.approx(23.78, abs=0.25)


@pytest.mark.parametrize(
    ("stands", "age", "sex", "limit", "risk"),
    [
        (6, 66.0, "male", 12, True),
        (12, 66.0, "male", 12, False),
        (9, 72.5, "female", 10, True),
        (10, 72.5, "female", 10, False),
        (14, 60.0, "male", 14, False),
        (3, 94.9, "female", 4, True),
    ],
)
def test_the_score_against_rikli_and_jones(
    stands: int, age: float, sex: str, limit: int, risk: bool
) -> None:
    ref = chair_stand_reference(stands, age, sex)
    assert ref is not None
    assert ref.below_under == limit and ref.at_risk is risk
    assert ref.cutoff_text == f"< {limit} stands"
    d = ref.to_dict()
    assert d["kind"] == "count" and d["value_text"] == f"{stands} stands"
    assert ("Below the average" in d["summary"]) is risk
    assert "Rikli RE, Jones CJ" in d["source"] and "STEADI" in d["source"]


def test_no_norm_without_age_sex_or_outside_60_to_94() -> None:
    assert chair_stand_reference(10, None, "male") is None
    assert chair_stand_reference(10, 70.0, None) is None
    assert chair_stand_reference(10, 70.0, "other") is None
    assert chair_stand_reference(10, 59.9, "female") is None
    assert chair_stand_reference(10, 95.0, "female") is None
    assert chair_stand_reference(10, float("nan"), "female") is None
    # the other tests keep their time-based references
    tug = reference_of("timed_up_and_go", 14.0, None, 70.0, "male")
    assert tug is not None and tug["at_risk"] and tug["value_text"] == "14.0 s"
    assert "birth date and sex" in CHAIR_STAND_NEEDS


def test_a_start_set_by_hand_counts_again_from_there() -> None:
    """The clinician's "go" at 3.5 s (after the first stand): the 30 s run to 33.5 s, rises 2-13
    end in it (the 13th at 33.2 s), the 5xSTS starts there too; an end set by hand is not used
    for the 30 s and says so."""
    from lmm_desktop.analysis.clinical_tests import TEST_END, TEST_START, apply_timing_override
    from lmm_desktop.core.trial import Event

    syn = make_sts(14)
    seg = ct.detect_activity_segments(syn.kin, syn.time, syn.points)
    tests, _ = run_clinical_tests(syn.kin, syn.time, syn.points, segments=seg)
    marks = [Event(TEST_START, "right", 3.5, "user")]
    out, note = apply_timing_override(tests, marks, seg)
    by = {t.test: t for t in out}
    cst = by[CST30]
    assert cst.overridden and cst.repetitions == 12 and note is None
    assert cst.phases[0].start_s == pytest.approx(3.5, abs=0.01)
    assert cst.rule.startswith("user override: the 30 s from 3.5")
    assert by[STS5].overridden and by[STS5].phases[0].start_s == pytest.approx(3.5, abs=0.01)
    _, note = apply_timing_override(tests, [*marks, Event(TEST_END, "right", 20.0, "user")], seg)
    assert note is not None and "lasts 30 s from its start" in note
    unchanged, note = apply_timing_override(tests, [Event(TEST_END, "right", 20.0, "user")], seg)
    assert unchanged == tests and note is not None and "set the start instead" in note


def test_the_timeline_shows_where_the_counting_stopped() -> None:
    """A recording that goes on past the 30 s ends with a '> 30 s' phase from there; the rise
    and sit measures leave it out."""
    tests, _ = _tests(13)
    cst = tests[CST30]
    last = cst.phases[-1]
    assert last.name == "> 30 s"
    assert last.start_s == pytest.approx(cst.phases[0].start_s + 30.0)
    assert cst.measures["sit_mean_s"] == pytest.approx(1.0, abs=0.15)
