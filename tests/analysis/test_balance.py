"""One-leg stance test on synthetic trials whose legs are solved so the heels follow scripted
targets (the builder of the clinical-test tests): standing, one foot lifted 12 cm for a known
time, put down again."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmm_desktop.analysis.balance import OLS
from lmm_desktop.analysis.clinical_norms import reference_for
from lmm_desktop.analysis.clinical_tests import (
    FSST,
    apply_timing_override,
    primary_test,
    run_clinical_tests,
)
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.trial import Event, Provenance, Trial
from tests.analysis.test_clinical_tests import DT, Synthetic, _planted, build, ramp


def _lift_time(t0: float, rise: float, height: float, level: float) -> float:
    """When a cosine ramp from 0 (at ``t0``) to ``height`` (at ``t0 + rise``) crosses
    ``level``."""
    return t0 + rise * np.arccos(1 - 2 * level / height) / np.pi


def stand_on_one_leg(
    lifts: list[tuple[str, float, float]], seconds: float = 12.0, up: float = 0.12
) -> Synthetic:
    """Quiet standing with each ``(foot 'r'/'l', lift start, put-down start)`` lifting that
    heel ``up`` m (0.3 s ramps) and shifting the pelvis 4 cm over the other foot."""
    t = np.arange(0, seconds, DT)
    heels = _planted(len(t))
    z = np.zeros_like(t)
    truth: dict[str, float] = {}
    for k, (foot, a, b) in enumerate(lifts):
        heels[foot][:, 1] = ramp(t, a, a + 0.3, 0, up) - ramp(t, b, b + 0.3, 0, up)
        sign = -1.0 if foot == "r" else 1.0  # right foot up: pelvis toward the left (-z)
        z += sign * (ramp(t, a - 0.6, a, 0, 0.04) - ramp(t, b + 0.3, b + 0.9, 0, 0.04))
        truth[f"start{k}"] = _lift_time(a, 0.3, up, 0.02)
        truth[f"end{k}"] = b + 0.3 - (_lift_time(b, 0.3, up, 0.02) - b)
    pelvis = np.column_stack([np.zeros_like(t), np.full_like(t, 0.92), z])
    return build(t, pelvis, np.zeros_like(t), heels, truth)


@pytest.fixture(scope="module")
def two_legs() -> Synthetic:
    """7 s on the right leg (left foot up 1.5-8.5 s), then 2 s on the left (9.5-11.5 s)."""
    return stand_on_one_leg([("l", 1.5, 8.5), ("r", 9.5, 11.5)], seconds=13.0)


def test_one_leg_stance_timed_per_leg(two_legs: Synthetic) -> None:
    results, reasons = run_clinical_tests(two_legs.kin, two_legs.time, two_legs.points)
    ols = next(r for r in results if r.test == OLS)
    tr = two_legs.truth
    assert ols.repetitions == 2
    assert [p.name for p in ols.phases] == ["on right leg", "on left leg"]
    for k, p in enumerate(ols.phases):
        assert p.start_s == pytest.approx(tr[f"start{k}"], abs=0.05)
        assert p.end_s == pytest.approx(tr[f"end{k}"], abs=0.05)
    assert ols.duration_s == pytest.approx(tr["end0"] - tr["start0"], abs=0.08)  # the longest
    assert ols.measures["right_s"] == pytest.approx(ols.duration_s)
    assert ols.measures["left_s"] == pytest.approx(tr["end1"] - tr["start1"], abs=0.08)
    assert ols.measures["pelvis_sway_cm_s"] < 2.0  # standing still on the leg
    assert "censored" not in ols.measures and ols.reason is None
    assert FSST in reasons  # no stepping pattern between squares


def test_fall_risk_read_the_right_way_round() -> None:
    """A time held: under 5 s is the risk (Vellas 1997), the reverse of the timed tests."""
    short, long = reference_for(OLS, 3.2), reference_for(OLS, 12.0)
    assert short is not None and long is not None
    assert short.at_risk and not short.above_cutoff and short.cutoff_text == "< 5 s"
    assert not long.at_risk and long.above_cutoff
    assert "Vellas" in short.norms.source
    edge = reference_for(OLS, 5.0)
    assert edge is not None and not edge.at_risk  # 5 s held is not 'unable to stand 5 s'
    tug = reference_for("timed_up_and_go", 14.0)
    assert tug is not None and tug.at_risk and tug.above_cutoff  # unchanged for timed tests


def test_recording_ending_on_one_leg_is_a_lower_bound() -> None:
    syn = stand_on_one_leg([("r", 2.0, 20.0)], seconds=6.0)  # never put down
    results, _ = run_clinical_tests(syn.kin, syn.time, syn.points)
    ols = next(r for r in results if r.test == OLS)
    assert ols.measures.get("censored") == 1.0 and "at least" in (ols.reason or "")
    assert ols.duration_s == pytest.approx(syn.time[-1] - syn.truth["start0"], abs=0.05)
    assert ols.phases[0].name == "on left leg"


def test_short_lifts_and_walking_are_not_a_balance_test() -> None:
    syn = stand_on_one_leg([("l", 2.0, 2.6)], seconds=5.0)  # 0.6 s + ramps: under 1 s
    results, reasons = run_clinical_tests(syn.kin, syn.time, syn.points)
    assert OLS not in [r.test for r in results]
    assert "no stance on one leg" in reasons[OLS]


def test_in_the_pipeline_no_gait_events_and_a_hand_set_window(two_legs: Synthetic) -> None:
    trial = Trial(time=two_legs.time, rate_hz=100.0, source=None, kinematics=two_legs.kin,
                  provenance=Provenance(None, "synthetic", trial_name="ols"))
    result = analyze(trial, points=two_legs.points)
    ols = next(t for t in result.clinical_tests if t.test == OLS)
    assert result.spatiotemporal is None
    assert not [e for e in result.events if e.source == "detected"]
    d = json.loads(json.dumps(result.to_dict()))
    ref = next(c for c in d["clinical_tests"] if c["test"] == OLS)["reference"]
    assert ref["at_risk"] is False and ref["cutoff_text"] == "< 5 s"
    # the clinician re-times it by hand: start and end from the timeline
    assert primary_test(result.clinical_tests) is ols
    marks = [Event("test_start", None, 2.0, "user"), Event("test_end", None, 6.0, "user")]
    tests, note = apply_timing_override(result.clinical_tests, marks)
    assert note is None
    new = next(t for t in tests if t.test == OLS)
    assert new.duration_s == pytest.approx(4.0) and new.overridden


def test_treadmill_walking_and_tracking_gaps_are_not_balance(fixtures_dir) -> None:
    """walking5.c3d (treadmill, starting in a marker gap): its swings and its gap are not a
    one-leg stance."""
    from lmm_desktop.io import read_trial

    result = analyze(read_trial(fixtures_dir / "c3d" / "walking5.c3d"))
    assert OLS not in [t.test for t in result.clinical_tests]
