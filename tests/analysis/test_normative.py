"""Normative data: the mapped Schwartz bands look like gait in OpenSim conventions; lookups."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis import build_normative
from lmm_desktop.analysis.normative import (
    band_variables,
    dimensionless_speed,
    leg_length_m,
    normative_band,
    normative_status,
    spatiotemporal_reference,
    speed_group,
)
from lmm_desktop.analysis.normative_map import SPEED_GROUPS
from lmm_desktop.core.errors import AnalysisError, InvalidValueError
from lmm_desktop.core.trial import Subject
from tests.conftest import NORMATIVE, ROOT


@pytest.mark.parametrize("group", SPEED_GROUPS)
def test_bands_look_like_gait(group: str) -> None:
    knee = normative_band("knee_angle_r", group)
    assert knee.mean.shape == knee.lower.shape == knee.upper.shape == (101,)
    assert np.all(knee.lower <= knee.upper)
    peak = int(np.argmax(knee.mean))
    assert 65 <= peak <= 80  # peak knee flexion in swing
    assert 40 < knee.mean.max() < 70  # ~45 deg very slow, ~60 deg free and faster
    if group == "Free":
        assert knee.mean.max() == pytest.approx(60, abs=5)
    ankle = normative_band("ankle_angle", group)
    assert np.all(np.abs(ankle.mean) < 25)
    hip = normative_band("hip_flexion_l", group)
    assert hip.mean[0] > 25 and hip.mean.min() < 5  # flexed at heel strike, extends in stance
    # PiG anterior tilt (+) is negative in OpenSim (pelvis_tilt positive = posterior).
    assert np.all(normative_band("pelvis_tilt", group).mean < -5)


def test_side_specific_pelvis_and_foot_bands() -> None:
    r, l = normative_band("pelvis_rotation_r"), normative_band("pelvis_rotation", side="left")
    np.testing.assert_allclose(r.mean, -l.mean)
    assert r.mean[0] > 0  # right side forward at right heel strike: positive pelvis_rotation
    lst = normative_band("pelvis_list_r")
    # Right loading response: the swing (left) side drops, so the right side is up: PiG
    # obliquity +, OpenSim pelvis_list - (positive list drops the right side).
    assert lst.mean[:15].min() < -3
    fp = normative_band("foot_progression_l")
    assert np.all(fp.mean < 0)  # feet point outwards (external progression)
    with pytest.raises(AnalysisError, match="depends on the side"):
        normative_band("pelvis_list")
    with pytest.raises(AnalysisError, match="No normative band"):
        normative_band("subtalar_angle_r")
    with pytest.raises(InvalidValueError):
        normative_band("knee_angle_r", "Medium")
    assert "knee_angle" in band_variables()


def test_speed_groups_from_leg_length() -> None:
    assert dimensionless_speed(1.3, 0.9) == pytest.approx(0.4375, abs=1e-4)
    assert speed_group(1.3, 0.9) == "Free"
    assert speed_group(0.5, 0.9) == "VerySlow"
    assert speed_group(2.0, 0.9) == "VeryFast"
    assert speed_group(None, 0.9) == "Free"
    assert leg_length_m(Subject(height_m=1.8)) == pytest.approx(0.954)
    assert leg_length_m(None, None) is None


def test_spatiotemporal_lookup_by_sex_age_and_pace() -> None:
    ref = spatiotemporal_reference(Subject(sex="female", age_years=35), 1.3)
    assert ref.pace == "normal"
    assert ref.ranges["cadence_steps_min"] == (110.4, 126.2)
    assert ref.speed_range == pytest.approx((1.2, 1.6), abs=1e-3)
    slow = spatiotemporal_reference(Subject(sex="male", age_years=72), 0.8)
    assert slow.basis.startswith("male; 70-74 years")
    child = spatiotemporal_reference(Subject(sex="male", age_years=8.5), 1.0)
    assert child.pace == "slow" and child.ranges["step_length_m"] == (0.49, 0.594)
    pooled = spatiotemporal_reference(None, 1.3)
    assert "pooled" in pooled.basis
    assert normative_status(1.0, (1.1, 1.6)) == "below"
    assert normative_status(1.3, (1.1, 1.6)) == "within"
    assert normative_status(None, (1.1, 1.6)) is None


def test_shipped_files_are_what_the_build_script_makes(tmp_path: Path) -> None:
    if not NORMATIVE.is_dir():
        pytest.skip(f"shared normative data not found at {NORMATIVE}")
    assert build_normative.main([str(NORMATIVE), str(tmp_path)]) == 0
    shipped = ROOT / "resources" / "normative"
    for name in ("schwartz2008_opensim.json", "spatiotemporal_normals.json"):
        assert json.loads((tmp_path / name).read_text()) == json.loads((shipped / name).read_text())
    assert "CC BY-SA 4.0" in (shipped / "LICENCE").read_text()
    assert "Schwartz" in (shipped / "ATTRIBUTION.md").read_text()
