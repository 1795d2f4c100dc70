"""Ground reaction forces from the force platforms a C3D file describes.

Reads the analog channels the ``FORCE_PLATFORM`` group points to and turns them into the force
the ground exerts on the body, the centre of pressure and the free moment, in the lab frame of
the markers. Types 1 (force, centre of pressure, free moment), 2 (AMTI-style six channels: three
forces, three moments about the transducer origin), 3 (Kistler-style eight channels) and 4 (type 2
with a calibration matrix) are covered, as the C3D User Guide defines them (c3d.org, "Force
platform types"); the plate axes come from its four ``CORNERS`` and the moment arm from its
``ORIGIN``, the way ezc3d and the BTK read them.

Conventions:

* Makers differ on the sign (AMTI and Bertec data in Vicon and Qualisys files give the reaction,
  Kistler's type 3 the load): the ground can only push, so the reaction on the body is taken as
  the sign that makes the loaded vertical force positive. Up is the plate's normal turned the way
  the markers say (pelvis above heels, ``up_hint``), or else towards the positive lab axis it
  lies along (Z-up and Y-up labs).
* ``FORCE_PLATFORM:ZERO`` names frames to take the baseline from; the baseline is removed only
  when the plate is quiet there (a vertical range under 20 N), else it is left and a warning says
  so.
* Channel units: ``N`` (or ``nt``) for forces, ``Nmm``/``Nm`` for moments; positions follow
  ``POINT:UNITS``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.trial import ForcePlate
from lmm_desktop.io._c3d_format import C3DFile, read_analog_block

LOAD_THRESHOLD_N = 20.0
"""Vertical force under which a plate counts as unloaded (centre of pressure undefined)."""

SUPPORTED_TYPES = (1, 2, 3, 4)
CHANNELS_PER_TYPE = {1: 6, 2: 6, 3: 8, 4: 6}

_LENGTH = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "dm": 0.1, "in": 0.0254}


def read_force_plates(
    c3d: C3DFile,
    *,
    first_frame: int,
    n_frames: int,
    n_points: int,
    point_rate: float,
    scale: float,
    data_block: int,
    up_hint: NDArray[np.float64] | None = None,
    analog: tuple[NDArray[np.float64], list[str], int] | None = None,
) -> list[ForcePlate]:
    """Every force platform of the file with its ground reaction, or ``[]`` when there is none.

    ``analog`` is :func:`scaled_analog`'s result when the caller decoded it already. Problems
    with one plate (an unsupported type, channels that do not exist) are reported in
    ``c3d.warnings`` and that plate is left out; the markers are never lost over a plate.
    """
    used = c3d.unsigned("FORCE_PLATFORM", "USED")
    n_plates = int(used[0]) if used is not None and used.size else 0
    if n_plates < 1:
        return []
    if analog is None:
        analog = scaled_analog(c3d, n_points, n_frames, scale, data_block)
    if analog is None:
        c3d.warnings.append("the file describes force plates but stores no analog data")
        return []
    values, units, per_frame = analog
    rate = point_rate * per_frame
    time = (first_frame - 1) / point_rate + np.arange(values.shape[0]) / rate  # (n_samples,) s
    to_m = _LENGTH.get(((c3d.strings("POINT", "UNITS") or ["mm"])[0] or "mm").lower(), 1e-3)
    plates = []
    for k in range(n_plates):
        try:
            plate = _plate(c3d, k, values, units, to_m, time, (rate, per_frame), up_hint)
        except _PlateError as exc:
            c3d.warnings.append(f"force plate {k + 1} left out: {exc}")
            continue
        plates.append(plate)
    return plates


class _PlateError(ValueError):
    pass


def plate_channels(c3d: C3DFile) -> set[int]:
    """0-based analog channels the force plates use."""
    used = c3d.unsigned("FORCE_PLATFORM", "USED")
    n = int(used[0]) if used is not None and used.size else 0
    out: set[int] = set()
    for k in range(n):
        ch = _matrix(c3d, "CHANNEL", k)
        if ch is not None:
            out |= {int(c) - 1 for c in ch if c >= 1}
    return out


def scaled_analog(
    c3d: C3DFile, n_points: int, n_frames: int, scale: float, data_block: int
) -> tuple[NDArray[np.float64], list[str], int] | None:
    """Analog values in their units, ``(n_samples, n_channels)``, their units and samples/frame
    (None when the file stores no analog data)."""
    words = c3d.header.analog_words_per_frame
    used = c3d.unsigned("ANALOG", "USED")
    n_ch = int(used[0]) if used is not None and used.size else 0
    if words == 0 or n_ch == 0:
        return None
    fmt = (c3d.strings("ANALOG", "FORMAT") or [""])[0].upper()
    raw = read_analog_block(
        c3d,
        n_points=n_points,
        n_frames=n_frames,
        n_channels=n_ch,
        analog_words=words,
        scale=scale,
        data_block=data_block,
        unsigned=fmt == "UNSIGNED",
    )
    gen = c3d.numbers("ANALOG", "GEN_SCALE")
    gen_scale = float(gen[0]) if gen is not None and gen.size else 1.0
    ch_scale = _per_channel(c3d.numbers("ANALOG", "SCALE"), n_ch, 1.0)
    offset_raw = (
        c3d.unsigned("ANALOG", "OFFSET") if fmt == "UNSIGNED" else c3d.numbers("ANALOG", "OFFSET")
    )
    offset = _per_channel(None if offset_raw is None else offset_raw.astype(float), n_ch, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        values = (raw - offset) * ch_scale * gen_scale  # (n_samples, n_ch)
    units = c3d.strings("ANALOG", "UNITS") or []
    units = (units + [""] * n_ch)[:n_ch]
    return values, units, words // n_ch


def _per_channel(vals: NDArray[np.float64] | None, n: int, default: float) -> NDArray[np.float64]:
    out = np.full(n, default)
    if vals is not None and vals.size:
        m = min(n, vals.size)
        out[:m] = vals[:m]
    return out


def _plate(
    c3d: C3DFile,
    k: int,
    values: NDArray[np.float64],
    units: list[str],
    to_m: float,
    time: NDArray[np.float64],
    rates: tuple[float, int],
    up_hint: NDArray[np.float64] | None,
) -> ForcePlate:
    rate, per_frame = rates
    types = c3d.unsigned("FORCE_PLATFORM", "TYPE")
    if types is None or types.size <= k:
        raise _PlateError("FORCE_PLATFORM:TYPE does not list it")
    ptype = int(types[k])
    if ptype not in SUPPORTED_TYPES:
        raise _PlateError(
            f"type {ptype} is not supported (types 1-4 are: AMTI, Bertec and Kistler plates)"
        )
    n_ch = CHANNELS_PER_TYPE[ptype]
    channel = _matrix(c3d, "CHANNEL", k)
    if channel is None or channel.size < n_ch:
        raise _PlateError(f"FORCE_PLATFORM:CHANNEL does not give its {n_ch} channels")
    idx = channel.astype(int)[:n_ch] - 1
    if (idx < 0).any() or (idx >= values.shape[1]).any():
        raise _PlateError(
            f"its channels {', '.join(str(i + 1) for i in idx)} are not among the "
            f"{values.shape[1]} analog channels"
        )
    corners_raw = _matrix(c3d, "CORNERS", k)
    if corners_raw is None or corners_raw.size < 12 or not np.isfinite(corners_raw[:12]).all():
        raise _PlateError("FORCE_PLATFORM:CORNERS does not give its four corners")
    corners = corners_raw[:12].reshape(4, 3) * to_m  # (4, 3) metres, lab frame
    origin_raw = _matrix(c3d, "ORIGIN", k)
    origin = np.zeros(3) if origin_raw is None or origin_raw.size < 3 else origin_raw[:3] * to_m
    axes = _axes(corners)  # (3, 3): columns are the plate's x, y, z in the lab frame
    data = values[:, idx].copy()  # (n, n_ch) in channel units
    data = _zeroed(c3d, data, ptype, k, per_frame)

    if ptype == 1:
        force = data[:, :3] * _force_unit(units[idx[0]])
        cop = np.column_stack([data[:, 3] * to_m, data[:, 4] * to_m, np.zeros(len(data))])
        tz = data[:, 5] * _moment_unit(units[idx[5]], to_m)
    else:
        if ptype == 3:
            f_unit = _force_unit(units[idx[0]])
            ch = data * f_unit  # (n, 8) N
            force = np.column_stack([ch[:, 0] + ch[:, 1], ch[:, 2] + ch[:, 3], ch[:, 4:8].sum(1)])
            a, b, az0 = origin  # sensor offsets (m) and the depth of the plate's origin
            if az0 > 0:
                az0 = -az0
            moment = np.column_stack([
                b * (ch[:, 4] + ch[:, 5] - ch[:, 6] - ch[:, 7]),
                a * (ch[:, 5] + ch[:, 6] - ch[:, 4] - ch[:, 7]),
                b * (ch[:, 1] - ch[:, 0]) + a * (ch[:, 2] - ch[:, 3]),
            ])
            moment += np.cross(force, np.array([0.0, 0.0, az0]))
        else:
            if ptype == 4:
                cal = _cal_matrix(c3d, k)
                data = data @ cal.T
            force = data[:, :3] * _force_unit(units[idx[0]])
            moment = data[:, 3:6] * _moment_unit(units[idx[3]], to_m)
            r = -origin if origin[2] > 0 else origin  # surface centre relative to the sensor
            moment = moment + np.cross(force, r)  # moment about the plate's surface centre
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = np.column_stack([
                -moment[:, 1] / force[:, 2], moment[:, 0] / force[:, 2], np.zeros(len(force))
            ])
            tz = moment[:, 2] - (cop[:, 0] * force[:, 1] - cop[:, 1] * force[:, 0])

    on_plate = force @ axes.T  # (n, 3) the measured force, lab frame
    normal = axes[:, 2]
    up = _vertical(normal, up_hint)
    along = on_plate @ up
    loaded = np.abs(along) > LOAD_THRESHOLD_N
    # Makers differ on whether a plate reports the load or the reaction; the ground can only
    # push, so the ground reaction is the sign that makes the loaded vertical force positive.
    sign = -1.0 if loaded.any() and float(np.nansum(along[loaded])) < 0 else 1.0
    grf = sign * on_plate
    with np.errstate(invalid="ignore"):
        free = sign * tz * float(normal @ up)  # about the upward vertical, on the body
        cop_lab = cop @ axes.T + corners.mean(axis=0)  # (n, 3) metres
    unloaded = ~(np.abs(grf @ up) > LOAD_THRESHOLD_N)
    cop_lab[unloaded] = np.nan
    free[unloaded] = 0.0
    return ForcePlate(
        number=k + 1,
        plate_type=ptype,
        time=time,
        rate_hz=rate,
        grf=grf,
        cop=cop_lab,
        free_moment=free,
        corners=corners,
        up=up,
    )


def _vertical(
    normal: NDArray[np.float64], up_hint: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """The lab's upward unit vector: the plate's normal, turned up as the markers (or else the
    positive direction of the lab axis it lies along, as in Z-up and Y-up labs) say."""
    if up_hint is not None and np.isfinite(up_hint).all() and abs(float(normal @ up_hint)) > 0.5:
        return normal if float(normal @ up_hint) > 0 else -normal
    axis = int(np.argmax(np.abs(normal)))
    return normal if normal[axis] > 0 else -normal


def _matrix(c3d: C3DFile, name: str, k: int) -> NDArray[np.float64] | None:
    """The values of one plate in a per-plate parameter (the last dimension counts plates)."""
    p = c3d.get("FORCE_PLATFORM", name)
    vals = c3d.numbers("FORCE_PLATFORM", name)
    if p is None or vals is None or not p.dims:
        return None
    per = int(np.prod(p.dims[:-1])) if len(p.dims) > 1 else int(p.dims[0])
    if len(p.dims) == 1:
        per = vals.size  # a single plate's values
        if k > 0:
            return None
    if per == 0 or vals.size < per * (k + 1):
        return None
    return vals[per * k : per * (k + 1)]


def _axes(corners: NDArray[np.float64]) -> NDArray[np.float64]:
    x = corners[0] - corners[1]
    y = corners[0] - corners[3]
    z = np.cross(x, y)
    y = np.cross(z, x)
    norms = np.linalg.norm(np.stack([x, y, z]), axis=1)
    if (norms < 1e-9).any():
        raise _PlateError("its corners do not span a plane")
    return np.column_stack([x / norms[0], y / norms[1], z / norms[2]])


def _cal_matrix(c3d: C3DFile, k: int) -> NDArray[np.float64]:
    vals = _matrix(c3d, "CAL_MATRIX", k)
    if vals is None or vals.size < 36:
        raise _PlateError("type 4 needs FORCE_PLATFORM:CAL_MATRIX, which is missing")
    return vals[:36].reshape(6, 6).T  # stored by column


def _zeroed(
    c3d: C3DFile, data: NDArray[np.float64], ptype: int, k: int, per_frame: int
) -> NDArray[np.float64]:
    zero = c3d.unsigned("FORCE_PLATFORM", "ZERO")
    if zero is None or zero.size < 2 or zero[0] < 1 or zero[1] < zero[0]:
        return data
    lo, hi = (int(zero[0]) - 1) * per_frame, int(zero[1]) * per_frame
    if hi > len(data):
        return data
    window = data[lo:hi]
    vert = window[:, 2] if ptype != 3 else window[:, 4:8].sum(axis=1)
    if float(np.nanmax(vert) - np.nanmin(vert)) > LOAD_THRESHOLD_N:
        c3d.warnings.append(
            f"force plate {k + 1}: the baseline frames {int(zero[0])}-{int(zero[1])} "
            "(FORCE_PLATFORM:ZERO) are not quiet; no baseline removed"
        )
        return data
    return data - np.nanmean(window, axis=0)


def _force_unit(unit: str) -> float:
    u = unit.strip().lower()
    return 1000.0 if u in ("kn",) else 1.0


def _moment_unit(unit: str, to_m: float) -> float:
    u = unit.strip().lower().replace(".", "").replace("*", "").replace(" ", "")
    if u in ("nmm", "ntmm"):
        return 1e-3
    if u in ("nm", "ntm"):
        return 1.0
    return to_m  # unknown: force unit times the position unit, as ezc3d assumes


__all__ = ["LOAD_THRESHOLD_N", "plate_channels", "read_force_plates", "scaled_analog"]
