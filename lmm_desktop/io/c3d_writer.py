"""Write a trial as a C3D file (Intel, real-valued storage): markers, model angles, events,
force plates and the other analog channels, for gait-laboratory software (Vicon Nexus, Visual3D,
Mokka, OpenSim's C3D reader).

* Markers in millimetres, in the lab frame they were read in; a missing sample is stored with
  the residual -1 (invalid), as the C3D User Guide defines.
* The canonical hip, knee and ankle angles, when the trial has them, as Plug-in-Gait angle
  points (``LHipAngles`` ...: flexion, adduction, rotation; knee flexion; ankle dorsiflexion, in
  degrees) listed in ``POINT:ANGLES``, so that our reader, and Plug-in-Gait users, find them.
* Events in the ``EVENT`` group (``Foot Strike`` / ``Foot Off`` with the side as context).
* Each force plate as a type-2 plate whose transducer origin is the surface centre: channels
  Fx, Fy, Fz (N) and Mx, My, Mz (N mm) in the plate's axes from its four corners, made from the
  ground reaction, the centre of pressure and the free moment, so a reader recomputes them.
  Plates need the analog rate to be a whole multiple of the marker rate on the same clock.
* ``SUBJECTS:NAMES`` and ``PROCESSING:Bodymass``/``Height`` when known; ``LMM:SIMULATED`` for a
  simulated trial, so that it is shown as such when read back.

The write is atomic.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.canonical import JOINT_INDEX
from lmm_desktop.core.errors import TrialWriteError
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Trial

BLOCK = 512
PIG_POINTS = (
    ("HipAngles", ("hip_flexion", "hip_adduction", "hip_rotation")),
    ("KneeAngles", ("knee_angle", None, None)),
    ("AnkleAngles", ("ankle_angle", None, None)),
)
_EVENT_NAMES = {HEEL_STRIKE: "Foot Strike", TOE_OFF: "Foot Off"}


# ---- parameter records ---------------------------------------------------------------------
def _record(gid: int, name: str, body: bytes) -> bytes:
    raw = name.upper().encode("ascii")
    tail = body + b"\x00"  # no description
    return struct.pack("<bb", len(raw), gid) + raw + struct.pack("<h", 2 + len(tail)) + tail


def _chars(values: list[str]) -> bytes:
    width = max([len(v.encode("latin-1", "replace")) for v in values] + [1])
    if len(values) > 255 or width > 255:
        raise TrialWriteError("a C3D text parameter holds at most 255 strings of 255 characters")
    data = b"".join(v.encode("latin-1", "replace").ljust(width) for v in values)
    return struct.pack("<bbBB", -1, 2, width, len(values)) + data


def _ints(values: list[int], dims: tuple[int, ...] | None = None) -> bytes:
    dims = dims or (len(values),)
    return struct.pack("<bb", 2, len(dims)) + bytes(dims) + struct.pack(f"<{len(values)}h", *values)


def _floats(
    values: list[float] | NDArray[np.float64], dims: tuple[int, ...] | None = None
) -> bytes:
    flat = np.asarray(values, dtype="<f4").reshape(-1)
    dims = dims or (flat.size,)
    return struct.pack("<bb", 4, len(dims)) + bytes(dims) + flat.tobytes()


def _section(params: list[bytes]) -> tuple[bytes, int]:
    """The parameter section and its length in blocks (the last record's offset is 0)."""
    last = params[-1]
    n = last[0]
    params = [*params[:-1], last[: 2 + n] + b"\x00\x00" + last[4 + n :]]
    body = b"".join(params)
    blocks = (4 + len(body) + BLOCK - 1) // BLOCK
    head = struct.pack("<BBBB", 1, 0x50, blocks, 84)  # 84: Intel
    return (head + body).ljust(blocks * BLOCK, b"\x00"), blocks


# ---- the file ------------------------------------------------------------------------------
def write_c3d(trial: Trial, path: str | Path) -> Path:
    """Write ``trial`` as a C3D file; returns the path.

    Raises
    ------
    TrialWriteError
        The trial has no marker trajectories, or the file cannot be written.
    """
    p = Path(path)
    m = trial.markers
    if m is None or not m.labels:
        raise TrialWriteError(
            f"Cannot write '{p}': a C3D file holds marker trajectories and '{trial.name}' has "
            "none (a .mot holds joint angles only); export it as .mot or .csv instead."
        )
    n_frames, rate = m.n_frames, float(m.rate_hz)
    first = round(float(m.time[0]) * rate) + 1
    labels = [lab[:32] for lab in m.labels]
    xyz = m.positions * 1000.0  # (n, k, 3) mm
    angle_labels, angle_xyz = _angle_points(trial, n_frames)
    point_labels = labels + angle_labels
    points = np.concatenate([xyz, angle_xyz], axis=1) if angle_labels else xyz
    analog, analog_params, plate_params, per_frame = _analog(trial, n_frames, rate, first)
    n_points = len(point_labels)
    if n_points > 65535 or len(point_labels) > 255:
        raise TrialWriteError(f"Cannot write '{p}': {n_points} points; a C3D label list holds 255")

    params = [
        _record(-1, "POINT", b""),
        _record(1, "USED", _ints([n_points])),
        _record(1, "SCALE", _floats([-1.0])),
        _record(1, "RATE", _floats([rate])),
        _record(1, "DATA_START", _ints([0])),  # set below, once the section's size is known
        _record(1, "FRAMES", _ints([min(n_frames, 32767)])),
        _record(1, "LABELS", _chars(point_labels)),
        _record(1, "DESCRIPTIONS", _chars(["" for _ in point_labels])),
        _record(1, "UNITS", _chars(["mm"])),
        _record(1, "ANGLE_UNITS", _chars(["deg"])),
    ]
    if angle_labels:
        params.append(_record(1, "ANGLES", _chars(angle_labels)))
    params += _event_params(trial)
    params += [
        _record(-4, "TRIAL", b""),
        _record(4, "ACTUAL_START_FIELD", _ints(_split16(first), (2,))),
        _record(4, "ACTUAL_END_FIELD", _ints(_split16(first + n_frames - 1), (2,))),
    ]
    params += _subject_params(trial)
    params += [
        _record(-8, "MANUFACTURER", b""),
        _record(8, "COMPANY", _chars(["LMM Desktop"])),
        _record(8, "SOFTWARE", _chars(["lmm-desktop"])),
    ]
    if trial.provenance.simulated:  # read back as simulated (the app's SIMULATED badge)
        params += [_record(-9, "LMM", b""), _record(9, "SIMULATED", _ints([1]))]
    if analog is not None:
        params.append(_record(-2, "ANALOG", b""))
        params += [_record(2, k, v) for k, v in analog_params.items()]
    if plate_params:
        params.append(_record(-3, "FORCE_PLATFORM", b""))
        params += [_record(3, k, v) for k, v in plate_params.items()]
    section, blocks = _section(params)
    data_block = 2 + blocks
    # DATA_START: patch the int16 value in place (its record is the fifth)
    start_rec = params[4]
    start_at = 4 + sum(len(r) for r in params[:4]) + len(start_rec) - 3
    section = section[:start_at] + struct.pack("<h", data_block) + section[start_at + 2 :]

    header = bytearray(BLOCK)
    header[0], header[1] = 2, 0x50
    words = 0 if analog is None else analog.shape[1] * per_frame
    struct.pack_into(
        "<hhhhh", header, 2, n_points, words, min(first, 32767),
        min(first + n_frames - 1, 32767), 0,
    )
    struct.pack_into("<f", header, 12, -1.0)
    struct.pack_into("<hh", header, 16, data_block, per_frame if analog is not None else 0)
    struct.pack_into("<f", header, 20, rate)
    frames = np.zeros((n_frames, n_points, 4), dtype="<f4")
    ok: NDArray[np.bool_] = np.asarray(np.isfinite(points).all(axis=-1))
    frames[..., :3] = np.where(ok[..., None], points, 0.0)
    frames[..., 3] = np.where(ok, 0.0, -1.0)
    data = frames.reshape(n_frames, 4 * n_points)
    if analog is not None:
        data = np.concatenate(
            [data, analog.astype("<f4").reshape(n_frames, per_frame * analog.shape[1])], axis=1
        )
    try:
        with atomic_write(p, "wb") as fh:
            fh.write(bytes(header))
            fh.write(section)
            fh.write(data.astype("<f4").tobytes())
    except OSError as exc:
        raise TrialWriteError(f"Cannot write '{p}': {exc.strerror or exc}.") from exc
    return p


def _split16(value: int) -> list[int]:
    """A frame number as the two int16 words of TRIAL:ACTUAL_*_FIELD (low, high)."""
    low, high = value % 65536, value // 65536
    return [low - 65536 if low > 32767 else low, high]


def _angle_points(trial: Trial, n: int) -> tuple[list[str], NDArray[np.float64]]:
    kin = trial.kinematics
    if kin is None or kin.angles.shape[0] != n:
        return [], np.zeros((n, 0, 3))
    labels, cols = [], []
    for side, s in (("L", "l"), ("R", "r")):
        for point, joints in PIG_POINTS:
            block = np.full((n, 3), np.nan)
            have = False
            for k, joint in enumerate(joints):
                if joint is None:
                    block[:, k] = 0.0
                    continue
                j = JOINT_INDEX.get(f"{joint}_{s}")
                if j is not None and kin.present[j]:
                    block[:, k] = kin.angles[:, j]
                    have = True
            if have:
                labels.append(f"{side}{point}")
                cols.append(np.where(np.isfinite(block).all(axis=1)[:, None], block, np.nan))
    if not labels:
        return [], np.zeros((n, 0, 3))
    return labels, np.stack(cols, axis=1)


def _event_params(trial: Trial) -> list[bytes]:
    events = [e for e in trial.events if np.isfinite(e.time_s)][:255]
    if not events:
        return []
    labels = [_EVENT_NAMES.get(e.label, e.raw_label or e.label)[:32] for e in events]
    contexts = [(e.side or "General").capitalize() for e in events]
    times = np.array([[0.0, e.time_s] for e in events])  # [minutes, seconds]
    return [
        _record(-5, "EVENT", b""),
        _record(5, "USED", _ints([len(events)])),
        _record(5, "LABELS", _chars(labels)),
        _record(5, "CONTEXTS", _chars(contexts)),
        _record(5, "TIMES", _floats(times, (2, len(events)))),
    ]


def _subject_params(trial: Trial) -> list[bytes]:
    out = []
    if trial.subject.identifier:
        out += [_record(-6, "SUBJECTS", b""),
                _record(6, "NAMES", _chars([trial.subject.identifier[:32]])),
                _record(6, "USED", _ints([1]))]
    proc = []
    if trial.subject.mass_kg is not None:
        proc.append(_record(7, "Bodymass", _floats([trial.subject.mass_kg])))
    if trial.subject.height_m is not None:
        proc.append(_record(7, "Height", _floats([trial.subject.height_m * 1000.0])))
    if proc:
        out += [_record(-7, "PROCESSING", b""), *proc]
    return out


def _analog(
    trial: Trial, n_frames: int, rate: float, first: int
) -> tuple[NDArray[np.float64] | None, dict[str, bytes], dict[str, bytes], int]:
    """The analog block (plates' channels, then the other analog channels), its parameters."""
    plates = trial.force_plates
    other = trial.analog
    source_rate = plates[0].rate_hz if plates else (other.rate_hz if other is not None else 0.0)
    if source_rate <= 0:
        return None, {}, {}, 0
    per_frame = round(source_rate / rate)
    if per_frame < 1 or abs(per_frame * rate - source_rate) > 1e-6 * source_rate:
        raise TrialWriteError(
            f"the analog rate ({source_rate:g} Hz) is not a whole multiple of the marker rate "
            f"({rate:g} Hz)"
        )
    n = n_frames * per_frame
    t0 = (first - 1) / rate
    columns: list[NDArray[np.float64]] = []
    labels: list[str] = []
    units: list[str] = []
    corners: list[float] = []
    channels: list[int] = []
    for p in plates:
        if p.n_samples < n or abs(float(p.time[0]) - t0) > 0.5 / source_rate:
            raise TrialWriteError(f"force plate {p.number} is not on the markers' clock")
        chans = _plate_channels(p, n)
        first_ch = len(columns) + 1
        columns += list(chans.T)
        labels += [f"F{a}{p.number}" for a in "xyz"] + [f"M{a}{p.number}" for a in "xyz"]
        units += ["N", "N", "N", "Nmm", "Nmm", "Nmm"]
        corners += list((p.corners * 1000.0).reshape(-1))
        channels += list(range(first_ch, first_ch + 6))
    if other is not None and other.values.shape[0] >= n:
        for k, lab in enumerate(other.labels):
            columns.append(np.asarray(other.values[:n, k], dtype=np.float64))
            labels.append(lab[:32])
            units.append(other.units[k] or "V")
    if not columns:
        return None, {}, {}, 0
    if len(columns) > 255:
        raise TrialWriteError("more than 255 analog channels")
    block = np.column_stack(columns)  # (n, n_channels)
    k = block.shape[1]
    analog_params = {
        "USED": _ints([k]),
        "LABELS": _chars(labels),
        "DESCRIPTIONS": _chars(labels),
        "UNITS": _chars(units),
        "SCALE": _floats([1.0] * k),
        "OFFSET": _ints([0] * k),
        "GEN_SCALE": _floats([1.0]),
        "RATE": _floats([source_rate]),
    }
    plate_params: dict[str, bytes] = {}
    if plates:
        n_p = len(plates)
        plate_params = {
            "USED": _ints([n_p], (1,)),
            "TYPE": _ints([2] * n_p),
            "ZERO": _ints([0, 0]),
            "CORNERS": _floats(corners, (3, 4, n_p)),
            "ORIGIN": _floats([0.0] * (3 * n_p), (3, n_p)),
            "CHANNEL": _ints(channels, (6, n_p)),
        }
    return block, analog_params, plate_params, per_frame


def _plate_channels(p: object, n: int) -> NDArray[np.float64]:
    """``(n, 6)`` Fx, Fy, Fz (N) and Mx, My, Mz (N mm) of a type-2 plate whose transducer sits at
    the surface centre, in the plate's axes, carrying ``p``'s ground reaction (the reaction is
    stored: readers take whichever sign makes the loaded vertical force positive)."""
    from lmm_desktop.core.trial import ForcePlate

    assert isinstance(p, ForcePlate)
    c = p.corners
    x = c[0] - c[1]
    y = c[0] - c[3]
    z = np.cross(x, y)
    y = np.cross(z, x)
    axes = np.column_stack([v / np.linalg.norm(v) for v in (x, y, z)])  # plate axes in the lab
    force = p.grf[:n] @ axes  # (n, 3) plate axes
    cop = np.nan_to_num(p.cop[:n] - c.mean(axis=0)) @ axes  # (n, 3) m, from the centre
    cop[:, 2] = 0.0
    tz = p.free_moment[:n] * float(axes[:, 2] @ p.up)  # about the plate's z
    moment = np.cross(cop, force)
    moment[:, 2] += tz
    return np.column_stack([force, moment * 1000.0])


__all__ = ["write_c3d"]
