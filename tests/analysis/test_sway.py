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
