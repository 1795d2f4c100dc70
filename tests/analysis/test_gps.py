"""Gait Profile Score: zero for the reference itself, known offsets, real trial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.cycles import CycleCurves, CycleStats
from lmm_desktop.analysis.gps import GPS_VARIABLES, gait_profile_score
from lmm_desktop.analysis.normative import normative_band


def _reference_curves(offsets: dict[str, float], with_foot: bool = True) -> CycleCurves:
    curves: dict = {"right": {}, "left": {}}
    for side, s in (("right", "r"), ("left", "l")):
        for var, _ in GPS_VARIABLES:
            if var == "foot_progression" and not with_foot:
                continue
            sided = var.startswith(("hip", "knee", "ankle"))
            name = f"{var}_{s}" if sided else var
            band = var if sided or var == "pelvis_tilt" else f"{var}_{s}"
            mean = normative_band(band, "Free").mean + offsets.get(var, 0.0)
            curves[side][name] = CycleStats(mean[None, :], mean, np.zeros(101))
    return CycleCurves(curves, {"right": [(0.0, 1.0)], "left": [(0.0, 1.0)]})


def test_reference_scores_zero() -> None:
    gp = gait_profile_score(_reference_curves({}))
    assert gp.gps_overall == pytest.approx(0.0, abs=1e-9)
    assert len(gp.gvs["right"]) == 9 and not gp.missing


def test_known_offset_and_missing_foot_progression() -> None:
    gp = gait_profile_score(_reference_curves({"knee_angle": 6.0}, with_foot=False))
    assert gp.gvs["left"]["knee_angle"] == pytest.approx(6.0)
    assert gp.gps["right"] == pytest.approx(np.sqrt(36.0 / 8.0))  # over the 8 available
    assert gp.gps_overall == pytest.approx(np.sqrt(72.0 / 16.0))
    assert set(gp.missing) == {"Foot progression (right)", "Foot progression (left)"}
    assert "heel and toe" in gp.missing["Foot progression (right)"]
    assert gp.to_dict()["gps_overall"] == pytest.approx(2.121, abs=1e-3)


def test_no_cycles_gives_reason() -> None:
    empty = CycleCurves({"right": {}, "left": {}}, {"right": [], "left": []}, reason="no stride")
    gp = gait_profile_score(empty)
    assert gp.gps_overall is None and gp.reason == "no stride"


def test_treadmill_trial_gps(fixtures_dir: Path) -> None:
    from lmm_desktop.analysis.cycles import cycle_curves
    from lmm_desktop.analysis.events import detect_gait_events
    from lmm_desktop.biomech.fk import forward_kinematics
    from lmm_desktop.io import read_trial

    trial = read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")
    assert trial.kinematics is not None
    points = forward_kinematics(trial)
    ev = detect_gait_events(points, rate_hz=trial.rate_hz)
    cc = cycle_curves(
        trial.kinematics, trial.time, ev.events, points=points, direction=ev.direction
    )
    gp = gait_profile_score(cc)
    # Measured 9.05 deg overall; knee GVS ~5.3-5.6 deg. Pelvic tilt (~17 deg) and hip flexion
    # (~15 deg) GVS carry the OpenSim-vs-PiG pelvis frame offset (see normative_map).
    assert gp.gps_overall == pytest.approx(9.05, abs=0.5)
    assert gp.gvs["right"]["knee_angle"] < 8
    assert gp.gvs["right"]["pelvis_tilt"] > 10
