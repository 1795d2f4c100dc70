"""The 41-element BiomechGPT vector (MuJoCo ``qpos``): read and write ``.npz`` / ``.npy``.

Layout of one row (MonocularBiomechanics' ``humanoid_torque_rl.xml``, checked against the file):

====== ==========================================================================
0..2   pelvis (root free joint) position x, y, z in metres, MuJoCo world, **Z up**
3..6   pelvis orientation quaternion w, x, y, z (MuJoCo order)
7..40  34 hinges in radians, in :data:`~lmm_desktop.core.canonical.CANONICAL_JOINTS` order
       (the depth-first body order of the XML: right leg, left leg, torso, head, right arm,
       left arm)
====== ==========================================================================

Frames. The MuJoCo world is x forward, y left, z up; OpenSim ground is x forward, y up, z right.
``p_mujoco = C @ p_opensim`` with ``C = Rx(+90 deg)``, i.e. ``(x, y, z)_mj = (tx, -tz, ty)``. The
pelvis body in the XML starts at ``quat = (0.7071, 0.7071, 0, 0)`` = ``C``, and every body below it
carries OpenSim's own frame (no body ``quat``), so ``R_mujoco = C @ R_opensim`` with
``R_opensim = Rz(tilt) Rx(list) Ry(rotation)`` (OpenSim's body-fixed pelvis sequence).

Hinge signs (MuJoCo axis in the child body vs the LaiUhlrich2022 / Rajagopal2016 axis):

* ``knee_angle_*``: MuJoCo +Z (range -160..10 deg, negative in flexion), OpenSim about -Z
  -> negated.
* ``mtp_angle_*``: MuJoCo (-0.581, 0, 0.814) right / (0.581, 0, 0.814) left, opposite to
  Rajagopal's (0.581, 0, -0.814) / (-0.581, 0, -0.814) -> negated (gait2392 convention).
* Identical axes, kept: hip flexion/adduction/rotation (left adduction and rotation about -X/-Y
  in both), ankle, subtalar, lumbar, arm_flex/add/rot (left about -X/-Y in both), elbow,
  pro_sup, wrist_flex, wrist_dev.
* ``neck_*``: no OpenSim fixture model has a neck; the MuJoCo axes (Z, X, Y) follow the lumbar
  pattern, so they are kept (assumption).

Frame rate: the vector itself has none. An ``.npz`` may store ``fps`` (or ``rate``/``rate_hz``) or
``time``; otherwise the caller must pass ``rate_hz=``. Nothing is assumed: without a rate the
reader raises :class:`~lmm_desktop.core.errors.TrialReadError` saying so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.canonical import CANONICAL_JOINTS, N_JOINTS, Kinematics
from lmm_desktop.core.errors import TrialReadError, TrialWriteError
from lmm_desktop.core.rotations import (
    euler_from_matrix,
    matrix_from_euler,
    matrix_to_quat,
    quat_to_matrix,
)
from lmm_desktop.core.trial import Provenance, SourceCoordinates, Trial

QPOS_SIZE = 41
QPOS_NAMES: tuple[str, ...] = (
    "root_x",
    "root_y",
    "root_z",
    "root_qw",
    "root_qx",
    "root_qy",
    "root_qz",
    *CANONICAL_JOINTS,
)
"""Names of the 41 elements (root position, root quaternion, the 34 hinges)."""

QPOS_SIGNS: dict[str, float] = {
    "knee_angle_r": -1.0,
    "knee_angle_l": -1.0,
    "mtp_angle_r": -1.0,
    "mtp_angle_l": -1.0,
}
"""canonical = sign * qpos for these hinges (+1 for every other hinge)."""

ZUP_FROM_YUP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
"""``C = Rx(+90 deg)``: OpenSim ground (Y up) -> MuJoCo world (Z up)."""

_SIGN_VECTOR = np.array([QPOS_SIGNS.get(c, 1.0) for c in CANONICAL_JOINTS])  # (34,)
_RATE_KEYS = ("fps", "rate", "rate_hz", "frame_rate")
MODEL_NAME = "MuJoCo humanoid (41-element qpos)"


def qpos_to_kinematics(qpos: NDArray[np.float64]) -> Kinematics:
    """Convert ``(n, 41)`` qpos rows to canonical kinematics (degrees, Y up, knee flexion > 0).

    Rows whose quaternion is not finite get NaN pelvis angles.

    Raises
    ------
    ValueError
        A finite quaternion has zero norm (the message names the first such row).
    """
    q = np.asarray(qpos, dtype=float)
    n = q.shape[0]
    pos_yup = q[:, 0:3] @ ZUP_FROM_YUP  # (n, 3) metres: C^T p per row
    rot = np.full((n, 3), np.nan)  # (n, 3) degrees
    ok = np.all(np.isfinite(q[:, 3:7]), axis=1)
    bad = np.flatnonzero(ok & (np.linalg.norm(np.nan_to_num(q[:, 3:7]), axis=1) < 1e-12))
    if bad.size:
        raise ValueError(f"row {int(bad[0])} has a zero quaternion")
    if np.any(ok):
        r_mj = quat_to_matrix(q[ok, 3:7])  # (m, 3, 3)
        r_os = ZUP_FROM_YUP.T @ r_mj
        rot[ok] = np.rad2deg(euler_from_matrix(r_os, "ZXY"))
    angles = np.rad2deg(q[:, 7:]) * _SIGN_VECTOR  # (n, 34) degrees
    return Kinematics(
        angles=angles,
        present=np.ones(N_JOINTS, dtype=bool),
        pelvis_rotation=rot,
        pelvis_translation=pos_yup,
        pelvis_present=True,
    )


def kinematics_to_qpos(kin: Kinematics) -> NDArray[np.float64]:
    """Inverse of :func:`qpos_to_kinematics`: ``(n, 41)`` qpos rows (joints not present -> 0)."""
    n = kin.n_frames
    qpos = np.empty((n, QPOS_SIZE))  # (n, 41)
    qpos[:, 0:3] = kin.pelvis_translation @ ZUP_FROM_YUP.T  # C p per row, metres
    quat = np.full((n, 4), np.nan)  # (n, 4) w, x, y, z
    ok = np.all(np.isfinite(kin.pelvis_rotation), axis=1)
    if np.any(ok):
        r_os = matrix_from_euler(np.deg2rad(kin.pelvis_rotation[ok]), "ZXY")
        quat[ok] = matrix_to_quat(ZUP_FROM_YUP @ r_os)
    qpos[:, 3:7] = quat
    angles = np.where(kin.present[None, :], kin.angles, 0.0)  # (n, 34) degrees
    qpos[:, 7:] = np.deg2rad(angles) * _SIGN_VECTOR
    return qpos


def read_qpos(path: str | Path, *, rate_hz: float | None = None) -> Trial:
    """Read a 41-element qpos trial from ``.npz`` (key ``qpos``) or ``.npy``.

    Parameters
    ----------
    path
        The file.
    rate_hz
        Frame rate, required when the file stores neither ``fps``/``rate``/``rate_hz`` nor
        ``time`` (always the case for ``.npy``).

    Raises
    ------
    TrialReadError
        Unreadable file, wrong shape, no frame rate, or an invalid quaternion.
    """
    p = Path(path)
    arrays = _load_arrays(p)
    qpos = np.asarray(arrays["qpos"], dtype=float)
    if qpos.ndim != 2 or qpos.shape[1] != QPOS_SIZE or qpos.shape[0] < 1:
        raise TrialReadError(
            p,
            f"the qpos array has shape {qpos.shape}",
            expected="(n_frames, 41): root x, y, z, quaternion w, x, y, z and "
            "34 joint angles in radians",
        )
    time, rate = _time_base(p, arrays, qpos.shape[0], rate_hz)
    try:
        kin = qpos_to_kinematics(qpos)
    except ValueError as exc:
        raise TrialReadError(
            p,
            str(exc),
            where="pelvis quaternion (columns 4-7)",
            expected="a unit quaternion w, x, y, z",
        ) from exc
    present = arrays.get("present")
    if present is not None:
        mask = np.asarray(present, dtype=bool)
        if mask.shape != (N_JOINTS,):
            raise TrialReadError(p, f"'present' has shape {mask.shape}", expected="(34,) booleans")
        kin.present = mask
        kin.angles[:, ~mask] = np.nan
    kin.notes.append(
        "read from the 41-element qpos: Z up converted to Y up; knee and mtp "
        "signs negated to OpenSim (LaiUhlrich2022) conventions"
    )
    source_values = qpos.copy()  # (n, 41): metres, unit quaternion, hinges in degrees
    source_values[:, 7:] = np.rad2deg(qpos[:, 7:])
    return Trial(
        time=time,
        rate_hz=rate,
        source=SourceCoordinates(names=list(QPOS_NAMES), values=source_values, in_degrees=False),
        kinematics=kin,
        provenance=Provenance(path=p, format="qpos41", model_name=MODEL_NAME),
    )


def write_qpos(trial: Trial, path: str | Path) -> Path:
    """Write a trial's canonical kinematics as an ``.npz`` with ``qpos``, ``fps``, ``time``,
    ``present`` (which joints are real; the others are written as 0) and ``names``. Atomic.

    Raises
    ------
    TrialWriteError
        Not an ``.npz`` path, no kinematics, or no pelvis pose.
    """
    p = Path(path)
    if p.suffix.lower() != ".npz":
        raise TrialWriteError(
            f"Cannot write '{p}': the 41-element vector is written as .npz "
            "(it stores the frame rate with it)."
        )
    kin = trial.kinematics
    if kin is None:
        raise TrialWriteError(
            f"Cannot write '{p}': the trial '{trial.name}' has no joint angles "
            "(markers only); run inverse kinematics first."
        )
    if not kin.pelvis_present:
        raise TrialWriteError(
            f"Cannot write '{p}': the trial '{trial.name}' has no pelvis pose, "
            "which the 41-element vector needs (position and quaternion)."
        )
    qpos = kinematics_to_qpos(kin)
    with atomic_write(p, "wb") as fh:
        np.savez(
            fh,
            qpos=qpos,
            fps=np.float64(trial.rate_hz),
            time=np.asarray(trial.time),
            present=np.asarray(kin.present, dtype=bool),
            names=np.array(QPOS_NAMES),
        )
    return p


def _load_arrays(p: Path) -> dict[str, NDArray[np.generic]]:
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            return {"qpos": np.load(p, allow_pickle=False)}
        with np.load(p, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as exc:
        raise TrialReadError(
            p,
            f"the file cannot be loaded as a numpy array ({exc})",
            expected="a .npz with a 'qpos' array or a .npy array",
        ) from exc
    if "qpos" not in arrays:
        raise TrialReadError(
            p,
            f"it has no 'qpos' array (found: {', '.join(arrays) or 'none'})",
            expected="a .npz with a (n_frames, 41) 'qpos' array",
        )
    return arrays


def _time_base(
    p: Path, arrays: dict[str, NDArray[np.generic]], n: int, rate_hz: float | None
) -> tuple[NDArray[np.float64], float]:
    """Time stamps and rate from the file, or from ``rate_hz``; never a default."""
    stored = next((float(np.asarray(arrays[k])) for k in _RATE_KEYS if k in arrays), None)
    if stored is not None and rate_hz is not None and not np.isclose(stored, rate_hz):
        raise TrialReadError(p, f"the file says {stored:g} frames/s but {rate_hz:g} was requested")
    rate = stored if stored is not None else rate_hz
    if "time" in arrays:
        time = np.asarray(arrays["time"], dtype=float)
        if time.shape != (n,) or (n > 1 and np.any(np.diff(time) <= 0)):
            raise TrialReadError(
                p, "its 'time' array is not one strictly increasing value per frame"
            )
        if rate is None:
            rate = float(1.0 / np.median(np.diff(time))) if n > 1 else None
    else:
        time = None
    if rate is None or not np.isfinite(rate) or rate <= 0:
        raise TrialReadError(
            p,
            "the file stores no frame rate (a .npy never does)",
            expected="an .npz with an 'fps' (or 'time') entry, or the rate given explicitly, "
            "e.g. read_qpos(path, rate_hz=30)",
        )
    if time is None:
        time = np.arange(n) / rate  # (n,) seconds
    return time, float(rate)
