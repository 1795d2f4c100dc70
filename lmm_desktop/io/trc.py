"""Marker trajectories in the .trc text format (OpenSim, Vicon, Motion Analysis exports).

A .trc file has five header lines (``PathFileType``, the header keys, their values, the marker
names after ``Frame#`` and ``Time``, the ``X1 Y1 Z1 ...`` labels), usually a blank line, then one
row per frame: frame number, time, and x y z per marker, tab-separated. A missing marker is left
blank (or written NaN in any spelling); a row may stop early when its last markers are missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import TrialReadError, TrialWriteError, validate_choice
from lmm_desktop.core.trial import MarkerSet, Provenance, Trial
from lmm_desktop.io import _text

UNITS_PER_METRE: dict[str, float] = {"mm": 1000.0, "cm": 100.0, "m": 1.0}
"""File units in one metre, for the units a .trc may declare (values are divided by it)."""

_AXIS_LABEL = re.compile(r"^[XYZxyz]\d*$")
_RATE_TOLERANCE = 0.05  # relative disagreement between DataRate and the time column that warns
_CHUNK_ROWS = 10_000
_FORMAT_HINT = "a .trc marker file (PathFileType line, header keys and values, marker names)"


@dataclass
class _Header:
    """The header of a .trc file."""

    pairs: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    n_lines: int = 0  # lines before the first data row (blank line excluded)

    def get(self, key: str) -> str | None:
        """Header value for ``key``, case-insensitively (``None`` when absent)."""
        return _text.header_value(self.pairs, key)


def read_trc(path: str | Path) -> Trial:
    """Read a .trc marker file into a markers-only :class:`Trial`.

    Parameters
    ----------
    path
        The .trc file (tab-separated; CRLF or LF; units mm, cm or m).

    Returns
    -------
    Trial
        ``kinematics`` and ``source`` are ``None``; ``markers`` holds the trajectories in metres
        with NaN where a marker is missing. Header values are in ``metadata['header']``, anything
        the reader had to decide in ``metadata['warnings']``.

    Raises
    ------
    TrialReadError
        The file is missing, the header is incomplete, the units are unknown, a cell is not a
        number (the message names the line, marker and axis), or time does not increase.
    """
    p = Path(path)
    warnings: list[str] = []
    with _text.open_binary(p) as fh:
        header = _read_header(p, fh)
        per_metre, units = _units(p, header)
        n_fields = 2 + 3 * len(header.labels)
        data: NDArray[np.float64] | None
        try:
            data = _text.load_whitespace_body(fh)  # (n_rows, n_fields) when no cell is blank
        except ValueError:
            data = None
    if data is None or data.shape[1] != n_fields:
        # Blank cells, short rows or a bad cell: read each row by tab position instead.
        data = _read_positional(p, header, warnings)
    if data.shape[0] == 0:
        raise TrialReadError(
            p, "the file has a header but no rows of marker data", expected="at least one frame"
        )
    time = np.ascontiguousarray(data[:, 1])  # (n_frames,), seconds
    _text.check_time(p, time, header.n_lines)
    # (n_frames, n_markers, 3), metres
    positions = data[:, 2:].reshape(data.shape[0], len(header.labels), 3) / per_metre
    rate = _rate(p, header, time, warnings)
    _check_counts(header, data.shape[0], warnings)
    markers = MarkerSet(
        time=time,
        rate_hz=rate,
        labels=list(header.labels),
        positions=positions,
        original_units=units,
    )
    return Trial(
        time=time,
        rate_hz=rate,
        source=None,
        kinematics=None,
        provenance=Provenance(path=p, format="trc"),
        markers=markers,
        metadata={"header": dict(header.pairs), "warnings": warnings},
    )


def _read_header(path: Path, fh: BinaryIO) -> _Header:
    lines: list[str] = []
    for _ in range(4):
        line = _text.read_header_line(fh)
        if line is None:
            raise TrialReadError(
                path,
                f"the file ends inside the header (after {len(lines)} lines)",
                expected=_FORMAT_HINT,
            )
        lines.append(line)
    if not lines[0].strip().lower().startswith("pathfiletype"):
        raise TrialReadError(
            path,
            "the first line does not start with 'PathFileType'",
            where="line 1",
            expected=_FORMAT_HINT,
        )
    header = _Header(pairs=_header_pairs(lines[1], lines[2]), n_lines=4)
    names = _text.split_fields(lines[3])
    if len(names) < 2 or names[0].lower() != "frame#" or names[1].lower() != "time":
        raise TrialReadError(
            path,
            "the fourth line does not start with 'Frame#' and 'Time'",
            where="line 4",
            expected=_FORMAT_HINT,
        )
    header.labels = names[2:]
    if not header.labels:
        raise TrialReadError(
            path, "the header names no markers", where="line 4", expected=_FORMAT_HINT
        )
    # The 'X1 Y1 Z1 ...' line; a few exporters leave it out, so step back if it is data.
    start = fh.tell()
    line = _text.read_header_line(fh)
    if line is not None and all(_AXIS_LABEL.match(tok) for tok in line.split()):
        header.n_lines = 5
    else:
        fh.seek(start)
    return header


def _header_pairs(keys_line: str, values_line: str) -> dict[str, str]:
    """Pair the header keys with their values (some exporters separate values by two tabs)."""
    keys = _text.split_fields(keys_line)
    fields = (
        [f.strip() for f in values_line.split("\t")] if "\t" in values_line else values_line.split()
    )
    while fields and not fields[-1]:
        fields.pop()
    if len(fields) != len(keys):
        fields = [f for f in fields if f]
    return dict(zip(keys, fields, strict=False))


def _units(path: Path, header: _Header) -> tuple[float, str]:
    """File units per metre and the unit name; unknown or absent units are an error."""
    units = header.get("Units")
    if units is None or not units.strip():
        raise TrialReadError(
            path, "the header gives no Units", where="line 3", expected="Units of mm, cm or m"
        )
    unit = units.strip().lower()
    if unit not in UNITS_PER_METRE:
        raise TrialReadError(
            path,
            f"the header gives Units={units.strip()!r}",
            where="line 3",
            expected="Units of mm, cm or m",
        )
    return UNITS_PER_METRE[unit], unit


def _read_positional(path: Path, header: _Header, warnings: list[str]) -> NDArray[np.float64]:
    """Parse the rows by tab position: blank cells and the cells a short row lacks are NaN."""
    labels = header.labels
    n_fields = 2 + 3 * len(labels)
    chunks: list[NDArray[np.float64]] = []
    rows: list[list[float]] = []
    n_short = 0
    for line_no, line in _text.iter_data_lines(path, header.n_lines):
        fields = _row_fields(path, line, line_no, n_fields, len(labels))
        if len(fields) < n_fields:
            n_short += 1
            fields += [""] * (n_fields - len(fields))
        rows.append([_cell(path, tok, line_no, col, labels) for col, tok in enumerate(fields)])
        if len(rows) == _CHUNK_ROWS:
            chunks.append(np.array(rows, dtype=np.float64))  # (chunk, n_fields)
            rows = []
    chunks.append(np.array(rows, dtype=np.float64).reshape(-1, n_fields))
    if n_short:
        warnings.append(
            f"{n_short} rows have fewer values than the header's {len(labels)} "
            "markers; the markers they lack are read as missing (NaN)."
        )
    return np.concatenate(chunks)  # (n_rows, n_fields)


def _row_fields(path: Path, line: str, line_no: int, n_fields: int, n_markers: int) -> list[str]:
    """The cells of one row by tab position (whitespace-split when the row has no tab)."""
    if "\t" not in line:
        fields = line.split()
    else:
        fields = [f.strip() for f in line.split("\t")]
        while len(fields) > n_fields and not fields[-1]:
            fields.pop()
        if len(fields) > n_fields:
            fields = line.split()  # separators doubled (two tabs) but no cell blank
    if len(fields) > n_fields:
        raise TrialReadError(
            path,
            f"this row has {len(fields)} values but the header names {n_markers} markers",
            where=f"line {line_no}",
            expected=f"at most {n_fields} values (frame, time, then x y z per marker)",
        )
    return fields


def _cell(path: Path, token: str, line_no: int, col: int, labels: list[str]) -> float:
    if not token:
        return math.nan
    try:
        return _text.strict_float(token)
    except ValueError:
        raise TrialReadError(
            path,
            f"the value {token[:30]!r} is not a number",
            where=f"line {line_no}, column {col + 1}, {_column_name(col, labels)}",
            expected="a number, NaN or an empty cell for a missing marker",
        ) from None


def _column_name(col: int, labels: list[str]) -> str:
    if col == 0:
        return "Frame#"
    if col == 1:
        return "Time"
    return f"marker '{labels[(col - 2) // 3]}' {'XYZ'[(col - 2) % 3]}"


def _rate(path: Path, header: _Header, time: NDArray[np.float64], warnings: list[str]) -> float:
    """DataRate (else CameraRate) from the header; the time column when neither is usable."""
    from_time = _text.rate_from_time(time)
    from_header = _text.parse_positive_float(header.get("DataRate"))
    if from_header is None:
        from_header = _text.parse_positive_float(header.get("CameraRate"))
    if from_header is None:
        if from_time is None:
            warnings.append(
                "The header has no DataRate and the file has one frame; the sample rate is unknown."
            )
            return math.nan
        warnings.append(
            f"The header has no usable DataRate; {from_time:g} Hz was taken from the time column."
        )
        return from_time
    if from_time is not None and abs(from_time - from_header) > _RATE_TOLERANCE * from_header:
        warnings.append(
            f"The header says DataRate={from_header:g} Hz but the time column steps "
            f"at {from_time:g} Hz; the header's rate was used."
        )
    return from_header


def _check_counts(header: _Header, n_rows: int, warnings: list[str]) -> None:
    n_frames = _text.parse_int(header.get("NumFrames"))
    if n_frames is not None and n_frames != n_rows:
        warnings.append(
            f"The header says NumFrames={n_frames} but the file has {n_rows} rows; "
            "all rows were read."
        )
    n_markers = _text.parse_int(header.get("NumMarkers"))
    if n_markers is not None and n_markers != len(header.labels):
        warnings.append(
            f"The header says NumMarkers={n_markers} but {len(header.labels)} "
            "markers are named; the named markers were read."
        )


def write_trc(markers: MarkerSet, path: str | Path, *, units: str = "m") -> Path:
    """Write marker trajectories as a .trc file (atomic; missing markers written as NaN).

    Parameters
    ----------
    markers
        The trajectories (metres).
    path
        Destination file.
    units
        ``'m'`` (default: reading the file back gives exactly the same numbers), ``'mm'`` or
        ``'cm'``.

    Returns
    -------
    Path
        The written file.
    """
    validate_choice("units", units, UNITS_PER_METRE)
    p = Path(path)
    n, m = markers.n_frames, len(markers.labels)
    rate = _text.format_float(markers.rate_hz)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{p.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{rate}\t{rate}\t{n}\t{m}\t{units}\t{rate}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(markers.labels) + "\t\t",
        "\t\t" + "\t".join(f"{a}{i + 1}" for i in range(m) for a in "XYZ"),
        "",
    ]
    per_metre = UNITS_PER_METRE[units]
    flat = markers.positions.reshape(n, 3 * m)  # (n_frames, 3 * n_markers), metres
    # (n_frames, 1 + 3 * n_markers): time (s), coordinates in the file's units
    table = np.column_stack([markers.time, flat if per_metre == 1.0 else flat * per_metre])
    try:
        with atomic_write(p, "w", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
            for chunk in _text.format_rows(table, "\t", numbered=True):
                fh.write(chunk)
    except OSError as exc:
        raise TrialWriteError(f"Cannot write '{p}': {exc.strerror or exc}.") from exc
    return p
