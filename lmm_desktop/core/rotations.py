"""Rotation helpers (numpy only): body-fixed sequences, quaternions, Euler angles.

Conventions
-----------
* Angles are in **radians** here; callers convert degrees at their edges.
* Matrices are ``(..., 3, 3)`` and rotate column vectors: ``v_parent = R @ v_child``.
* A *body-fixed* (intrinsic) sequence ``R = R(a1, q1) @ R(a2, q2) @ R(a3, q3)`` rotates first about
  ``a1``, then about ``a2`` as carried by the first rotation, and so on. This is how OpenSim's
  CustomJoint applies rotation1..3 and how MuJoCo composes the hinges listed in one body.
* Quaternions are ``(w, x, y, z)`` (MuJoCo order), unit norm; :func:`matrix_to_quat` returns the
  representative with ``w >= 0``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

_AXIS_INDEX = {"X": 0, "Y": 1, "Z": 2}
_GIMBAL_EPS = 1e-6


def axis_angle_matrix(axis: ArrayLike, angle: ArrayLike) -> NDArray[np.float64]:
    """Rotation matrices about a fixed ``axis`` (normalised here) by ``angle`` radians.

    Parameters
    ----------
    axis
        ``(3,)`` rotation axis; need not be unit length.
    angle
        Scalar or ``(n,)`` angles in radians.

    Returns
    -------
    ndarray
        ``(3, 3)`` for a scalar angle, else ``(n, 3, 3)``.
    """
    u = np.asarray(axis, dtype=float)
    norm = np.linalg.norm(u)
    if norm == 0.0:
        raise ValueError("rotation axis must not be the zero vector")
    x, y, z = u / norm
    q = np.asarray(angle, dtype=float)
    c, s = np.cos(q), np.sin(q)
    t = 1.0 - c
    rows = [
        [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
        [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
        [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ]
    # (..., 3, 3): stack rows then columns so a scalar angle gives (3, 3)
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def rot_x(angle: ArrayLike) -> NDArray[np.float64]:
    """Rotation about +X by ``angle`` radians (``(3, 3)`` or ``(n, 3, 3)``)."""
    return axis_angle_matrix((1.0, 0.0, 0.0), angle)


def rot_y(angle: ArrayLike) -> NDArray[np.float64]:
    """Rotation about +Y by ``angle`` radians (``(3, 3)`` or ``(n, 3, 3)``)."""
    return axis_angle_matrix((0.0, 1.0, 0.0), angle)


def rot_z(angle: ArrayLike) -> NDArray[np.float64]:
    """Rotation about +Z by ``angle`` radians (``(3, 3)`` or ``(n, 3, 3)``)."""
    return axis_angle_matrix((0.0, 0.0, 1.0), angle)


def compose_body_fixed(axes: Sequence[ArrayLike], angles: ArrayLike) -> NDArray[np.float64]:
    """Compose a body-fixed rotation sequence about arbitrary axes.

    Parameters
    ----------
    axes
        ``k`` axes (each ``(3,)``), applied in order (rotation1 first).
    angles
        ``(n, k)`` angles in radians, column ``i`` about ``axes[i]``.

    Returns
    -------
    ndarray
        ``(n, 3, 3)`` matrices ``R(a1, q1) @ R(a2, q2) @ ...``.
    """
    q = np.atleast_2d(np.asarray(angles, dtype=float))  # (n, k) radians
    if q.shape[1] != len(axes):
        raise ValueError(f"expected {len(axes)} angle columns, got {q.shape[1]}")
    out = np.broadcast_to(np.eye(3), (q.shape[0], 3, 3)).copy()  # (n, 3, 3)
    for i, ax in enumerate(axes):
        out = out @ axis_angle_matrix(ax, q[:, i])
    return out


def matrix_from_euler(angles: ArrayLike, seq: str = "ZXY") -> NDArray[np.float64]:
    """Body-fixed Tait-Bryan sequence, e.g. ``'ZXY'`` = ``Rz(a) @ Rx(b) @ Ry(c)``.

    ``angles`` is ``(n, 3)`` (or ``(3,)``) in radians; returns ``(n, 3, 3)``.
    """
    _check_seq(seq)
    unit = np.eye(3)
    return compose_body_fixed([unit[_AXIS_INDEX[c]] for c in seq], angles)


def euler_from_matrix(matrix: ArrayLike, seq: str = "ZXY") -> NDArray[np.float64]:
    """Extract body-fixed Tait-Bryan angles ``(a, b, c)`` with ``R = Ri(a) @ Rj(b) @ Rk(c)``.

    The middle angle lies in ``[-pi/2, pi/2]``, the others in ``(-pi, pi]``. At gimbal lock
    (``|b| = pi/2``) only ``a +/- c`` is defined; ``c`` is then set to 0.

    Parameters
    ----------
    matrix
        ``(n, 3, 3)`` or ``(3, 3)`` rotation matrices.
    seq
        Three distinct axis letters, e.g. ``'ZXY'`` (OpenSim pelvis, hip, lumbar, shoulder).

    Returns
    -------
    ndarray
        ``(n, 3)`` radians (``(3,)`` for a single matrix).
    """
    _check_seq(seq)
    m = np.asarray(matrix, dtype=float)
    single = m.ndim == 2
    m = m.reshape(-1, 3, 3)  # (n, 3, 3)
    i, j, k = (_AXIS_INDEX[c] for c in seq)
    e = 1.0 if (i, j, k) in ((0, 1, 2), (1, 2, 0), (2, 0, 1)) else -1.0  # cyclic or not
    sin_b = np.clip(e * m[:, i, k], -1.0, 1.0)
    cos_b = np.hypot(m[:, j, k], m[:, k, k])  # well conditioned near the lock, unlike arcsin
    b = np.arctan2(sin_b, cos_b)
    a = np.arctan2(-e * m[:, j, k], m[:, k, k])
    c = np.arctan2(-e * m[:, i, j], m[:, i, i])
    locked = cos_b < _GIMBAL_EPS
    if np.any(locked):
        # Near the lock only one combination a +/- c is well defined (from the large entries);
        # its split into a and c comes from the tiny entries (exactly 0 at the lock itself).
        # c := 0 gives the combination: R Rj(b)^T = Ri(a0) when c = 0.
        unit = np.eye(3)
        mk = m[locked]
        rj = axis_angle_matrix(unit[j], b[locked])  # (m, 3, 3)
        ri = mk @ np.swapaxes(rj, -1, -2)
        combo = np.arctan2(e * ri[:, k, j], ri[:, j, j])
        split = np.where(cos_b[locked] < 1e-12, 0.0, c[locked])
        best_a, best_c = combo, np.zeros_like(combo)
        best_err = np.full(combo.shape, np.inf)
        for sign in (1.0, -1.0):  # which of a + c / a - c the lock couples depends on b's sign
            cand_a, cand_c = combo - sign * split, split
            rec = matrix_from_euler(np.stack([cand_a, b[locked], cand_c], -1), seq)
            err = np.abs(rec - mk).max(axis=(-1, -2))
            better = err < best_err
            best_a = np.where(better, cand_a, best_a)
            best_c = np.where(better, cand_c, best_c)
            best_err = np.minimum(err, best_err)
        a[locked], c[locked] = best_a, best_c
    out = np.stack([a, b, c], axis=-1)  # (n, 3) radians
    return out[0] if single else out


def quat_to_matrix(quat: ArrayLike) -> NDArray[np.float64]:
    """Unit quaternions ``(n, 4)`` as ``(w, x, y, z)`` to ``(n, 3, 3)`` matrices (normalised first).

    Raises
    ------
    ValueError
        A quaternion has (near) zero norm or is not finite.
    """
    q = np.atleast_2d(np.asarray(quat, dtype=float))  # (n, 4)
    norm = np.linalg.norm(q, axis=1)
    if not np.all(np.isfinite(norm)) or np.any(norm < 1e-12):
        raise ValueError("quaternion with zero or non-finite norm")
    w, x, y, z = (q / norm[:, None]).T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def matrix_to_quat(matrix: ArrayLike) -> NDArray[np.float64]:
    """Rotation matrices ``(n, 3, 3)`` to unit quaternions ``(n, 4)`` ``(w, x, y, z)``, ``w >= 0``.

    Uses Shepperd's method (pick the largest of w, x, y, z to divide by) for stability.
    """
    m = np.asarray(matrix, dtype=float).reshape(-1, 3, 3)
    tr = np.trace(m, axis1=1, axis2=2)
    diag = np.stack([tr, m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], axis=1)  # (n, 4)
    pick = np.argmax(diag, axis=1)
    q = np.empty((m.shape[0], 4))  # (n, 4) w, x, y, z
    for n_idx, case in enumerate(pick):
        r = m[n_idx]
        if case == 0:
            s = 2.0 * np.sqrt(max(1.0 + tr[n_idx], 0.0))
            q[n_idx] = (
                0.25 * s,
                (r[2, 1] - r[1, 2]) / s,
                (r[0, 2] - r[2, 0]) / s,
                (r[1, 0] - r[0, 1]) / s,
            )
        elif case == 1:
            s = 2.0 * np.sqrt(max(1.0 + r[0, 0] - r[1, 1] - r[2, 2], 0.0))
            q[n_idx] = (
                (r[2, 1] - r[1, 2]) / s,
                0.25 * s,
                (r[0, 1] + r[1, 0]) / s,
                (r[0, 2] + r[2, 0]) / s,
            )
        elif case == 2:
            s = 2.0 * np.sqrt(max(1.0 + r[1, 1] - r[0, 0] - r[2, 2], 0.0))
            q[n_idx] = (
                (r[0, 2] - r[2, 0]) / s,
                (r[0, 1] + r[1, 0]) / s,
                0.25 * s,
                (r[1, 2] + r[2, 1]) / s,
            )
        else:
            s = 2.0 * np.sqrt(max(1.0 + r[2, 2] - r[0, 0] - r[1, 1], 0.0))
            q[n_idx] = (
                (r[1, 0] - r[0, 1]) / s,
                (r[0, 2] + r[2, 0]) / s,
                (r[1, 2] + r[2, 1]) / s,
                0.25 * s,
            )
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    q[q[:, 0] < 0] *= -1.0
    return q


def _check_seq(seq: str) -> None:
    if len(seq) != 3 or set(seq) != {"X", "Y", "Z"}:
        raise ValueError(f"sequence must use X, Y and Z once each (Tait-Bryan), got {seq!r}")
