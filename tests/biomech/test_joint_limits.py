"""Joint-limit table: covers the 34 canonical joints with sane physiological ranges."""

from __future__ import annotations

from lmm_desktop.biomech.joint_limits import JOINT_LIMITS, outside_limits
from lmm_desktop.core.canonical import CANONICAL_JOINTS


def test_table_covers_the_34_joints_in_order() -> None:
    assert list(JOINT_LIMITS) == list(CANONICAL_JOINTS)
    for name, (lo, hi) in JOINT_LIMITS.items():
        assert lo < hi, name
        assert lo >= -180.0 and hi <= 180.0, name


def test_neutral_is_inside_and_left_equals_right() -> None:
    for name in CANONICAL_JOINTS:
        if name.startswith("pro_sup"):
            continue  # pro_sup = 0 is full supination in the OpenSim arm models
        assert not outside_limits(name, 0.0), name
        if name.endswith("_r"):
            assert JOINT_LIMITS[name] == JOINT_LIMITS[name[:-2] + "_l"]


def test_spot_values() -> None:
    assert JOINT_LIMITS["knee_angle_r"][1] >= 130.0  # deep flexion, positive
    assert outside_limits("knee_angle_l", -20.0)  # marked hyperextension
    assert outside_limits("ankle_angle_r", 45.0)  # 45 deg dorsiflexion is not physiological
    assert not outside_limits("hip_flexion_r", 100.0)
    assert outside_limits("elbow_flex_r", 152.0) and not outside_limits(
        "elbow_flex_r", 152.0, margin_deg=5.0
    )
