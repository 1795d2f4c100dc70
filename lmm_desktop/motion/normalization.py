"""Turning canonical kinematics into the tokenizer's input: resampling, gap filling, z-scoring.

numpy only (no torch), so the app can prepare inputs without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import CANONICAL_JOINTS, N_JOINTS

MIN_STD_DEG = 1.0  # joints that barely move are not blown up by a tiny standard deviation


@dataclass
class NormStats:
    """Per-joint mean and standard deviation in degrees, stored with the tokenizer."""

    mean: NDArray[np.float64]  # (34,), degrees
    std: NDArray[np.float64]  # (34,), degrees

    def to_dict(self) -> dict[str, object]:
        return {"joints": list(CANONICAL_JOINTS), "mean_deg": self.mean.tolist(),
                "std_deg": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> NormStats:
        joints = list(data["joints"])  # type: ignore[call-overload]
        if joints != list(CANONICAL_JOINTS):
            raise ValueError("normalisation statistics are for a different joint list")
        return cls(mean=np.asarray(data["mean_deg"], dtype=float),
                   std=np.asarray(data["std_deg"], dtype=float))

    @classmethod
    def fit(cls, arrays: list[NDArray[np.float64]]) -> NormStats:
        """Mean/std over all frames of ``arrays`` (each ``(T, 34)`` degrees, NaN ignored)."""
        stacked = np.concatenate(arrays, axis=0)  # (sum T, 34)
        mean = np.nanmean(stacked, axis=0)
        std = np.nanstd(stacked, axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        std = np.where(np.isfinite(std), np.maximum(std, MIN_STD_DEG), MIN_STD_DEG)
        return cls(mean=mean, std=std)


def resample(time: NDArray[np.float64], values: NDArray[np.float64],
             rate_hz: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Linear resampling of ``values`` ``(n, J)`` sampled at ``time`` onto a uniform grid.

    NaN samples stay NaN where they dominate the interval (gaps are not bridged here).
    """
    if time.shape[0] < 2:
        return time.copy(), values.copy()
    new_t = np.arange(time[0], time[-1] + 0.5 / rate_hz, 1.0 / rate_hz)  # (m,)
    new_t = new_t[new_t <= time[-1] + 1e-9]
    out = np.empty((new_t.shape[0], values.shape[1]))  # (m, J)
    for j in range(values.shape[1]):
        col = values[:, j]
        ok = np.isfinite(col)
        out[:, j] = np.interp(new_t, time, np.where(ok, col, 0.0))
        if not ok.all():
            nan_frac = np.interp(new_t, time, (~ok).astype(float))
            out[nan_frac > 0.5, j] = np.nan
    return new_t, out


def fill_gaps(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Linearly interpolate NaN runs per joint; returns the filled array and the measured mask.

    A joint that is NaN throughout is left NaN (the caller replaces it by the mean).
    """
    filled = values.copy()
    measured = np.isfinite(values)
    idx = np.arange(values.shape[0])
    for j in range(values.shape[1]):
        ok = measured[:, j]
        if ok.all() or not ok.any():
            continue
        filled[~ok, j] = np.interp(idx[~ok], idx[ok], values[ok, j])
    return filled, measured


def prepare(angles: NDArray[np.float64], time: NDArray[np.float64], present: NDArray[np.bool_],
            stats: NormStats, rate_hz: float,
            multiple: int) -> tuple[NDArray[np.float32], NDArray[np.bool_], int]:
    """Model input from canonical angles.

    Returns ``x`` ``(T, 34)`` float32 z-scores, ``mask`` ``(T, 34)`` (True where measured), and the
    number of real frames before padding (T is padded by edge repetition to a multiple of
    ``multiple``).
    """
    if angles.shape[1] != N_JOINTS:
        raise ValueError(f"expected (n, {N_JOINTS}) angles, got {angles.shape}")
    _, res = resample(time, angles, rate_hz)  # (m, 34), degrees
    filled, measured = fill_gaps(res)
    measured &= present[None, :]
    z = (filled - stats.mean) / stats.std  # (m, 34)
    z[~np.isfinite(z)] = 0.0  # missing joints sit at the training mean
    z[:, ~present] = 0.0
    n_real = z.shape[0]
    pad = (-n_real) % multiple
    if n_real == 0:
        raise ValueError("the trial has no frames to tokenize")
    if pad:
        z = np.concatenate([z, np.repeat(z[-1:], pad, axis=0)], axis=0)
        measured = np.concatenate([measured, np.zeros((pad, N_JOINTS), dtype=bool)], axis=0)
    return z.astype(np.float32), measured, n_real


def denormalize(z: NDArray[np.floating], stats: NormStats) -> NDArray[np.float64]:
    """z-scores ``(T, 34)`` -> degrees."""
    return np.asarray(z, dtype=float) * stats.std + stats.mean
