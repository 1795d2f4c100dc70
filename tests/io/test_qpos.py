"""The 41-element qpos vector: layout checked against the MuJoCo model, conversions, round trips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lmm_desktop.core.canonical import CANONICAL_JOINTS
from lmm_desktop.core.errors import TrialReadError, TrialWriteError
from lmm_desktop.core.mapping import REFERENCE_AXES
from lmm_desktop.io import read_trial, write_trial
from lmm_desktop.io.mot import read_mot
from lmm_desktop.io.qpos import QPOS_SIGNS, read_qpos, write_qpos

REST_QUAT = (np.sqrt(0.5), np.sqrt(0.5), 0.0, 0.0)  # the pelvis body's quat in the XML


def _hinges(fixtures_dir: Path) -> list[ET.Element]:
    root = ET.parse(fixtures_dir / "models/humanoid_torque_rl.xml").getroot()
    return [j for j in root.iter("joint") if j.get("name") and j.get("type") != "free"]


def _qpos_file(path: Path, qpos: np.ndarray, **extra: object) -> Path:
    np.savez(path, qpos=qpos, **extra)
    return path


def test_hinge_order_and_signs_match_the_mujoco_model(fixtures_dir: Path) -> None:
    hinges = _hinges(fixtures_dir)
    assert [j.get("name") for j in hinges] == list(CANONICAL_JOINTS)
    for joint in hinges:
        name = joint.get("name") or ""
        lo, hi = (float(x) for x in (joint.get("range") or "").split())
        if name.startswith("knee"):
            assert hi < 0.2 < -lo  # negative in flexion
        if name not in REFERENCE_AXES:  # neck: no OpenSim reference, kept as is
            assert name.startswith("neck") and name not in QPOS_SIGNS
            continue
        axis = np.array([float(x) for x in (joint.get("axis") or "").split()])
        ref = np.asarray(REFERENCE_AXES[name], dtype=float)
        dot = float(axis @ ref / np.linalg.norm(axis) / np.linalg.norm(ref))
        assert abs(dot) > 0.99, name
        assert QPOS_SIGNS.get(name, 1.0) == np.sign(dot), name


def test_rest_pose_and_axis_mapping(tmp_path: Path) -> None:
    q = np.zeros((3, 41))
    q[:, 3:7] = REST_QUAT
    q[:, 0:3] = [0.5, 0.2, 0.975]  # x forward, y left, z up
    # frame 1: turned 30 deg to the left about the vertical; frame 2: knee flexed 1 rad
    half = np.deg2rad(30.0) / 2
    yaw = np.array([np.cos(half), 0.0, 0.0, np.sin(half)])
    q[1, 3:7] = _quat_mul(yaw, np.array(REST_QUAT))
    q[2, 7 + CANONICAL_JOINTS.index("knee_angle_r")] = -1.0
    q[2, 7 + CANONICAL_JOINTS.index("ankle_angle_r")] = 0.2
    trial = read_qpos(_qpos_file(tmp_path / "a.npz", q, fps=30))
    kin = trial.kinematics
    assert kin is not None
    assert trial.provenance.format == "qpos41" and trial.rate_hz == 30.0
    assert np.allclose(kin.pelvis_translation[0], [0.5, 0.975, -0.2])  # tx, ty (up), tz (right)
    assert np.allclose(kin.pelvis_rotation[0], 0.0, atol=1e-9)
    assert np.allclose(kin.pelvis_rotation[1], [0.0, 0.0, 30.0])  # pelvis_rotation about Y
    assert kin.angle("knee_angle_r")[2] == pytest.approx(np.rad2deg(1.0))
    assert kin.angle("ankle_angle_r")[2] == pytest.approx(np.rad2deg(0.2))
    assert trial.time[-1] == pytest.approx(2 / 30)


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


@settings(max_examples=40, deadline=None)
@given(
    pos=arrays(np.float64, (6, 3), elements=st.floats(-3, 3)),
    quat=arrays(np.float64, (6, 4), elements=st.floats(-1, 1)),
    hinges=arrays(np.float64, (6, 34), elements=st.floats(-2.5, 2.5)),
)
def test_read_write_read_is_exact(
    tmp_path_factory: pytest.TempPathFactory,
    pos: np.ndarray,
    quat: np.ndarray,
    hinges: np.ndarray,
) -> None:
    norms = np.linalg.norm(quat, axis=1)
    if np.any(norms < 1e-2):
        return
    folder = tmp_path_factory.mktemp("qpos")
    q = np.hstack([pos, quat / norms[:, None], hinges])
    first = read_qpos(_qpos_file(folder / "in.npz", q, fps=60.0))
    out = write_qpos(first, folder / "out.npz")
    second = read_qpos(out)
    assert first.kinematics is not None and second.kinematics is not None
    for a, b in (
        (first.kinematics.angles, second.kinematics.angles),
        (first.kinematics.pelvis_rotation, second.kinematics.pelvis_rotation),
        (first.kinematics.pelvis_translation, second.kinematics.pelvis_translation),
    ):
        assert np.abs(a - b).max() < 1e-9
    written = np.load(out)["qpos"]
    assert np.abs(written[:, 7:] - q[:, 7:]).max() < 1e-12
    diff = np.minimum(
        np.abs(written[:, 3:7] - q[:, 3:7]).max(axis=1),
        np.abs(written[:, 3:7] + q[:, 3:7]).max(axis=1),
    )  # q and -q: same rotation
    assert diff.max() < 1e-9


def test_canonical_trial_write_then_read_is_exact(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_mot(fixtures_dir / "opencap/walking1_videoAndMocap.mot")
    kin = trial.kinematics
    assert kin is not None
    out = write_trial(trial, tmp_path / "walking.npz")
    back = read_trial(out)
    bkin = back.kinematics
    assert bkin is not None
    assert back.n_frames == 158 and back.rate_hz == pytest.approx(trial.rate_hz)
    assert np.array_equal(bkin.present, kin.present)  # neck and wrists stay missing
    assert np.abs(np.nan_to_num(bkin.angles - kin.angles)).max() < 1e-9
    assert np.all(np.isnan(bkin.angle("wrist_flex_r")))
    assert np.abs(bkin.pelvis_rotation - kin.pelvis_rotation).max() < 1e-9
    assert np.abs(bkin.pelvis_translation - kin.pelvis_translation).max() < 1e-12
    stored = np.load(out)
    assert stored["qpos"].shape == (158, 41) and float(stored["fps"]) == trial.rate_hz
    knee_col = 7 + CANONICAL_JOINTS.index("knee_angle_r")
    assert stored["qpos"][:, knee_col].min() == pytest.approx(-np.deg2rad(62.79151172))
    assert [p.name for p in tmp_path.iterdir()] == ["walking.npz"]  # no temp file left


def test_npy_needs_a_rate(tmp_path: Path) -> None:
    q = np.zeros((4, 41))
    q[:, 3:7] = REST_QUAT
    np.save(tmp_path / "clip.npy", q)
    with pytest.raises(TrialReadError, match="no frame rate"):
        read_trial(tmp_path / "clip.npy")
    trial = read_qpos(tmp_path / "clip.npy", rate_hz=25.0)
    assert trial.rate_hz == 25.0 and trial.time[-1] == pytest.approx(0.12)
    timed = read_qpos(_qpos_file(tmp_path / "t.npz", q, time=np.arange(4) * 0.01))
    assert timed.rate_hz == pytest.approx(100.0)
    with pytest.raises(TrialReadError, match="30 frames/s but 25"):
        read_qpos(_qpos_file(tmp_path / "f.npz", q, fps=30), rate_hz=25)


def test_bad_files_are_refused_with_reasons(tmp_path: Path) -> None:
    with pytest.raises(TrialReadError, match=r"shape \(4, 40\)"):
        read_qpos(_qpos_file(tmp_path / "short.npz", np.zeros((4, 40)), fps=30))
    with pytest.raises(TrialReadError, match="no 'qpos' array"):
        read_qpos(_qpos_file_raw(tmp_path / "other.npz"))
    with pytest.raises(TrialReadError, match="zero quaternion"):
        read_qpos(_qpos_file(tmp_path / "zero.npz", np.zeros((2, 41)), fps=30))
    (tmp_path / "junk.npz").write_text("not numpy", encoding="utf-8")
    with pytest.raises(TrialReadError, match="cannot be loaded"):
        read_qpos(tmp_path / "junk.npz")


def _qpos_file_raw(path: Path) -> Path:
    np.savez(path, angles=np.zeros((2, 41)))
    return path


def test_write_refuses_what_it_cannot_represent(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_mot(fixtures_dir / "opencap/squats1_videoAndMocap.mot")
    with pytest.raises(TrialWriteError, match=r"\.npz"):
        write_qpos(trial, tmp_path / "x.npy")
    trial.kinematics = None
    with pytest.raises(TrialWriteError, match="no joint angles"):
        write_qpos(trial, tmp_path / "x.npz")
    assert not list(tmp_path.iterdir())
