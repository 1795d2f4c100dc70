"""Rotation helpers: elementary rotations, body-fixed sequences, quaternions, Euler extraction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmm_desktop.core.rotations import (
    axis_angle_matrix,
    compose_body_fixed,
    euler_from_matrix,
    matrix_from_euler,
    matrix_to_quat,
    quat_to_matrix,
    rot_x,
    rot_y,
    rot_z,
)

SEQUENCES = ["ZXY", "XYZ", "YXZ", "ZYX", "XZY", "YZX"]
angle = st.floats(-np.pi + 1e-6, np.pi - 1e-6)
middle = st.floats(-np.pi / 2 + 1e-3, np.pi / 2 - 1e-3)
component = st.floats(-1.0, 1.0)


def test_elementary_rotations_turn_axes_the_right_way() -> None:
    quarter = np.pi / 2
    assert np.allclose(rot_z(quarter) @ [1, 0, 0], [0, 1, 0])
    assert np.allclose(rot_x(quarter) @ [0, 1, 0], [0, 0, 1])
    assert np.allclose(rot_y(quarter) @ [0, 0, 1], [1, 0, 0])
    assert rot_z([0.1, 0.2, 0.3]).shape == (3, 3, 3)


def test_axis_angle_about_a_negative_axis_is_the_inverse_rotation() -> None:
    assert np.allclose(axis_angle_matrix((0, 0, -1), 0.4), rot_z(-0.4))
    assert np.allclose(axis_angle_matrix((0, 0, 5.0), 0.4), rot_z(0.4))  # axis is normalised
    with pytest.raises(ValueError, match="zero vector"):
        axis_angle_matrix((0, 0, 0), 0.1)


def test_body_fixed_sequence_rotates_about_carried_axes() -> None:
    # Rz(90) then X: the second rotation is about the carried X axis, i.e. ground Y
    r = matrix_from_euler([[np.pi / 2, np.pi / 2, 0.0]], "ZXY")[0]
    assert np.allclose(r, rot_z(np.pi / 2) @ rot_x(np.pi / 2))
    assert np.allclose(r @ [0, 1, 0], [0, 0, 1])
    generic = compose_body_fixed([(0, 0, 1), (1, 0, 0), (0, 1, 0)], [[0.1, 0.2, 0.3]])
    assert np.allclose(generic, matrix_from_euler([[0.1, 0.2, 0.3]], "ZXY"))


@settings(max_examples=80, deadline=None)
@given(a=angle, b=middle, c=angle, seq=st.sampled_from(SEQUENCES))
def test_euler_round_trip(a: float, b: float, c: float, seq: str) -> None:
    r = matrix_from_euler([[a, b, c]], seq)
    back = euler_from_matrix(r, seq)[0]
    assert np.allclose(back, [a, b, c], atol=1e-7)


def test_gimbal_lock_still_reproduces_the_matrix() -> None:
    r = matrix_from_euler([[0.3, np.pi / 2, 0.2]], "ZXY")
    back = euler_from_matrix(r, "ZXY")
    assert back[0, 2] == 0.0
    assert np.allclose(back[0, :2], [0.5, np.pi / 2])  # only a + c is defined
    assert np.allclose(matrix_from_euler(back, "ZXY"), r)


@settings(max_examples=80, deadline=None)
@given(w=component, x=component, y=component, z=component)
def test_quaternion_to_euler_to_quaternion(w: float, x: float, y: float, z: float) -> None:
    q = np.array([[w, x, y, z]])
    if np.linalg.norm(q) < 1e-3:
        return
    q = q / np.linalg.norm(q)
    eul = euler_from_matrix(quat_to_matrix(q), "ZXY")
    q2 = matrix_to_quat(matrix_from_euler(eul, "ZXY"))
    assert q2[0, 0] >= 0
    # same rotation: q2 = +/- q
    assert min(np.abs(q2 - q).max(), np.abs(q2 + q).max()) < 1e-9


def test_quaternion_matrix_known_values() -> None:
    # MuJoCo's pelvis rest quaternion (0.7071, 0.7071, 0, 0) is +90 deg about X
    q = np.array([[np.sqrt(0.5), np.sqrt(0.5), 0.0, 0.0]])
    assert np.allclose(quat_to_matrix(q)[0], rot_x(np.pi / 2))
    assert np.allclose(matrix_to_quat(rot_x(np.pi / 2)), q)
    # a 180-degree turn (trace -1) takes the non-w branch
    assert np.allclose(matrix_to_quat(rot_y(np.pi)), [[0, 0, 1, 0]], atol=1e-12)
    with pytest.raises(ValueError, match="zero"):
        quat_to_matrix([[0.0, 0.0, 0.0, 0.0]])


def test_invalid_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="X, Y and Z"):
        matrix_from_euler([[0, 0, 0]], "ZXZ")


@pytest.mark.parametrize("eps", [1e-5, 1e-6, 3e-7, 1e-8, 0.0])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_near_gimbal_lock_reproduces_the_matrix(eps: float, sign: float) -> None:
    # Regression: within 1e-6 of the lock the angles lost ~2e-6 of the rotation (found by the
    # qpos round-trip property test with a quaternion of (1, 2.9e-7, 2.9e-7, 2.9e-7)).
    rng = np.random.default_rng(1)
    for _ in range(50):
        a, c = rng.uniform(-3, 3, 2)
        b = sign * (np.pi / 2 - eps * rng.uniform(0.1, 1.0))
        r = matrix_from_euler([[a, b, c]], "ZXY") @ axis_angle_matrix(
            np.array([1.0, 0.0, 0.0]), np.array([rng.normal() * eps]))
        back = matrix_from_euler(euler_from_matrix(r, "ZXY"), "ZXY")
        assert np.abs(back - r).max() < 1e-11
