"""Property tests: damaged .mot/.trc files give TrialReadError (or a valid trial), never a crash,
and the parts of a file that are intact are read exactly as before."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import read_trial
from lmm_desktop.io.mot import read_mot
from lmm_desktop.io.trc import read_trc

MOT = ("opensim/subject01_walk1_ik.mot", "opencap/walking1_videoAndMocap.mot")
TRC = (
    "opensim/subject01_walk1.trc",
    "opensim/motion_capture_walk.trc",
    "trc-edge/dataWithBlanksForMissingMarkers.trc",
    "trc-edge/dataWithNaNsOfDifferentCases.trc",
    "trc-edge/dataWithEformat.trc",
    "trc-edge/walk_free_01_header_mismatch.trc",
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
GARBAGE = (
    "abc",
    "1.2.3",
    "--1",
    "nan(",
    "0x1F",
    "\x00",
    "\u00e9",
    "1e",
    "1_000",
    "#",
    '"',
    ",",
    "\u221e",
    "12..5",
    "+-3",
    "1e5e3",
    "\t\t",
    " ",
    "\r",
)
_counter = itertools.count()


class _Originals(dict[str, bytes]):
    """The undamaged files; a short repr keeps hypothesis reports readable."""

    def __repr__(self) -> str:
        return f"<{len(self)} text fixtures>"


@pytest.fixture(scope="module")
def originals(fixtures_dir: Path) -> _Originals:
    return _Originals({name: (fixtures_dir / name).read_bytes() for name in (*MOT, *TRC)})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("text_fuzz")


def _write(workdir: Path, name: str, data: bytes) -> Path:
    path = workdir / f"case{next(_counter)}{Path(name).suffix}"
    path.write_bytes(data)
    return path


@st.composite
def damaged(draw: st.DrawFn, raw: bytes) -> bytes:
    """One kind of damage: truncation, replaced bytes, deleted/duplicated lines, garbage tokens."""
    kind = draw(st.sampled_from(["truncate", "replace", "delete", "duplicate", "garbage"]))
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if kind == "replace":
        out = bytearray(raw)
        for _ in range(draw(st.integers(1, 6))):
            out[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    lines = raw.split(b"\n")
    idx = draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=4, unique=True))
    if kind == "delete":
        return b"\n".join(ln for i, ln in enumerate(lines) if i not in idx)
    if kind == "duplicate":
        return b"\n".join(x for i, ln in enumerate(lines) for x in ([ln, ln] if i in idx else [ln]))
    for i in idx:
        pos = draw(st.integers(0, len(lines[i])))
        token = draw(st.sampled_from(GARBAGE) | st.text(min_size=1, max_size=4)).encode()
        lines[i] = lines[i][:pos] + token + lines[i][pos:]
    return b"\n".join(lines)


def _check_valid(trial: Trial) -> None:
    """A trial that reads at all is self-consistent."""
    assert trial.n_frames >= 1
    assert np.all(np.diff(trial.time) > 0)
    if trial.kinematics is not None:
        assert trial.kinematics.n_frames == trial.n_frames
    if trial.markers is not None:
        assert trial.markers.positions.shape[0] == trial.n_frames


@FUZZ
@given(data=st.data(), name=st.sampled_from((*MOT, *TRC)))
def test_damaged_files_raise_only_trial_read_error(
    originals: _Originals, workdir: Path, data: st.DataObject, name: str
) -> None:
    broken = data.draw(damaged(originals[name]))
    path = _write(workdir, name, broken)
    try:
        trial = read_trial(path)
    except TrialReadError as exc:
        assert str(path) in str(exc)
        return
    _check_valid(trial)


def _data_lines(text: str, first: int) -> list[int]:
    """Indices (0-based) of the non-blank lines from ``first`` on."""
    return [i for i, ln in enumerate(text.split("\n")) if i >= first and ln.strip()]


nan_spelling = st.sampled_from(["nan", "NaN", "NAN", "Nan", "naN", "-nan", ""])


@FUZZ
@given(
    name=st.sampled_from(TRC),
    row=st.integers(0, 10_000),
    marker=st.integers(0, 100),
    axis=st.integers(0, 2),
    spelling=nan_spelling,
)
def test_blanking_one_marker_cell_changes_only_that_cell(
    originals: _Originals, workdir: Path, name: str, row: int, marker: int, axis: int, spelling: str
) -> None:
    raw = originals[name].decode()
    before = read_trc(_write(workdir, name, originals[name])).markers
    assert before is not None
    lines = raw.split("\n")
    rows = _data_lines(raw, 5)
    row %= len(rows)
    marker %= len(before.labels)
    cells = lines[rows[row]].split("\t")
    col = 2 + 3 * marker + axis
    if col >= len(cells):
        cells += [""] * (col + 1 - len(cells))
    cells[col] = spelling
    lines[rows[row]] = "\t".join(cells)
    after = read_trc(_write(workdir, name, "\n".join(lines).encode())).markers
    assert after is not None
    expected = before.positions.copy()
    expected[row, marker, axis] = np.nan
    np.testing.assert_array_equal(after.positions, expected)
    np.testing.assert_array_equal(after.time, before.time)


@FUZZ
@given(name=st.sampled_from(TRC), row=st.integers(0, 10_000), keep=st.integers(0, 100))
def test_cutting_a_row_short_gives_nan_for_the_rest(
    originals: _Originals, workdir: Path, name: str, row: int, keep: int
) -> None:
    raw = originals[name].decode()
    before = read_trc(_write(workdir, name, originals[name])).markers
    assert before is not None
    lines = raw.split("\n")
    rows = _data_lines(raw, 5)
    row %= len(rows)
    keep %= len(before.labels)
    lines[rows[row]] = "\t".join(lines[rows[row]].split("\t")[: 2 + 3 * keep])
    after = read_trc(_write(workdir, name, "\n".join(lines).encode())).markers
    assert after is not None
    expected = before.positions.copy()
    expected[row, keep:] = np.nan
    np.testing.assert_array_equal(after.positions, expected)


@FUZZ
@given(
    name=st.sampled_from(MOT),
    row=st.integers(0, 10_000),
    col=st.integers(1, 100),
    spelling=nan_spelling.filter(bool),
    garbage=st.sampled_from(GARBAGE[:16]),
)
def test_mot_cells_nan_and_garbage(
    originals: _Originals, workdir: Path, name: str, row: int, col: int, spelling: str, garbage: str
) -> None:
    raw = originals[name].decode().replace("\r\n", "\n")
    before = read_mot(_write(workdir, name, raw.encode())).source
    assert before is not None
    lines = raw.split("\n")
    end = lines.index("endheader")
    rows = _data_lines(raw, end + 2)
    row %= len(rows)
    col = 1 + (col - 1) % len(before.names)
    cells = lines[rows[row]].split("\t")
    cells[col] = spelling
    lines[rows[row]] = "\t".join(cells)
    after = read_mot(_write(workdir, name, "\n".join(lines).encode())).source
    assert after is not None
    expected = before.values.copy()
    expected[row, col - 1] = np.nan
    np.testing.assert_array_equal(after.values, expected)
    # a token that is not a number is reported at its line and column
    cells[col] = garbage if garbage.strip() else "x" + garbage
    lines[rows[row]] = "\t".join(cells)
    with pytest.raises(TrialReadError, match=rf"line {rows[row] + 1}\b"):
        read_mot(_write(workdir, name, "\n".join(lines).encode()))
