"""Built-in numpy forward kinematics: known geometry, agreement with OpenSim, speed."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lmm_desktop.biomech.builtin_model import write_builtin_model
from lmm_desktop.biomech.fk import SEGMENTS, builtin_forward_kinematics, forward_kinematics
from lmm_desktop.biomech.geometry import standing_pelvis_height
from lmm_desktop.biomech.osim_fk import OsimPoser
from lmm_desktop.core.body import REQUIRED_POINTS, SEGMENT_GROUPS
from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    JOINT_INDEX,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import MarkerSet, Provenance, Subject, Trial


def _standing(height: float, n: int = 1) -> Kinematics:
    trans = np.tile([0.0, standing_pelvis_height(height), 0.0], (n, 1))
    return Kinematics(np.zeros((n, 34)), np.ones(34, bool), np.zeros((n, 3)), trans)


@pytest.mark.parametrize("height", [1.55, 1.70, 1.88])
def test_standing_neutral_puts_heels_and_toes_on_the_floor(height: float) -> None:
    bp = builtin_forward_kinematics(_standing(height), np.zeros(1), height_m=height)
    for name in ("heel_r", "heel_l", "toe_r", "toe_l"):
        assert bp.point(name)[0, 1] == pytest.approx(0.0, abs=1e-9)
    assert bp.point("head")[0, 1] == pytest.approx(height, abs=1e-9)  # vertex at full height
    assert bp.point("hip_r")[0, 1] == pytest.approx(0.530 * height, abs=1e-9)  # Winter
    assert bp.point("hip_r")[0, 2] > 0 > bp.point("hip_l")[0, 2]  # +Z is the right side


def test_knee_flexion_90_puts_the_ankle_behind_the_knee() -> None:
    kin = _standing(1.70)
    kin.angles[0, JOINT_INDEX["knee_angle_r"]] = 90.0
    bp = builtin_forward_kinematics(kin, np.zeros(1), height_m=1.70)
    knee, ankle = bp.point("knee_r")[0], bp.point("ankle_r")[0]
    np.testing.assert_allclose(ankle - knee, [-0.246 * 1.70, 0.0, 0.0], atol=1e-9)
    # Hip flexed 90 and knee flexed 90: thigh horizontal forward, shank vertical down.
    kin.angles[0, JOINT_INDEX["hip_flexion_r"]] = 90.0
    bp = builtin_forward_kinematics(kin, np.zeros(1), height_m=1.70)
    hip, knee, ankle = (bp.point(p)[0] for p in ("hip_r", "knee_r", "ankle_r"))
    np.testing.assert_allclose(knee - hip, [0.245 * 1.70, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(ankle - knee, [0.0, -0.246 * 1.70, 0.0], atol=1e-9)


def test_missing_joints_are_posed_neutral_and_stay_marked_missing() -> None:
    kin = _standing(1.70, n=3)
    kin.angles[:, JOINT_INDEX["elbow_flex_r"]] = np.nan
    kin.present[JOINT_INDEX["elbow_flex_r"]] = False
    kin.pelvis_translation[:] = np.nan
    bp = builtin_forward_kinematics(kin, np.arange(3) * 0.01)
    assert np.isfinite(bp.positions).all()
    assert bp.point("heel_r")[:, 1] == pytest.approx(0.0, abs=1e-9)  # NaN pelvis: standing
    assert not kin.present[JOINT_INDEX["elbow_flex_r"]]


@pytest.fixture(scope="module")
def poser(tmp_path_factory: pytest.TempPathFactory) -> OsimPoser:
    path = write_builtin_model(tmp_path_factory.mktemp("model") / "body.osim", 1.83)
    return OsimPoser(path)


_angles = arrays(np.float64, (2, 40), elements=st.floats(-60.0, 60.0))


@settings(max_examples=40, deadline=None)
@given(values=_angles)
def test_numpy_fk_matches_opensim_fk_within_1mm(poser: OsimPoser, values: np.ndarray) -> None:
    values = values.copy()
    values[:, 3:6] = values[:, 3:6] / 60.0  # translations within +-1 m
    names = [*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS, *CANONICAL_JOINTS]
    expected = poser.pose(names, values)  # (2, 29, 3) metres, through OpenSim
    kin = Kinematics(values[:, 6:], np.ones(34, bool), values[:, :3], values[:, 3:6])
    got = builtin_forward_kinematics(kin, np.zeros(2), height_m=1.83)
    assert got.names[: len(REQUIRED_POINTS)] == poser.point_names
    assert np.abs(got.positions - expected).max() < 1e-3


def test_six_thousand_frames_well_under_a_second() -> None:
    rng = np.random.default_rng(3)
    n = 6000  # 60 s at 100 Hz
    kin = Kinematics(
        rng.uniform(-40, 40, (n, 34)),
        np.ones(34, bool),
        rng.uniform(-20, 20, (n, 3)),
        rng.uniform(-1, 1, (n, 3)),
    )
    builtin_forward_kinematics(kin, np.arange(n) / 100.0)  # warm-up
    start = time.perf_counter()
    bp = builtin_forward_kinematics(kin, np.arange(n) / 100.0, height_m=1.75)
    elapsed = time.perf_counter() - start
    assert bp.positions.shape == (n, len(REQUIRED_POINTS), 3)
    assert elapsed < 0.5, f"{elapsed * 1e3:.0f} ms"


def test_segments_cover_every_group_and_point() -> None:
    groups = {g for _, _, g in SEGMENTS}
    assert groups == set(SEGMENT_GROUPS)
    used = {p for a, b, _ in SEGMENTS for p in (a, b)}
    assert used == set(REQUIRED_POINTS)


def _trial(kin: Kinematics | None, markers: MarkerSet | None = None) -> Trial:
    n = 4
    return Trial(
        time=np.arange(n) / 100.0,
        rate_hz=100.0,
        source=None,
        kinematics=kin,
        provenance=Provenance(path=Path("walk.trc"), format="trc"),
        markers=markers,
        subject=Subject(height_m=1.62),
    )


def test_forward_kinematics_uses_the_builtin_model_and_subject_height() -> None:
    bp = forward_kinematics(_trial(_standing(1.62, n=4)))
    assert bp.source == "builtin"
    assert bp.point("head")[:, 1] == pytest.approx(1.62)


def test_forward_kinematics_refuses_marker_only_trials() -> None:
    markers = MarkerSet(
        time=np.arange(4) / 100.0, rate_hz=100.0, labels=["RASI"], positions=np.zeros((4, 1, 3))
    )
    with pytest.raises(AnalysisError, match="inverse kinematics"):
        forward_kinematics(_trial(None, markers))
