"""Normal gait curves as a function of the gait-cycle phase, mapped to OpenSim conventions.

The curves are Fourier series fit to the Schwartz et al. (2008) normative midlines (see
:mod:`training.simulate._fourier_coeffs`), blended between the published speed groups by
dimensionless walking speed ``v / sqrt(g * leg_length)``.

Mapping from Plug-in-Gait to the canonical (OpenSim) convention: hip, knee and ankle angles keep
their sign (knee flexion positive, ankle dorsiflexion positive); the pelvis tilt changes sign
(OpenSim's pelvis_tilt is positive for posterior tilt) and the pelvis frame is about 12 degrees
less tilted than the Plug-in-Gait one, so that offset moves from the pelvis to the hip flexion.
Obliquity and rotation are expressed for the whole pelvis from both legs' cycles.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from training.simulate._fourier_coeffs import COEFFS, SPEED_GROUPS

Array = NDArray[np.float64]

GROUP_DIMLESS_SPEED: tuple[float, ...] = (0.17, 0.29, 0.41, 0.52, 0.64)
"""Approximate dimensionless speed at the centre of each Schwartz speed group."""

TEMPLATE_STANCE = 0.60
"""Stance fraction of the template cycle (toe off at 60 % of the cycle)."""

PELVIS_FRAME_OFFSET_DEG = 5.9
"""Plug-in-Gait pelvic tilt that corresponds to OpenSim pelvis_tilt = 0 in the built-in model:
its PSIS -> ASIS line points 5.9 deg below horizontal at zero tilt (the analysis measures the
same offset from the landmarks, so simulated trials compare with the norms without a bias;
tests/training/test_pelvis_offset.py keeps the two in step)."""

VARIABLES: tuple[str, ...] = tuple(COEFFS["Free"])


def blended_coefficients(dimless_speed: float) -> dict[str, Array]:
    """Fourier coefficients linearly blended between the two nearest speed groups."""
    x = float(np.clip(dimless_speed, GROUP_DIMLESS_SPEED[0], GROUP_DIMLESS_SPEED[-1]))
    hi = int(np.searchsorted(GROUP_DIMLESS_SPEED, x))
    hi = min(max(hi, 1), len(GROUP_DIMLESS_SPEED) - 1)
    lo = hi - 1
    a = (x - GROUP_DIMLESS_SPEED[lo]) / (GROUP_DIMLESS_SPEED[hi] - GROUP_DIMLESS_SPEED[lo])
    g_lo, g_hi = COEFFS[SPEED_GROUPS[lo]], COEFFS[SPEED_GROUPS[hi]]
    return {v: (1 - a) * np.asarray(g_lo[v]) + a * np.asarray(g_hi[v]) for v in VARIABLES}


def fourier(coeffs: Array, psi: Array) -> Array:
    """Evaluate ``a0 + sum_h a_h cos(2 pi h psi) + b_h sin(2 pi h psi)`` at phases ``psi``."""
    n_h = (coeffs.shape[0] - 1) // 2
    h = np.arange(1, n_h + 1)
    ang = 2.0 * np.pi * np.multiply.outer(psi, h)  # (n, n_h)
    return coeffs[0] + np.cos(ang) @ coeffs[1::2] + np.sin(ang) @ coeffs[2::2]


def normal_leg(coeffs: dict[str, Array], psi: Array) -> dict[str, Array]:
    """Normal OpenSim leg angles (degrees) of one leg at its own cycle phase ``psi`` ``(n,)``."""
    return {
        "hip_flexion": fourier(coeffs["hip_flexion"], psi) - PELVIS_FRAME_OFFSET_DEG,
        "hip_adduction": fourier(coeffs["hip_adduction"], psi),
        "hip_rotation": fourier(coeffs["hip_rotation"], psi),
        "knee_angle": fourier(coeffs["knee_flexion"], psi),
        "ankle_angle": fourier(coeffs["ankle_dorsiflexion"], psi),
        "subtalar_angle": -3.0 + 3.0 * bump(psi, 0.2, 0.12),
        "mtp_angle": np.zeros_like(psi),
    }


def normal_pelvis(coeffs: dict[str, Array], psi_r: Array, psi_l: Array) -> Array:
    """``(n, 3)`` pelvis tilt, list, rotation (OpenSim, relative to heading) from both cycles."""
    tilt = PELVIS_FRAME_OFFSET_DEG - 0.5 * (
        fourier(coeffs["pelvis_tilt"], psi_r) + fourier(coeffs["pelvis_tilt"], psi_l)
    )
    # OpenSim list is positive when the right side drops; PiG obliquity is positive "up" per side
    lst = 0.5 * (
        -fourier(coeffs["pelvis_obliquity"], psi_r) + fourier(coeffs["pelvis_obliquity"], psi_l)
    )
    rot = 0.5 * (
        fourier(coeffs["pelvis_rotation"], psi_r) - fourier(coeffs["pelvis_rotation"], psi_l)
    )
    return np.stack([tilt, lst, rot], axis=1)


def bump(psi: Array, centre: float, width: float) -> Array:
    """Periodic Gaussian bump on the cycle (peak 1 at ``centre``, ``width`` = SD in cycle units)."""
    d = (psi - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def swing_window(psi: Array) -> Array:
    """0 in stance, rising to 1 at mid-swing and back to 0 at heel strike (template phase)."""
    x = np.clip((psi - TEMPLATE_STANCE) / (1.0 - TEMPLATE_STANCE), 0.0, 1.0)
    return np.sin(np.pi * x) ** 2


def stance_window(psi: Array) -> Array:
    """0 in swing, rising to 1 at mid-stance (template phase)."""
    x = np.clip(psi / TEMPLATE_STANCE, 0.0, 1.0)
    return np.sin(np.pi * x) ** 2
