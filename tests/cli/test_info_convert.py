"""`lmm-desktop info` and `convert` on every fixture, and their bad-input behaviour."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.cli import main

FIXTURE_FILES = [
    "opencap/walking1_videoAndMocap.mot",
    "opencap/squats1_videoAndMocap.mot",
    "opensim/subject01_walk1_ik.mot",
    "opensim/subject01_walk1.trc",
    "opensim/motion_capture_walk.trc",
    "trc-edge/dataWithBlanksForMissingMarkers.trc",
    "trc-edge/dataWithEformat.trc",
    "trc-edge/dataWithNaNsOfDifferentCases.trc",
    "trc-edge/gait10dof18musc_walk_CRLF_line_ending.trc",
    "trc-edge/walk_free_01_header_mismatch.trc",
    "c3d/walking5.c3d",
    "c3d/Sample02/pc_int.c3d",
    "c3d/Sample02/pc_real.c3d",
    "c3d/Sample02/dec_int.c3d",
    "c3d/Sample02/sgi_real.c3d",
    "c3d/FP_Type3.c3d",
    "c3d/Qualisys.c3d",
    "c3d/duplicate_labels.c3d",
]

REQUIRED_KEYS = {"format", "n_frames", "rate_hz", "duration_s", "source_coordinates",
                 "missing_canonical", "n_markers", "events", "subject"}


def _info_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    rc = main(["info", str(path), "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    return json.loads(out)


@pytest.mark.parametrize("rel", FIXTURE_FILES)
def test_info_json_on_every_fixture(rel: str, fixtures_dir: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    info = _info_json(fixtures_dir / rel, capsys)
    assert set(info) >= REQUIRED_KEYS
    assert info["n_frames"] > 0
    assert info["rate_hz"] > 0
    for ev in info["events"]:
        assert {"label", "side", "time_s"} <= set(ev)


def test_info_values_walking5(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = _info_json(fixtures_dir / "c3d/walking5.c3d", capsys)
    assert info["format"] == "c3d"
    assert info["n_frames"] == 1103
    assert info["n_markers"] == 40
    assert info["rate_hz"] == pytest.approx(250.0)


def test_info_values_opencap_walking(fixtures_dir: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    info = _info_json(fixtures_dir / "opencap/walking1_videoAndMocap.mot", capsys)
    assert info["n_frames"] == 158
    assert info["rate_hz"] == pytest.approx(100.0)
    assert len(info["source_coordinates"]) == 35
    # LaiUhlrich2022 has no neck and no wrists: they are reported missing, not zero.
    assert set(info["missing_canonical"]) >= {"neck_extension", "wrist_flex_r", "wrist_dev_l"}
    assert "knee_angle_r" not in info["missing_canonical"]


def test_info_qualisys_events(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = _info_json(fixtures_dir / "c3d/Qualisys.c3d", capsys)
    assert len(info["events"]) == 7
    assert {e["side"] for e in info["events"]} == {"left", "right"}
    assert {e["label"] for e in info["events"]} == {"heel_strike", "toe_off"}


def test_info_text_output(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(fixtures_dir / "opencap/walking1_videoAndMocap.mot")]) == 0
    out = capsys.readouterr().out
    assert "158" in out and "100 Hz" in out


def test_info_on_assembled_session(fixtures_dir: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    sess = tmp_path / "OpenCapData_subject7"
    (sess / "OpenSimData" / "Model").mkdir(parents=True)
    (sess / "OpenSimData" / "Kinematics").mkdir(parents=True)
    (sess / "MarkerData").mkdir()
    shutil.copy(fixtures_dir / "models/LaiUhlrich2022.osim",
                sess / "OpenSimData/Model/LaiUhlrich2022_scaled.osim")
    for name in ("walking1", "squats1"):
        shutil.copy(fixtures_dir / f"opencap/{name}_videoAndMocap.mot",
                    sess / f"OpenSimData/Kinematics/{name}.mot")
    (sess / "sessionMetadata.yaml").write_text(
        "subjectID: subject7\nmass_kg: 72.5\nheight_m: 1.78\ngender_mf: m\n"
        "openSimModel: LaiUhlrich2022\n"
    )
    info = _info_json(sess, capsys)
    assert info["format"] == "opencap-session"
    names = sorted(t["name"] for t in info["trials"])
    assert names == ["squats1", "walking1"]
    for t in info["trials"]:
        assert set(t) >= REQUIRED_KEYS
        assert t["subject"]["height_m"] == pytest.approx(1.78)
        assert t["subject"]["mass_kg"] == pytest.approx(72.5)
        assert t["subject"]["sex"] == "male"


@pytest.mark.parametrize("suffix", [".mot", ".csv", ".npz"])
def test_convert_round_trip(suffix: str, fixtures_dir: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from lmm_desktop.io import read_trial

    src = fixtures_dir / "opencap/walking1_videoAndMocap.mot"
    out = tmp_path / f"walk{suffix}"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    assert out.exists()
    if suffix == ".csv":
        header = out.read_text().splitlines()[0]
        assert "knee_angle_r" in header
        return
    a = read_trial(src).kinematics
    b = read_trial(out).kinematics
    assert a is not None and b is not None
    np.testing.assert_array_equal(a.present, b.present)
    np.testing.assert_allclose(b.angles[:, a.present], a.angles[:, a.present], atol=1e-9)
    np.testing.assert_allclose(b.pelvis_translation, a.pelvis_translation, atol=1e-9)


def test_convert_refuses_to_overwrite(fixtures_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.mot"
    out.write_text("keep me")
    rc = main(["convert", str(fixtures_dir / "opencap/walking1_videoAndMocap.mot"),
               "-o", str(out)])
    assert rc == 2
    assert out.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err


def test_convert_markers_only_explains(fixtures_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["convert", str(fixtures_dir / "opensim/subject01_walk1.trc"),
               "-o", str(tmp_path / "x.mot")])
    assert rc == 2
    assert "inverse kinematics" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"", "empty.mot"), (b"not a motion file\n", "garbage.trc"), (b"\x00\x01", "bad.c3d"),
     (b"hello", "notes.txt")],
)
def test_bad_input_exit_2_one_line(content: bytes, name: str, tmp_path: Path) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "lmm_desktop.cli", "info", str(p)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert name in lines[0]


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(tmp_path / "nope.mot")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err


def test_info_lists_plates_and_emg(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(fixtures_dir / "c3d" / "Qualisys.c3d")]) == 0
    out = capsys.readouterr().out
    assert "analog channels: 57 at 2000 Hz (16 EMG: EMG 1" in out
    assert "force plate 1: type 2, 0.46 x 0.51 m, 2000 Hz, peak vertical 808 N" in out
