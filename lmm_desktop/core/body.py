"""Body point trajectories: the output of forward kinematics (a contract between biomech, analysis,
the 3D view and the report).

Point names every forward-kinematics source provides (NaN where it cannot):

- joint centres: ``pelvis`` (pelvis origin), ``hip_r/l``, ``knee_r/l``, ``ankle_r/l``, ``mtp_r/l``,
  ``lumbar`` (base of the torso), ``neck`` (C7 level), ``head`` (top of head), ``shoulder_r/l``,
  ``elbow_r/l``, ``wrist_r/l``, ``hand_r/l``;
- landmarks: ``heel_r/l``, ``toe_r/l``, ``asis_r/l``, ``psis_r/l``, ``c7``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

REQUIRED_POINTS: tuple[str, ...] = (
    "pelvis", "hip_r", "knee_r", "ankle_r", "mtp_r", "heel_r", "toe_r",
    "hip_l", "knee_l", "ankle_l", "mtp_l", "heel_l", "toe_l",
    "lumbar", "neck", "head", "c7", "asis_r", "asis_l", "psis_r", "psis_l",
    "shoulder_r", "elbow_r", "wrist_r", "hand_r",
    "shoulder_l", "elbow_l", "wrist_l", "hand_l",
)

SEGMENT_GROUPS = ("torso", "head", "right_arm", "left_arm", "right_leg", "left_leg")


@dataclass
class BodyPoints:
    """Positions of named body points over time.

    Attributes
    ----------
    time
        ``(n_frames,)`` seconds.
    names
        Point names (see module docstring).
    positions
        ``(n_frames, n_points, 3)`` metres, OpenSim ground frame, Y up.
    segments
        Bones to draw: ``(point_a, point_b, group)`` with group in :data:`SEGMENT_GROUPS`.
    source
        'opensim:<model name>' or 'builtin'.
    """

    time: NDArray[np.float64]
    names: list[str]
    positions: NDArray[np.float64]
    segments: list[tuple[str, str, str]] = field(default_factory=list)
    source: str = "builtin"

    def __post_init__(self) -> None:
        n = self.time.shape[0]
        if self.positions.shape != (n, len(self.names), 3):
            raise ValueError(
                f"positions must be ({n}, {len(self.names)}, 3), got {self.positions.shape}"
            )
        self._index = {nm: i for i, nm in enumerate(self.names)}

    def point(self, name: str) -> NDArray[np.float64]:
        """``(n_frames, 3)`` trajectory of one point, metres."""
        return self.positions[:, self._index[name], :]

    def has(self, name: str) -> bool:
        return name in self._index

    @property
    def n_frames(self) -> int:
        return int(self.time.shape[0])
