"""Spatiotemporal parameters: known synthetic geometry, treadmill, the Qualisys trial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.events import detect_gait_events
from lmm_desktop.analysis.markers import body_points_from_markers
from lmm_desktop.analysis.spatiotemporal import compute_spatiotemporal
from lmm_desktop.core.trial import HEEL_STRIKE, Event, Subject
from tests.analysis.synthetic_gait import Design, synthetic_walk


@pytest.mark.parametrize("detect", [False, True], ids=["true-events", "detected-events"])
@pytest.mark.parametrize(
    "design",
    [Design(), Design(heading_deg=-60.0), Design(treadmill=True)],
    ids=["overground", "heading-60", "treadmill"],
)
def test_known_speed_step_length_cadence(design: Design, detect: bool) -> None:
    points, truth = synthetic_walk(design)
    events = detect_gait_events(points, rate_hz=design.rate).events if detect else truth
    res = compute_spatiotemporal(events, points)
    d = res.to_dict()
    assert res.reason is None
    assert d["speed_m_s"]["value"] == pytest.approx(1.2, rel=0.01)
    assert d["cadence_steps_min"]["value"] == pytest.approx(110.0, rel=0.01)
    for side in ("left", "right"):
        assert d["step_length_m"][side]["value"] == pytest.approx(design.step_length, rel=0.01)
        assert d["stride_length_m"][side]["value"] == pytest.approx(
            2 * design.step_length, rel=0.01
        )
    assert d["step_width_m"]["value"] == pytest.approx(0.12, rel=0.01)
    assert d["stride_time_s"]["value"] == pytest.approx(120 / 110, rel=0.01)
    assert d["step_length_symmetry_pct"]["value"] == pytest.approx(100.0, abs=1.0)
    if design.treadmill:
        assert res.treadmill_speed_m_s == pytest.approx(1.2, rel=0.01)
    if not detect:  # phases are exact with the true events
        assert d["stance_pct"]["right"]["value"] == pytest.approx(60.0, abs=0.5)
        assert d["double_support_pct"]["value"] == pytest.approx(20.0, abs=0.5)
        assert d["single_support_pct"]["left"]["value"] == pytest.approx(40.0, abs=0.5)


def test_to_dict_shape_and_normative_status() -> None:
    points, truth = synthetic_walk(Design())
    d = compute_spatiotemporal(truth, points, subject=Subject(sex="male", age_years=40)).to_dict()
    for key in (
        "speed_m_s",
        "cadence_steps_min",
        "stride_time_s",
        "double_support_pct",
        "step_width_m",
    ):
        assert set(d[key]) >= {"value", "sd", "normative_status", "normative_range"}
    assert d["stance_pct"]["left"]["normative_status"] in ("below", "within", "above")
    ref = d["normative_reference"]
    assert ref["basis"] == "male; 40-49 years; slow pace"  # 1.2 m/s is below 40-49 'normal'
    assert d["speed_m_s"]["normative_status"] == "below"  # vs the self-selected 1.25-1.60 m/s
    assert d["speed_m_s"]["normative_range"] == pytest.approx([1.25, 1.6], abs=0.001)
    assert d["cadence_steps_min"]["normative_status"] == "above"  # slow-pace 85.5-104.8


def test_no_stride_gives_a_reason() -> None:
    points, truth = synthetic_walk(Design())
    one = [e for e in truth if e.label == HEEL_STRIKE][:1]
    res = compute_spatiotemporal(one, points)
    assert res.strides == [] and "two heel strikes" in (res.reason or "")
    assert res.to_dict()["speed_m_s"]["value"] is None


def test_qualisys_file_events(fixtures_dir: Path) -> None:
    from lmm_desktop.io import read_trial

    trial = read_trial(fixtures_dir / "c3d" / "Qualisys.c3d")
    assert trial.markers is not None
    points = body_points_from_markers(trial.markers)
    res = compute_spatiotemporal(trial.events, points)
    d = res.to_dict()
    # Measured on this trial: 1.458 m/s, 124.7 steps/min, stride 0.96 s, stance ~61 %.
    assert d["speed_m_s"]["value"] == pytest.approx(1.458, abs=0.01)
    assert d["cadence_steps_min"]["value"] == pytest.approx(124.7, abs=0.5)
    assert d["n_strides"] == {"left": 1, "right": 1}
    assert 58 < d["stance_pct"]["right"]["value"] < 64
    assert 0.6 < d["step_length_m"]["right"]["value"] < 0.8
    assert 0.05 < d["step_width_m"]["value"] < 0.2
    detected = detect_gait_events(points, rate_hz=trial.markers.rate_hz).events
    d2 = compute_spatiotemporal(detected, points).to_dict()
    assert d2["speed_m_s"]["value"] == pytest.approx(d["speed_m_s"]["value"], rel=0.02)


def test_stride_through_a_turn_is_skipped() -> None:
    points, truth = synthetic_walk(Design(duration=4.0))
    # Append the same walk turned by 180 degrees right after: the heading reverses.
    back, truth2 = synthetic_walk(Design(duration=4.0, heading_deg=180.0))
    shift = points.point("pelvis")[-1] - back.point("pelvis")[0]
    pos = np.concatenate([points.positions, back.positions + shift], axis=0)
    time = np.concatenate([points.time, back.time + points.time[-1] + 0.01])
    from lmm_desktop.core.body import BodyPoints

    both = BodyPoints(time, points.names, pos)
    events = truth + [
        Event(e.label, e.side, e.time_s + points.time[-1] + 0.01, "file") for e in truth2
    ]
    res = compute_spatiotemporal(events, both)
    assert any("turn" in n for n in res.notes)
    assert res.to_dict()["speed_m_s"]["value"] == pytest.approx(1.2, rel=0.01)


DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_arm_swing_follows_the_shoulder_angle_and_its_asymmetry() -> None:
    """The arm swing per stride is the range of the upper arm's sagittal angle: on the
    simulated walks it matches the range of the file's shoulder flexion over the same stride;
    the Parkinson's and stroke demos swing less, the stroke one less on the paretic (right)
    side."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    trial = read_trial(DEMO / "S0004_walking_01.mot")
    st = analyze(trial).spatiotemporal
    assert st is not None and trial.kinematics is not None
    for row in st.strides:
        s = "r" if row.side == "right" else "l"
        inside = (trial.time >= row.start_s) & (trial.time <= row.end_s)
        flex = trial.kinematics.angle(f"arm_flex_{s}")[inside]
        assert row.arm_swing_deg == pytest.approx(float(np.ptp(flex)), abs=3.0)
    d = st.to_dict()
    assert d["arm_swing_asymmetry_pct"]["value"] < 3  # type: ignore[index]
    unimpaired = d["arm_swing_deg"]["right"]["value"]  # type: ignore[index]
    pd = analyze(read_trial(DEMO / "S0048_walking_01.mot")).spatiotemporal
    stroke = analyze(read_trial(DEMO / "S0039_walking_01.mot")).spatiotemporal
    assert pd is not None and stroke is not None
    assert np.mean(pd.values("arm_swing_deg")) < 0.5 * unimpaired
    sd = stroke.to_dict()
    assert sd["arm_swing_deg"]["right"]["value"] < sd["arm_swing_deg"]["left"]["value"]  # type: ignore[index]
    assert sd["arm_swing_asymmetry_pct"]["value"] > 10  # type: ignore[index]


def test_no_arm_swing_from_a_model_without_arm_coordinates(fixtures_dir: Path) -> None:
    """gait2392 has no arms to move: its arms ride on the trunk, so no arm swing is given."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    st = analyze(read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")).spatiotemporal
    assert st is not None
    d = st.to_dict()
    assert "arm_swing_deg" not in d and "arm_swing_asymmetry_pct" not in d
    assert np.isnan([r.arm_swing_deg for r in st.strides]).all()


def test_stride_time_variability_from_six_strides() -> None:
    """The coefficient of variation of the stride times, from 6 strides on: equal to the
    strides' own SD / mean, and left out of shorter walks."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    st = analyze(read_trial(DEMO / "S0048_walking_01.mot")).spatiotemporal
    assert st is not None
    times = st.values("stride_time_s")
    assert times.size >= 6
    d = st.to_dict()
    expected = np.std(times, ddof=1) / np.mean(times) * 100
    assert d["stride_time_cv_pct"]["value"] == pytest.approx(expected, abs=0.01)  # type: ignore[index]
    assert 0 < d["stride_time_cv_pct"]["value"] < 15  # type: ignore[index]
    st.strides = st.strides[:5]  # five strides: no variability
    assert "stride_time_cv_pct" not in st.to_dict()
