"""The generated built-in OpenSim model: coordinates, landmarks, scaling, axis signs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.biomech.builtin_model import (
    RESOURCE_PATH,
    build_builtin_model,
    write_builtin_model,
)
from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.biomech.geometry import LANDMARKS, standing_pelvis_height
from lmm_desktop.biomech.osim_util import load_model
from lmm_desktop.core.body import REQUIRED_POINTS
from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    JOINT_INDEX,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)

EXPECTED = [*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS, *CANONICAL_JOINTS]


def _coordinate_names(model: object) -> list[str]:
    cs = model.getCoordinateSet()  # type: ignore[attr-defined]
    return [cs.get(i).getName() for i in range(cs.getSize())]


def test_written_model_loads_with_the_40_coordinates_in_order(tmp_path: Path) -> None:
    path = write_builtin_model(tmp_path / "body.osim", 1.80)
    model = load_model(path)
    model.initSystem()
    assert _coordinate_names(model) == EXPECTED
    assert len(EXPECTED) == 40
    markers = model.getMarkerSet()
    names = {markers.get(i).getName() for i in range(markers.getSize())}
    assert set(REQUIRED_POINTS) <= names
    ty = model.getCoordinateSet().get("pelvis_ty").getDefaultValue()
    assert ty == pytest.approx(standing_pelvis_height(1.80))


def test_shipped_resource_model_is_current() -> None:
    if not RESOURCE_PATH.is_file():
        pytest.skip("resources/models/builtin_fullbody.osim not generated")
    model = load_model(RESOURCE_PATH)
    model.initSystem()
    assert _coordinate_names(model) == EXPECTED
    fresh = build_builtin_model()
    fresh.initSystem()
    for name in ("knee_r", "toe_l", "head", "wrist_r"):
        a = model.getMarkerSet().get(name).get_location().to_numpy()
        b = fresh.getMarkerSet().get(name).get_location().to_numpy()
        np.testing.assert_allclose(a, b, atol=1e-9)


def _neutral(n: int = 1) -> Kinematics:
    return Kinematics(np.zeros((n, 34)), np.ones(34, bool), np.zeros((n, 3)), np.zeros((n, 3)))


@pytest.mark.parametrize("height", [1.50, 1.70, 1.95])
def test_segment_lengths_scale_with_height(height: float) -> None:
    ref = builtin_forward_kinematics(_neutral(), np.zeros(1), height_m=1.70)
    bp = builtin_forward_kinematics(_neutral(), np.zeros(1), height_m=height)

    def length(points: object, a: str, b: str) -> float:
        return float(np.linalg.norm(points.point(a)[0] - points.point(b)[0]))  # type: ignore[attr-defined]

    for a, b in (
        ("hip_r", "knee_r"),
        ("knee_l", "ankle_l"),
        ("shoulder_r", "elbow_r"),
        ("heel_r", "toe_r"),
    ):
        assert length(bp, a, b) == pytest.approx(length(ref, a, b) * height / 1.70, rel=1e-9)
    # Winter (2009): thigh 0.245 H, leg 0.246 H, foot 0.152 H.
    assert length(bp, "hip_r", "knee_r") == pytest.approx(0.245 * height)
    assert length(bp, "knee_r", "ankle_r") == pytest.approx(0.246 * height)
    assert bp.point("heel_r")[0, 0] - bp.point("toe_r")[0, 0] == pytest.approx(-0.152 * height)


def _moved(joint: str, point: str, degrees: float = 30.0) -> np.ndarray:
    """Displacement of ``point`` when ``joint`` goes from 0 to ``degrees``."""
    kin = _neutral(2)
    kin.angles[1, JOINT_INDEX[joint]] = degrees
    bp = builtin_forward_kinematics(kin, np.zeros(2))
    return bp.point(point)[1] - bp.point(point)[0]


def test_axis_signs_follow_opensim_conventions() -> None:
    assert _moved("hip_flexion_r", "knee_r")[0] > 0.1  # flexion brings the knee forward
    assert _moved("hip_adduction_r", "knee_r")[2] < -0.1  # right adduction: towards -Z
    assert _moved("hip_adduction_l", "knee_l")[2] > 0.1  # left adduction: towards +Z
    assert _moved("knee_angle_r", "ankle_r")[0] < -0.1  # knee flexion is POSITIVE
    assert _moved("knee_angle_l", "ankle_l")[0] < -0.1
    assert _moved("ankle_angle_r", "toe_r")[1] > 0.02  # dorsiflexion lifts the toes
    assert _moved("mtp_angle_r", "toe_r")[1] < 0.0  # LaiUhlrich: positive MTP lowers the tip
    assert _moved("lumbar_extension", "neck")[0] < -0.1  # extension leans back
    assert _moved("neck_extension", "head")[0] < -0.03
    assert _moved("arm_flex_r", "elbow_r")[0] > 0.05
    assert _moved("arm_add_l", "elbow_l")[2] > 0.05
    assert _moved("elbow_flex_r", "wrist_r")[0] > 0.05
    assert _moved("wrist_flex_l", "hand_l")[0] > 0.02
    # Subtalar inversion lifts the medial forefoot (mt1) relative to the lateral one.
    kin = _neutral(2)
    kin.angles[1, JOINT_INDEX["subtalar_angle_r"]] = 20.0
    bp = builtin_forward_kinematics(kin, np.zeros(2), all_landmarks=True)
    assert bp.point("mt1_r")[1, 1] - bp.point("mt5_r")[1, 1] > 0.01


def test_every_landmark_name_is_unique() -> None:
    names = [m.name for m in LANDMARKS]
    assert len(names) == len(set(names))
