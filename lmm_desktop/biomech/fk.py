"""Forward kinematics: joint angles -> 3D body points (:class:`~lmm_desktop.core.body.BodyPoints`).

Two engines:

- :func:`builtin_forward_kinematics`: pure, vectorised numpy on the built-in full-body model
  (geometry from :mod:`lmm_desktop.biomech.geometry`, the same tables the generated .osim uses);
- :func:`osim_forward_kinematics`: OpenSim, on the trial's own model (e.g. an OpenCap
  LaiUhlrich2022 .osim), from the source coordinates as read.

:func:`forward_kinematics` picks the right one for a trial.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.biomech.geometry import (
    BODIES,
    JOINTS,
    LANDMARKS,
    resolve_height,
    standing_pelvis_height,
)
from lmm_desktop.core.body import REQUIRED_POINTS, BodyPoints
from lmm_desktop.core.canonical import JOINT_INDEX, Kinematics
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import Trial

SEGMENTS: list[tuple[str, str, str]] = [
    ("pelvis", "lumbar", "torso"),
    ("lumbar", "neck", "torso"),
    ("neck", "shoulder_r", "torso"),
    ("neck", "shoulder_l", "torso"),
    ("asis_r", "asis_l", "torso"),
    ("asis_r", "psis_r", "torso"),
    ("asis_l", "psis_l", "torso"),
    ("psis_r", "psis_l", "torso"),
    ("neck", "c7", "torso"),
    ("neck", "head", "head"),
    ("shoulder_r", "elbow_r", "right_arm"),
    ("elbow_r", "wrist_r", "right_arm"),
    ("wrist_r", "hand_r", "right_arm"),
    ("shoulder_l", "elbow_l", "left_arm"),
    ("elbow_l", "wrist_l", "left_arm"),
    ("wrist_l", "hand_l", "left_arm"),
    ("pelvis", "hip_r", "right_leg"),
    ("hip_r", "knee_r", "right_leg"),
    ("knee_r", "ankle_r", "right_leg"),
    ("ankle_r", "heel_r", "right_leg"),
    ("ankle_r", "mtp_r", "right_leg"),
    ("heel_r", "mtp_r", "right_leg"),
    ("mtp_r", "toe_r", "right_leg"),
    ("pelvis", "hip_l", "left_leg"),
    ("hip_l", "knee_l", "left_leg"),
    ("knee_l", "ankle_l", "left_leg"),
    ("ankle_l", "heel_l", "left_leg"),
    ("ankle_l", "mtp_l", "left_leg"),
    ("heel_l", "mtp_l", "left_leg"),
    ("mtp_l", "toe_l", "left_leg"),
]
"""Bones to draw, ``(point_a, point_b, group)``, covering the whole skeleton."""


def _cross_matrices(axes: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(k, 3)`` unit axes -> ``(k, 3, 3)`` cross-product matrices."""
    x, y, z = axes[:, 0], axes[:, 1], axes[:, 2]
    zero = np.zeros_like(x)
    return np.stack(
        [np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)], -2
    )


def _rotations(axes: NDArray[np.float64], angles: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotation matrices about fixed unit axes (Rodrigues), for every frame and axis at once.

    ``axes`` is ``(k, 3)``, ``angles`` ``(k, n)`` radians; returns ``(k, n, 3, 3)`` (contiguous
    per axis, which keeps the batched products below fast).
    """
    cross = _cross_matrices(axes)  # (k, 3, 3)
    k1, k2 = cross.reshape(-1, 9), (cross @ cross).reshape(-1, 9)
    sin, one_minus_cos = np.sin(angles), 1.0 - np.cos(angles)  # (k, n)
    out = np.zeros((angles.shape[0], angles.shape[1], 9))  # (k, n, 9)
    out[:, :, [0, 4, 8]] = 1.0
    # Most axes are X, Y or Z: touching only the non-zero entries halves the work.
    for a in range(angles.shape[0]):
        rows = out[a]
        for j in np.flatnonzero(k1[a]):
            rows[:, j] += k1[a, j] * sin[a]
        for j in np.flatnonzero(k2[a]):
            rows[:, j] += k2[a, j] * one_minus_cos[a]
    return out.reshape(angles.shape[0], angles.shape[1], 3, 3)


def _pose_bodies(
    kin: Kinematics, height_m: float
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Ground-frame pose of every body: name -> (R (n, 3, 3), origin (n, 3) metres)."""
    angles = np.radians(np.nan_to_num(kin.angles, nan=0.0))  # (n, 34) radians
    pel_rot = np.radians(np.nan_to_num(kin.pelvis_rotation, nan=0.0))  # (n, 3) radians
    pel_pos = np.array(kin.pelvis_translation, dtype=float, copy=True)  # (n, 3) metres
    default = np.array([0.0, standing_pelvis_height(height_m), 0.0])
    pel_pos = np.where(np.isnan(pel_pos), default, pel_pos)

    # One rotation per coordinate, pelvis first, then the joints in model order.
    columns = [JOINT_INDEX[c] for j in JOINTS[1:] for c in j.coordinates]
    all_angles = np.vstack([pel_rot.T, angles.T[columns]])  # (37, n) radians
    all_axes = np.array([a for j in JOINTS for a in j.axes])  # (37, 3)
    rots = _rotations(all_axes, all_angles)  # (37, n, 3, 3)

    poses: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    k = 0
    for joint in JOINTS:
        if joint.parent == "ground":
            r_parent, origin = None, pel_pos
        else:
            r_parent, p_parent = poses[joint.parent]
            offset = np.asarray(joint.location) * height_m  # (3,) metres, parent frame
            origin = p_parent + r_parent @ offset  # (n, 3)
        rot = rots[k] if r_parent is None else r_parent @ rots[k]
        for i in range(1, len(joint.axes)):
            rot = rot @ rots[k + i]
        k += len(joint.axes)
        poses[joint.child] = (rot, origin)
    return poses


def builtin_forward_kinematics(
    kin: Kinematics,
    time: NDArray[np.float64],
    *,
    height_m: float | None = None,
    all_landmarks: bool = False,
) -> BodyPoints:
    """Body points of the built-in full-body model, computed in vectorised numpy.

    Parameters
    ----------
    kin
        Canonical kinematics (degrees, metres).
    time
        ``(n_frames,)`` seconds.
    height_m
        Subject height; segment lengths scale with it (``None``: 1.70 m reference).
    all_landmarks
        Also return the extra IK landmarks (epicondyles, malleoli, ...) after the required points.

    Returns
    -------
    BodyPoints
        :data:`~lmm_desktop.core.body.REQUIRED_POINTS` (then extra landmarks if asked), metres.

    Notes
    -----
    NaN angles (joints the source lacks, or gaps) are taken as 0 (neutral) for the geometry; the
    kinematics' ``present`` mask still marks those joints as missing. A NaN pelvis rotation is
    taken as 0 and a NaN pelvis translation as standing upright at the origin.
    """
    h = resolve_height(height_m)
    poses = _pose_bodies(kin, h)
    by_name = {m.name: m for m in LANDMARKS}
    names = list(REQUIRED_POINTS)
    if all_landmarks:
        names += [m.name for m in LANDMARKS if m.name not in REQUIRED_POINTS]
    out = np.empty((kin.n_frames, len(names), 3))  # (n_frames, n_points, 3), metres
    for body in BODIES:
        idx = [i for i, nm in enumerate(names) if by_name[nm].body == body.name]
        if not idx:
            continue
        rot, origin = poses[body.name]
        local = np.array([by_name[names[i]].location for i in idx]) * h  # (k, 3) metres
        out[:, idx, :] = origin[:, None, :] + (rot @ local.T).transpose(0, 2, 1)
    return BodyPoints(
        time=np.asarray(time, dtype=float),
        names=names,
        positions=out,
        segments=list(SEGMENTS),
        source="builtin",
    )


def osim_forward_kinematics(trial: Trial, model_path: str | Path) -> BodyPoints:
    """Body points through OpenSim on the trial's own model, from ``trial.source``.

    See :func:`lmm_desktop.biomech.osim_fk.osim_forward_kinematics`.
    """
    from lmm_desktop.biomech.osim_fk import osim_forward_kinematics as _impl

    return _impl(trial, model_path, segments=SEGMENTS)


def forward_kinematics(trial: Trial) -> BodyPoints:
    """Body points of a trial, with the best model available.

    Uses OpenSim on ``trial.provenance.model_path`` when it is an existing .osim and the trial
    has source coordinates; otherwise the built-in numpy model driven by ``trial.kinematics``
    scaled to ``trial.subject.height_m``.

    Raises
    ------
    AnalysisError
        For a marker-only trial (no joint angles): run inverse kinematics first.
    """
    model_path = trial.provenance.model_path
    if (
        model_path is not None
        and Path(model_path).suffix.lower() == ".osim"
        and Path(model_path).is_file()
        and trial.source is not None
    ):
        return osim_forward_kinematics(trial, model_path)
    if trial.kinematics is None:
        raise AnalysisError(
            f"Cannot compute body positions for '{trial.name}': the trial has markers only and no "
            "joint angles. Run inverse kinematics from the markers first."
        )
    return builtin_forward_kinematics(trial.kinematics, trial.time, height_m=trial.subject.height_m)
