"""A minimal Motion-JPEG AVI writer, so the video panel is tested on a real video file (no video
fixture is shipped and no encoder is installed; Qt decodes MJPEG through its FFmpeg backend)."""

from __future__ import annotations

import struct
from pathlib import Path


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, payload: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(payload) + 4) + kind + payload


def write_mjpeg_avi(path: Path, jpegs: list[bytes], width: int, height: int, fps: int) -> Path:
    """An AVI 1.0 file (RIFF, ``hdrl`` + ``movi`` + ``idx1``) of one MJPEG video stream."""
    n, big = len(jpegs), max(len(j) for j in jpegs)
    avih = struct.pack(
        "<IIIIIIIIII4I", round(1e6 / fps), big * fps, 0, 0x10, n, 0, 1, big, width, height,
        0, 0, 0, 0,
    )
    strh = struct.pack(
        "<4s4sIHHIIIIIIIIhhhh", b"vids", b"MJPG", 0, 0, 0, 0, 1, fps, 0, n, big, 0xFFFFFFFF, 0,
        0, 0, width, height,
    )
    strf = struct.pack(
        "<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0
    )
    hdrl = _list(
        b"hdrl",
        _chunk(b"avih", avih) + _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf)),
    )
    movi, idx, offset = b"", b"", 4
    for jpeg in jpegs:
        chunk = _chunk(b"00dc", jpeg)
        idx += struct.pack("<4sIII", b"00dc", 0x10, offset, len(jpeg))
        movi += chunk
        offset += len(chunk)
    body = b"AVI " + hdrl + _list(b"movi", movi) + _chunk(b"idx1", idx)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def colour_video(path: Path, seconds: float = 3.0, fps: int = 30) -> Path:
    """A 160x120 video whose hue steps every frame (frame k: hue 6k degrees)."""
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    jpegs = []
    for k in range(round(seconds * fps)):
        img = QImage(160, 120, QImage.Format.Format_RGB32)
        img.fill(QColor.fromHsv((6 * k) % 360, 255, 255))
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        img.save(buf, "JPG")
        jpegs.append(bytes(buf.data().data()))
    return write_mjpeg_avi(path, jpegs, 160, 120, fps)
