"""A person's habitual posture and the capture model's conventions (domain randomisation).

Real trials differ from a textbook skeleton in ways that carry no clinical meaning but move every
joint curve: one person stands with the pelvis tilted 10 deg forward and a flexed lumbar spine,
another carries the elbows bent; one capture model locks the toes (OpenCap's LaiUhlrich2022 does),
another has no neck or wrist coordinates at all. A tokenizer and a language model trained on a
single convention read such trials as out of distribution: the OpenCap walking fixture has its
pelvis tilted +8 deg, its lumbar spine at -20 deg and its toes locked at -7.5 deg, where the
simulator's walkers had -6, +4 and 60 deg of push-off toe extension.

Each participant therefore gets a :class:`Habitus`, drawn from its own seed (so the rest of the
cohort does not change), and every trial of that participant is transformed by it:

* before the trial is placed on the floor (:func:`apply_posture`): a pelvis tilt offset that the
  hips and the lumbar spine compensate (thigh and trunk keep their pitch in the room, so the
  feet and the ground truth do not move), a forward or backward trunk lean that the neck
  compensates (the head stays level), the elbows' carrying flexion and the arms' rotation;
* after it is placed (:func:`apply_capture`): subtalar offsets, locked toes, and the capture
  model's missing neck and wrist coordinates (written as absent columns, never as zeros).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import JOINT_INDEX as J
from lmm_desktop.core.canonical import N_JOINTS
from training.simulate.motion import Draft

NO_NECK_WRISTS: tuple[str, ...] = (
    "neck_extension",
    "neck_bending",
    "neck_rotation",
    "wrist_flex_r",
    "wrist_dev_r",
    "wrist_flex_l",
    "wrist_dev_l",
)
"""Coordinates a full-body capture model may lack (OpenCap's model has none of these)."""

_STREAM = 0x4A8B
"""Extra entropy mixed into a participant's seed for its habitus (independent of its trials)."""


@dataclass(frozen=True)
class Habitus:
    """Posture and capture conventions of one participant (degrees)."""

    pelvis_tilt: float
    """Added to the pelvis tilt (positive = posterior); hips and lumbar spine compensate."""
    trunk_lean: float
    """Added to the lumbar extension (negative = forward lean); the neck keeps the head level."""
    elbow_carry: float
    """Extra elbow flexion carried through every movement."""
    arm_rotation: float
    """Added to both shoulders' rotation."""
    subtalar: float
    """Added to both subtalar angles."""
    mtp_locked: float | None
    """Toe angle when the capture model locks the toes, else ``None``."""
    no_neck_wrists: bool
    """True when the capture model has no neck or wrist coordinates."""

    @classmethod
    def neutral(cls) -> Habitus:
        """The textbook skeleton: no offsets, free toes, every coordinate present."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, None, False)


def draw_habitus(seed: int) -> Habitus:
    """The habitus of the participant whose trial seed is ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, _STREAM])
    return Habitus(
        pelvis_tilt=float(np.clip(rng.normal(8.0, 7.0), -10.0, 24.0)),
        trunk_lean=float(np.clip(rng.normal(-5.0, 6.0), -20.0, 8.0)),
        elbow_carry=float(rng.uniform(0.0, 22.0)),
        arm_rotation=float(rng.normal(0.0, 7.0)),
        subtalar=float(rng.normal(0.0, 4.0)),
        mtp_locked=float(rng.uniform(-10.0, 0.0)) if rng.random() < 0.5 else None,
        no_neck_wrists=bool(rng.random() < 0.35),
    )


def apply_posture(draft: Draft, h: Habitus) -> None:
    """Pelvis tilt, trunk lean and arm carriage, in place, before the draft is placed.

    The hip flexion and lumbar extension change by minus the pelvis offset, so the thighs and the
    trunk keep their pitch in the room; the neck changes by minus the lean, so the head does too.
    """
    a = draft.angles
    draft.pelvis_body[:, 0] += h.pelvis_tilt
    a[:, J["hip_flexion_r"]] -= h.pelvis_tilt
    a[:, J["hip_flexion_l"]] -= h.pelvis_tilt
    a[:, J["lumbar_extension"]] += -h.pelvis_tilt + h.trunk_lean
    a[:, J["neck_extension"]] -= h.trunk_lean
    for s in ("r", "l"):
        elbow = a[:, J[f"elbow_flex_{s}"]]
        a[:, J[f"elbow_flex_{s}"]] = np.minimum(elbow + h.elbow_carry, 145.0)
        a[:, J[f"arm_rot_{s}"]] += h.arm_rotation


def apply_capture(angles: NDArray[np.float64], h: Habitus) -> NDArray[np.bool_]:
    """Subtalar offset and locked toes, in place, after placing; returns the ``(34,)`` present mask.

    Joints the capture model lacks are set to NaN so nothing downstream can read them as zeros.
    """
    for s in ("r", "l"):
        angles[:, J[f"subtalar_angle_{s}"]] += h.subtalar
        if h.mtp_locked is not None:
            angles[:, J[f"mtp_angle_{s}"]] = h.mtp_locked
    present = np.ones(N_JOINTS, dtype=bool)
    if h.no_neck_wrists:
        for name in NO_NECK_WRISTS:
            present[J[name]] = False
            angles[:, J[name]] = np.nan
    return present
