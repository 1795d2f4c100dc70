"""C3D files with Plug-in-Gait model outputs (POINT:ANGLES, MOMENTS...): those points are not
markers, the hip/knee/ankle angles become the kinematics, the markers add the pelvis and any leg
angle the file lacks. The files are written by tests/io/c3d_writer.py from the real
Qualisys.c3d markers (no shared fixture carries model outputs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.marker_angles import with_marker_kinematics
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.io import read_trial
from tests.io.c3d_writer import write_c3d

ANGLES = ["LHipAngles", "RHipAngles", "LKneeAngles", "RKneeAngles", "LAnkleAngles"]


@pytest.fixture
def pig_c3d(fixtures_dir: Path, tmp_path: Path) -> Path:
    """Qualisys.c3d's markers plus Plug-in-Gait-style angle points (degrees: the marker angles
    shifted by +3 so the file's values can be told apart) and a moment point."""
    src = read_trial(fixtures_dir / "c3d" / "Qualisys.c3d")
    m = src.markers
    assert m is not None
    ref = with_marker_kinematics(read_trial(fixtures_dir / "c3d" / "Qualisys.c3d")).kinematics
    assert ref is not None
    n = m.n_frames
    extra = []
    for label in ANGLES:
        side = label[0].lower()
        if "Hip" in label:
            xyz = np.stack(
                [ref.angle(f"hip_flexion_{side}") + 3, ref.angle(f"hip_adduction_{side}"),
                 np.full(n, 7.0)],
                axis=1,
            )
        elif "Knee" in label:
            xyz = np.stack([ref.angle(f"knee_angle_{side}") + 3, np.zeros(n), np.zeros(n)], axis=1)
        else:
            xyz = np.stack([ref.angle(f"ankle_angle_{side}") + 3, np.zeros(n), np.zeros(n)], axis=1)
        extra.append(xyz)
    extra.append(np.full((n, 3), 1234.0))  # LKneeMoment, N.mm: must not become a marker
    pts = np.concatenate([m.positions * 1000, np.stack(extra, axis=1)], axis=1)
    labels = [*m.labels, *ANGLES, "LKneeMoment"]
    return write_c3d(
        tmp_path / "pig.c3d", labels, pts, m.rate_hz,
        groups={"ANGLES": ANGLES, "MOMENTS": ["LKneeMoment"]},
    )


def test_model_outputs_are_not_markers_and_their_angles_are_kept(pig_c3d: Path) -> None:
    trial = read_trial(pig_c3d)
    assert trial.markers is not None
    assert not {*ANGLES, "LKneeMoment"} & set(trial.markers.labels)
    assert trial.metadata["model_outputs"] == {"ANGLES": sorted(ANGLES),
                                               "MOMENTS": ["LKneeMoment"]}
    kin = trial.kinematics
    assert kin is not None and kin.from_markers and not kin.pelvis_present
    assert np.nanmax(kin.angle("hip_rotation_l")) == pytest.approx(7.0)  # PiG's z: rotation
    assert "ankle_angle_r" in kin.missing  # not in the file
    file_knee = kin.angle("knee_angle_l").copy()
    with_marker_kinematics(trial)
    merged = trial.kinematics
    assert merged is not None and merged.pelvis_present  # the pelvis from the markers
    assert "ankle_angle_r" not in merged.missing  # the missing leg angle from the markers
    np.testing.assert_array_equal(merged.angle("knee_angle_l"), file_knee)  # the file's kept
    result = analyze(read_trial(pig_c3d))
    gps = result.gait_profile_score
    assert gps is not None
    assert "Hip rotation (left)" not in gps.missing  # Plug-in-Gait gave it


def test_a_file_of_model_outputs_only_is_refused(tmp_path: Path) -> None:
    bad = write_c3d(tmp_path / "angles_only.c3d", ["LKneeAngles"], np.zeros((10, 1, 3)), 100.0,
                    groups={"ANGLES": ["LKneeAngles"]})
    with pytest.raises(TrialReadError, match="no marker"):
        read_trial(bad)


def test_angles_in_radians_are_converted(tmp_path: Path) -> None:
    pts = np.zeros((5, 2, 3))
    pts[:, 1, 0] = np.radians(30.0)  # RKneeAngles x
    pts[:, 0, 1] = 900.0  # a marker, mm
    path = write_c3d(tmp_path / "rad.c3d", ["RHEE", "RKneeAngles"], pts, 100.0,
                     groups={"ANGLES": ["RKneeAngles"], "ANGLE_UNITS": ["rad"]})
    kin = read_trial(path).kinematics
    assert kin is not None
    assert kin.angle("knee_angle_r") == pytest.approx(np.full(5, 30.0), abs=1e-4)


def test_info_names_the_model_outputs_and_where_angles_come_from(
    pig_c3d: Path, fixtures_dir: Path
) -> None:
    from lmm_desktop.commands.info import collect

    info = collect(pig_c3d)
    assert info["model_outputs"]["MOMENTS"] == ["LKneeMoment"]
    assert info["joint_angles"].startswith("the file's model angles")
    plain = collect(fixtures_dir / "c3d" / "Qualisys.c3d")
    assert "model_outputs" not in plain
    assert plain["joint_angles"].startswith("computed from the markers")


def test_tokenize_a_marker_only_c3d_through_its_marker_angles(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI, like the app, reads a marker-only trial through its marker angles (measured:
    13 motion tokens for Qualisys.c3d, reconstruction RMSE 8.2 deg over its 8 angles)."""
    import json

    from lmm_desktop.cli import main

    assert main(["tokenize", str(fixtures_dir / "c3d" / "Qualisys.c3d"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_tokens"] >= 10
    legs = ("hip_flexion", "hip_adduction", "knee_angle", "ankle_angle")
    assert set(out["rmse_per_joint_deg"]) == {f"{j}_{s}" for s in "rl" for j in legs}
    assert "hip_rotation_r" in out["missing_joints"]
