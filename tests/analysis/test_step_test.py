"""The 2-minute step test: stepping in place simulated with capture noise, the lifts that reach
the target height, those that fall short, a recording that stops early, the norms, and what it
is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.analysis.clinical_norms import step_test_reference
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.analysis.step_test import STEP_TEST
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import read_trial

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture(scope="module")
def stepping(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trial, dict[str, float]]:
    """The Parkinson's demo participant stepping in place for 2 min (30 Hz), every fifth right
    lift falling short of the target."""
    from training.simulate.demo import pick_participants
    from training.simulate.step_test import write_step_test_trial

    out = tmp_path_factory.mktemp("step")
    path, _line, truth = write_step_test_trial(out, pick_participants()[3][0], 30.0, 7,
                                               low_every=5)
    return read_trial(path), truth


def test_the_lifts_to_the_target_are_counted(stepping: tuple[Trial, dict[str, float]]) -> None:
    trial, truth = stepping
    result = analyze(trial)
    test = next(t for t in result.clinical_tests if t.test == STEP_TEST)
    m = test.measures
    assert test.repetitions == truth["steps"] > 60
    assert m["low_lifts"] == truth["low_lifts"] > 10
    assert abs(m["left_steps"] - truth["left_steps"]) <= 1
    assert m["start_s"] == pytest.approx(truth["start"], abs=0.2)
    assert 20 < m["target_cm"] < 35  # midway between the kneecap and the iliac crest
    assert test.duration_s == pytest.approx(120.0) and "censored" not in m
    assert [p.name for p in test.phases] == ["stepping", "> 2 min"]
    # stepping in place is not walking: no gait table, no treadmill
    assert result.spatiotemporal is None
    assert "2-minute step test" in result.reasons["detected_events"]


def test_a_recording_that_stops_early_is_a_lower_bound(
    stepping: tuple[Trial, dict[str, float]],
) -> None:
    from dataclasses import replace

    import numpy as np

    from lmm_desktop.core.canonical import Kinematics

    trial, _truth = stepping
    keep = trial.time <= 70.0
    k = trial.kinematics
    assert k is not None
    short = replace(trial, time=trial.time[keep], source=None, kinematics=Kinematics(
        k.angles[keep], k.present, k.pelvis_rotation[keep], k.pelvis_translation[keep],
        k.pelvis_present))
    test = next(t for t in analyze(short).clinical_tests if t.test == STEP_TEST)
    assert test.measures["censored"] == 1.0 and test.duration_s < 70
    assert "at least" in (test.reason or "") and np.isfinite(test.measures["steps"])


def test_the_norms() -> None:
    ref = step_test_reference(75, 72.0, "male")
    assert ref is not None and ref.at_risk and ref.cutoff_text == "< 80 steps"
    assert "aerobic endurance" in ref.to_dict()["meaning"]
    assert not step_test_reference(75, 72.0, "female").at_risk  # type: ignore[union-attr]
    assert step_test_reference(75, 55.0, "male") is None


@pytest.mark.parametrize("name", ["S0004_walking_01.mot", "S0048_tug_01.mot",
                                  "S0004_one_leg_stance_01.mot", "S0003_fsst_01.mot",
                                  "S0004_squats_01.mot"])
def test_other_trials_are_not_a_step_test(name: str) -> None:
    result = analyze(read_trial(DEMO / name))
    assert STEP_TEST not in [t.test for t in result.clinical_tests]


def test_in_the_table_and_the_report(stepping: tuple[Trial, dict[str, float]]) -> None:
    from lmm_desktop.report.assemble import PatientDetails, analyse, assemble_report
    from lmm_desktop.report.html import render_html
    from lmm_desktop.report.model import ReportOptions, SessionInfo
    from lmm_desktop.ui.analysis_view import test_rows

    trial, truth = stepping
    n = int(truth["steps"])
    row = next(r for r in test_rows(analyze(trial), 72.0, "male") if r.name == "2MST")
    assert (row.value, row.cutoff, row.detail) == (f"{n} steps", "< 80 steps", "in 2 min")
    model = assemble_report([analyse(trial)],
                            patient=PatientDetails("A B", "1954-05-01", "male", "P-1"),
                            session=SessionInfo("2026-11-20"),
                            options=ReportOptions(include_ai=False))
    assert f"2-Minute Step Test (2MST): {n} steps in 2 min" in render_html(model).html
