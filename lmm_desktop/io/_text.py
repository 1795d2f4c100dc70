"""Helpers shared by the text readers and writers (.mot/.sto, .trc, .csv).

The numeric body of a text trial is parsed by :func:`numpy.loadtxt` (its C parser is strict and
about ten times faster than OpenSim's own reader); only when it refuses the body do we walk the
lines in Python to say *where* the problem is, in words a clinician can act on.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)
from lmm_desktop.core.errors import TrialReadError, TrialWriteError
from lmm_desktop.core.trial import Trial

TRANSLATION_SUFFIXES = ("_tx", "_ty", "_tz")
"""OpenSim coordinate names ending like this are translations (metres), the rest rotations."""


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading in binary mode, turning OS errors into :class:`TrialReadError`."""
    try:
        return path.open("rb")
    except IsADirectoryError as exc:
        raise TrialReadError(path, "this is a folder, not a file") from exc
    except OSError as exc:
        raise TrialReadError(path, f"the file cannot be opened ({exc.strerror or exc})") from exc


def decode_line(raw: bytes) -> str:
    """Decode one header line (UTF-8, falling back to Latin-1) without its line ending."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.rstrip("\r\n")


def read_header_line(fh: BinaryIO) -> str | None:
    """Next line of ``fh`` as text, or ``None`` at the end of the file."""
    raw = fh.readline()
    if not raw:
        return None
    return decode_line(raw)


def body_text(fh: BinaryIO) -> io.TextIOWrapper:
    """Text view of the rest of ``fh``: the numeric body is ASCII; anything else becomes U+FFFD.

    Universal newlines make CRLF files read like LF files.
    """
    return io.TextIOWrapper(fh, encoding="ascii", errors="replace", newline=None)


def split_fields(line: str) -> list[str]:
    """Split a header line of names on tabs (or on whitespace if it has no tab), drop blanks."""
    parts = line.split("\t") if "\t" in line else line.split()
    return [p.strip() for p in parts if p.strip()]


def parse_key_value(line: str) -> tuple[str, str] | None:
    """``'nRows=211'`` -> ``('nRows', '211')``; ``None`` for a line that is not ``key=value``."""
    if "=" not in line:
        return None
    key, _, value = line.partition("=")
    key = key.strip()
    if not key or any(c.isspace() for c in key):
        return None
    return key, value.strip()


def parse_int(text: str | None) -> int | None:
    """Integer value of a header field, ``None`` when absent or not an integer."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def parse_positive_float(text: str | None) -> float | None:
    """Finite positive float value of a header field, ``None`` otherwise."""
    if text is None:
        return None
    try:
        val = float(text.strip())
    except ValueError:
        return None
    return val if math.isfinite(val) and val > 0 else None


def strict_float(token: str) -> float:
    """Parse one numeric cell the way :func:`numpy.loadtxt` does ('nan' in any case is NaN).

    Raises ``ValueError`` for anything else, including Python-only spellings such as ``1_000``.
    """
    if "_" in token:
        raise ValueError(token)
    return float(token)


def load_whitespace_body(fh: BinaryIO) -> NDArray[np.float64]:
    """Parse the rest of ``fh`` as whitespace-separated numbers, blank lines skipped.

    Returns ``(n_rows, n_columns)`` floats. Raises ``ValueError`` (from numpy) when any cell is not
    a number or the rows do not all have the same number of values; callers then locate the
    problem with :func:`iter_data_lines` to report it.
    """
    text = body_text(fh)
    try:
        with warnings.catch_warnings():
            # An empty body is reported by the caller, not as a numpy UserWarning.
            warnings.simplefilter("ignore", UserWarning)
            data = np.loadtxt(text, dtype=np.float64, comments=None, ndmin=2)
    finally:
        text.detach()
    return data


def iter_data_lines(path: Path, n_header_lines: int) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each non-blank line after the header (1-based numbers).

    Used on the slow paths (locating an error, positional parsing of a .trc with blank cells).
    """
    fh = open_binary(path)
    with fh:
        for _ in range(n_header_lines):
            if not fh.readline():
                return
        text = body_text(fh)
        for offset, line in enumerate(text, start=n_header_lines + 1):
            if line.strip():
                yield offset, line.rstrip("\n")


def locate_bad_row(
    path: Path, n_header_lines: int, names: Sequence[str], what: str
) -> TrialReadError:
    """Find the first line of a whitespace-separated body that does not parse; build the error.

    ``names`` are the column names the header announces (their count is what each row needs);
    ``what`` describes a row's content for the message ("a time and 40 coordinate values").
    """
    n_cols = len(names)
    for line_no, line in iter_data_lines(path, n_header_lines):
        tokens = line.split()
        for col, tok in enumerate(tokens[:n_cols]):
            try:
                strict_float(tok)
            except ValueError:
                return TrialReadError(
                    path,
                    f"the value {_shorten(tok)!r} in column {col + 1} ('{names[col]}') is not a "
                    "number",
                    where=f"line {line_no}",
                    expected="a number (or NaN for a missing value)",
                )
        if len(tokens) != n_cols:
            return TrialReadError(
                path,
                f"this row has {len(tokens)} values but the header names {n_cols} columns",
                where=f"line {line_no}",
                expected=what,
            )
    return TrialReadError(path, "the numeric data cannot be read", expected=what)


def data_line_number(path: Path, n_header_lines: int, row_index: int) -> int:
    """File line number (1-based) of data row ``row_index`` (0-based, blank lines skipped)."""
    for i, (line_no, _) in enumerate(iter_data_lines(path, n_header_lines)):
        if i == row_index:
            return line_no
    return n_header_lines + row_index + 1


def check_time(path: Path, time: NDArray[np.float64], n_header_lines: int) -> None:
    """Raise :class:`TrialReadError` unless ``time`` is finite and strictly increasing."""
    bad = np.flatnonzero(~np.isfinite(time))
    if bad.size:
        line = data_line_number(path, n_header_lines, int(bad[0]))
        raise TrialReadError(
            path,
            f"the time value is {float(time[bad[0]])!r}",
            where=f"line {line}",
            expected="a finite time in seconds on every row",
        )
    steps = np.diff(time)  # (n_rows - 1,), seconds
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        row = int(bad[0]) + 1
        line = data_line_number(path, n_header_lines, row)
        raise TrialReadError(
            path,
            f"the time {float(time[row])!r} s does not come after the previous row's "
            f"{float(time[row - 1])!r} s",
            where=f"line {line}",
            expected="strictly increasing time stamps",
        )


def rate_from_time(time: NDArray[np.float64]) -> float | None:
    """Sample rate (Hz) from the time stamps, ``None`` for fewer than two frames.

    Uniformly sampled files whose times were rounded when written (60 Hz at four decimals gives
    steps of 0.0166 and 0.0167) get the rate of the whole span, not of the median step; other
    files get the median step. A uniform rate within 0.05 % of a whole number is that number;
    others are rounded to 9 significant digits so float noise goes.
    """
    if time.shape[0] < 2:
        return None
    steps = np.diff(time)
    median = float(np.median(steps))
    mean = float((time[-1] - time[0]) / (time.shape[0] - 1))
    uniform = bool(np.all(np.abs(steps - mean) <= 0.02 * mean))
    rate = 1.0 / (mean if uniform else median)
    if uniform and abs(rate - round(rate)) < 5e-4 * rate:
        return float(round(rate))  # 59.9998 from rounded time stamps is 60 Hz
    return float(f"{rate:.9g}")


def is_translation(name: str) -> bool:
    """True for a translational coordinate name (metres): ``pelvis_tx`` and the like."""
    return name.endswith(TRANSLATION_SUFFIXES)


def format_float(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` ('nan', 'inf' for the special values)."""
    return repr(float(value))


def format_rows(
    values: NDArray[np.float64], sep: str, *, numbered: bool = False, chunk: int = 5000
) -> Iterator[str]:
    """Yield the rows of ``values`` as text, repr-exact, ``sep``-separated, newline-terminated.

    With ``numbered`` each row starts with its 1-based row number (a .trc ``Frame#``). Works in
    chunks so a one-hour trial never holds its whole text in memory.
    """
    n_rows, n_cols = values.shape
    fmt = sep.join(["%r"] * n_cols) + "\n"
    for start in range(0, n_rows, chunk):
        block = values[start : start + chunk].tolist()  # python floats: %r is repr-exact
        if numbered:
            yield "".join(
                [f"{start + i + 1}{sep}" + fmt % tuple(row) for i, row in enumerate(block)]
            )
        else:
            yield "".join([fmt % tuple(row) for row in block])


def canonical_columns(kin: Kinematics) -> tuple[list[str], list[NDArray[np.float64]]]:
    """Names and columns of the canonical kinematics that exist (missing joints omitted).

    Order: pelvis tilt/list/rotation (deg), pelvis tx/ty/tz (m), then the present joints (deg)
    in canonical order. Shared by the .mot and .csv writers.
    """
    names: list[str] = []
    columns: list[NDArray[np.float64]] = []
    if kin.pelvis_present:
        for i, name in enumerate(PELVIS_ROTATIONS):
            names.append(name)
            columns.append(kin.pelvis_rotation[:, i])
        for i, name in enumerate(PELVIS_TRANSLATIONS):
            names.append(name)
            columns.append(kin.pelvis_translation[:, i])
    for j in np.flatnonzero(kin.present):
        names.append(CANONICAL_JOINTS[j])
        columns.append(kin.angles[:, j])
    return names, columns


def kinematics_table(trial: Trial, path: Path) -> tuple[list[str], NDArray[np.float64]]:
    """``time`` plus the canonical columns as one ``(n_frames, 1 + n_columns)`` table.

    Raises :class:`TrialWriteError` when the trial has no joint angles or inconsistent lengths.
    """
    kin = trial.kinematics
    if kin is None:
        raise TrialWriteError(
            f"Cannot write '{path}': the trial '{trial.name}' has no joint "
            "angles (markers only); run inverse kinematics first."
        )
    if kin.n_frames != trial.n_frames:
        raise TrialWriteError(
            f"Cannot write '{path}': the trial has {trial.n_frames} time stamps "
            f"but {kin.n_frames} frames of joint angles."
        )
    names, columns = canonical_columns(kin)
    table = np.column_stack([trial.time, *columns])  # (n_frames, 1 + n_columns); s, deg, m
    return ["time", *names], table


def _shorten(token: str, limit: int = 30) -> str:
    return token if len(token) <= limit else token[:limit] + "..."


def header_value(pairs: dict[str, str], key: str) -> str | None:
    """Header value for ``key``, case-insensitively (``None`` when absent)."""
    low = key.lower()
    for k, v in pairs.items():
        if k.lower() == low:
            return v
    return None


def write_sto_like(
    path: Path, header: list[str], names: list[str], table: NDArray[np.float64]
) -> Path:
    """Write an OpenSim-style text table atomically: ``header`` lines, ``endheader``, the tab-
    separated column names, then the rows (repr-exact)."""
    from lmm_desktop.core.atomic import atomic_write
    from lmm_desktop.core.errors import TrialWriteError

    lines = [*header, "endheader", "\t".join(names)]
    try:
        with atomic_write(path, "w", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
            for chunk in format_rows(table, "\t"):
                fh.write(chunk)
    except OSError as exc:
        raise TrialWriteError(f"Cannot write '{path}': {exc.strerror or exc}.") from exc
    return path
