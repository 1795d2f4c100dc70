"""Physiological joint ranges of motion for the 34 canonical joints (degrees), no OpenSim needed.

Signs follow the canonical (OpenSim LaiUhlrich2022 / Rajagopal2016) conventions: flexion,
adduction, internal rotation, dorsiflexion, inversion, MTP flexion (toes down), pronation, ulnar
deviation and extension of the lumbar spine and neck are positive. Ranges are typical active
ranges of healthy adults (American Academy of Orthopaedic Surgeons, *Joint Motion: Method of
Measuring and Recording*, 1965; Soucie et al. 2011, Haemophilia 17:500) widened by a few degrees
so that normal recordings stay inside; the generated .osim uses them as coordinate ranges.
"""

from __future__ import annotations

from lmm_desktop.core.canonical import CANONICAL_JOINTS

_LEG: dict[str, tuple[float, float]] = {
    "hip_flexion": (-30.0, 125.0),
    "hip_adduction": (-50.0, 30.0),
    "hip_rotation": (-45.0, 45.0),
    "knee_angle": (-10.0, 145.0),
    "ankle_angle": (-50.0, 30.0),
    "subtalar_angle": (-25.0, 35.0),
    "mtp_angle": (-70.0, 40.0),
}
_TRUNK: dict[str, tuple[float, float]] = {
    "lumbar_extension": (-90.0, 35.0),
    "lumbar_bending": (-35.0, 35.0),
    "lumbar_rotation": (-45.0, 45.0),
    "neck_extension": (-50.0, 60.0),
    "neck_bending": (-45.0, 45.0),
    "neck_rotation": (-80.0, 80.0),
}
_ARM: dict[str, tuple[float, float]] = {
    "arm_flex": (-60.0, 180.0),
    "arm_add": (-180.0, 45.0),
    "arm_rot": (-90.0, 90.0),
    "elbow_flex": (-5.0, 150.0),
    "pro_sup": (0.0, 170.0),
    "wrist_flex": (-70.0, 80.0),
    "wrist_dev": (-25.0, 40.0),
}

JOINT_LIMITS: dict[str, tuple[float, float]] = {
    **{f"{j}_{s}": r for s in ("r", "l") for j, r in _LEG.items()},
    **_TRUNK,
    **{f"{j}_{s}": r for s in ("r", "l") for j, r in _ARM.items()},
}
"""Canonical joint name -> (minimum, maximum) in degrees."""

JOINT_LIMITS = {name: JOINT_LIMITS[name] for name in CANONICAL_JOINTS}  # canonical order


def outside_limits(name: str, value_deg: float, *, margin_deg: float = 0.0) -> bool:
    """True when ``value_deg`` lies outside the physiological range of joint ``name``."""
    lo, hi = JOINT_LIMITS[name]
    return value_deg < lo - margin_deg or value_deg > hi + margin_deg
