"""Small signal helpers shared by the gait analysis modules (numpy/scipy only)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, filtfilt

UP = np.array([0.0, 1.0, 0.0])
"""The vertical axis of the OpenSim ground frame (Y up)."""


def lowpass(x: NDArray[np.float64], rate_hz: float, cutoff_hz: float = 6.0) -> NDArray[np.float64]:
    """Zero-phase 2nd-order Butterworth low-pass along axis 0 (returned unchanged if too short).

    NaN samples are linearly filled before filtering and put back afterwards.
    """
    x = np.asarray(x, dtype=float)
    if x.shape[0] < 16 or cutoff_hz >= 0.5 * rate_hz:
        return x.copy()
    filled, nan_mask = fill_nan(x)
    b, a = _butter2(round(cutoff_hz / (0.5 * rate_hz), 12))
    padlen = min(3 * max(len(a), len(b)), x.shape[0] - 1)
    out = filtfilt(b, a, filled, axis=0, padlen=padlen)
    out[nan_mask] = np.nan
    return np.asarray(out, dtype=float)


@lru_cache(maxsize=64)
def _butter2(wn: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A 2nd-order Butterworth low-pass at normalised cutoff ``wn`` (designed once per cutoff)."""
    b, a = butter(2, wn)
    return np.asarray(b, dtype=float), np.asarray(a, dtype=float)


def fill_nan(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Linearly interpolate NaN along axis 0 (edges held); returns the filled copy and the mask."""
    x = np.array(x, dtype=float)
    mask = np.isnan(x)
    flat = x.reshape(x.shape[0], -1)
    fmask = mask.reshape(x.shape[0], -1)
    idx = np.arange(x.shape[0])
    for j in range(flat.shape[1]):
        good = ~fmask[:, j]
        if good.all() or not good.any():
            continue
        flat[:, j] = np.interp(idx, idx[good], flat[good, j])
    return flat.reshape(x.shape), mask


def moving_mean(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Centred moving mean along axis 0 with edges reflected (``window`` samples, at least 1)."""
    return np.asarray(
        uniform_filter1d(np.asarray(x, float), max(1, int(window)), axis=0, mode="nearest"),
        dtype=float,
    )


def horizontal(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop the vertical (Y) component of ``(..., 3)`` vectors."""
    out = np.array(v, dtype=float)
    out[..., 1] = 0.0
    return out


def unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Normalise ``(..., 3)`` vectors (zero vectors become NaN)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 1e-12, v / n, np.nan), dtype=float)


def resample_cycle(y: NDArray[np.float64], n_points: int = 101) -> NDArray[np.float64]:
    """Resample a ``(k, ...)`` segment to ``n_points`` samples at 0..100 % (linear)."""
    y = np.asarray(y, dtype=float)
    src = np.linspace(0.0, 100.0, y.shape[0])
    dst = np.linspace(0.0, 100.0, n_points)
    flat = y.reshape(y.shape[0], -1)
    out = np.stack([np.interp(dst, src, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    return out.reshape((n_points, *y.shape[1:]))
