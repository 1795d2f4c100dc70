"""Property tests: damaged C3D files give TrialReadError (or a valid trial), never a crash."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.core.trial import Trial
from lmm_desktop.io.c3d import read_c3d

SMALL = ("FP_Type3.c3d", "Sample02/pc_int.c3d", "Sample02/dec_int.c3d", "Sample02/sgi_real.c3d")
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_counter = itertools.count()


class _Originals(dict[str, bytes]):
    """The undamaged files; a short repr keeps hypothesis reports readable."""

    def __repr__(self) -> str:
        return f"<{len(self)} C3D fixtures>"


@pytest.fixture(scope="module")
def originals(fixtures_dir: Path) -> _Originals:
    return _Originals({name: (fixtures_dir / "c3d" / name).read_bytes() for name in SMALL})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("c3d_fuzz")


REAL_STORAGE = {
    "FP_Type3.c3d": True,
    "Sample02/pc_int.c3d": False,
    "Sample02/dec_int.c3d": False,
    "Sample02/sgi_real.c3d": True,
}


def _layout(raw: bytes, name: str) -> dict[str, int]:
    """Section boundaries and frame geometry read from the header words with struct."""
    proc = raw[(raw[0] - 1) * 512 + 3]
    end = ">" if proc == 86 else "<"
    n_points, analog = struct.unpack_from(end + "2H", raw, 2)
    data_block = struct.unpack_from(end + "H", raw, 16)[0]
    word = 4 if REAL_STORAGE[name] else 2
    return {
        "param": (raw[0] - 1) * 512,
        "data": (data_block - 1) * 512,
        "frame_bytes": (4 * n_points + analog) * word,
        "point_bytes": 4 * word,
        "n_points": n_points,
    }


def _read_bytes(workdir: Path, data: bytes) -> Trial | None:
    """Read damaged bytes; TrialReadError is fine, any other exception fails the test."""
    path = workdir / f"f{next(_counter)}.c3d"
    path.write_bytes(data)
    try:
        trial = read_c3d(path)
    except TrialReadError as exc:
        assert str(path) in str(exc)
        return None
    finally:
        path.unlink()
    assert trial.markers is not None
    assert trial.markers.positions.shape[0] == trial.time.shape[0]
    assert np.all(np.diff(trial.time) > 0)
    return trial


@FUZZ
@given(name=st.sampled_from(SMALL), cut=st.floats(0.0, 1.0))
def test_truncation_anywhere(originals: _Originals, workdir: Path, name: str, cut: float) -> None:
    raw = originals[name]
    keep = int(cut * (len(raw) - 1))
    trial = _read_bytes(workdir, raw[:keep])
    if trial is not None:  # only trailing padding may be cut
        lay = _layout(raw, name)
        assert keep >= lay["data"] + trial.n_frames * lay["frame_bytes"]


@FUZZ
@given(
    name=st.sampled_from(SMALL),
    section=st.sampled_from(["header", "param", "data"]),
    edits=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_random_byte_replacement(
    originals: _Originals, workdir: Path, name: str, section: str, edits: list[tuple[float, int]]
) -> None:
    raw = bytearray(originals[name])
    lay = _layout(bytes(raw), name)
    lo, hi = {
        "header": (0, 512),
        "param": (lay["param"], lay["data"]),
        "data": (lay["data"], len(raw)),
    }[section]
    for where, value in edits:
        raw[lo + int(where * (hi - lo - 1))] = value
    _read_bytes(workdir, bytes(raw))


@FUZZ
@given(name=st.sampled_from(SMALL), where=st.floats(0.0, 1.0), value=st.integers(0, 255))
def test_data_byte_damage_stays_local(
    originals: _Originals, workdir: Path, name: str, where: float, value: int
) -> None:
    raw = bytearray(originals[name])
    lay = _layout(bytes(raw), name)
    clean = _read_bytes(workdir, bytes(raw))
    assert clean is not None and clean.markers is not None
    n_frames = clean.n_frames
    offset = int(where * (n_frames * lay["frame_bytes"] - 1))
    raw[lay["data"] + offset] = value
    damaged = _read_bytes(workdir, bytes(raw))
    assert damaged is not None and damaged.markers is not None
    frame, inside = divmod(offset, lay["frame_bytes"])
    before, after = clean.markers.positions, damaged.markers.positions
    others = np.ones(n_frames, dtype=bool)
    others[frame] = False
    np.testing.assert_array_equal(after[others], before[others])
    point = inside // lay["point_bytes"]
    keep = np.ones(lay["n_points"], dtype=bool)
    if point < lay["n_points"]:  # a byte of a point: only that point may change
        keep[point] = False
    np.testing.assert_array_equal(after[frame, keep], before[frame, keep])
