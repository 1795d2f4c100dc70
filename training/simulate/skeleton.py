"""A minimal, vectorised leg chain used to place the simulated body on the floor.

OpenSim conventions: ground X forward, Y up, Z right; pelvis body-fixed Z (tilt) - X (list) -
Y (rotation); hip Z (flexion) - X (adduction) - Y (rotation), mirrored X and Y axes on the left;
knee flexion about -Z; ankle dorsiflexion about +Z. Segment lengths follow Winter's anthropometric
fractions of height. The simulator only needs the feet relative to the pelvis (heel and toe), which
this chain gives in well under a millisecond per 1,000 frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import JOINT_INDEX

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LegGeometry:
    """Segment geometry scaled to a person's height (metres, pelvis frame)."""

    hip_offset: tuple[float, float, float]
    """Right hip centre relative to the pelvis origin (x back-negative, y down-negative, z right)."""
    thigh: float
    shank: float
    ankle_height: float
    heel_back: float
    toe_front: float

    @classmethod
    def for_height(cls, height_m: float) -> LegGeometry:
        s = height_m / 1.75
        return cls(
            hip_offset=(-0.065 * s, -0.085 * s, 0.085 * s),
            thigh=0.245 * height_m,
            shank=0.246 * height_m,
            ankle_height=0.039 * height_m,
            heel_back=0.035 * height_m,
            toe_front=0.117 * height_m,
        )

    def standing_pelvis_height(self) -> float:
        """Pelvis-origin height of a person standing straight (metres)."""
        return -self.hip_offset[1] + self.thigh + self.shank + self.ankle_height


def rot_x(a: Array) -> Array:
    """``(n, 3, 3)`` rotations about X by angles ``a`` (radians, ``(n,)``)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([o, z, z, z, c, -s, z, s, c], axis=-1).reshape(-1, 3, 3)


def rot_y(a: Array) -> Array:
    """``(n, 3, 3)`` rotations about Y (radians)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([c, z, s, z, o, z, -s, z, c], axis=-1).reshape(-1, 3, 3)


def rot_z(a: Array) -> Array:
    """``(n, 3, 3)`` rotations about Z (radians)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([c, -s, z, s, c, z, z, z, o], axis=-1).reshape(-1, 3, 3)


def pelvis_matrix(rotation_deg: Array) -> Array:
    """``(n, 3, 3)`` pelvis orientation from OpenSim tilt, list, rotation (degrees, ``(n, 3)``)."""
    r = np.radians(rotation_deg)
    return rot_z(r[:, 0]) @ rot_x(r[:, 1]) @ rot_y(r[:, 2])


def pelvis_euler_with_heading(body_deg: Array, heading_rad: Array) -> Array:
    """OpenSim pelvis angles of a pelvis turned by ``heading`` about the vertical.

    ``body_deg`` ``(n, 3)`` are tilt, list and rotation relative to the walking direction (degrees);
    ``heading_rad`` ``(n,)`` turns the whole body about ground Y (positive = to the left). Returns
    ``(n, 3)`` degrees in the Z-X-Y sequence, the rotation unwrapped so it stays continuous.
    """
    r = rot_y(heading_rad) @ pelvis_matrix(body_deg)  # (n, 3, 3)
    tilt = np.arctan2(-r[:, 0, 1], r[:, 1, 1])
    lst = np.arcsin(np.clip(r[:, 2, 1], -1.0, 1.0))
    rot = np.unwrap(np.arctan2(-r[:, 2, 0], r[:, 2, 2]))
    return np.degrees(np.stack([tilt, lst, rot], axis=1))


def foot_points(angles_deg: Array, pelvis_deg: Array, geo: LegGeometry) -> Array:
    """Heel and toe of both feet relative to the pelvis origin, in ground orientation.

    Parameters
    ----------
    angles_deg
        ``(n, 34)`` canonical joint angles, degrees.
    pelvis_deg
        ``(n, 3)`` OpenSim pelvis tilt, list, rotation, degrees.
    geo
        Segment geometry.

    Returns
    -------
    ``(n, 2, 2, 3)`` metres: [frame, side (0 right, 1 left), point (0 heel, 1 toe), xyz].
    """
    n = angles_deg.shape[0]
    rp = pelvis_matrix(pelvis_deg)  # (n, 3, 3)
    out = np.empty((n, 2, 2, 3))
    for k, (suffix, mirror) in enumerate((("_r", 1.0), ("_l", -1.0))):
        a = np.radians(angles_deg)
        flex = a[:, JOINT_INDEX["hip_flexion" + suffix]]
        add = a[:, JOINT_INDEX["hip_adduction" + suffix]]
        hrot = a[:, JOINT_INDEX["hip_rotation" + suffix]]
        knee = a[:, JOINT_INDEX["knee_angle" + suffix]]
        ankle = a[:, JOINT_INDEX["ankle_angle" + suffix]]
        hx, hy, hz = geo.hip_offset
        hip = rp @ np.array([hx, hy, mirror * hz])  # (n, 3)
        r_thigh = rp @ rot_z(flex) @ rot_x(mirror * add) @ rot_y(mirror * hrot)  # (n, 3, 3)
        knee_p = hip + r_thigh[:, :, 1] * -geo.thigh
        r_shank = r_thigh @ rot_z(-knee)
        ankle_p = knee_p + r_shank[:, :, 1] * -geo.shank
        r_foot = r_shank @ rot_z(ankle)
        down = r_foot[:, :, 1] * -geo.ankle_height
        out[:, k, 0] = ankle_p + down + r_foot[:, :, 0] * -geo.heel_back
        out[:, k, 1] = ankle_p + down + r_foot[:, :, 0] * geo.toe_front
    return out
