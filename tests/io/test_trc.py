"""The .trc reader and writer on the OpenSim tutorial files and the OpenSim parser edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.errors import InvalidValueError, TrialReadError
from lmm_desktop.io import read_trial
from lmm_desktop.io.trc import read_trc, write_trc

EDGE = "trc-edge"
CASES = {
    # name: (frames, rate Hz, markers, units, first time s)
    f"{EDGE}/dataWithBlanksForMissingMarkers.trc": (464, 250.0, 40, "mm", 0.0),
    f"{EDGE}/dataWithEformat.trc": (5, 119.88012, 14, "m", 0.008342),
    f"{EDGE}/dataWithNaNsOfDifferentCases.trc": (5, 250.0, 14, "mm", 0.0),
    f"{EDGE}/gait10dof18musc_walk_CRLF_line_ending.trc": (10, 60.0, 41, "mm", 0.0),
    f"{EDGE}/walk_free_01_header_mismatch.trc": (73, 60.0, 41, "mm", 3.067),
    "opensim/subject01_walk1.trc": (151, 60.0, 41, "mm", 0.0),
    "opensim/motion_capture_walk.trc": (238, 100.0, 41, "mm", 0.0),
}
PER_METRE = {"mm": 1000.0, "m": 1.0}


def raw_rows(path: Path) -> list[list[str]]:
    """The data rows of a .trc, split on tabs, straight from the text (independent parse)."""
    lines = path.read_text().splitlines()[5:]
    return [line.split("\t") for line in lines if line.strip()]


def raw_value(cell: str, units: str) -> float:
    return float(cell) / PER_METRE[units] if cell.strip() else float("nan")


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_shapes_and_spot_values(fixtures_dir: Path, name: str) -> None:
    n_frames, rate, n_markers, units, t0 = CASES[name]
    path = fixtures_dir / name
    trial = read_trial(path)
    assert trial.kinematics is None and trial.source is None
    m = trial.markers
    assert m is not None
    assert m.n_frames == n_frames == trial.n_frames
    assert m.rate_hz == pytest.approx(rate) and trial.rate_hz == m.rate_hz
    assert len(m.labels) == n_markers and m.positions.shape == (n_frames, n_markers, 3)
    assert m.original_units == units
    assert m.time[0] == t0
    assert trial.provenance.format == "trc"
    rows = raw_rows(path)
    assert len(rows) == n_frames
    for row_i in (0, n_frames // 2, n_frames - 1):
        cells = rows[row_i]
        assert m.time[row_i] == float(cells[1])
        for marker in (0, n_markers // 2, n_markers - 1):
            for axis in range(3):
                col = 2 + 3 * marker + axis
                expect = raw_value(cells[col], units) if col < len(cells) else float("nan")
                np.testing.assert_equal(m.positions[row_i, marker, axis], expect)


def test_named_markers_and_values(fixtures_dir: Path) -> None:
    m = read_trc(fixtures_dir / "opensim/subject01_walk1.trc").markers
    assert m is not None
    assert m.labels[:3] == ["R.ASIS", "L.ASIS", "V.Sacral"]
    np.testing.assert_array_equal(
        m.marker("R.ASIS")[0], np.array([617.247620, 1055.275020, 170.781980]) / 1000.0
    )
    walk = read_trc(fixtures_dir / "opensim/motion_capture_walk.trc")
    assert walk.markers is not None and walk.markers.labels[0] == "R.Shoulder"
    np.testing.assert_array_equal(
        walk.markers.positions[0, 0], np.array([-652.630, 1529.542, -94.520]) / 1000.0
    )
    assert walk.metadata["header"]["Units"] == "mm"  # double tabs in the header values line
    assert walk.metadata["warnings"] == []


def test_blank_fields_are_nan(fixtures_dir: Path) -> None:
    trial = read_trc(fixtures_dir / f"{EDGE}/dataWithBlanksForMissingMarkers.trc")
    m = trial.markers
    assert m is not None
    assert np.isnan(m.positions[0]).all()  # the first frame has no marker at all
    assert np.isfinite(m.positions[-1]).all()
    assert not (m.positions == 0).any()  # blanks never become zeros
    assert trial.metadata["warnings"] == []


def test_nan_in_every_spelling(fixtures_dir: Path) -> None:
    m = read_trc(fixtures_dir / f"{EDGE}/dataWithNaNsOfDifferentCases.trc").markers
    assert m is not None
    nan_markers = {m.labels[i] for i in np.flatnonzero(np.isnan(m.positions).any(axis=(0, 2)))}
    assert nan_markers == {"thigh"}
    assert np.isnan(m.marker("thigh")).all()
    assert np.isfinite(np.delete(m.positions, m.labels.index("thigh"), axis=1)).all()


def test_crlf_reads_like_lf(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / f"{EDGE}/gait10dof18musc_walk_CRLF_line_ending.trc"
    assert b"\r\n" not in src.read_bytes()  # stored with LF: make the CRLF version here
    crlf = tmp_path / "crlf.trc"
    crlf.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    a, b = read_trc(src).markers, read_trc(crlf).markers
    assert a is not None and b is not None
    assert a.labels == b.labels and a.labels[-1] == b.labels[-1].strip()
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.time, b.time)


def test_header_frame_count_mismatch_trusts_rows(fixtures_dir: Path) -> None:
    trial = read_trc(fixtures_dir / f"{EDGE}/walk_free_01_header_mismatch.trc")
    assert trial.n_frames == 73
    assert any("NumFrames=900" in w and "73 rows" in w for w in trial.metadata["warnings"])


def _edit_rows(src: Path, dest: Path, edit: dict[int, str]) -> Path:
    """Copy ``src`` replacing data rows (0-based among the rows) by new text."""
    lines = src.read_text().splitlines()
    data_idx = [i for i, line in enumerate(lines) if i >= 5 and line.strip()]
    for row, text in edit.items():
        lines[data_idx[row]] = text
    dest.write_text("\n".join(lines) + "\n")
    return dest


def test_short_rows_give_nan_not_zero(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "opensim/subject01_walk1.trc"
    cells = raw_rows(src)[4]
    short = "\t".join(cells[: 2 + 3 * 39])  # the last two markers missing on row 4
    trial = read_trc(_edit_rows(src, tmp_path / "short.trc", {4: short}))
    full = read_trc(src)
    m, f = trial.markers, full.markers
    assert m is not None and f is not None
    assert np.isnan(m.positions[4, 39:]).all()
    np.testing.assert_array_equal(m.positions[4, :39], f.positions[4, :39])
    np.testing.assert_array_equal(
        np.delete(m.positions, 4, axis=0), np.delete(f.positions, 4, axis=0)
    )
    assert any("fewer values" in w for w in trial.metadata["warnings"])


def test_space_separated_rows(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / f"{EDGE}/dataWithEformat.trc"
    lines = src.read_text().splitlines()
    spaced = tmp_path / "spaced.trc"
    spaced.write_text("\n".join(lines[:5] + [" ".join(ln.split()) for ln in lines[5:]]) + "\n")
    a, b = read_trc(src).markers, read_trc(spaced).markers
    assert a is not None and b is not None
    np.testing.assert_array_equal(a.positions, b.positions)


def test_garbage_row_names_the_line(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "opensim/subject01_walk1.trc"
    cells = raw_rows(src)[2]
    cells[6] = "12..5"
    bad = _edit_rows(src, tmp_path / "bad.trc", {2: "\t".join(cells)})
    with pytest.raises(TrialReadError, match=r"line 9, column 7, marker 'L\.ASIS' Y.*'12\.\.5'"):
        read_trc(bad)
    too_long = _edit_rows(src, tmp_path / "long.trc", {2: "\t".join(raw_rows(src)[2] + ["1"])})
    with pytest.raises(TrialReadError, match=r"line 9.*41 markers"):
        read_trc(too_long)
    backwards = _edit_rows(src, tmp_path / "back.trc", {3: "\t".join(raw_rows(src)[1])})
    with pytest.raises(TrialReadError, match=r"line 10.*does not come after"):
        read_trc(backwards)


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("\tmm\t", "\tinches\t", r"Units='inches'.*mm, cm or m"),
        ("PathFileType", "Something", r"PathFileType"),
        ("Frame#", "Index", r"Frame#"),
    ],
)
def test_header_errors(
    fixtures_dir: Path, tmp_path: Path, old: str, new: str, pattern: str
) -> None:
    bad = tmp_path / "bad.trc"
    bad.write_text((fixtures_dir / "opensim/subject01_walk1.trc").read_text().replace(old, new, 1))
    with pytest.raises(TrialReadError, match=pattern):
        read_trc(bad)


def test_truncated_header_and_no_rows(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "opensim/subject01_walk1.trc").read_text().splitlines()
    bad = tmp_path / "bad.trc"
    bad.write_text("\n".join(lines[:3]) + "\n")
    with pytest.raises(TrialReadError, match="ends inside the header"):
        read_trc(bad)
    bad.write_text("\n".join(lines[:6]) + "\n")
    with pytest.raises(TrialReadError, match="no rows"):
        read_trc(bad)


def test_units_in_metres_and_centimetres(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "opensim/subject01_walk1.trc"
    mm = read_trc(src).markers
    assert mm is not None
    for unit, factor in (("cm", 10.0), ("m", 1000.0)):
        lines = src.read_text().splitlines()
        lines[2] = lines[2].replace("\tmm\t", f"\t{unit}\t")
        rows = [
            "\t".join(
                c if i < 2 or not c.strip() else repr(float(c) / factor)
                for i, c in enumerate(ln.split("\t"))
            )
            for ln in lines[6:]
        ]
        path = tmp_path / f"{unit}.trc"
        path.write_text("\n".join(lines[:6] + rows) + "\n")
        other = read_trc(path).markers
        assert other is not None and other.original_units == unit
        np.testing.assert_allclose(other.positions, mm.positions, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip_is_exact(fixtures_dir: Path, tmp_path: Path, name: str) -> None:
    first = read_trc(fixtures_dir / name).markers
    assert first is not None
    out = write_trc(first, tmp_path / "out.trc")
    second = read_trc(out)
    m = second.markers
    assert m is not None
    assert m.labels == first.labels and m.rate_hz == first.rate_hz
    np.testing.assert_array_equal(m.time, first.time)
    np.testing.assert_array_equal(m.positions, first.positions)
    assert second.metadata["warnings"] == []
    in_mm = read_trc(write_trc(first, tmp_path / "mm.trc", units="mm")).markers
    assert in_mm is not None and in_mm.original_units == "mm"
    np.testing.assert_allclose(in_mm.positions, first.positions, rtol=1e-14, atol=1e-15)


def test_write_rejects_unknown_units(fixtures_dir: Path, tmp_path: Path) -> None:
    m = read_trc(fixtures_dir / f"{EDGE}/dataWithEformat.trc").markers
    assert m is not None
    with pytest.raises(InvalidValueError, match="Invalid value for 'units'"):
        write_trc(m, tmp_path / "x.trc", units="inch")


def test_opensim_reads_the_written_trc(fixtures_dir: Path, tmp_path: Path) -> None:
    opensim = pytest.importorskip("opensim")
    opensim.Logger.setLevelString("warn")
    m = read_trc(fixtures_dir / f"{EDGE}/dataWithBlanksForMissingMarkers.trc").markers
    assert m is not None
    out = write_trc(m, tmp_path / "markers.trc", units="mm")
    table = opensim.TimeSeriesTableVec3(str(out))
    assert table.getNumRows() == 464 and table.getNumColumns() == 40
    assert list(table.getColumnLabels())[:2] == m.labels[:2]
    last = table.getRowAtIndex(463)[0]
    np.testing.assert_allclose([last[0], last[1], last[2]], m.positions[463, 0] * 1000.0)
    assert np.isnan(table.getRowAtIndex(0)[0][0])
