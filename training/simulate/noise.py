"""What a markerless capture adds to the true motion: small smooth noise, offsets and gaps."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from training.simulate.gait import smooth_noise

Array = NDArray[np.float64]

GAP_PROBABILITY = 0.04
"""Share of trials with tracking gaps (runs of NaN frames)."""


def add_capture_noise(
    angles: Array, pelvis_rot: Array, pelvis_trans: Array, rng: np.random.Generator, rate_hz: float
) -> None:
    """Add smooth (band-limited, ~4 Hz) noise and a small per-trial offset, in place.

    Angles get 0.4 deg RMS noise plus a 0.5 deg offset per joint; the pelvis 0.3 deg and 2 mm.
    """
    n = angles.shape[0]
    sigma = rate_hz / (2.0 * np.pi * 4.0)  # Gaussian kernel of a ~4 Hz low-pass
    angles += 0.4 * smooth_noise(rng, n, angles.shape[1], sigma)
    angles += rng.normal(0.0, 0.5, angles.shape[1])
    pelvis_rot += 0.3 * smooth_noise(rng, n, 3, sigma)
    pelvis_trans += 0.002 * smooth_noise(rng, n, 3, sigma)


def add_gaps(
    arrays: list[Array],
    rng: np.random.Generator,
    rate_hz: float,
    probability: float = GAP_PROBABILITY,
) -> int:
    """With ``probability``, blank one to three runs of 0.1-0.5 s (NaN) in all ``arrays``.

    Returns the number of frames blanked (0 for most trials). The first and last half second are
    never blanked.
    """
    n = arrays[0].shape[0]
    margin = int(0.5 * rate_hz)
    if rng.random() >= probability or n < 4 * margin:
        return 0
    gap = np.zeros(n, dtype=bool)
    for _ in range(int(rng.integers(1, 4))):
        length = int(rng.uniform(0.1, 0.5) * rate_hz)
        start = int(rng.integers(margin, n - margin - length))
        gap[start : start + length] = True
    for a in arrays:
        a[gap] = np.nan
    return int(gap.sum())
