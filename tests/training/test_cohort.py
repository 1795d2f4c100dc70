"""The simulated cohort: deterministic, plausible demographics, devices and fall history."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from training.simulate.cohort import CONDITIONS, DEVICES, sample_participants


def test_same_seed_same_cohort_and_other_seed_differs() -> None:
    a, b = sample_participants(50, 7), sample_participants(50, 7)
    assert [dataclasses.astuple(p) for p in a] == [dataclasses.astuple(p) for p in b]
    c = sample_participants(50, 8)
    assert [p.height_m for p in a] != [p.height_m for p in c]


def test_cohort_prefix_is_stable_when_more_participants_are_drawn() -> None:
    small, large = sample_participants(10, 3), sample_participants(40, 3)
    assert [dataclasses.astuple(p) for p in small] == [dataclasses.astuple(p) for p in large[:10]]


def test_demographics_and_labels_are_plausible() -> None:
    people = sample_participants(400, 11)
    conds = {p.condition for p in people}
    assert conds == set(CONDITIONS)
    for p in people:
        assert 18 <= p.age <= 90 and 1.4 < p.height_m < 2.1 and 35 < p.mass_kg < 170
        assert p.device in DEVICES
        assert (p.fall_history is not None) == (p.condition in ("transtibial", "transfemoral"))
        if p.condition == "unimpaired":
            assert p.severity == 0 and p.affected_side == "none" and p.device == "none"
        if p.condition in ("stroke", "transtibial", "transfemoral"):
            assert p.affected_side in ("left", "right")
            if p.device == "cane":  # cane in the hand opposite the affected leg
                assert p.device_hand != p.affected_side
    speed = {c: np.mean([p.speed_m_s for p in people if p.condition == c]) for c in conds}
    assert 1.15 < speed["unimpaired"] < 1.5
    assert all(speed[c] < speed["unimpaired"] - 0.15 for c in conds - {"unimpaired"})
    pd = [p for p in people if p.condition == "parkinsons"]
    normal = [p for p in people if p.condition == "unimpaired"]
    assert np.mean([p.walk_ratio for p in pd]) < 0.8 * np.mean([p.walk_ratio for p in normal])


def test_rejects_an_empty_cohort() -> None:
    with pytest.raises(ValueError, match="participants"):
        sample_participants(0, 1)


def test_a_cohort_rich_in_rare_labels_keeps_the_conditions_proportions() -> None:
    """--unimpaired-share: fewer unimpaired participants, the conditions in their usual
    proportions (a calibration cohort with more diagnoses, devices and fall histories)."""
    from training.simulate.cohort import condition_shares

    shares = condition_shares(0.2)
    assert sum(shares.values()) == pytest.approx(1.0) and shares["unimpaired"] == 0.2
    usual = condition_shares()
    assert usual == {c: s for c, (_, s) in CONDITIONS.items()}
    assert shares["stroke"] / shares["tbi"] == pytest.approx(usual["stroke"] / usual["tbi"])
    rich, plain = sample_participants(600, 5, unimpaired_share=0.2), sample_participants(600, 5)
    n_unimpaired = sum(p.condition == "unimpaired" for p in rich)
    assert 80 < n_unimpaired < 160  # about 120 of 600
    assert (sum(p.device != "none" for p in rich) > 1.3 * sum(p.device != "none" for p in plain))
    with pytest.raises(ValueError, match="unimpaired share"):
        condition_shares(1.5)
