"""OpenSim storage files (.mot, .sto): reader and canonical-kinematics writer.

A storage file is a header (a title line, ``key=value`` lines such as ``nRows``, ``nColumns``,
``inDegrees``, free text), an ``endheader`` line, a row of column names starting with ``time``,
then whitespace-separated numbers. OpenSim 4 ``.sto`` files name their columns by component path
(``/jointset/hip_r/hip_flexion_r/value``); those are shortened to the coordinate name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.core.mapping import map_to_canonical
from lmm_desktop.core.trial import Provenance, SourceCoordinates, Subject, Trial
from lmm_desktop.io import _text

CANONICAL_FLAG = "lmm_kinematics"
"""Header key our writer sets to ``canonical``: the columns are already canonical (knee flexion
positive whatever the source model), so reading them back must not map them again."""

_MAX_HEADER_LINES = 10_000
_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})
_FORMAT_HINT = "an OpenSim .mot or .sto file (header, 'endheader', a row of column names, numbers)"


@dataclass
class _Header:
    """What precedes the numbers of a storage file."""

    title: str = ""
    pairs: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    n_lines: int = 0  # lines up to and including the column-names line

    def get(self, key: str) -> str | None:
        """Header value for ``key``, case-insensitively (``None`` when absent)."""
        return _text.header_value(self.pairs, key)


def read_mot(path: str | Path) -> Trial:
    """Read an OpenSim ``.mot`` or ``.sto`` file of coordinates.

    Parameters
    ----------
    path
        The file. Tab- or space-separated, LF or CRLF line endings.

    Returns
    -------
    Trial
        ``source`` holds every column but time (rotations in degrees, translations in metres,
        whatever the file used); ``kinematics`` is the canonical mapping. Header ``key=value``
        pairs are in ``metadata['header']``, anything the reader had to decide in
        ``metadata['warnings']``.

    Raises
    ------
    TrialReadError
        The file is missing, has no ``endheader``, a cell is not a number (the message names the
        line and column), a row has the wrong number of values, or time does not increase.
    """
    p = Path(path)
    warnings: list[str] = []
    with _text.open_binary(p) as fh:
        header = _read_header(p, fh)
        try:
            data = _text.load_whitespace_body(fh)  # (n_rows, n_columns), as in the file
        except ValueError:
            what = f"a time and {len(header.names) - 1} values"
            raise _text.locate_bad_row(p, header.n_lines, header.names, what) from None
    _check_shape(p, header, data, warnings)
    time = np.ascontiguousarray(data[:, 0])  # (n_frames,), seconds
    _text.check_time(p, time, header.n_lines)
    values = data[:, 1:]  # (n_frames, n_columns - 1), a view: no copy of a long trial
    names, rotational = _coordinate_names(header.names[1:])
    in_degrees = _file_in_degrees(p, header, values, rotational, warnings)
    if not in_degrees:
        for j in np.flatnonzero(rotational):
            np.degrees(values[:, j], out=values[:, j])  # in place, one column at a time
    canonical = (header.get(CANONICAL_FLAG) or "").lower() == "canonical"
    if canonical:
        kinematics = _kinematics_from_canonical(names, values)
        model = header.get("source_model") or "canonical"
        unmapped = [n for n in names if n not in _CANONICAL_COLUMNS]
    else:
        result = map_to_canonical(names, values)
        kinematics, model, unmapped = result.kinematics, result.model, result.unmapped
    rate = _rate(p, time, header, warnings)
    provenance = Provenance(
        path=p,
        format="sto" if p.suffix.lower() == ".sto" else "mot",
        model_name=model,
        simulated=(header.get("simulated") or "").lower() in _YES,
    )
    subject = _subject(header, warnings)
    metadata: dict[str, object] = {
        "header": dict(header.pairs),
        "header_text": list(header.text),
        "title": header.title,
        "unmapped": unmapped,
        "warnings": warnings,
    }
    return Trial(
        time=time,
        rate_hz=rate,
        source=SourceCoordinates(names=names, values=values, in_degrees=in_degrees),
        kinematics=kinematics,
        provenance=provenance,
        subject=subject,
        metadata=metadata,
    )


#: header key -> (Subject field, plausible range, unit) of the subject lines written by
#: :func:`write_mot`
SUBJECT_KEYS: dict[str, tuple[str, tuple[float, float], str]] = {
    "subject_height_m": ("height_m", (0.5, 2.5), "m"),
    "subject_mass_kg": ("mass_kg", (10.0, 400.0), "kg"),
    "subject_age_years": ("age_years", (0.0, 120.0), "years"),
}


def _subject(header: _Header, warnings: list[str]) -> Subject:
    """The person's height, mass, age and sex from the ``subject_*`` header lines (LMM
    Desktop writes them; other files have none). A value out of its plausible range, or a sex
    other than female, male or other, is left unknown with a warning."""
    subject = Subject()
    for key, (field_name, (lo, hi), unit) in SUBJECT_KEYS.items():
        raw = header.get(key)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if lo <= value <= hi:
            setattr(subject, field_name, value)
        else:
            warnings.append(f"{key}={raw!r} ignored: expected {lo:g}-{hi:g} {unit}")
    sex = header.get("subject_sex")
    if sex is not None:
        if sex.strip().lower() in ("female", "male", "other"):
            subject.sex = sex.strip().lower()  # type: ignore[assignment]
        else:
            warnings.append(f"subject_sex={sex!r} ignored: expected female, male or other")
    return subject


def _read_header(path: Path, fh: BinaryIO) -> _Header:
    """Read up to and including the column-names line."""
    header = _Header()
    first = _text.read_header_line(fh)
    if first is None:
        raise TrialReadError(path, "the file is empty", expected=_FORMAT_HINT)
    header.n_lines = 1
    first_word = (first.split() or [""])[0].lower()
    if first_word == "time":
        header.names = _text.split_fields(first)  # no header at all: names on the first line
        return header
    if first_word != "endheader":
        _add_header_line(header, first, is_first=True)
    while first_word != "endheader":
        line = _text.read_header_line(fh)
        if line is None:
            raise TrialReadError(path, "the header has no 'endheader' line", expected=_FORMAT_HINT)
        header.n_lines += 1
        if line.strip().lower() == "endheader":
            break
        if header.n_lines > _MAX_HEADER_LINES or _looks_numeric(line):
            raise TrialReadError(
                path,
                "the header has no 'endheader' line before the numbers",
                where=f"line {header.n_lines}",
                expected=_FORMAT_HINT,
            )
        _add_header_line(header, line, is_first=False)
    while True:
        line = _text.read_header_line(fh)
        if line is None:
            raise TrialReadError(
                path, "there is no row of column names after 'endheader'", expected=_FORMAT_HINT
            )
        header.n_lines += 1
        if line.strip():
            break
    header.names = _text.split_fields(line)
    if header.names[0].lower() != "time":
        raise TrialReadError(
            path,
            f"the first column is named {header.names[0]!r}",
            where=f"line {header.n_lines}",
            expected="'time' as the first column",
        )
    return header


def _add_header_line(header: _Header, line: str, *, is_first: bool) -> None:
    pair = _text.parse_key_value(line)
    if pair is not None:
        header.pairs[pair[0]] = pair[1]
    elif is_first:
        header.title = line.strip()
    elif line.strip():
        header.text.append(line.strip())


def _looks_numeric(line: str) -> bool:
    tokens = line.split()
    if len(tokens) < 2:
        return False
    try:
        for tok in tokens:
            _text.strict_float(tok)
    except ValueError:
        return False
    return True


def _check_shape(
    path: Path, header: _Header, data: NDArray[np.float64], warnings: list[str]
) -> None:
    """The rows must match the column names; nRows/nColumns that disagree only warn."""
    n_names = len(header.names)
    if data.shape[0] == 0:
        raise TrialReadError(
            path,
            "the file has column names but no rows of numbers",
            expected="at least one row of data",
        )
    if data.shape[1] != n_names:
        line = _text.data_line_number(path, header.n_lines, 0)
        raise TrialReadError(
            path,
            f"the rows have {data.shape[1]} values but the header names {n_names} columns",
            where=f"line {line}",
            expected=f"a time and {n_names - 1} values on every row",
        )
    n_rows = _text.parse_int(header.get("nRows") or header.get("datarows"))
    if n_rows is not None and n_rows != data.shape[0]:
        warnings.append(
            f"The header says nRows={n_rows} but the file has {data.shape[0]} rows; "
            "all rows were read."
        )
    n_cols = _text.parse_int(header.get("nColumns") or header.get("datacolumns"))
    if n_cols is not None and n_cols != n_names:
        warnings.append(
            f"The header says nColumns={n_cols} but {n_names} columns are named; "
            "the named columns were read."
        )


def _coordinate_names(columns: list[str]) -> tuple[list[str], NDArray[np.bool_]]:
    """Coordinate names for the columns, and which hold rotations.

    ``/jointset/hip_r/hip_flexion_r/value`` becomes ``hip_flexion_r`` and ``.../speed`` becomes
    ``hip_flexion_r/speed``; other component paths (forces, activations) are kept as written and
    are not angles. Plain names are coordinates: rotations unless they end in _tx/_ty/_tz.
    """
    names: list[str] = []
    rotational = np.zeros(len(columns), dtype=bool)  # (n_columns,)
    for i, col in enumerate(columns):
        if "/" not in col:
            names.append(col)
            rotational[i] = not _text.is_translation(col)
            continue
        parts = [p for p in col.split("/") if p]
        if len(parts) >= 3 and parts[0] == "jointset" and parts[-1] in ("value", "speed"):
            coord = parts[-2]
            names.append(coord if parts[-1] == "value" else f"{coord}/speed")
            rotational[i] = not _text.is_translation(coord)
        else:
            names.append(col)
    return names, rotational


def _file_in_degrees(
    path: Path,
    header: _Header,
    values: NDArray[np.float64],
    rotational: NDArray[np.bool_],
    warnings: list[str],
) -> bool:
    """Whether the file's rotations are in degrees: header flag, header text, else the data."""
    flag = header.get("inDegrees")
    if flag is not None:
        if flag.lower() in _YES:
            return True
        if flag.lower() in _NO:
            return False
        raise TrialReadError(
            path, f"the header says inDegrees={flag}", expected="inDegrees=yes or inDegrees=no"
        )
    text = " ".join(header.text).lower()
    if "angles are in degrees" in text:
        return True
    if "angles are in radians" in text:
        return False
    if not rotational.any():
        return True
    peak = 0.0
    for j in np.flatnonzero(rotational):
        col = np.abs(values[:, j])
        if np.isfinite(col).any():
            peak = max(peak, float(np.nanmax(col)))
    if peak > 2 * math.pi:
        warnings.append(
            "The header does not say whether angles are in degrees or radians (no 'inDegrees' "
            f"line); read as degrees because values reach {peak:.1f}, more than a full turn in "
            "radians."
        )
        return True
    warnings.append(
        "The header does not say whether angles are in degrees or radians (no 'inDegrees' "
        f"line); read as radians because no angle exceeds 2\u03c0 (largest {peak:.3f}). If the "
        "file is in degrees, add 'inDegrees=yes' to its header."
    )
    return False


def _rate(path: Path, time: NDArray[np.float64], header: _Header, warnings: list[str]) -> float:
    """Sample rate from the median time step (the header's DataRate for a one-row file)."""
    rate = _text.rate_from_time(time)
    if rate is not None:
        return rate
    header_rate = _text.parse_positive_float(header.get("DataRate"))
    if header_rate is not None:
        return header_rate
    warnings.append("The file has a single row and no DataRate; the sample rate is unknown.")
    return math.nan


_CANONICAL_COLUMNS = (*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS, *CANONICAL_JOINTS)


def _kinematics_from_canonical(names: list[str], values: NDArray[np.float64]) -> Kinematics:
    """Kinematics from columns already in canonical convention (files our writer made)."""
    col = {n: i for i, n in enumerate(names)}
    kin = Kinematics.empty(values.shape[0])
    for j, name in enumerate(CANONICAL_JOINTS):
        if name in col:
            kin.angles[:, j] = values[:, col[name]]
            kin.present[j] = True
    for target, group in (
        (kin.pelvis_rotation, PELVIS_ROTATIONS),
        (kin.pelvis_translation, PELVIS_TRANSLATIONS),
    ):
        for i, name in enumerate(group):
            if name in col:
                target[:, i] = values[:, col[name]]
    kin.pelvis_present = all(n in col for n in (*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS))
    return kin


def write_mot(trial: Trial, path: str | Path) -> Path:
    """Write the trial's canonical kinematics as an OpenSim ``.mot`` (degrees, repr-exact).

    Joints the trial lacks are omitted, never written as zeros. The header marks the columns as
    canonical (knee flexion positive) so that :func:`read_mot` reads them back unchanged,
    carries ``simulated=yes`` for simulated trials, and the person's height, mass, age and sex
    when known (``subject_height_m=`` ..., read back by :func:`read_mot`; no name or
    identifier). The write is atomic.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    TrialWriteError
        The trial has no joint angles, or the file cannot be written.
    """
    p = Path(path)
    names, table = _text.kinematics_table(trial, p)
    lines = [
        "Coordinates",
        "version=1",
        f"nRows={table.shape[0]}",
        f"nColumns={len(names)}",
        "inDegrees=yes",
        f"{CANONICAL_FLAG}=canonical",
    ]
    if trial.provenance.model_name:
        lines.append(f"source_model={trial.provenance.model_name}")
    if trial.provenance.simulated:
        lines.append("simulated=yes")
    sub = trial.subject
    for key, (field_name, _range, _unit) in SUBJECT_KEYS.items():
        value = getattr(sub, field_name)
        if value is not None:
            lines.append(f"{key}={value:g}")
    if sub.sex is not None:
        lines.append(f"subject_sex={sub.sex}")
    lines += [
        "",
        "Units are S.I. units (second, meters, Newtons, ...)",
        "Angles are in degrees.",
        "Knee flexion is positive (LMM Desktop canonical kinematics).",
        "",
    ]
    return _text.write_sto_like(p, lines, names, table)
