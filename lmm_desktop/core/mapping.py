"""Map a source model's coordinates onto the canonical kinematics (see core/canonical.py).

First version: direct name mapping plus the gait2392 knee sign. Extended per model below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    JOINT_INDEX,
    N_JOINTS,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)

NEGATIVE_KNEE_MODELS = frozenset({"gait2392"})


@dataclass
class MappingResult:
    """Outcome of :func:`map_to_canonical`."""

    kinematics: Kinematics
    model: str
    unmapped: list[str] = field(default_factory=list)


def detect_model(names: Sequence[str]) -> str:
    """Best guess of the source model from its coordinate names ('unknown' if unsure)."""
    s = set(names)
    if any(n.startswith("sh_") for n in s):
        return "LaiArnoldModified2017"
    if "knee_angle_r_beta" in s and "wrist_flex_r" in s:
        return "Rajagopal2016"
    if "knee_angle_r_beta" in s:
        return "LaiUhlrich2022"
    if "arm_flex_r" in s and "knee_angle_r" in s:
        return "Hamner2010"
    if "knee_angle_r" in s and "lumbar_extension" in s and len(s - {"time"}) <= 23:
        return "gait2392"
    return "unknown"


def map_to_canonical(
    names: Sequence[str], values: NDArray[np.float64], *, model: str | None = None
) -> MappingResult:
    """Build canonical :class:`Kinematics` from source coordinates.

    Parameters
    ----------
    names
        Source coordinate names (``time`` excluded).
    values
        ``(n_frames, len(names))``; rotations in degrees, translations in metres.
    model
        Source model name when known (e.g. from the .osim); detected from the names otherwise.
    """
    model = model or detect_model(names)
    n = values.shape[0]
    angles = np.full((n, N_JOINTS), np.nan)  # (n_frames, 34), degrees
    present = np.zeros(N_JOINTS, dtype=bool)
    col = {nm: i for i, nm in enumerate(names)}
    for j, cname in enumerate(CANONICAL_JOINTS):
        if cname in col:
            angles[:, j] = values[:, col[cname]]
            present[j] = True
    if model in NEGATIVE_KNEE_MODELS:
        for k in ("knee_angle_r", "knee_angle_l"):
            angles[:, JOINT_INDEX[k]] *= -1.0
    rot = np.full((n, 3), np.nan)
    trans = np.full((n, 3), np.nan)
    pelvis_present = all(p in col for p in (*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS))
    for i, p in enumerate(PELVIS_ROTATIONS):
        if p in col:
            rot[:, i] = values[:, col[p]]
    for i, p in enumerate(PELVIS_TRANSLATIONS):
        if p in col:
            trans[:, i] = values[:, col[p]]
    used = set(CANONICAL_JOINTS) | set(PELVIS_ROTATIONS) | set(PELVIS_TRANSLATIONS)
    unmapped = [nm for nm in names if nm not in used]
    kin = Kinematics(angles=angles, present=present, pelvis_rotation=rot,
                     pelvis_translation=trans, pelvis_present=pelvis_present)
    return MappingResult(kinematics=kin, model=model, unmapped=unmapped)
