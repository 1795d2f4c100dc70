"""Habitual posture and capture conventions: invisible to the ground truth, covering real trials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.canonical import JOINT_INDEX as J
from lmm_desktop.io import read_trial
from training.simulate import activities
from training.simulate.cohort import sample_participants
from training.simulate.habitus import (
    NO_NECK_WRISTS,
    Habitus,
    apply_capture,
    apply_posture,
    draw_habitus,
)
from training.simulate.motion import place
from training.simulate.output import write_mot
from training.simulate.runner import simulate_trial
from training.simulate.truth import events_from_contact, gait_truth

PEOPLE = sample_participants(60, 11)


def test_habitus_is_deterministic_varied_and_bounded() -> None:
    hs = [draw_habitus(p.seed) for p in PEOPLE]
    assert hs[0] == draw_habitus(PEOPLE[0].seed)
    tilt = np.array([h.pelvis_tilt for h in hs])
    assert -10.0 <= tilt.min() < 2.0 and 16.0 < tilt.max() <= 24.0
    assert 0.2 < np.mean([h.mtp_locked is not None for h in hs]) < 0.8
    assert 0.1 < np.mean([h.no_neck_wrists for h in hs]) < 0.6
    assert all(0.0 <= h.elbow_carry <= 22.0 for h in hs)


def test_posture_keeps_thighs_trunk_and_head_pitch_in_the_room() -> None:
    p = PEOPLE[0]
    draft = activities.walking(p, np.random.default_rng(1), 60.0, p.speed_m_s)
    before = draft.angles.copy(), draft.pelvis_body.copy()
    h = Habitus(9.0, -6.0, 10.0, 5.0, 0.0, None, False)
    apply_posture(draft, h)
    a0, pel0 = before
    a1, pel1 = draft.angles, draft.pelvis_body
    assert np.allclose(pel1[:, 0] - pel0[:, 0], 9.0)
    for s in ("r", "l"):  # thigh pitch = pelvis tilt + hip flexion
        j = J[f"hip_flexion_{s}"]
        assert np.allclose(pel1[:, 0] + a1[:, j], pel0[:, 0] + a0[:, j])
        assert np.allclose(a1[:, J[f"knee_angle_{s}"]], a0[:, J[f"knee_angle_{s}"]])
    trunk0 = pel0[:, 0] + a0[:, J["lumbar_extension"]]
    trunk1 = pel1[:, 0] + a1[:, J["lumbar_extension"]]
    assert np.allclose(trunk1 - trunk0, -6.0)  # leaned forward by 6 deg
    head0, head1 = trunk0 + a0[:, J["neck_extension"]], trunk1 + a1[:, J["neck_extension"]]
    assert np.allclose(head1, head0)  # the head stays level
    assert np.all(a1[:, J["elbow_flex_r"]] <= 145.0)


def test_posture_does_not_change_the_gait_ground_truth() -> None:
    p = PEOPLE[2]
    out = []
    for h in (Habitus.neutral(), Habitus(12.0, -10.0, 0.0, 0.0, 0.0, None, False)):
        draft = activities.walking(p, np.random.default_rng(4), 60.0, p.speed_m_s)
        apply_posture(draft, h)
        placed = place(draft, p.height_m)
        out.append(gait_truth(events_from_contact(placed.contact, 60.0), placed, 60.0))
    assert out[1]["speed_m_s"] == pytest.approx(out[0]["speed_m_s"], rel=0.03)
    assert out[1]["cadence_steps_min"] == pytest.approx(out[0]["cadence_steps_min"], rel=0.01)


def test_capture_locks_toes_and_drops_neck_and_wrists_as_absent_columns(tmp_path: Path) -> None:
    angles = np.zeros((50, 34))
    present = apply_capture(angles, Habitus(0.0, 0.0, 0.0, 0.0, 3.0, -7.5, True))
    assert np.all(angles[:, J["mtp_angle_r"]] == -7.5)
    assert np.all(angles[:, J["subtalar_angle_l"]] == 3.0)
    assert {n for n in J if not present[J[n]]} == set(NO_NECK_WRISTS)
    assert np.isnan(angles[:, J["neck_rotation"]]).all()

    p = next(q for q in PEOPLE if draw_habitus(q.seed).no_neck_wrists)
    sim = simulate_trial(p, "walking", np.random.default_rng(p.seed), 60.0, "t")
    back = read_trial(write_mot(sim.trial, tmp_path / "t.mot"))
    assert set(back.kinematics.missing) == set(NO_NECK_WRISTS)  # absent, never zeros
    assert np.isfinite(back.kinematics.angle("knee_angle_r")).any()


def test_squat_styles_cover_hip_dominant_squats_with_clasped_hands() -> None:
    p = next(q for q in PEOPLE if q.condition == "unimpaired")
    seen = []
    for seed in range(24):
        d = activities.squats(p, np.random.default_rng(seed), 30.0)
        seen.append(
            (
                d.pelvis_body[:, 0].min(),
                d.angles[:, J["elbow_flex_r"]].max(),
                d.angles[:, J["arm_flex_r"]].max(),
            )
        )
    tilts, elbows, arms = np.array(seen).T
    assert tilts.min() < -30.0 and tilts.max() > -22.0  # hip- and knee-dominant squats
    assert np.any((elbows > 70.0) & (arms > 85.0))  # hands clasped, lifted in front (OpenCap)
    assert np.any(elbows < 40.0)  # arms reaching forward


def test_simulated_walkers_cover_the_opencap_walking_posture(fixtures_dir: Path) -> None:
    """The OpenCap fixture's pelvis tilt, lumbar flexion and locked toes lie within the cohort."""
    real = read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot").kinematics
    real_tilt = np.nanmedian(real.pelvis_rotation[:, 0])
    real_lumbar = np.nanmedian(real.angle("lumbar_extension"))
    tilts, lumbars = [], []
    for p in PEOPLE[:30]:
        sim = simulate_trial(p, "walking", np.random.default_rng(p.seed), 30.0, "t")
        kin = sim.trial.kinematics
        tilts.append(np.nanmedian(kin.pelvis_rotation[:, 0]))
        lumbars.append(np.nanmedian(kin.angle("lumbar_extension")))
    assert min(tilts) < real_tilt < max(tilts)
    assert min(lumbars) < real_lumbar < max(lumbars)
