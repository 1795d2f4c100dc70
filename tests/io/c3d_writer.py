"""A minimal C3D writer (Intel, real-valued points, no analog data) for tests that need a file
the shared fixtures do not have, e.g. one with Plug-in-Gait model outputs (POINT:ANGLES)."""

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


def write_c3d(
    path: Path,
    labels: list[str],
    points: NDArray[np.float64],
    rate_hz: float,
    *,
    units: str = "mm",
    groups: dict[str, list[str]] | None = None,
) -> Path:
    """``points`` ``(n_frames, n_points, 3)`` (NaN: a gap) in ``units``; ``groups`` adds POINT
    label lists such as ``{"ANGLES": ["LKneeAngles"]}``."""
    n_frames, n_points, _ = points.shape
    param_blocks = 4
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
    section = b"".join(params)
    last = params[-1]
    section = section[: -len(last)] + last[: 2 + last[0]] + b"\x00\x00" + last[4 + last[0]:]
    section = struct.pack("BBBB", 1, 0x50, param_blocks, 84) + section
    assert len(section) <= param_blocks * 512, "too many parameters for the reserved blocks"
    section = section.ljust(param_blocks * 512, b"\x00")
    header = bytearray(512)
    header[0], header[1] = 2, 0x50
    struct.pack_into("<hhhhh", header, 2, n_points, 0, 1, n_frames, 0)
    struct.pack_into("<f", header, 12, -1.0)
    struct.pack_into("<hh", header, 16, data_block, 0)
    struct.pack_into("<f", header, 20, rate_hz)
    frames = np.zeros((n_frames, n_points, 4), dtype="<f4")
    frames[..., :3] = np.nan_to_num(points, nan=0.0)
    frames[..., 3] = np.where(np.isfinite(points).all(axis=-1), 0.0, -1.0)
    path.write_bytes(bytes(header) + section + frames.tobytes())
    return path
