"""Canonical mapping of every source model, checked on the real model and motion files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import least_squares

from lmm_desktop.core.canonical import CANONICAL_JOINTS, JOINT_INDEX
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.mapping import (
    REFERENCE_AXES,
    SHOULDER_AXES,
    detect_model,
    map_to_canonical,
    model_info_from_osim,
)
from lmm_desktop.core.rotations import compose_body_fixed, matrix_from_euler
from lmm_desktop.io.mot import read_mot

NECK = ["neck_extension", "neck_bending", "neck_rotation"]
WRIST = ["wrist_flex_r", "wrist_dev_r", "wrist_flex_l", "wrist_dev_l"]
# header of opensim-models Pipelines/Hamner/outputReference/ResultsIK/subject02_running_ik.mot
HAMNER = [
    "pelvis_tilt",
    "pelvis_list",
    "pelvis_rotation",
    "pelvis_tx",
    "pelvis_ty",
    "pelvis_tz",
    "hip_flexion_r",
    "hip_adduction_r",
    "hip_rotation_r",
    "knee_angle_r",
    "ankle_angle_r",
    "subtalar_angle_r",
    "mtp_angle_r",
    "hip_flexion_l",
    "hip_adduction_l",
    "hip_rotation_l",
    "knee_angle_l",
    "ankle_angle_l",
    "subtalar_angle_l",
    "mtp_angle_l",
    "lumbar_extension",
    "lumbar_bending",
    "lumbar_rotation",
    "arm_flex_r",
    "arm_add_r",
    "arm_rot_r",
    "elbow_flex_r",
    "pro_sup_r",
    "wrist_flex_r",
    "wrist_dev_r",
    "arm_flex_l",
    "arm_add_l",
    "arm_rot_l",
    "elbow_flex_l",
    "pro_sup_l",
    "wrist_flex_l",
    "wrist_dev_l",
]


def _tiny(names: list[str], knee: float = 40.0, n: int = 5) -> np.ndarray:
    """(n, len(names)) values: 10 deg everywhere, the knees ``knee`` deg, pelvis_ty 0.9 m."""
    values = np.full((n, len(names)), 10.0)
    for k in ("knee_angle_r", "knee_angle_l"):
        if k in names:
            values[:, names.index(k)] = np.linspace(0.0, knee, n)
    if "pelvis_ty" in names:
        values[:, names.index("pelvis_ty")] = 0.9
    return values


def test_model_info_from_each_fixture_model(fixtures_dir: Path) -> None:
    lai = model_info_from_osim(fixtures_dir / "models/LaiUhlrich2022.osim")
    raj = model_info_from_osim(fixtures_dir / "models/Rajagopal2016.osim")
    g2392 = model_info_from_osim(fixtures_dir / "models/gait2392_thelen2003muscle.osim")
    assert (lai.name, len(lai.coordinates), lai.knee_sign) == ("LaiUhlrich2022", 35, 1.0)
    assert (raj.name, len(raj.coordinates), raj.knee_sign) == ("Rajagopal2016", 39, 1.0)
    assert (g2392.name, len(g2392.coordinates), g2392.knee_sign) == ("3DGaitModel2392", 23, -1.0)
    assert lai.ranges["knee_angle_r"] == pytest.approx((0.0, 2.44346095))
    # every axis of the reference models agrees with the table the mapping uses
    assert all(s == 1.0 for s in lai.signs.values()) and len(lai.signs) == 27
    assert all(s == 1.0 for s in raj.signs.values()) and "wrist_dev_l" in raj.signs
    flipped = sorted(c for c, s in g2392.signs.items() if s < 0)
    assert flipped == ["knee_angle_l", "knee_angle_r", "mtp_angle_l", "mtp_angle_r"]


def test_model_info_refuses_a_non_model(tmp_path: Path) -> None:
    bad = tmp_path / "notes.osim"
    bad.write_text("this is not xml", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"notes\.osim"):
        model_info_from_osim(bad)
    with pytest.raises(ModelLoadError, match=r"missing\.osim"):
        model_info_from_osim(tmp_path / "missing.osim")


def test_detect_model_from_fixture_coordinate_sets(fixtures_dir: Path) -> None:
    lai = model_info_from_osim(fixtures_dir / "models/LaiUhlrich2022.osim").coordinates
    raj = model_info_from_osim(fixtures_dir / "models/Rajagopal2016.osim").coordinates
    g2392 = model_info_from_osim(fixtures_dir / "models/gait2392_thelen2003muscle.osim")
    assert detect_model(lai) == "LaiUhlrich2022"
    assert detect_model(raj) == "Rajagopal2016"
    assert detect_model(g2392.coordinates) == "gait2392"
    assert detect_model(HAMNER) == "Hamner2010"
    assert detect_model(["sh_plane_elev_r", "sh_elev_r", "sh_axial_rot_r"]) == (
        "LaiUhlrich2022_shoulder"
    )
    assert detect_model(["foo", "bar"]) == "unknown"


def test_laiuhlrich_walking_maps_directly(fixtures_dir: Path) -> None:
    trial = read_mot(fixtures_dir / "opencap/walking1_videoAndMocap.mot")
    assert trial.source is not None
    res = map_to_canonical(trial.source.names, trial.source.values)
    kin = res.kinematics
    assert res.model == "LaiUhlrich2022"
    assert res.unmapped == ["knee_angle_r_beta", "knee_angle_l_beta"]
    assert sorted(kin.missing) == sorted(NECK + WRIST)
    assert np.all(np.isnan(kin.angle("neck_extension")))
    assert kin.angle("knee_angle_r")[0] == pytest.approx(20.16619123)
    assert np.nanmax(kin.angle("knee_angle_r")) == pytest.approx(62.79151172)
    assert kin.pelvis_rotation[0, 0] == pytest.approx(12.20057678)
    assert kin.pelvis_translation[0, 1] == pytest.approx(1.12479355)
    assert any("patella" in note for note in kin.notes)


def test_rajagopal_has_wrists_but_no_neck(fixtures_dir: Path) -> None:
    info = model_info_from_osim(fixtures_dir / "models/Rajagopal2016.osim")
    names = info.coordinates
    res = map_to_canonical(names, _tiny(names), info=info)
    assert res.model == "Rajagopal2016"
    assert res.kinematics.missing == NECK
    assert res.kinematics.angle("wrist_dev_l")[0] == 10.0
    assert res.kinematics.angle("knee_angle_r")[-1] == 40.0


def test_gait2392_knee_and_mtp_flipped_from_names_and_data(fixtures_dir: Path) -> None:
    trial = read_mot(fixtures_dir / "opensim/subject01_walk1_ik.mot")
    assert trial.source is not None
    names, values = trial.source.names, trial.source.values
    raw_knee = values[:, names.index("knee_angle_r")]
    assert raw_knee.min() == pytest.approx(-70.26237926)  # negative in flexion in the file
    res = map_to_canonical(names, values)
    kin = res.kinematics
    assert res.model == "gait2392"
    assert np.allclose(kin.angle("knee_angle_r"), -raw_knee)
    assert np.nanmax(kin.angle("knee_angle_r")) == pytest.approx(70.26237926)
    assert res.signs["mtp_angle_r"] == -1.0 and res.signs["ankle_angle_r"] == 1.0
    assert any("knee negative in flexion" in note for note in kin.notes)
    # with the .osim the signs come from the knee range and the joint axes: same answer
    info = model_info_from_osim(fixtures_dir / "models/gait2392_thelen2003muscle.osim")
    with_model = map_to_canonical(names, values, info=info)
    assert np.allclose(with_model.kinematics.angles, kin.angles, equal_nan=True)
    assert any("3DGaitModel2392" in note for note in with_model.kinematics.notes)
    assert with_model.kinematics.present.sum() == 17  # legs and lumbar


def test_hamner_names_knee_sign_decided_by_the_data() -> None:
    # Hamner2010 running: knee down to -103 deg, so negative in flexion -> flipped
    res = map_to_canonical(HAMNER, _tiny(HAMNER, knee=-103.0))
    assert res.model == "Hamner2010"
    assert res.kinematics.angle("knee_angle_r")[-1] == pytest.approx(103.0)
    # same names but positive knee data (a Rajagopal export without patella columns): kept
    res = map_to_canonical(HAMNER, _tiny(HAMNER, knee=60.0))
    assert res.kinematics.angle("knee_angle_r")[-1] == pytest.approx(60.0)
    assert res.signs["mtp_angle_r"] == 1.0
    assert any("contradict" in note for note in res.kinematics.notes)


def test_unknown_model_with_negative_knee_is_flipped_and_said() -> None:
    names = ["knee_angle_r", "knee_angle_l", "hip_flexion_r"]
    res = map_to_canonical(names, _tiny(names, knee=-80.0))
    assert res.model == "unknown"
    assert res.kinematics.angle("knee_angle_l")[-1] == pytest.approx(80.0)
    assert any("knee negative" in note for note in res.kinematics.notes)
    small = map_to_canonical(names, _tiny(names, knee=5.0))  # too small to tell
    assert small.kinematics.angle("knee_angle_l")[-1] == pytest.approx(5.0)
    assert any("too small to confirm" in note for note in small.kinematics.notes)
    assert not small.kinematics.pelvis_present


def _sh_from_arm(side: str, arm_deg: np.ndarray) -> np.ndarray:
    """Solve sh_plane_elev, sh_elev, sh_axial_rot (deg) that give the acromial arm angles."""
    signs = np.array([1.0, 1.0, 1.0]) if side == "r" else np.array([1.0, -1.0, -1.0])
    target = matrix_from_euler(np.deg2rad(arm_deg * signs)[None, :], "ZXY")[0]

    def residual(q: np.ndarray) -> np.ndarray:
        return (compose_body_fixed(SHOULDER_AXES[side], q[None, :])[0] - target).ravel()

    best = min(
        (
            least_squares(residual, x0, xtol=1e-15, ftol=1e-15, gtol=1e-15)
            for x0 in ([0.1, 0.5, 0.1], [1.5, 0.5, -1.0], [-1.5, 0.5, 1.0])
        ),
        key=lambda r: r.cost,
    )
    assert best.cost < 1e-20
    return np.rad2deg(best.x)


@pytest.mark.parametrize("side", ["r", "l"])
@pytest.mark.parametrize("arm", [(30.0, -20.0, 15.0), (-10.0, -12.0, 5.0), (80.0, -40.0, -30.0)])
def test_sh_shoulder_composition_round_trip(side: str, arm: tuple[float, float, float]) -> None:
    arm_deg = np.array(arm)
    sh = _sh_from_arm(side, arm_deg)
    names = [
        f"sh_plane_elev_{side}",
        f"sh_elev_{side}",
        f"sh_axial_rot_{side}",
        f"sh_tx_{side}",
        f"sh_ty_{side}",
        f"sh_tz_{side}",
    ]
    values = np.array([[*sh, 0.01, 0.02, -0.005]])  # degrees, then metres
    res = map_to_canonical(names, values)
    assert res.model == "LaiUhlrich2022_shoulder"
    got = [res.kinematics.angle(f"arm_{j}_{side}")[0] for j in ("flex", "add", "rot")]
    assert np.allclose(got, arm_deg, atol=1e-6)
    assert res.unmapped == []
    assert any("composed from" in note for note in res.kinematics.notes)


def test_sh_elevation_in_the_sagittal_plane_is_flexion() -> None:
    # plane of elevation 90 deg, elevation 90 deg: the arm points forward (+X) = flexion 90
    r = compose_body_fixed(SHOULDER_AXES["r"], np.deg2rad([[90.0, 90.0, 0.0]]))[0]
    assert np.allclose(r @ [0, -1, 0], [1, 0, 0], atol=1e-12)
    res = map_to_canonical(
        ["sh_plane_elev_r", "sh_elev_r", "sh_axial_rot_r"], np.array([[90.0, 90.0, 0.0]])
    )
    assert res.kinematics.angle("arm_flex_r")[0] == pytest.approx(90.0)
    assert res.kinematics.angle("arm_add_r")[0] == pytest.approx(0.0, abs=1e-9)
    assert not res.kinematics.present[JOINT_INDEX["arm_flex_l"]]


def test_reference_axes_cover_every_joint_but_the_neck() -> None:
    assert set(CANONICAL_JOINTS) - set(REFERENCE_AXES) == set(NECK)
