"""Low-level C3D decoding: header, parameter section and the 3D point block.

A compact, bounds-checked parser for the three C3D encodings (Intel, DEC/VAX, SGI/MIPS), with the
point block decoded in one vectorized step. Every inconsistency raises :class:`TrialReadError`
naming the file and the place; nothing here lets ``IndexError``/``struct.error`` escape.

The layout follows the C3D User Guide (c3d.org): a 512-byte header block, a parameter section
starting at the block the header's first byte points to, then the data section.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.errors import TrialReadError

BLOCK = 512
C3D_KEY = 0x50
PROCESSORS = {84: "intel", 85: "dec", 86: "sgi"}
PARAM_TYPES = (-1, 1, 2, 4)


@dataclass(frozen=True)
class Param:
    """One parameter as stored: its type code (-1 char, 1 byte, 2 int16, 4 float), dims, bytes."""

    group: str
    name: str
    type_code: int
    dims: tuple[int, ...]
    data: bytes


@dataclass
class C3DHeader:
    """The header fields the reader uses (words numbered as in the C3D User Guide)."""

    param_block: int
    n_points: int
    analog_words_per_frame: int
    first_frame: int
    last_frame: int
    scale: float
    data_block: int
    rate_hz: float


@dataclass
class C3DFile:
    """A parsed C3D file: raw bytes, processor encoding, header and parameters."""

    path: Path
    raw: bytes
    processor: str
    header: C3DHeader
    params: dict[tuple[str, str], Param] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def fail(
        self, problem: str, *, where: str | None = None, expected: str | None = None
    ) -> NoReturn:
        """Raise the reader's error for this file."""
        raise TrialReadError(self.path, problem, where=where, expected=expected)

    # ---- typed parameter access -------------------------------------------------------------
    def get(self, group: str, name: str) -> Param | None:
        return self.params.get((group.upper(), name.upper()))

    def numbers(self, group: str, name: str) -> NDArray[np.float64] | None:
        """Numeric values of a parameter as float64 (int16 read as signed), or None if absent."""
        p = self.get(group, name)
        if p is None or p.type_code == -1:
            return None
        with np.errstate(invalid="ignore"):  # a signalling NaN is just NaN to the caller
            return decode_numbers(p, self.processor).astype(np.float64)

    def unsigned(self, group: str, name: str) -> NDArray[np.int64] | None:
        """Integer values with int16 read as unsigned (counts, frame numbers), or None."""
        p = self.get(group, name)
        if p is None or p.type_code not in (1, 2):
            return None
        vals = decode_numbers(p, self.processor).astype(np.int64)
        return vals % (1 << (8 * p.type_code))

    def strings(self, group: str, name: str) -> list[str] | None:
        """A character parameter as a list of stripped strings, or None if absent."""
        p = self.get(group, name)
        if p is None or p.type_code != -1:
            return None
        return decode_strings(p)


# ---- primitive decoding ------------------------------------------------------------------------
def _int_dtype(processor: str, nbytes: int) -> str:
    return (">" if processor == "sgi" else "<") + f"i{nbytes}"


def dec_to_float32(raw: NDArray[np.uint8] | bytes) -> NDArray[np.float32]:
    """Convert DEC (VAX F) floats to IEEE: swap the two 16-bit words, then divide by 4."""
    words = np.frombuffer(raw, dtype="<u2").reshape(-1, 2)[:, ::-1]  # (n, 2) uint16
    ieee = np.ascontiguousarray(words).view("<f4").reshape(-1)  # (n,) float32, 4x too large
    return (ieee / np.float32(4.0)).astype(np.float32)


def decode_floats(raw: bytes, processor: str) -> NDArray[np.float32]:
    """Decode a run of 4-byte floats in the file's encoding."""
    with np.errstate(invalid="ignore"):  # damaged bytes may hold signalling NaNs
        if processor == "dec":
            return dec_to_float32(raw)
        return np.frombuffer(raw, dtype=(">f4" if processor == "sgi" else "<f4")).astype(np.float32)


def decode_numbers(p: Param, processor: str) -> NDArray[np.generic]:
    """Numeric parameter values, flattened in file order."""
    if p.type_code == 4:
        return decode_floats(p.data, processor)
    if p.type_code == 2:
        return np.frombuffer(p.data, dtype=_int_dtype(processor, 2))
    return np.frombuffer(p.data, dtype=np.int8)


def decode_strings(p: Param) -> list[str]:
    """Character parameter: first dim is the string length, the others count the strings."""
    text = p.data.decode("latin-1")
    if len(p.dims) <= 1:
        return [text.replace("\x00", " ").strip()]
    width = p.dims[0]
    count = int(np.prod(p.dims[1:]))
    if width == 0:
        return [""] * count
    return [text[i * width : (i + 1) * width].replace("\x00", " ").strip() for i in range(count)]


def _printable(data: bytes) -> str:
    """A parameter or group name, with damaged (non-printable) bytes shown as '?'."""
    text = data.decode("latin-1")
    return "".join(c if c.isprintable() else "?" for c in text).strip()


# ---- header and parameter section ------------------------------------------------------------
def parse_file(path: Path, raw: bytes) -> C3DFile:
    """Parse the header and the parameter section of the bytes of one C3D file."""

    def fail(problem: str, where: str | None = None, expected: str | None = None) -> TrialReadError:
        return TrialReadError(path, problem, where=where, expected=expected)

    if len(raw) < BLOCK:
        raise fail(
            f"the file is only {len(raw)} bytes long, shorter than a C3D header",
            expected="at least 512 bytes",
        )
    if raw[1] != C3D_KEY:
        raise fail(
            f"byte 2 of the header is 0x{raw[1]:02X}, so this is not a C3D file",
            where="header",
            expected="0x50, the C3D signature",
        )
    param_block = raw[0]
    start = (param_block - 1) * BLOCK
    if param_block < 2 or start + 4 > len(raw):
        raise fail(
            f"the header points to parameter block {param_block}, which is not in the "
            f"file ({len(raw) // BLOCK} blocks)",
            where="header word 1",
        )
    proc_code = raw[start + 3]
    processor = PROCESSORS.get(proc_code)
    if processor is None:
        raise fail(
            f"unknown processor type {proc_code}",
            where="parameter section header",
            expected="84 (Intel), 85 (DEC) or 86 (SGI/MIPS)",
        )
    header = _parse_header(raw, processor)
    n_blocks = raw[start + 2]
    end = len(raw) if n_blocks == 0 else min(len(raw), start + n_blocks * BLOCK)
    c3d = C3DFile(path=path, raw=raw, processor=processor, header=header)
    _parse_params(c3d, start + 4, end)
    return c3d


def _parse_header(raw: bytes, processor: str) -> C3DHeader:
    ints = np.frombuffer(raw[:24], dtype=_int_dtype(processor, 2)).astype(np.int64) % 65536
    floats = decode_floats(raw[12:16] + raw[20:24], processor)
    return C3DHeader(
        param_block=int(raw[0]),
        n_points=int(ints[1]),
        analog_words_per_frame=int(ints[2]),
        first_frame=int(ints[3]),
        last_frame=int(ints[4]),
        scale=float(floats[0]),
        data_block=int(ints[8]),
        rate_hz=float(floats[1]),
    )


def _parse_params(c3d: C3DFile, pos: int, end: int) -> None:
    """Walk the linked list of group and parameter records between ``pos`` and ``end``."""
    raw = c3d.raw
    i16 = ">h" if c3d.processor == "sgi" else "<h"
    groups: dict[int, str] = {}
    pending: list[tuple[int, str, int, tuple[int, ...], bytes]] = []
    index = 0
    while pos + 2 <= end:
        index += 1
        where = f"parameter record {index} at byte {pos}"
        n_chars = struct.unpack_from("b", raw, pos)[0]
        gid = struct.unpack_from("b", raw, pos + 1)[0]
        if n_chars == 0 or gid == 0:
            break  # the end-of-parameters marker
        name_end = pos + 2 + abs(n_chars)
        if name_end + 2 > end:
            c3d.fail("the parameter section ends inside a record", where=where)
        name = _printable(raw[pos + 2 : name_end]).upper()
        offset = struct.unpack_from(i16, raw, name_end)[0]
        body = name_end + 2
        if gid < 0:
            groups.setdefault(-gid, name)
        else:
            pending.append((gid, name, *_parse_param_body(c3d, body, end, name, where)))
        if offset == 0:
            break  # the last record
        if offset < 0:
            c3d.fail(f"record '{name}' points backwards ({offset} bytes)", where=where)
        pos = name_end + offset
    for gid, name, type_code, dims, data in pending:
        group = groups.get(gid)
        if group is None:
            c3d.warnings.append(f"parameter '{name}' belongs to undefined group {gid}; ignored")
            continue
        c3d.params.setdefault((group, name), Param(group, name, type_code, dims, data))


def _parse_param_body(
    c3d: C3DFile, body: int, end: int, name: str, where: str
) -> tuple[int, tuple[int, ...], bytes]:
    raw = c3d.raw
    if body + 2 > end:
        c3d.fail(f"parameter '{name}' is cut off", where=where)
    type_code = struct.unpack_from("b", raw, body)[0]
    if type_code not in PARAM_TYPES:
        c3d.fail(
            f"parameter '{name}' has unknown data type {type_code}",
            where=where,
            expected="-1 (text), 1 (byte), 2 (integer) or 4 (real)",
        )
    n_dims = raw[body + 1]
    dims = tuple(raw[body + 2 : body + 2 + n_dims])
    start = body + 2 + n_dims
    size = abs(type_code) * int(np.prod(dims, dtype=np.int64))
    if start + size > end:
        c3d.fail(
            f"parameter '{name}' claims {size} bytes of data past the parameter section",
            where=where,
        )
    return type_code, dims, raw[start : start + size]


# ---- point block ------------------------------------------------------------------------------
def read_point_block(
    c3d: C3DFile, *, n_points: int, n_frames: int, analog_words: int, scale: float, data_block: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Decode all frames of 3D points at once.

    Returns
    -------
    xyz
        ``(n_frames, n_points, 3)`` in the file's units, NaN where the point is invalid.
    valid
        ``(n_frames, n_points)`` True where the fourth word (residual) is not negative.
    """
    is_float = scale < 0
    frames = _data_frames(
        c3d, n_frames=n_frames, frame_words=4 * n_points + analog_words, is_float=is_float,
        data_block=data_block,
    )[:, : 4 * n_points]
    pts = frames.reshape(n_frames, n_points, 4)  # (n_frames, n_points, x y z residual)
    # Damaged floats may be signalling NaNs or infinities: they are marked invalid just below.
    with np.errstate(invalid="ignore", over="ignore"):
        xyz = pts[..., :3].astype(np.float64)  # (n_frames, n_points, 3), file units
        if not is_float:
            xyz *= scale
        fourth = pts[..., 3]
        valid = (fourth >= 0) & np.isfinite(xyz).all(axis=-1)
    xyz[~valid] = np.nan
    return xyz, valid


def _data_frames(
    c3d: C3DFile, *, n_frames: int, frame_words: int, is_float: bool, data_block: int
) -> NDArray[Any]:
    """The data section as ``(n_frames, frame_words)`` raw words (float32 or int16)."""
    word = 4 if is_float else 2
    offset = (data_block - 1) * BLOCK
    if data_block < 2 or offset > len(c3d.raw):
        c3d.fail(
            f"the data section starts at block {data_block}, outside the file "
            f"({len(c3d.raw) // BLOCK} blocks)",
            where="header word 9",
        )
    need = n_frames * frame_words * word
    have = len(c3d.raw) - offset
    if need > have:
        complete = have // (frame_words * word)
        c3d.fail(
            f"the file is truncated: it holds {complete} complete frames of the {n_frames} "
            f"its header announces",
            where="data section",
        )
    chunk = c3d.raw[offset : offset + need]
    if is_float:
        flat = decode_floats(chunk, c3d.processor)  # (n_frames * frame_words,) float32
    else:
        flat = np.frombuffer(chunk, dtype=_int_dtype(c3d.processor, 2))
    return flat.reshape(n_frames, frame_words)


def read_analog_block(
    c3d: C3DFile,
    *,
    n_points: int,
    n_frames: int,
    n_channels: int,
    analog_words: int,
    scale: float,
    data_block: int,
    unsigned: bool = False,
) -> NDArray[np.float64]:
    """Decode the analog samples stored after each frame's points, unscaled.

    Returns
    -------
    ``(n_frames * per_frame, n_channels)`` raw values (integer counts or stored floats), where
    ``per_frame = analog_words // n_channels`` samples are stored per point frame.
    """
    if n_channels < 1 or analog_words < n_channels or analog_words % n_channels:
        c3d.fail(
            f"{analog_words} analog words per frame do not divide into {n_channels} channels",
            where="header word 3 / ANALOG:USED",
            expected="a whole number of samples of every channel per frame",
        )
    per_frame = analog_words // n_channels
    frames = _data_frames(
        c3d, n_frames=n_frames, frame_words=4 * n_points + analog_words, is_float=scale < 0,
        data_block=data_block,
    )[:, 4 * n_points :]
    if unsigned and scale >= 0:
        frames = frames.astype(np.int64) % 65536
    with np.errstate(invalid="ignore", over="ignore"):
        return frames.reshape(n_frames * per_frame, n_channels).astype(np.float64)
