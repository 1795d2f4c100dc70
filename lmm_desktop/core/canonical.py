"""Canonical kinematics: the BiomechGPT joint set (34 angles) plus the pelvis pose.

This is a **contract** (see ARCHITECTURE.md): every reader maps its source coordinates onto these
names, in this order, in degrees, knee flexion positive, OpenSim ground frame with Y up. A joint the
source does not have is marked missing in ``Kinematics.present`` and holds NaN, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

_LEG = ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle",
        "subtalar_angle", "mtp_angle")
_ARM = ("arm_flex", "arm_add", "arm_rot", "elbow_flex", "pro_sup", "wrist_flex", "wrist_dev")

CANONICAL_JOINTS: tuple[str, ...] = (
    *(f"{j}_r" for j in _LEG),
    *(f"{j}_l" for j in _LEG),
    "lumbar_extension", "lumbar_bending", "lumbar_rotation",
    "neck_extension", "neck_bending", "neck_rotation",
    *(f"{j}_r" for j in _ARM),
    *(f"{j}_l" for j in _ARM),
)
"""The 34 canonical joint angles, in BiomechGPT order (degrees)."""

N_JOINTS = len(CANONICAL_JOINTS)
assert N_JOINTS == 34

PELVIS_ROTATIONS: tuple[str, ...] = ("pelvis_tilt", "pelvis_list", "pelvis_rotation")
"""Pelvis orientation, OpenSim body-fixed Z-X-Y sequence, degrees."""

PELVIS_TRANSLATIONS: tuple[str, ...] = ("pelvis_tx", "pelvis_ty", "pelvis_tz")
"""Pelvis position in the OpenSim ground frame (Y up), metres."""

JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(CANONICAL_JOINTS)}

JOINT_GROUPS: dict[str, tuple[str, ...]] = {
    "right_leg": tuple(f"{j}_r" for j in _LEG),
    "left_leg": tuple(f"{j}_l" for j in _LEG),
    "torso": ("lumbar_extension", "lumbar_bending", "lumbar_rotation"),
    "head": ("neck_extension", "neck_bending", "neck_rotation"),
    "right_arm": tuple(f"{j}_r" for j in _ARM),
    "left_arm": tuple(f"{j}_l" for j in _ARM),
}
"""Joint groups used for colouring, plots and per-group descriptions."""


def side_of(name: str) -> str | None:
    """Return ``'right'``, ``'left'`` or ``None`` for a canonical (or OpenSim) coordinate name."""
    if name.endswith("_r"):
        return "right"
    if name.endswith("_l"):
        return "left"
    return None


@dataclass
class Kinematics:
    """Canonical kinematics of one trial.

    Attributes
    ----------
    angles
        ``(n_frames, 34)`` joint angles in degrees, columns in :data:`CANONICAL_JOINTS` order.
        Missing joints hold NaN.
    present
        ``(34,)`` bool: True where the source provides the joint.
    pelvis_rotation
        ``(n_frames, 3)`` pelvis tilt, list, rotation in degrees (NaN when unknown).
    pelvis_translation
        ``(n_frames, 3)`` pelvis tx, ty, tz in metres, ground frame, Y up (NaN when unknown).
    pelvis_present
        True when the source provides a pelvis pose.
    """

    angles: NDArray[np.float64]
    present: NDArray[np.bool_]
    pelvis_rotation: NDArray[np.float64]
    pelvis_translation: NDArray[np.float64]
    pelvis_present: bool = True
    notes: list[str] = field(default_factory=list)
    from_markers: bool = False
    """The angles were computed from a marker-only trial's markers (the body points then come
    from the markers, not from forward kinematics of these angles)."""

    def __post_init__(self) -> None:
        n = self.angles.shape[0]
        if self.angles.shape != (n, N_JOINTS):
            raise ValueError(f"angles must be (n_frames, {N_JOINTS}), got {self.angles.shape}")
        if self.present.shape != (N_JOINTS,):
            raise ValueError(f"present must be ({N_JOINTS},), got {self.present.shape}")
        for nm, arr in (("pelvis_rotation", self.pelvis_rotation),
                        ("pelvis_translation", self.pelvis_translation)):
            if arr.shape != (n, 3):
                raise ValueError(f"{nm} must be ({n}, 3), got {arr.shape}")

    @property
    def n_frames(self) -> int:
        return int(self.angles.shape[0])

    @property
    def missing(self) -> list[str]:
        """Names of the canonical joints the source does not provide."""
        return [n for n, p in zip(CANONICAL_JOINTS, self.present, strict=True) if not p]

    def angle(self, name: str) -> NDArray[np.float64]:
        """One joint's angle over time, degrees (NaN if missing)."""
        return self.angles[:, JOINT_INDEX[name]]

    @classmethod
    def empty(cls, n_frames: int) -> Kinematics:
        """All-missing kinematics of ``n_frames`` frames (NaN everywhere, nothing present)."""
        nan = np.full((n_frames, N_JOINTS), np.nan)
        return cls(
            angles=nan,
            present=np.zeros(N_JOINTS, dtype=bool),
            pelvis_rotation=np.full((n_frames, 3), np.nan),
            pelvis_translation=np.full((n_frames, 3), np.nan),
            pelvis_present=False,
        )

    def as_table(self) -> tuple[list[str], NDArray[np.float64]]:
        """Names and ``(n_frames, 40)`` values: pelvis rotations, translations, 34 joints."""
        names = [*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS, *CANONICAL_JOINTS]
        values = np.hstack([self.pelvis_rotation, self.pelvis_translation, self.angles])
        return names, values

    def slice(self, start: int, stop: int) -> Kinematics:
        """Frames ``start:stop`` (views, not copies)."""
        return Kinematics(
            angles=self.angles[start:stop],
            present=self.present,
            pelvis_rotation=self.pelvis_rotation[start:stop],
            pelvis_translation=self.pelvis_translation[start:stop],
            pelvis_present=self.pelvis_present,
            notes=list(self.notes),
            from_markers=self.from_markers,
        )
