"""Cycle-normalised curves: exact resampling, pelvis in the walking frame, real trial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.cycles import cycle_curves, foot_progression, pelvis_in_walking_frame
from lmm_desktop.core.canonical import CANONICAL_JOINTS, JOINT_INDEX, Kinematics
from lmm_desktop.core.trial import HEEL_STRIKE, Event
from tests.analysis.synthetic_gait import Design, synthetic_walk


def _kinematics(time: np.ndarray, period: float) -> Kinematics:
    kin = Kinematics.empty(time.size)
    kin.present[JOINT_INDEX["knee_angle_r"]] = True
    kin.angles[:, JOINT_INDEX["knee_angle_r"]] = 30 + 30 * np.sin(2 * np.pi * time / period)
    kin.pelvis_rotation[:] = 0.0
    kin.pelvis_translation[:] = np.stack([1.2 * time, np.ones_like(time), 0 * time], axis=1)
    kin.pelvis_present = True
    return kin


def test_cycles_resample_a_known_curve() -> None:
    time = np.arange(0, 5, 0.01)
    kin = _kinematics(time, 1.0)
    events = [Event(HEEL_STRIKE, "right", t, "file") for t in (0.5, 1.5, 2.5, 3.5)]
    cc = cycle_curves(kin, time, events)
    knee = cc.get("right", "knee_angle_r")
    assert knee is not None and knee.n == 3 and knee.cycles.shape == (3, 101)
    expected = 30 + 30 * np.sin(2 * np.pi * (0.5 + np.linspace(0, 1, 101)))
    np.testing.assert_allclose(knee.mean, expected, atol=1e-6)
    assert np.all(knee.sd < 1e-6)
    assert cc.n_cycles == {"right": 3, "left": 0}
    assert cc.reason is not None and "left" in cc.reason
    assert cc.get("left", "knee_angle_r") is None


def test_pelvis_angles_in_the_walking_frame() -> None:
    out = pelvis_in_walking_frame(np.array([[0.0, 0.0, 95.0]]), np.radians([90.0]))
    np.testing.assert_allclose(out, [[0.0, 0.0, 5.0]], atol=1e-9)
    # Walking towards -X: a ground tilt of +10 deg is an anterior tilt of the walker (-10).
    out = pelvis_in_walking_frame(np.array([[10.0, 0.0, 180.0]]), np.radians([180.0]))
    np.testing.assert_allclose(out, [[-10.0, 0.0, 0.0]], atol=1e-9)


def test_foot_progression_sign() -> None:
    points, _ = synthetic_walk(Design(duration=1.0))
    straight = foot_progression(points, "right", np.array([1.0, 0, 0]))
    np.testing.assert_allclose(straight, 0.0, atol=1e-9)
    # Seen from a direction turned 10 deg to the right, the right toe points 10 deg inwards.
    d = np.array([np.cos(np.radians(-10)), 0, -np.sin(np.radians(-10))])
    np.testing.assert_allclose(foot_progression(points, "right", d), 10.0, atol=1e-6)
    np.testing.assert_allclose(foot_progression(points, "left", d), -10.0, atol=1e-6)


def test_treadmill_trial_curves(fixtures_dir: Path) -> None:
    from lmm_desktop.analysis.events import detect_gait_events
    from lmm_desktop.biomech.fk import forward_kinematics
    from lmm_desktop.io import read_trial

    trial = read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")
    assert trial.kinematics is not None
    points = forward_kinematics(trial)
    ev = detect_gait_events(points, rate_hz=trial.rate_hz)
    assert ev.treadmill and ev.reason is None
    cc = cycle_curves(
        trial.kinematics, trial.time, ev.events, points=points, direction=ev.direction
    )
    assert cc.n_cycles == {"right": 1, "left": 2}
    knee = cc.get("left", "knee_angle_l")
    assert knee is not None and knee.n == 2
    assert 60 <= int(np.argmax(knee.mean)) <= 80 and 60 < knee.mean.max() < 80
    tilt = cc.get("right", "pelvis_tilt")
    assert tilt is not None and 3 < tilt.mean.mean() < 8  # gait2392 IK: ~5.6 deg
    fp = cc.get("right", "foot_progression")
    assert fp is not None and np.all(np.abs(fp.mean) < 25)
    assert cc.get("right", "hip_flexion_l") is not None  # every joint on both sides' strides
    assert pytest.approx(knee.mean.max(), abs=20) == 70


def test_vectorised_resampling_matches_per_stride_interp(fixtures_dir: Path) -> None:
    """Every joint of every stride equals ``np.interp`` of that stride alone (the old loop)."""
    from lmm_desktop.analysis._signal import resample_cycle
    from lmm_desktop.io import read_trial

    trial = read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")
    kin = trial.kinematics
    assert kin is not None
    # Uneven stride lengths, starts between frames, one stride per side sharing frames.
    events = [
        Event(HEEL_STRIKE, side, t, "user")
        for side, t in (("right", 0.013), ("right", 0.517), ("right", 1.333), ("left", 0.2))
    ] + [Event(HEEL_STRIKE, "left", 1.1049, "user")]
    cc = cycle_curves(kin, trial.time, events)
    assert cc.n_cycles == {"right": 2, "left": 1}
    for side, pairs in (("right", [(0.013, 0.517), (0.517, 1.333)]), ("left", [(0.2, 1.1049)])):
        for k, (t0, t2) in enumerate(pairs):
            i0, i2 = np.searchsorted(trial.time, [t0, t2])
            for name in (n for n, p in zip(CANONICAL_JOINTS, kin.present) if p):
                expected = resample_cycle(kin.angles[i0 : i2 + 1, CANONICAL_JOINTS.index(name)])
                got = cc.get(side, name)  # type: ignore[arg-type]
                assert got is not None
                np.testing.assert_allclose(got.cycles[k], expected, atol=1e-9, err_msg=name)
