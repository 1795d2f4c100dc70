"""The C3D reader on real public files: shapes, rates, spot values, encodings, events, errors."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.io import read_trial
from lmm_desktop.io.c3d import normalise_event, read_c3d

SAMPLE02 = ("pc_int", "pc_real", "dec_int", "sgi_real")


def raw_frame(path: Path, frame: int) -> np.ndarray:
    """Independent decode of one frame from the header alone (Intel/SGI only), in file units.

    Returns ``(n_points, 4)``: x, y, z and the fourth (residual) word, with struct, not numpy.
    """
    raw = path.read_bytes()
    proc = raw[(raw[0] - 1) * 512 + 3]
    end = ">" if proc == 86 else "<"
    n_points, analog, _first, _last = struct.unpack_from(end + "4H", raw, 2)
    scale = struct.unpack_from(end + "f", raw, 12)[0]
    data_block = struct.unpack_from(end + "H", raw, 16)[0]
    word, code = (4, "f") if scale < 0 else (2, "h")
    frame_bytes = (4 * n_points + analog) * word
    start = (data_block - 1) * 512 + frame * frame_bytes
    vals = struct.unpack_from(f"{end}{4 * n_points}{code}", raw, start)
    out = np.array(vals, dtype=np.float64).reshape(n_points, 4)
    if scale > 0:
        out[:, :3] *= scale
    return out


def assert_matches_raw(path: Path, frame: int) -> None:
    pos_mm = read_c3d(path).markers.positions[frame] * 1000.0  # (n_points, 3) mm
    ref = raw_frame(path, frame)
    invalid = ref[:, 3] < 0
    assert np.isnan(pos_mm[invalid]).all()
    np.testing.assert_allclose(pos_mm[~invalid], ref[~invalid, :3], rtol=0, atol=1e-9)


def test_walking5_shape_rate_and_time(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "walking5.c3d")
    m = trial.markers
    assert m is not None
    assert m.positions.shape == (1103, 40, 3)
    assert trial.rate_hz == m.rate_hz == 250.0
    assert trial.time[0] == 0.0
    assert trial.time[-1] == pytest.approx(1102 / 250)
    assert trial.kinematics is None and trial.source is None
    assert trial.provenance.format == "c3d"
    assert m.original_units == "mm"
    assert m.labels[:3] == ["LTH3", "T10", "LTB2"]
    assert trial.events == []
    assert trial.subject.identifier == "Treadmill"
    assert trial.metadata["analog_rate_hz"] == 2000.0
    assert trial.metadata["analog_labels"][:3] == ["Fx1", "Fy1", "Fz1"]


def test_walking5_invalid_points_are_nan_never_zero(fixtures_dir: Path) -> None:
    m = read_c3d(fixtures_dir / "c3d" / "walking5.c3d").markers
    assert m is not None
    missing = np.isnan(m.positions).all(axis=-1)
    assert int(missing.sum()) == 20082  # the file marks them with residual -1
    assert np.isnan(m.positions).any(axis=-1).sum() == missing.sum()  # whole points, not axes
    assert not (m.positions == 0).all(axis=-1).any()
    assert np.isnan(m.marker("C7")[1102]).all()


def test_walking5_spot_values(fixtures_dir: Path) -> None:
    m = read_c3d(fixtures_dir / "c3d" / "walking5.c3d").markers
    assert m is not None
    np.testing.assert_allclose(
        m.marker("LTH3")[500], [1.2763818359375, 0.4000092163086, 0.6400110473633], atol=1e-9
    )
    np.testing.assert_allclose(
        m.marker("C7")[500], [1.4472900390625, 0.5185684814453, 1.4986324462891], atol=1e-9
    )
    np.testing.assert_allclose(
        m.marker("LTH3")[1102], [-2.3367509765625, 0.2531756286621, 0.6151973266602], atol=1e-9
    )


@pytest.mark.parametrize(
    ("name", "frames"),
    [
        ("walking5.c3d", (0, 500, 1102)),
        ("Qualisys.c3d", (0, 339)),
        ("FP_Type3.c3d", (0, 1)),
        ("Sample02/pc_real.c3d", (0, 44, 88)),
        ("Sample02/pc_int.c3d", (44,)),
        ("Sample02/sgi_real.c3d", (44,)),
        ("duplicate_labels.c3d", (0, 600)),
    ],
)
def test_matches_an_independent_struct_decode(
    fixtures_dir: Path, name: str, frames: tuple[int, ...]
) -> None:
    for frame in frames:
        assert_matches_raw(fixtures_dir / "c3d" / name, frame)


def test_sample02_encodings_agree(fixtures_dir: Path) -> None:
    trials = {k: read_c3d(fixtures_dir / "c3d" / "Sample02" / f"{k}.c3d") for k in SAMPLE02}
    ref = trials["pc_int"]
    assert ref.markers is not None
    assert ref.markers.positions.shape == (89, 36, 3)
    assert {t.metadata["c3d_processor"] for t in trials.values()} == {"intel", "dec", "sgi"}
    step_m = abs(float(ref.metadata["c3d_point_scale"])) / 1000.0  # one POINT:SCALE step, m
    for key, trial in trials.items():
        m = trial.markers
        assert m is not None
        assert m.labels == ref.markers.labels, key
        assert trial.rate_hz == 50.0
        np.testing.assert_array_equal(np.isnan(m.positions), np.isnan(ref.markers.positions))
        diff = np.nanmax(np.abs(m.positions - ref.markers.positions))
        assert diff <= step_m * 1.0001, key
    np.testing.assert_allclose(
        trials["pc_real"].markers.marker("RFT1")[44],  # type: ignore[union-attr]
        [0.3655364379883, 0.91890234375, 0.0717013778687],
        atol=1e-9,
    )


def test_fp_type3_first_frame_sets_time(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "FP_Type3.c3d")
    assert trial.markers is not None
    assert trial.markers.positions.shape == (2, 34, 3)
    assert trial.metadata["first_frame"] == 1166
    np.testing.assert_allclose(trial.time, [1165 / 250, 1166 / 250])
    np.testing.assert_allclose(
        trial.markers.marker("LPSIS")[0],
        [0.3976465454102, 0.1776958618164, 1.1758829345703],
        atol=1e-9,
    )


def test_qualisys_markers_and_events(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "Qualisys.c3d")
    assert trial.markers is not None
    assert trial.markers.positions.shape == (340, 55, 3)
    assert trial.rate_hz == 200.0
    assert trial.time[0] == pytest.approx(704 / 200)
    got = [(e.raw_label, e.label, e.side, e.time_s, e.source) for e in trial.events]
    assert got == [
        ("LHS", "heel_strike", "left", 3.59, "file"),
        ("RTO", "toe_off", "right", 3.685, "file"),
        ("RHS", "heel_strike", "right", 4.05, "file"),
        ("LTO", "toe_off", "left", 4.16, "file"),
        ("LHS", "heel_strike", "left", 4.535, "file"),
        ("RTO", "toe_off", "right", 4.65, "file"),
        ("RHS", "heel_strike", "right", 5.03, "file"),
    ]
    assert trial.time[0] <= trial.events[0].time_s and trial.events[-1].time_s <= trial.time[-1]
    np.testing.assert_allclose(
        trial.markers.marker("L_IAS")[0],
        [-0.2201226196289, 0.3064248046875, 0.8463361206055],
        atol=1e-9,
    )


def test_duplicate_labels_made_unique(fixtures_dir: Path) -> None:
    path = fixtures_dir / "c3d" / "duplicate_labels.c3d"
    trial = read_c3d(path)
    m = trial.markers
    assert m is not None
    assert len(m.labels) == 48 == len(set(m.labels))
    assert m.labels[8] == "MTTETE" and m.labels[13] == "MTTETE_2"
    assert "CLAVD_4" in m.labels
    warnings = trial.metadata["warnings"]
    assert isinstance(warnings, list)
    assert any("MTTETE->MTTETE_2" in w for w in warnings)
    assert read_c3d(path).markers.labels == m.labels  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "context", "expected"),
    [
        ("Foot Strike", "Left", ("heel_strike", "left")),
        ("Foot Off", "Right", ("toe_off", "right")),
        ("LHS", "", ("heel_strike", "left")),
        ("RTO", "", ("toe_off", "right")),
        ("Left Foot Strike", "", ("heel_strike", "left")),
        ("Event", "General", ("Event", None)),
        ("Event", "Left", ("Event", "left")),
    ],
)
def test_normalise_event(raw: str, context: str, expected: tuple[str, str | None]) -> None:
    assert normalise_event(raw, context) == expected


def _patched(src: Path, dst: Path, old: bytes, new: bytes, after: bytes) -> Path:
    raw = bytearray(src.read_bytes())
    at = raw.index(old, raw.index(after))
    raw[at : at + len(old)] = new
    dst.write_bytes(bytes(raw))
    return dst


@pytest.mark.parametrize(("unit", "factor"), [(b"cm", 10.0), (b"m ", 1000.0)])
def test_point_units_honoured(
    fixtures_dir: Path, tmp_path: Path, unit: bytes, factor: float
) -> None:
    src = fixtures_dir / "c3d" / "FP_Type3.c3d"
    patched = _patched(src, tmp_path / "units.c3d", b"mm", unit, b"UNITS")
    mm = read_c3d(src).markers
    other = read_c3d(patched).markers
    assert mm is not None and other is not None
    assert other.original_units == unit.decode().strip()
    np.testing.assert_allclose(other.positions, mm.positions * factor, rtol=1e-12)


def test_read_trial_dispatches_c3d(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "c3d" / "FP_Type3.c3d")
    assert trial.markers is not None and trial.markers.n_frames == 2


# ---- errors -----------------------------------------------------------------------------------
def _expect_error(path: Path, *words: str) -> None:
    with pytest.raises(TrialReadError) as info:
        read_c3d(path)
    msg = str(info.value)
    assert str(path) in msg
    for w in words:
        assert w in msg, msg


def test_missing_empty_and_garbage_files(tmp_path: Path) -> None:
    _expect_error(tmp_path / "nope.c3d", "cannot be opened")
    (tmp_path / "empty.c3d").write_bytes(b"")
    _expect_error(tmp_path / "empty.c3d", "shorter than a C3D header")
    rng = np.random.default_rng(0)
    (tmp_path / "garbage.c3d").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _expect_error(tmp_path / "garbage.c3d")


def test_wrong_magic_byte(fixtures_dir: Path, tmp_path: Path) -> None:
    raw = bytearray((fixtures_dir / "c3d" / "FP_Type3.c3d").read_bytes())
    raw[1] = 0x51
    (tmp_path / "magic.c3d").write_bytes(bytes(raw))
    _expect_error(tmp_path / "magic.c3d", "not a C3D file", "0x50")


def test_absurd_parameter_pointer(fixtures_dir: Path, tmp_path: Path) -> None:
    raw = bytearray((fixtures_dir / "c3d" / "FP_Type3.c3d").read_bytes())
    raw[0] = 200
    (tmp_path / "ptr.c3d").write_bytes(bytes(raw))
    _expect_error(tmp_path / "ptr.c3d", "parameter block 200")


def test_truncated_data(fixtures_dir: Path, tmp_path: Path) -> None:
    raw = (fixtures_dir / "c3d" / "walking5.c3d").read_bytes()
    (tmp_path / "cut.c3d").write_bytes(raw[: len(raw) // 2])
    _expect_error(tmp_path / "cut.c3d", "truncated", "of the 1103")


def test_inverted_frame_range(fixtures_dir: Path, tmp_path: Path) -> None:
    raw = bytearray((fixtures_dir / "c3d" / "Qualisys.c3d").read_bytes())
    struct.pack_into("<H", raw, 8, 3)  # last frame 3 < first frame 705
    (tmp_path / "range.c3d").write_bytes(bytes(raw))
    _expect_error(tmp_path / "range.c3d", "frame range 705..3")
