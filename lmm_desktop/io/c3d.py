"""Read a C3D motion-capture file as a :class:`Trial` of markers (and model angles).

Handles the Intel, DEC and SGI/MIPS encodings with integer or real storage (see
:mod:`lmm_desktop.io._c3d_format`). Markers come out in metres with invalid samples as NaN,
events are normalised to ``heel_strike`` / ``toe_off`` with a side, and what the reader had to
decide on its own (duplicate labels, missing units) is listed in ``trial.metadata['warnings']``.

Points a biomechanical model wrote into the file (listed in ``POINT:ANGLES``, ``FORCES``,
``MOMENTS``, ``POWERS``, ``SCALARS``, ``REACTIONS``, as Vicon's Plug-in-Gait does) are not
markers: they are kept out of the marker set (their names are in
``trial.metadata['model_outputs']``). Plug-in-Gait's hip, knee and ankle angles become the
trial's kinematics (flexion, adduction and internal rotation of the hip, knee flexion, ankle
dorsiflexion: the same positive directions as the canonical joints); the rest of the body is
left missing, and the pelvis and any missing leg angle are computed from the markers later
(:mod:`lmm_desktop.analysis.marker_angles`).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.markers import lab_up
from lmm_desktop.core.canonical import JOINT_INDEX, N_JOINTS, Kinematics
from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.core.trial import (
    HEEL_STRIKE,
    TOE_OFF,
    AnalogChannels,
    Event,
    ForcePlate,
    MarkerSet,
    Provenance,
    Side,
    Subject,
    Trial,
)
from lmm_desktop.io._c3d_format import C3DFile, parse_file, read_point_block
from lmm_desktop.io.force_plates import plate_channels, read_force_plates, scaled_analog

UNIT_TO_METRES = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "dm": 0.1, "in": 0.0254}

MODEL_OUTPUT_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
"""POINT parameters listing the points a model computed (not markers)."""

PIG_ANGLES: dict[str, tuple[tuple[int, str], ...]] = {
    "HipAngles": ((0, "hip_flexion"), (1, "hip_adduction"), (2, "hip_rotation")),
    "KneeAngles": ((0, "knee_angle"),),
    "AnkleAngles": ((0, "ankle_angle"),),
}
"""Plug-in-Gait angle point -> (component, canonical joint): same positive directions (hip
flexion, adduction, internal rotation; knee flexion; ankle dorsiflexion)."""

PIG_NOTE = (
    "hip, knee and ankle angles from the file's Plug-in-Gait model outputs (the pelvis and any "
    "missing leg angle from the markers)"
)

_STRIKE = {
    "foot strike",
    "footstrike",
    "heel strike",
    "heelstrike",
    "initial contact",
    "hs",
    "fs",
    "ic",
}
_OFF = {"foot off", "footoff", "toe off", "toeoff", "to", "fo"}
_SIDE_PREFIX = re.compile(r"^(left|right|l|r)[\s_\-:]*(.+)$", re.IGNORECASE)


def read_c3d(path: str | Path) -> Trial:
    """Read the 3D markers, events and subject data of a C3D file.

    Parameters
    ----------
    path
        A ``.c3d`` file (Intel, DEC or SGI encoding; integer or real storage).

    Returns
    -------
    Trial
        ``kinematics`` and ``source`` are ``None``; ``markers`` holds ``(n_frames, n_markers, 3)``
        positions in metres, NaN where a marker was not seen. Time starts at
        ``(first_frame - 1) / rate`` so that it matches the file's event times.

    Raises
    ------
    TrialReadError
        The file is missing, truncated, not a C3D file, or its parameters are inconsistent.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise TrialReadError(p, f"the file cannot be opened ({exc.strerror or exc})") from exc
    try:
        return _build_trial(parse_file(p, raw))
    except TrialReadError:
        raise
    except (IndexError, struct.error, ValueError, OverflowError, UnicodeError) as exc:
        # A guard for damage the explicit checks did not foresee: report it, never let it escape.
        raise TrialReadError(
            p, f"the file is damaged ({type(exc).__name__}: {exc})", expected="a valid C3D file"
        ) from exc


def _build_trial(c3d: C3DFile) -> Trial:
    rate = _point_rate(c3d)
    first, n_frames = _frame_range(c3d)
    n_points = _point_count(c3d)
    scale = _scale(c3d)
    data_block = c3d.header.data_block
    if data_block == 0:
        start = c3d.unsigned("POINT", "DATA_START")
        data_block = int(start[0]) if start is not None and start.size else 0
    xyz, _valid = read_point_block(
        c3d,
        n_points=n_points,
        n_frames=n_frames,
        analog_words=c3d.header.analog_words_per_frame,
        scale=scale,
        data_block=data_block,
    )
    units, to_m = _units(c3d)
    time = (first - 1 + np.arange(n_frames, dtype=np.float64)) / rate  # (n_frames,), seconds
    labels = _point_labels(c3d, n_points)
    outputs = _model_outputs(c3d)
    output_labels = set().union(*outputs.values())
    is_output = np.array([lab in output_labels for lab in labels], dtype=bool)
    if is_output.all():
        c3d.fail(
            "the file holds model outputs (angles, forces, moments) but no marker",
            where="POINT:LABELS",
            expected="at least one marker trajectory",
        )
    keep = ~is_output
    markers = MarkerSet(
        time=time,
        rate_hz=rate,
        labels=[lab for lab, k in zip(labels, keep, strict=True) if k],
        positions=xyz[:, keep] * to_m,  # (n_frames, n_markers, 3), metres
        original_units=units,
    )
    kinematics = _pig_kinematics(c3d, labels, xyz, outputs.get("ANGLES", set()))
    plates: list[ForcePlate] = []
    analog_channels: AnalogChannels | None = None
    try:
        analog = scaled_analog(c3d, n_points, n_frames, scale, data_block)
        plates = read_force_plates(
            c3d,
            first_frame=first,
            n_frames=n_frames,
            n_points=n_points,
            point_rate=rate,
            scale=scale,
            data_block=data_block,
            up_hint=lab_up(markers),
            analog=analog,
        )
        analog_channels = _other_analog(c3d, analog, first, rate)
    except (TrialReadError, IndexError, struct.error, ValueError, OverflowError) as exc:
        # damaged plate or analog parameters cost the forces, never the markers
        detail = exc.problem if isinstance(exc, TrialReadError) else f"{type(exc).__name__}: {exc}"
        c3d.warnings.append(
            f"the analog data (force plates, EMG) could not be read ({detail}); markers kept"
        )
    metadata = _metadata(c3d, first, scale)
    if outputs:
        metadata["model_outputs"] = {g: sorted(v) for g, v in outputs.items()}
    return Trial(
        time=time,
        rate_hz=rate,
        source=None,
        kinematics=kinematics,
        provenance=Provenance(path=c3d.path, format="c3d", simulated=_simulated(c3d)),
        markers=markers,
        events=_events(c3d),
        subject=_subject(c3d),
        metadata=metadata,
        force_plates=plates,
        analog=analog_channels,
    )


def _other_analog(
    c3d: C3DFile,
    analog: tuple[NDArray[np.float64], list[str], int] | None,
    first_frame: int,
    point_rate: float,
) -> AnalogChannels | None:
    """The analog channels the force plates do not use (EMG and the like), or None."""
    if analog is None:
        return None
    values, units, per_frame = analog
    skip = plate_channels(c3d)
    labels = (c3d.strings("ANALOG", "LABELS") or []) + [""] * values.shape[1]
    keep = [k for k in range(values.shape[1]) if k not in skip]
    if not keep:
        return None
    rate = point_rate * per_frame
    time = (first_frame - 1) / point_rate + np.arange(values.shape[0]) / rate
    return AnalogChannels(
        labels=[labels[k].strip() or f"channel {k + 1}" for k in keep],
        units=[units[k] for k in keep],
        rate_hz=rate,
        time=time,
        values=values[:, keep].astype(np.float32),  # single precision: a long trial's EMG
    )


def _simulated(c3d: C3DFile) -> bool:
    """``LMM:SIMULATED`` (written by LMM Desktop for simulated trials)."""
    flag = c3d.unsigned("LMM", "SIMULATED")
    return bool(flag is not None and flag.size and int(flag[0]) == 1)


def _model_outputs(c3d: C3DFile) -> dict[str, set[str]]:
    """Labels of the points a model wrote, by POINT group (ANGLES, MOMENTS, ...)."""
    out: dict[str, set[str]] = {}
    for group in MODEL_OUTPUT_GROUPS:
        names = {n.strip() for n in (c3d.strings("POINT", group) or []) if n.strip()}
        if names:
            out[group] = names
    return out


def _pig_kinematics(
    c3d: C3DFile, labels: list[str], xyz: NDArray[np.float64], angle_labels: set[str]
) -> Kinematics | None:
    """Canonical kinematics from Plug-in-Gait angle points (degrees), or None without any."""
    rad = (c3d.strings("POINT", "ANGLE_UNITS") or ["deg"])[0].lower().startswith("rad")
    n = xyz.shape[0]
    angles = np.full((n, N_JOINTS), np.nan)
    present = np.zeros(N_JOINTS, dtype=bool)
    for k, label in enumerate(labels):
        if label not in angle_labels:
            continue
        name = label.split(":")[-1]  # 'Subject:LKneeAngles' -> 'LKneeAngles'
        side, kind = name[:1].upper(), name[1:]
        if side not in ("L", "R") or kind not in PIG_ANGLES:
            continue
        values = np.degrees(xyz[:, k]) if rad else xyz[:, k]  # (n, 3)
        for comp, joint in PIG_ANGLES[kind]:
            col = JOINT_INDEX[f"{joint}_{side.lower()}"]
            angles[:, col] = values[:, comp]
            present[col] = bool(np.isfinite(values[:, comp]).any())
    if not present.any():
        return None
    return Kinematics(
        angles=angles,
        present=present,
        pelvis_rotation=np.full((n, 3), np.nan),
        pelvis_translation=np.full((n, 3), np.nan),
        pelvis_present=False,
        notes=[PIG_NOTE],
        from_markers=True,
    )


# ---- frames, points, units ------------------------------------------------------------------
def _point_rate(c3d: C3DFile) -> float:
    vals = c3d.numbers("POINT", "RATE")
    rate = float(vals[0]) if vals is not None and vals.size else c3d.header.rate_hz
    if not np.isfinite(rate) or rate <= 0 or rate > 1e6:
        c3d.fail(
            f"the point sample rate is {rate}", where="POINT:RATE", expected="a positive rate in Hz"
        )
    return rate


def _frame_range(c3d: C3DFile) -> tuple[int, int]:
    """First frame number (1-based) and frame count; TRIAL fields lift the 65535-frame limit."""
    first, last = c3d.header.first_frame, c3d.header.last_frame
    start = c3d.unsigned("TRIAL", "ACTUAL_START_FIELD")
    end = c3d.unsigned("TRIAL", "ACTUAL_END_FIELD")
    if start is not None and end is not None and start.size >= 2 and end.size >= 2:
        first = int(start[0] + 65536 * start[1])
        last = int(end[0] + 65536 * end[1])
    n = last - first + 1
    if first < 1 or n < 1:
        c3d.fail(
            f"the frame range {first}..{last} is empty or invalid",
            where="header words 4-5 / TRIAL:ACTUAL_START_FIELD",
            expected="a first frame >= 1 and a last frame >= the first",
        )
    return first, n


def _point_count(c3d: C3DFile) -> int:
    used = c3d.unsigned("POINT", "USED")
    n = int(used[0]) if used is not None and used.size else c3d.header.n_points
    if n != c3d.header.n_points:
        c3d.warnings.append(
            f"POINT:USED ({n}) differs from the header point count "
            f"({c3d.header.n_points}); POINT:USED was used"
        )
    if n < 1:
        c3d.fail(
            "the file holds no 3D marker data", where="POINT:USED", expected="at least one 3D point"
        )
    return n


def _scale(c3d: C3DFile) -> float:
    vals = c3d.numbers("POINT", "SCALE")
    scale = float(vals[0]) if vals is not None and vals.size else c3d.header.scale
    if not np.isfinite(scale) or scale == 0:
        c3d.fail(
            f"the point scale factor is {scale}",
            where="POINT:SCALE",
            expected="a non-zero number (negative means real-valued storage)",
        )
    return scale


def _units(c3d: C3DFile) -> tuple[str, float]:
    units = c3d.strings("POINT", "UNITS")
    if not units or not units[0]:
        c3d.warnings.append("POINT:UNITS is missing; millimetres assumed (the C3D default)")
        return "mm", 1e-3
    unit = units[0].lower()
    if unit not in UNIT_TO_METRES:
        c3d.fail(
            f"unknown marker unit '{units[0]}'",
            where="POINT:UNITS",
            expected="one of " + ", ".join(UNIT_TO_METRES),
        )
    return unit, UNIT_TO_METRES[unit]


def _point_labels(c3d: C3DFile, n_points: int) -> list[str]:
    """POINT:LABELS (+ LABELS2, LABELS3... beyond 255 points), stripped and made unique."""
    labels: list[str] = []
    for name in ["LABELS"] + [f"LABELS{k}" for k in range(2, 100)]:
        chunk = c3d.strings("POINT", name)
        if chunk is None or len(labels) >= n_points:
            break
        labels.extend(chunk)
    labels = labels[:n_points]
    if len(labels) < n_points:
        c3d.warnings.append(
            f"only {len(labels)} point labels for {n_points} points; the others are named point_<n>"
        )
    labels += [""] * (n_points - len(labels))
    labels = [lab or f"point_{i + 1}" for i, lab in enumerate(labels)]
    return _make_unique(labels, c3d.warnings)


def _make_unique(labels: list[str], warnings: list[str]) -> list[str]:
    """Rename repeats deterministically: the first keeps its name, then ``_2``, ``_3``..."""
    taken = set(labels)
    seen: dict[str, int] = {}
    out: list[str] = []
    renamed: list[str] = []
    for lab in labels:
        if lab not in seen:
            seen[lab] = 1
            out.append(lab)
            continue
        k = seen[lab]
        while True:
            k += 1
            new = f"{lab}_{k}"
            if new not in taken:
                break
        seen[lab] = k
        taken.add(new)
        out.append(new)
        renamed.append(f"{lab}->{new}")
    if renamed:
        warnings.append("duplicate marker labels renamed: " + ", ".join(renamed))
    return out


# ---- events -----------------------------------------------------------------------------------
def normalise_event(raw_label: str, context: str) -> tuple[str, Side | None]:
    """Map a C3D event label and context to ``(label, side)``.

    ``'Foot Strike'`` in context ``'Left'`` gives ``('heel_strike', 'left')``; Qualisys-style
    ``'RTO'`` with an empty context gives ``('toe_off', 'right')``. Other labels are kept as
    written.
    """
    side = _side_word(context)
    label = _gait_label(raw_label)
    if label is not None:
        return label, side
    m = _SIDE_PREFIX.match(raw_label.strip())
    if m is not None:
        label = _gait_label(m.group(2))
        prefix_side = _side_word(m.group(1))
        if label is not None and (side is None or side == prefix_side):
            return label, prefix_side
    return raw_label.strip(), side


def _side_word(word: str) -> Side | None:
    w = word.strip().lower()
    if w in ("left", "l"):
        return "left"
    if w in ("right", "r"):
        return "right"
    return None


def _gait_label(text: str) -> str | None:
    t = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if t in _STRIKE:
        return HEEL_STRIKE
    if t in _OFF:
        return TOE_OFF
    return None


def _events(c3d: C3DFile) -> list[Event]:
    """EVENT:LABELS/CONTEXTS/TIMES (times stored as [minutes, seconds] pairs), sorted by time."""
    labels = c3d.strings("EVENT", "LABELS")
    times = c3d.numbers("EVENT", "TIMES")
    if not labels or times is None:
        return []
    contexts = c3d.strings("EVENT", "CONTEXTS") or []
    pairs = times[: 2 * (times.size // 2)].reshape(-1, 2)  # (n_events, [minutes, seconds])
    n = min(len(labels), pairs.shape[0])
    used = c3d.unsigned("EVENT", "USED")
    if used is not None and used.size:
        if int(used[0]) > n:
            c3d.warnings.append(f"EVENT:USED says {int(used[0])} events but only {n} are stored")
        n = min(n, int(used[0]))
    events = []
    for i in range(n):
        t = 60.0 * _decimal(pairs[i, 0]) + _decimal(pairs[i, 1])
        if not np.isfinite(t):
            c3d.warnings.append(f"event {i + 1} ('{labels[i]}') has no valid time; skipped")
            continue
        context = contexts[i] if i < len(contexts) else ""
        label, side = normalise_event(labels[i], context)
        events.append(Event(label=label, side=side, time_s=t, source="file", raw_label=labels[i]))
    return sorted(events, key=lambda e: e.time_s)


def _decimal(value: float) -> float:
    """The shortest decimal that a float32 time stands for (3.59, not 3.5899999141693115)."""
    return float(str(np.float32(value)))


# ---- subject and metadata ---------------------------------------------------------------------
def _subject(c3d: C3DFile) -> Subject:
    """SUBJECTS:NAMES and the Vicon PROCESSING:Height (mm) / Bodymass (kg) parameters."""
    names = [n for n in (c3d.strings("SUBJECTS", "NAMES") or []) if n]
    height = _first_number(c3d, "PROCESSING", "HEIGHT")
    if height is not None:
        height = height / 1000.0 if height > 3.0 else height  # Vicon stores millimetres
        if not 0.3 <= height <= 2.8:
            c3d.warnings.append(f"PROCESSING:Height gives {height:.3f} m; ignored as implausible")
            height = None
    mass = _first_number(c3d, "PROCESSING", "BODYMASS")
    if mass is not None and not 1.0 <= mass <= 500.0:
        c3d.warnings.append(f"PROCESSING:Bodymass gives {mass:.1f} kg; ignored as implausible")
        mass = None
    return Subject(height_m=height, mass_kg=mass, identifier=names[0] if names else None)


def _first_number(c3d: C3DFile, group: str, name: str) -> float | None:
    vals = c3d.numbers(group, name)
    if vals is None or vals.size == 0 or not np.isfinite(vals[0]) or vals[0] <= 0:
        return None
    return float(vals[0])


def _metadata(c3d: C3DFile, first_frame: int, scale: float) -> dict[str, object]:
    analog_labels = c3d.strings("ANALOG", "LABELS") or []
    analog_used = c3d.unsigned("ANALOG", "USED")
    n_analog = int(analog_used[0]) if analog_used is not None and analog_used.size else 0
    analog_rate = c3d.numbers("ANALOG", "RATE")
    company = c3d.strings("MANUFACTURER", "COMPANY")
    software = c3d.strings("MANUFACTURER", "SOFTWARE")
    return {
        "warnings": list(c3d.warnings),
        "c3d_processor": c3d.processor,
        "c3d_storage": "real" if scale < 0 else "integer",
        "c3d_point_scale": scale,
        "first_frame": first_frame,
        "analog_rate_hz": (
            float(analog_rate[0]) if analog_rate is not None and analog_rate.size else None
        ),
        "analog_labels": analog_labels[:n_analog],
        "manufacturer": " ".join(s for s in (company or []) + (software or []) if s) or None,
    }


__all__ = ["normalise_event", "read_c3d"]
