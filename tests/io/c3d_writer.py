"""A minimal C3D writer (Intel, real-valued storage) for tests that need a file the shared fixtures
do not have: one with Plug-in-Gait model outputs (POINT:ANGLES), or force plates with a known
load (analog channels and a FORCE_PLATFORM group)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def _record(gid: int, name: str, body: bytes) -> bytes:
    """A group (negative id, ``body`` empty) or parameter record; offset to the next one."""
    raw_name = name.upper().encode("ascii")
    desc = b"\x00"  # no description
    tail = body + desc
    return (
        struct.pack("bb", len(raw_name), gid)
        + raw_name
        + struct.pack("<h", 2 + len(tail))
        + tail
    )


def _chars(values: list[str]) -> bytes:
    width = max([len(v) for v in values] + [1])
    data = b"".join(v.ljust(width).encode("latin-1") for v in values)
    return struct.pack("bbBB", -1, 2, width, len(values)) + data


def _int16(values: list[int]) -> bytes:
    return struct.pack("bbB", 2, 1, len(values)) + struct.pack(f"<{len(values)}h", *values)


def _float(values: list[float]) -> bytes:
    return struct.pack("bbB", 4, 1, len(values)) + struct.pack(f"<{len(values)}f", *values)


def float_nd(values: NDArray[np.float64] | list[float], dims: tuple[int, ...]) -> bytes:
    """A real-valued parameter of any shape (``values`` in file order, first index fastest)."""
    flat = np.asarray(values, dtype="<f4").reshape(-1)
    assert flat.size == int(np.prod(dims))
    return struct.pack("bb", 4, len(dims)) + bytes(dims) + flat.tobytes()


def int_nd(values: list[int], dims: tuple[int, ...]) -> bytes:
    flat = np.asarray(values, dtype="<i2").reshape(-1)
    assert flat.size == int(np.prod(dims))
    return struct.pack("bb", 2, len(dims)) + bytes(dims) + flat.tobytes()


def write_c3d(
    path: Path,
    labels: list[str],
    points: NDArray[np.float64],
    rate_hz: float,
    *,
    units: str = "mm",
    groups: dict[str, list[str]] | None = None,
    analog: NDArray[np.float64] | None = None,
    analog_params: dict[str, bytes] | None = None,
    plate_params: dict[str, bytes] | None = None,
) -> Path:
    """``points`` ``(n_frames, n_points, 3)`` (NaN: a gap) in ``units``; ``groups`` adds POINT
    label lists such as ``{"ANGLES": ["LKneeAngles"]}``. ``analog`` ``(n_frames * k, n_ch)``
    stores ``k`` samples per frame of ``n_ch`` channels (stored values: the reader applies
    ANALOG:SCALE, GEN_SCALE and OFFSET from ``analog_params``); ``plate_params`` fills a
    FORCE_PLATFORM group (parameter bodies made with :func:`float_nd` / :func:`int_nd`)."""
    n_frames, n_points, _ = points.shape
    n_ch = 0 if analog is None else analog.shape[1]
    per_frame = 0 if analog is None else analog.shape[0] // n_frames
    param_blocks = 8
    data_block = 2 + param_blocks
    params = [
        _record(-1, "POINT", b""),
        _record(1, "USED", _int16([n_points])),
        _record(1, "SCALE", _float([-1.0])),
        _record(1, "RATE", _float([rate_hz])),
        _record(1, "DATA_START", _int16([data_block])),
        _record(1, "FRAMES", _int16([n_frames])),
        _record(1, "LABELS", _chars(labels)),
        _record(1, "UNITS", _chars([units])),
    ]
    for name, values in (groups or {}).items():
        params.append(_record(1, name, _chars(values)))
    if analog is not None:
        params += [
            _record(-2, "ANALOG", b""),
            _record(2, "USED", _int16([n_ch])),
            _record(2, "RATE", _float([rate_hz * per_frame])),
        ]
        params += [_record(2, k, v) for k, v in (analog_params or {}).items()]
    if plate_params is not None:
        params.append(_record(-3, "FORCE_PLATFORM", b""))
        params += [_record(3, k, v) for k, v in plate_params.items()]
    section = b"".join(params)
    last = params[-1]
    section = section[: -len(last)] + last[: 2 + last[0]] + b"\x00\x00" + last[4 + last[0]:]
    section = struct.pack("BBBB", 1, 0x50, param_blocks, 84) + section
    assert len(section) <= param_blocks * 512, "too many parameters for the reserved blocks"
    section = section.ljust(param_blocks * 512, b"\x00")
    header = bytearray(512)
    header[0], header[1] = 2, 0x50
    struct.pack_into("<hhhhh", header, 2, n_points, n_ch * per_frame, 1, n_frames, 0)
    struct.pack_into("<f", header, 12, -1.0)
    struct.pack_into("<hh", header, 16, data_block, 0)
    struct.pack_into("<f", header, 20, rate_hz)
    frames = np.zeros((n_frames, n_points, 4), dtype="<f4")
    frames[..., :3] = np.nan_to_num(points, nan=0.0)
    frames[..., 3] = np.where(np.isfinite(points).all(axis=-1), 0.0, -1.0)
    data = frames.reshape(n_frames, 4 * n_points)
    if analog is not None:
        data = np.concatenate(
            [data, analog.astype("<f4").reshape(n_frames, per_frame * n_ch)], axis=1
        )
    path.write_bytes(bytes(header) + section + data.astype("<f4").tobytes())
    return path
