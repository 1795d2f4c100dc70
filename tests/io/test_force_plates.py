"""Force plates from C3D files: a synthetic load read back exactly, and the real public files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.io.c3d import read_c3d
from tests.io.fp_synth import ground_reaction, write_plate_trial


def _check_roundtrip(path: Path, tol_n: float = 1e-2) -> None:
    trial = read_c3d(path)
    assert len(trial.force_plates) == 1
    plate = trial.force_plates[0]
    grf, cop_mm, free = ground_reaction(plate.time)
    loaded = grf[:, 2] > 20.0
    np.testing.assert_allclose(plate.up, [0.0, 0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(plate.grf, grf, atol=tol_n)
    np.testing.assert_allclose(plate.cop[loaded] * 1000.0, cop_mm[loaded], atol=0.05)
    np.testing.assert_allclose(plate.free_moment[loaded], free[loaded], atol=1e-3)
    assert np.isnan(plate.cop[~loaded]).all()  # undefined while unloaded
    assert plate.rate_hz == pytest.approx(1000.0)
    assert len(trial.markers.labels) == 8  # the markers are all there beside the plate


def test_type2_plate_reads_the_known_ground_reaction(tmp_path: Path) -> None:
    _check_roundtrip(write_plate_trial(tmp_path / "t.c3d"))


def test_a_plate_recording_the_reaction_reads_the_same(tmp_path: Path) -> None:
    # Vicon's AMTI data give the reaction (Fz negative under load), Kistler the load.
    _check_roundtrip(write_plate_trial(tmp_path / "t.c3d", reaction=True))


def test_channel_scale_is_applied(tmp_path: Path) -> None:
    _check_roundtrip(write_plate_trial(tmp_path / "t.c3d", scale=0.5))


def test_type4_applies_the_calibration_matrix(tmp_path: Path) -> None:
    cal = np.eye(6) + 0.05 * np.random.default_rng(3).normal(size=(6, 6))
    _check_roundtrip(write_plate_trial(tmp_path / "t.c3d", plate_type=4, cal=cal), tol_n=0.05)


def test_unsupported_type_is_left_out_with_a_warning_and_markers_kept(tmp_path: Path) -> None:
    trial = read_c3d(write_plate_trial(tmp_path / "t.c3d", plate_type=7))
    assert trial.force_plates == []
    assert any("force plate 1 left out: type 7" in w for w in trial.metadata["warnings"])
    assert trial.markers is not None and trial.markers.positions.shape[1] == 8


def test_channels_outside_the_analog_data_are_reported(tmp_path: Path) -> None:
    trial = read_c3d(write_plate_trial(tmp_path / "t.c3d", channels=[1, 2, 3, 4, 5, 9]))
    assert trial.force_plates == []
    assert any("are not among the 6 analog channels" in w for w in trial.metadata["warnings"])


def test_qualisys_plates_match_the_files_events(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "Qualisys.c3d")
    assert [p.plate_type for p in trial.force_plates] == [2, 2]
    for plate in trial.force_plates:
        np.testing.assert_allclose(plate.up, [0, 0, 1], atol=1e-3)  # Z-up lab, as the markers
        assert plate.rate_hz == pytest.approx(2000.0)
        assert plate.time[0] == pytest.approx(704 / 200.0)  # the cropped trial starts at 3.52 s
        vert = plate.vertical
        assert 750 < vert.max() < 900  # N: one adult's stance
        loaded = vert > 20
        # the centre of pressure stays on the plate
        lo, hi = plate.corners.min(axis=0), plate.corners.max(axis=0)
        cop = plate.cop[loaded]
        assert ((cop[:, :2] > lo[:2] - 0.01) & (cop[:, :2] < hi[:2] + 0.01)).all()
    # plate 1 is loaded from the file's LHS (3.59 s) to about its LTO (4.16 s)
    p1 = trial.force_plates[0]
    on = p1.time[p1.vertical > 20]
    assert on[0] == pytest.approx(3.59, abs=0.01)
    assert on[-1] == pytest.approx(4.16, abs=0.03)


@pytest.mark.parametrize("name", ["pc_int", "pc_real", "dec_int", "sgi_real"])
def test_sample02_encodings_give_the_same_forces(fixtures_dir: Path, name: str) -> None:
    ref = read_c3d(fixtures_dir / "c3d" / "Sample02" / "pc_real.c3d").force_plates
    got = read_c3d(fixtures_dir / "c3d" / "Sample02" / f"{name}.c3d").force_plates
    assert len(got) == 2
    for a, b in zip(ref, got, strict=True):
        # integer files hold the channels in ADC steps: within a few steps' newtons
        np.testing.assert_allclose(a.vertical, b.vertical, atol=2.0)
        assert 800 < b.vertical.max() < 860


def test_kistler_type3_plate_reads_a_standing_load(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "FP_Type3.c3d")
    p1, p2 = trial.force_plates
    assert p1.plate_type == 3
    assert p1.vertical.mean() == pytest.approx(886, abs=5)  # a person standing on plate 1
    assert np.abs(p2.vertical).max() < 20  # plate 2 unloaded
    centre = p1.corners.mean(axis=0)
    assert np.linalg.norm(p1.cop[:, :2].mean(axis=0) - centre[:2]) < 0.05


def test_trial_without_plates_has_none(fixtures_dir: Path) -> None:
    assert read_c3d(fixtures_dir / "c3d" / "duplicate_labels.c3d").force_plates == []


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ({"channels": [1, 2, 3, 4, 5, 300]}, "are not among the 6 analog channels"),
        ({"plate_type": 4}, "type 4 needs FORCE_PLATFORM:CAL_MATRIX"),
    ],
)
def test_damaged_plate_parameters_cost_the_forces_not_the_markers(
    tmp_path: Path, damage: dict, expected: str
) -> None:
    trial = read_c3d(write_plate_trial(tmp_path / "t.c3d", **damage))
    assert trial.force_plates == []
    assert any(expected in w for w in trial.metadata["warnings"])
    assert trial.markers is not None and np.isfinite(trial.markers.positions).any()


def test_analog_words_that_do_not_fit_the_channels_keep_the_markers(tmp_path: Path) -> None:
    path = write_plate_trial(tmp_path / "t.c3d")
    raw = bytearray(path.read_bytes())
    # ANALOG:USED says 7 channels while each frame stores 10 samples of 6: they cannot divide
    needle = b"USED"
    k = raw.find(needle, raw.find(b"ANALOG"))
    body = k + len(needle) + 2  # past the offset word: type, dims, then the value
    assert raw[body] == 2  # an int16 parameter
    raw[body + 3 : body + 5] = (7).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    trial = read_c3d(path)
    assert trial.force_plates == []
    assert any("analog data (force plates, EMG) could not be read" in w
               for w in trial.metadata["warnings"])
    assert trial.markers is not None and trial.markers.positions.shape[1] == 8
