"""OpenSim forward kinematics on a trial's own model (OpenCap LaiUhlrich2022 walking)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.biomech.builtin_model import write_builtin_model
from lmm_desktop.biomech.fk import (
    builtin_forward_kinematics,
    forward_kinematics,
    osim_forward_kinematics,
)
from lmm_desktop.core.body import REQUIRED_POINTS
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.trial import SourceCoordinates, Trial
from lmm_desktop.io.mot import read_mot


@pytest.fixture(scope="module")
def walking(fixtures_dir: Path) -> Trial:
    return read_mot(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")


@pytest.fixture(scope="module")
def lai_model(fixtures_dir: Path) -> Path:
    return fixtures_dir / "models" / "LaiUhlrich2022.osim"


def test_opencap_walking_heels_touch_down_during_stance(walking: Trial, lai_model: Path) -> None:
    bp = osim_forward_kinematics(walking, lai_model)
    assert bp.source == "opensim:LaiUhlrich2022"
    assert bp.names == list(REQUIRED_POINTS)
    assert bp.positions.shape == (walking.n_frames, len(REQUIRED_POINTS), 3)
    assert np.isfinite(bp.positions).all()  # LaiUhlrich has every body (no head: torso offsets)
    # Pelvis origin follows pelvis_tx/ty/tz exactly (free joint in ground).
    np.testing.assert_allclose(
        bp.point("pelvis")[:, 0], walking.source.column("pelvis_tx"), atol=1e-9
    )
    dt = np.diff(walking.time).mean()
    for side in ("r", "l"):
        heel = bp.point(f"heel_{side}")
        speed = np.linalg.norm(np.gradient(heel[:, [0, 2]], dt, axis=0), axis=1)  # m/s
        # Stance: the slowest 40 % of frames. The generic model is shorter-legged than the
        # subject whose pelvis path drives it, so the heel slides a little (~0.2 m/s) in stance.
        stance = speed < np.percentile(speed, 40)
        assert heel[stance, 1].max() - heel[:, 1].min() < 0.045, side  # measured 3.8 cm
        assert heel[:, 1].max() - heel[:, 1].min() > 0.15, side  # it lifts during swing
    # Anatomy sanity: head above neck above pelvis, hips below the pelvis origin.
    assert (bp.point("head")[:, 1] > bp.point("neck")[:, 1]).all()
    assert (bp.point("neck")[:, 1] > bp.point("pelvis")[:, 1]).all()
    assert (bp.point("hip_r")[:, 1] < bp.point("pelvis")[:, 1]).all()


def test_forward_kinematics_prefers_the_trial_model(walking: Trial, lai_model: Path) -> None:
    with_model = dataclasses.replace(
        walking, provenance=dataclasses.replace(walking.provenance, model_path=lai_model)
    )
    bp = forward_kinematics(with_model)
    assert bp.source.startswith("opensim:")
    assert forward_kinematics(walking).source == "builtin"  # no model path: built-in model


def test_motion_that_does_not_fit_the_model_is_refused(walking: Trial, lai_model: Path) -> None:
    assert walking.source is not None
    renamed = SourceCoordinates(
        names=[f"q{i}" for i in range(len(walking.source.names))], values=walking.source.values
    )
    bad = dataclasses.replace(walking, source=renamed)
    with pytest.raises(ModelLoadError, match=r"do not match the model .*q0"):
        osim_forward_kinematics(bad, lai_model)


def test_osim_path_on_the_builtin_model_equals_numpy_fk(walking: Trial, tmp_path: Path) -> None:
    model = write_builtin_model(tmp_path / "body.osim", 1.76)
    kin = walking.kinematics
    assert kin is not None
    names = [
        "pelvis_tilt",
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tx",
        "pelvis_ty",
        "pelvis_tz",
        *(n for n in walking.source.names if n in set(_canonical())),
    ]
    trial = dataclasses.replace(
        walking,
        source=SourceCoordinates(
            names=names, values=np.column_stack([walking.source.column(n) for n in names])
        ),
    )
    through_osim = osim_forward_kinematics(trial, model)
    numpy = builtin_forward_kinematics(kin, walking.time, height_m=1.76)
    assert np.abs(through_osim.positions - numpy.positions).max() < 1e-3


def _canonical() -> tuple[str, ...]:
    from lmm_desktop.core.canonical import CANONICAL_JOINTS

    return CANONICAL_JOINTS
