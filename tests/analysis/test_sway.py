"""Quiet standing sway: a scripted pelvis sway with planted feet (the clinical-test builder),
simulated standing trials of people with and without balance problems, and trials that are
not quiet standing."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.analysis.clinical_tests import run_clinical_tests
from lmm_desktop.analysis.sway import STANDING_BALANCE
from tests.analysis.test_clinical_tests import DT, _planted, build


def test_scripted_sway_is_measured() -> None:
    """15 s standing, the pelvis swaying 5 mm forward-back (0.2 Hz) and 3 mm sideways
    (0.3 Hz) around its place: ranges 10 and 6 mm, RMS 3.5 and 2.1 mm, the 95 % ellipse
    pi x 5.991 x (5 x 3 / 2) mm^2."""
    t = np.arange(0, 15.0, DT)
    ap = 0.005 * np.sin(2 * np.pi * 0.2 * t)
    ml = 0.003 * np.sin(2 * np.pi * 0.3 * t)
    pelvis = np.column_stack([ap, np.full_like(t, 0.92), ml])  # x forward, z to the right
    syn = build(t, pelvis, np.zeros_like(t), _planted(len(t)), {})
    results, _ = run_clinical_tests(syn.kin, syn.time, syn.points)
    test = next(r for r in results if r.test == STANDING_BALANCE)
    m = test.measures
    assert m["duration_s"] == pytest.approx(14.0, abs=0.1)  # 0.5 s trimmed at each end
    assert m["range_ap_mm"] == pytest.approx(10.0, abs=0.5)
    assert m["range_ml_mm"] == pytest.approx(6.0, abs=0.5)
    assert m["rms_ap_mm"] == pytest.approx(5 / np.sqrt(2), abs=0.2)
    assert m["rms_ml_mm"] == pytest.approx(3 / np.sqrt(2), abs=0.2)
    expected = np.pi * 5.991 * (5 * 3 / 2) / 100  # cm^2
    assert m["ellipse95_cm2"] == pytest.approx(expected, rel=0.08)
    # the path: the pelvis's own speed along its figure, averaged
    path = np.sum(np.hypot(np.diff(ap), np.diff(ml))) / 15.0 * 1000
    assert m["path_velocity_mm_s"] == pytest.approx(path, rel=0.1)


def test_simulated_balance_problems_sway_more() -> None:
    sim = pytest.importorskip("training.simulate.runner")
    from training.simulate.cohort import sample_participants

    areas: dict[str, list[float]] = {}
    for p in sample_participants(80, seed=7):
        group = "unimpaired" if not p.impaired else (
            "impaired" if p.severity > 0.4 else None)
        if group is None or len(areas.get(group, [])) >= 3:
            continue
        trial = sim.simulate_trial(p, "standing", np.random.default_rng(p.seed), 100.0, "x").trial
        assert trial.kinematics is not None
        from lmm_desktop.analysis.pipeline import analyze

        result = analyze(trial)
        test = next(t for t in result.clinical_tests if t.test == STANDING_BALANCE)
        areas.setdefault(group, []).append(test.measures["ellipse95_cm2"])
    assert len(areas["unimpaired"]) == len(areas["impaired"]) == 3
    assert min(areas["impaired"]) > max(areas["unimpaired"])


def test_moving_trials_are_not_quiet_standing() -> None:
    from pathlib import Path

    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    for name, why in (("S0048_walking_01.mot", "walking"), ("S0004_squats_01.mot", "rises"),
                      ("S0004_one_leg_stance_01.mot", "no quiet standing of >= 10 s")):
        result = analyze(read_trial(demo / name))
        assert STANDING_BALANCE not in [t.test for t in result.clinical_tests], name
        assert why in result.reasons[f"clinical_tests.{STANDING_BALANCE}"], name


def test_centre_of_pressure_sway_from_two_plates() -> None:
    """Each foot on its own plate carrying half the weight; the combined centre of pressure
    sways 8 mm forward-back and 4 mm sideways: its ranges 16 and 8 mm. A foot stepping off the
    plates leaves no centre-of-pressure sway."""
    from lmm_desktop.analysis.sway import cop_sway
    from lmm_desktop.core.trial import ForcePlate

    rate = 1000.0
    t = np.arange(0, 12.0, 1 / rate)
    ap = 0.008 * np.sin(2 * np.pi * 0.25 * t)
    ml = 0.004 * np.sin(2 * np.pi * 0.4 * t)
    up = np.array([0.0, 1.0, 0.0])
    corners = np.zeros((4, 3))
    plates = []
    for k, z in ((1, 0.1), (2, -0.1)):  # right foot at z = +0.1, left at -0.1 (Y up, z right)
        grf = np.zeros((len(t), 3))
        grf[:, 1] = 350.0
        cop = np.column_stack([ap, np.zeros_like(t), z + ml])
        plates.append(ForcePlate(k, 2, t, rate, grf, cop, np.zeros(len(t)), corners, up))
    lat = np.array([0.0, 0.0, -1.0])  # right to left
    m = cop_sway(plates, 1.0, 11.0, np.eye(3), lat)
    assert m is not None
    assert m["cop_range_ap_mm"] == pytest.approx(16.0, abs=0.3)
    assert m["cop_range_ml_mm"] == pytest.approx(8.0, abs=0.3)
    assert m["cop_rms_ap_mm"] == pytest.approx(8 / np.sqrt(2), abs=0.2)
    assert m["cop_ellipse95_cm2"] == pytest.approx(np.pi * 5.991 * (8 * 4 / 2) / 100, rel=0.05)
    # the left foot steps off its plate for a moment: no longer standing on the plates
    plates[1].grf[5000:5300, 1] = 0.0
    assert cop_sway(plates, 1.0, 11.0, np.eye(3), lat) is None
