"""Rotations and foot positions used to place the simulated body on the floor.

OpenSim conventions: ground X forward, Y up, Z right; pelvis body-fixed Z (tilt) - X (list) -
Y (rotation). Foot positions come from the app's built-in forward kinematics
(:func:`lmm_desktop.biomech.fk.builtin_forward_kinematics`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.canonical import N_JOINTS, Kinematics

Array = NDArray[np.float64]


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


def foot_points(angles_deg: Array, pelvis_deg: Array, height_m: float) -> Array:
    """Heel and toe tip of both feet relative to the pelvis origin, in ground orientation.

    Uses the app's built-in forward kinematics, so the simulated feet are exactly where the app
    will draw them.

    Parameters
    ----------
    angles_deg
        ``(n, 34)`` canonical joint angles, degrees.
    pelvis_deg
        ``(n, 3)`` OpenSim pelvis tilt, list, rotation, degrees.
    height_m
        Participant height; segment lengths scale with it.

    Returns
    -------
    ``(n, 2, 2, 3)`` metres: [frame, side (0 right, 1 left), point (0 heel, 1 toe), xyz].
    """
    n = angles_deg.shape[0]
    kin = Kinematics(
        angles=angles_deg,
        present=np.ones(N_JOINTS, dtype=bool),
        pelvis_rotation=pelvis_deg,
        pelvis_translation=np.zeros((n, 3)),
    )
    body = builtin_forward_kinematics(kin, np.arange(n, dtype=float), height_m=height_m)
    out = np.empty((n, 2, 2, 3))  # (n, side, point, xyz), metres
    for k, side in enumerate(("r", "l")):
        out[:, k, 0] = body.point(f"heel_{side}")
        out[:, k, 1] = body.point(f"toe_{side}")
    return out
