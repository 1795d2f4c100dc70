"""The 30-second arm curl: curls counted on the simulated demo, the halfway rule, a recording
that stops early, the norms, and trials that are not one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.arm_curl import ARM_CURL, CurlSeries, curl_count
from lmm_desktop.analysis.clinical_norms import arm_curl_reference, reference_of
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.io import read_trial

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _series(period: float, n: int, rate: float = 100.0, tail: float = 2.0
            ) -> tuple[CurlSeries, np.ndarray]:
    """Curls from 10 to 140 deg, each ``period`` s, starting at 1 s."""
    time = np.arange(0, 1.0 + n * period + tail, 1 / rate)
    phase = np.clip((time - 1.0) / period, 0, n)
    elbow = 75.0 - 65.0 * np.cos(2 * np.pi * phase)
    ups = [int(np.searchsorted(time, 1.0 + (k + 0.35) * period)) for k in range(n)]
    starts = [int(np.searchsorted(time, 1.0 + (k + 0.15) * period)) for k in range(n)]
    return CurlSeries("right", starts, ups, int(np.searchsorted(time, 1.0)), elbow), time


def test_the_count_and_the_halfway_rule() -> None:
    """Period 2.5 s from 1 s: twelve curls reach full flexion within the 30 s and at 30 s the
    arm is down (the 13th not started): 12. With a 2.44 s period the 13th is about 93 deg up
    and rising at 30 s: more than halfway, counted."""
    series, time = _series(2.5, 14)
    m = curl_count(series, time)
    assert m["curls"] == 12 and m["right_arm"] == 1.0 and "censored" not in m
    series2, time2 = _series(2.44, 14)
    e = series2.elbow[int(np.searchsorted(time2, 31.0))]
    assert 75 < e <= 100  # more than halfway up at the end of the 30 s
    assert curl_count(series2, time2)["curls"] == 13


def test_a_recording_that_stops_early_is_a_lower_bound() -> None:
    series, time = _series(2.5, 8, tail=0.5)
    m = curl_count(series, time)
    assert m["censored"] == 1.0 and m["covered_s"] < 30


def test_the_norms() -> None:
    ref = arm_curl_reference(13, 66.0, "male")
    assert ref is not None and ref.at_risk and ref.cutoff_text == "< 15 curls"
    d = ref.to_dict()
    assert d["value_text"] == "13 curls" and "upper-body strength" in d["meaning"]
    assert "arm curl" in d["source"]
    assert not arm_curl_reference(12, 72.0, "female").at_risk  # type: ignore[union-attr]
    assert arm_curl_reference(12, 59.0, "female") is None
    assert arm_curl_reference(12, 70.0, None) is None
    assert reference_of("arm_curl_30s", 30.0, 13, 66.0, "male")["at_risk"]  # type: ignore[index]


def test_the_simulated_demo() -> None:
    """The stroke participant's left arm, 12 curls in 30 s (the simulator's count)."""
    result = analyze(read_trial(DEMO / "S0039_arm_curl_01.mot"))
    test = next(t for t in result.clinical_tests if t.test == ARM_CURL)
    assert test.repetitions == 12 and test.measures["right_arm"] == 0.0
    assert test.duration_s == pytest.approx(30.0)
    assert "standing_balance" not in [t.test for t in result.clinical_tests]  # seated


@pytest.mark.parametrize("name", ["S0004_walking_01.mot", "S0004_sts5_01.mot",
                                  "S0039_functional_reach_01.mot", "S0048_tug_01.mot"])
def test_other_trials_have_no_arm_curls(name: str) -> None:
    result = analyze(read_trial(DEMO / name))
    assert ARM_CURL not in [t.test for t in result.clinical_tests]


def test_in_the_table_and_the_report() -> None:
    from lmm_desktop.report.assemble import PatientDetails, analyse, assemble_report
    from lmm_desktop.report.html import key_findings, render_html
    from lmm_desktop.report.model import ReportOptions, SessionInfo
    from lmm_desktop.ui.analysis_view import test_rows

    trial = read_trial(DEMO / "S0039_arm_curl_01.mot")
    row = next(r for r in test_rows(analyze(trial), 66.0, "male") if r.name == "30s-ACT")
    assert (row.value, row.cutoff, row.status, row.at_risk) == (
        "12 curls", "< 15 curls", "below average", True)
    own = next(r for r in test_rows(analyze(trial)) if r.name == "30s-ACT")
    assert own.status == "below average"  # the demo file's own age (65.5) and sex (male)
    from lmm_desktop.core.trial import Subject

    unknown = read_trial(DEMO / "S0039_arm_curl_01.mot")
    unknown.subject = Subject()
    bare = next(r for r in test_rows(analyze(unknown)) if r.name == "30s-ACT")
    assert "30-second arm curl is read against norms" in bare.explanation
    model = assemble_report([analyse(trial)],
                            patient=PatientDetails("A B", "1960-05-01", "male", "P-1"),
                            session=SessionInfo("2026-11-20"),
                            options=ReportOptions(include_ai=False))
    found = key_findings(model)
    assert any(f.startswith("30-Second Arm Curl (30s-ACT) 12 curls, below average for men aged "
                            "65-69: below-average upper-body strength") for f in found)
    assert "30-Second Arm Curl (30s-ACT): 12 curls in 30 s (below average for ages 65-69" in (
        render_html(model).html)
