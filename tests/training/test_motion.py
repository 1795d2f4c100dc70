"""Walking and clinical-test motions: timing, contact, no foot slide, ground truth consistency."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lmm_desktop.core.canonical import JOINT_INDEX
from training.simulate import activities
from training.simulate.cohort import sample_participants
from training.simulate.motion import place, stance_drift
from training.simulate.truth import (
    clinical_test_truth,
    events_from_contact,
    gait_truth,
    merge_phases,
)

PEOPLE = sample_participants(120, 5)


def _first(condition: str):
    return next(p for p in PEOPLE if p.condition == condition)


@pytest.mark.parametrize(
    "condition", ["unimpaired", "stroke", "transtibial", "parkinsons", "incomplete_sci", "tbi"]
)
def test_walking_hits_target_speed_without_sliding(condition: str) -> None:
    p = _first(condition)
    rng = np.random.default_rng(p.seed)
    draft = activities.walking(p, rng, 100.0, p.speed_m_s)
    placed = place(draft, p.height_m)
    events = events_from_contact(placed.contact, 100.0)
    truth = gait_truth(events, placed, 100.0)
    assert truth["speed_m_s"] == pytest.approx(p.speed_m_s, rel=0.08)
    # ground truth equals what the pelvis translation and the events give
    hs = [t for lab, _, t in events if lab == "heel_strike"]
    i0, i1 = round(hs[0] * 100), round(hs[-1] * 100)
    xz = placed.pelvis_translation[[i0, i1]][:, [0, 2]]
    assert truth["speed_m_s"] == pytest.approx(np.linalg.norm(xz[1] - xz[0]) / (hs[-1] - hs[0]))
    assert truth["cadence_steps_min"] == pytest.approx(60 * (len(hs) - 1) / (hs[-1] - hs[0]))
    sides = [s for lab, s, _ in events if lab == "heel_strike"]
    assert all(a != b for a, b in itertools.pairwise(sides))  # steps alternate
    slide = stance_drift(placed)
    assert np.median(slide) < 0.035 and slide.max() < 0.08
    assert placed.feet[..., 1].min() > -0.005  # no foot below the floor


def test_stroke_shows_reduced_swing_knee_flexion_and_drop_foot_on_paretic_side() -> None:
    p = next(q for q in PEOPLE if q.condition == "stroke" and q.severity > 0.3)
    draft = activities.walking(p, np.random.default_rng(1), 100.0, p.speed_m_s)
    aff = "r" if p.affected_side == "right" else "l"
    other = "l" if aff == "r" else "r"
    knee = {s: draft.angles[:, JOINT_INDEX[f"knee_angle_{s}"]] for s in "rl"}
    ankle = {s: draft.angles[:, JOINT_INDEX[f"ankle_angle_{s}"]] for s in "rl"}
    assert knee[aff].max() < knee[other].max() - 10
    swing = ~draft.contact[:, 0 if aff == "r" else 1]
    assert (
        ankle[aff][swing].mean()
        < ankle[other][~draft.contact[:, 0 if other == "r" else 1]].mean() - 4
    )


def test_parkinsons_short_steps_high_cadence_flexed_trunk() -> None:
    pd, normal = _first("parkinsons"), _first("unimpaired")
    out = {}
    for p in (pd, normal):
        rng = np.random.default_rng(p.seed)
        d = activities.walking(p, rng, 100.0, 1.0)  # same speed for both
        placed = place(d, p.height_m)
        out[p.condition] = (
            gait_truth(events_from_contact(placed.contact, 100.0), placed, 100.0),
            d.angles[:, JOINT_INDEX["lumbar_extension"]].mean(),
        )
    assert out["parkinsons"][0]["cadence_steps_min"] > out["unimpaired"][0]["cadence_steps_min"] + 8
    assert out["parkinsons"][0]["step_length_r_m"] < out["unimpaired"][0]["step_length_r_m"]
    assert out["parkinsons"][1] < out["unimpaired"][1] - 8


@pytest.mark.parametrize(
    "activity,key,lo,hi",
    [
        ("tug", "tug_s", 6.0, 40.0),
        ("fsst", "fsst_s", 4.0, 40.0),
        ("sts5", "sts5_s", 6.0, 40.0),
    ],
)
def test_clinical_tests_have_phases_and_plausible_times(
    activity: str, key: str, lo: float, hi: float
) -> None:
    p = _first("unimpaired")
    draft = getattr(activities, activity)(p, np.random.default_rng(3), 100.0)
    placed = place(draft, p.height_m)
    events = events_from_contact(placed.contact, 100.0)
    phases = merge_phases(draft.phases)
    truth = clinical_test_truth(activity, phases, events)
    assert lo < truth[key] < hi
    assert truth[key] <= draft.n_frames / 100.0
    if activity == "fsst":
        assert [n for n, _, _ in phases] == [
            f"step_{k}_{d}" for k, (d, _) in enumerate(activities.FSST_SEQUENCE, start=1)
        ]
        assert sum(lab == "heel_strike" for lab, _, _ in events) == 16  # two feet x 8 squares
    if activity == "tug":
        assert [n for n, _, _ in phases] == [
            "sit_to_stand",
            "walk_out",
            "turn",
            "walk_back",
            "turn_and_sit",
        ]
        rot = placed.pelvis_rotation[:, 2]
        assert rot[-1] - rot[0] == pytest.approx(360.0, abs=15.0)  # two 180 degree turns
        assert placed.pelvis_translation[:, 0].max() > 2.5  # walked out about 3 m
    # turning on the spot in the TUG slides the feet more than straight walking does
    assert np.median(stance_drift(placed)) < (0.045 if activity == "tug" else 0.03)
