"""Data-quality flags: none on clean synthetic motion, the right flag on each injected problem."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.analysis.quality import QualityFlag, check_quality, floor_height
from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.canonical import JOINT_INDEX, Kinematics
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, MarkerSet, Provenance, Trial
from tests.analysis.test_clinical_tests import Synthetic, make_sts, make_walk, ramp


def _trial(kin: Kinematics, time: np.ndarray, markers: MarkerSet | None = None) -> Trial:
    return Trial(
        time=time,
        rate_hz=100.0,
        source=None,
        kinematics=kin,
        provenance=Provenance(None, "synthetic"),
        markers=markers,
    )


def _copy(kin: Kinematics) -> Kinematics:
    return Kinematics(
        kin.angles.copy(),
        kin.present.copy(),
        kin.pelvis_rotation.copy(),
        kin.pelvis_translation.copy(),
    )


def _by_kind(flags: list[QualityFlag], kind: str) -> list[QualityFlag]:
    return [f for f in flags if f.kind == kind]


@pytest.fixture(scope="module")
def sts() -> Synthetic:
    return make_sts()


def test_clean_synthetic_sit_to_stand_has_no_flags(sts: Synthetic) -> None:
    assert check_quality(_trial(sts.kin, sts.time), sts.points) == []
    assert floor_height(sts.points) == pytest.approx(0.0, abs=1e-3)


def test_knee_at_200_degrees_is_an_error(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[300:321, JOINT_INDEX["knee_angle_r"]] = 200.0
    flags = check_quality(_trial(kin, sts.time), None)
    lim = _by_kind(flags, "joint_limit")
    assert len(lim) == 1 and lim[0].severity == "error"
    assert lim[0].joints == ["knee_angle_r"] and lim[0].frames == [(300, 320)]
    assert "200 deg" in lim[0].message and "-10 to 145" in lim[0].message
    assert lim[0].time_ranges_s == [(3.0, 3.2)]
    # the jump in and out of the bad stretch is also a spike
    assert {tuple(f.joints) for f in _by_kind(flags, "spike")} == {("knee_angle_r",)}


def test_moderate_limit_excess_is_a_warning(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[:, JOINT_INDEX["hip_rotation_l"]] = ramp(sts.time, 2, 4, 0, 60)  # limit 45
    lim = _by_kind(check_quality(_trial(kin, sts.time)), "joint_limit")
    assert [f.severity for f in lim] == ["warning"] and lim[0].joints == ["hip_rotation_l"]


def test_single_frame_spike(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[500, JOINT_INDEX["hip_flexion_l"]] += 40.0  # 4000 deg/s in and out
    flags = check_quality(_trial(kin, sts.time), sts.points)
    assert [(f.kind, f.joints, f.frames) for f in flags] == [
        ("spike", ["hip_flexion_l"], [(499, 501)])
    ]
    assert flags[0].severity == "warning" and "jumps at 40" in flags[0].message


def test_pelvis_position_jump_is_a_spike(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.pelvis_translation[700:, 2] += 0.3  # 30 m/s in one frame
    spikes = _by_kind(check_quality(_trial(kin, sts.time)), "spike")
    assert [(f.joints, f.frames) for f in spikes] == [(["pelvis_tz"], [(699, 700)])]


def test_nan_gaps_short_and_long(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[600:651, JOINT_INDEX["knee_angle_l"]] = np.nan  # 0.51 s
    kin.angles[900:905, JOINT_INDEX["ankle_angle_r"]] = np.nan  # 0.05 s
    gaps = _by_kind(check_quality(_trial(kin, sts.time)), "gap")
    assert [(f.severity, f.frames, f.joints) for f in gaps] == [
        ("info", [(900, 904)], ["ankle_angle_r"]),
        ("warning", [(600, 650)], ["knee_angle_l"]),
    ]
    assert "0.51 s" in gaps[1].message


def test_joint_missing_throughout_is_not_a_gap(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[:, JOINT_INDEX["wrist_flex_r"]] = np.nan
    assert check_quality(_trial(kin, sts.time)) == []


def test_marker_gap(sts: Synthetic) -> None:
    pos = np.zeros((200, 2, 3))
    pos[50:80, 1] = np.nan
    markers = MarkerSet(np.arange(200) / 100.0, 100.0, ["RHEE", "LHEE"], pos)
    gaps = _by_kind(check_quality(_trial(sts.kin, sts.time, markers)), "gap")
    assert [(f.frames, f.joints) for f in gaps] == [([(50, 79)], ["LHEE"])]


def test_sliding_feet(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    # the whole body is carried 0.3 m forward over 0.5 s while the legs stay as they were
    kin.pelvis_translation[:, 0] += ramp(sts.time, 0.3, 0.8, 0, 0.3)
    points = builtin_forward_kinematics(kin, sts.time)
    slides = _by_kind(check_quality(_trial(kin, sts.time), points), "foot_sliding")
    assert {f.joints[0] for f in slides} == {"heel_r", "heel_l", "toe_r", "toe_l"}
    for f in slides:
        ((a, b),) = f.frames
        assert 30 <= a <= 45 and 65 <= b <= 80 and f.severity == "warning"


def test_sliding_only_counted_in_stance_when_events_given(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.pelvis_translation[:, 0] += ramp(sts.time, 0.3, 0.8, 0, 0.3)
    points = builtin_forward_kinematics(kin, sts.time)
    events = [Event(HEEL_STRIKE, side, 2.0, "detected") for side in ("left", "right")] + [
        Event(TOE_OFF, side, 5.0, "detected") for side in ("left", "right")
    ]
    assert _by_kind(check_quality(_trial(kin, sts.time), points, events), "foot_sliding") == []


def test_ground_penetration(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.pelvis_translation[:, 1] -= ramp(sts.time, 2.0, 2.3, 0, 0.05) - ramp(
        sts.time, 2.6, 2.9, 0, 0.05
    )
    points = builtin_forward_kinematics(kin, sts.time)
    pen = _by_kind(check_quality(_trial(kin, sts.time), points), "ground_penetration")
    assert {f.joints[0] for f in pen} == {"heel_r", "heel_l", "toe_r", "toe_l", "mtp_r", "mtp_l"}
    heel = next(f for f in pen if f.joints == ["heel_r"])
    ((a, b),) = heel.frames
    assert 200 <= a <= 220 and 270 <= b <= 290 and "below the floor" in heel.message


def test_walking_synthetic_only_flags_its_sliding_feet() -> None:
    # the synthetic walk drags each foot along with the pelvis, so only sliding may be flagged
    walk = make_walk()
    kinds = {f.kind for f in check_quality(_trial(walk.kin, walk.time), walk.points)}
    assert kinds <= {"foot_sliding"}


def test_flag_to_dict(sts: Synthetic) -> None:
    kin = _copy(sts.kin)
    kin.angles[300:321, JOINT_INDEX["knee_angle_r"]] = 200.0
    d = check_quality(_trial(kin, sts.time))[0].to_dict()
    assert set(d) == {"kind", "severity", "message", "frames", "joints", "time_ranges_s"}
    assert d["frames"] == [[300, 320]]
