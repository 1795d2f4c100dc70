"""Squat series: repetitions, measures, symmetry and findings, on the real OpenCap squat trial,
the simulated demo squats and controlled changes of them (one knee bending less, the weight
shifted onto one leg, the knees brought in)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.clinical_tests import STS5, detect_activity_segments, run_clinical_tests
from lmm_desktop.analysis.pipeline import analyze, body_points_for, mask_gaps
from lmm_desktop.analysis.squats import SQUATS, SquatAnalysis, squat_rows
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import JOINT_INDEX
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import read_trial

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


def _squats(trial: Trial, points: BodyPoints | None = None) -> SquatAnalysis:
    assert trial.kinematics is not None
    pts = points if points is not None else mask_gaps(trial, body_points_for(trial))
    seg = detect_activity_segments(trial.kinematics, trial.time, pts)
    assert seg.squats is not None, seg.applicable[SQUATS]
    return seg.squats


@pytest.fixture(scope="module")
def demo() -> Trial:
    return read_trial(DEMO / "S0004_squats_01.mot")


def _raw_mot(path: Path) -> tuple[list[str], np.ndarray]:
    lines = path.read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.strip() == "endheader")
    names = lines[k + 1].split()
    return names, np.loadtxt(lines[k + 2 :])


def test_real_opencap_squats_repetitions_and_peaks_match_the_file(fixtures_dir: Path) -> None:
    path = fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"
    sq = _squats(read_trial(path))
    names, raw = _raw_mot(path)
    t, ty = raw[:, 0], raw[:, names.index("pelvis_ty")]
    assert len(sq.reps) == 5
    for rep in sq.reps:
        inside = (t >= rep.start_s) & (t <= rep.end_s)
        # the lowest pelvis point of the raw file lies at the repetition's bottom
        assert abs(t[inside][np.argmin(ty[inside])] - rep.bottom_s) < 0.06
        assert rep.start_s < rep.bottom_s < rep.end_s
        for side in ("r", "l"):
            peak = raw[inside, names.index(f"knee_angle_{side}")].max()
            assert rep.measures[f"knee_flexion_deg_{side}"] == pytest.approx(peak, abs=0.01)
        drop = 100 * (ty[inside].max() - ty[inside].min())
        assert rep.measures["depth_cm"] == pytest.approx(drop, abs=2.0)
    # consecutive repetitions do not overlap, and they are in time order
    assert all(a.end_s <= b.start_s for a, b in zip(sq.reps, sq.reps[1:], strict=False))
    assert 30 < sq.mean("depth_cm") < 40  # type: ignore[operator]
    # a healthy squat: knee and hip peaks symmetric within a few per cent
    assert sq.symmetry_pct("knee_flexion_deg") > 95  # type: ignore[operator]
    assert not [f for f in sq.findings if f.key.startswith("symmetry.")]
    # the thighs stay above parallel at ~82 deg of knee flexion
    assert 15 < sq.mean("thigh_angle_deg_r") < 40  # type: ignore[operator]
    assert 40 < sq.mean("trunk_lean_deg") < 80  # type: ignore[operator]


def test_demo_squats_are_symmetric_and_aligned(demo: Trial) -> None:
    sq = _squats(demo)
    assert len(sq.reps) == 4
    assert sq.findings == []
    assert abs(sq.mean("lateral_shift_cm")) < 1.0  # type: ignore[arg-type]
    assert sq.mean("knee_ankle_ratio") == pytest.approx(1.0, abs=0.05)
    for key in ("knee_flexion_deg", "hip_flexion_deg"):
        assert sq.symmetry_pct(key) > 95  # type: ignore[operator]
    assert sq.stance_width_m == pytest.approx(0.155, abs=0.02)
    # repetition curves: the knee starts and ends nearly straight and bends to its peak mid-way
    mean, sd = sq.curves["right"]["knee_angle"]
    assert mean.shape == sd.shape == (101,)
    assert mean[0] < 15 and mean[-1] < 15 and 40 < int(np.argmax(mean)) < 60


def test_one_knee_bending_less_is_found_on_that_side(demo: Trial) -> None:
    kin = demo.kinematics
    assert kin is not None
    angles = kin.angles.copy()
    angles[:, JOINT_INDEX["knee_angle_l"]] *= 0.75
    sq = _squats(replace(demo, kinematics=replace(kin, angles=angles)))
    lsi = sq.symmetry_pct("knee_flexion_deg")
    assert lsi == pytest.approx(75.0, abs=2.0)
    found = [f for f in sq.findings if f.key == "symmetry.knee_flexion_deg"]
    assert len(found) == 1 and "less on the left" in found[0].message
    assert "90 %" in found[0].rule


def _moved(demo: Trial, names: tuple[str, ...], offset_of: str) -> BodyPoints:
    pts = mask_gaps(demo, body_points_for(demo))
    pos = pts.positions.copy()
    lat = pts.point("hip_l") - pts.point("hip_r")
    lat[:, 1] = 0
    lat /= np.linalg.norm(lat, axis=1, keepdims=True)
    for i, nm in enumerate(pts.names):
        if nm in names:
            sign = (-1 if nm.endswith("_l") else 1) if offset_of == "medial" else -1
            pos[:, i] += sign * 0.06 * lat  # medial: knees inward; right: toward the right
    return BodyPoints(pts.time, pts.names, pos, pts.segments, pts.source)


def test_weight_shifted_onto_the_right_leg_is_found(demo: Trial) -> None:
    feet = {"ankle_r", "ankle_l", "heel_r", "heel_l", "toe_r", "toe_l", "mtp_r", "mtp_l"}
    pts = mask_gaps(demo, body_points_for(demo))
    upper = tuple(n for n in pts.names if n not in feet)
    sq = _squats(demo, _moved(demo, upper, "right"))
    assert sq.mean("lateral_shift_cm") == pytest.approx(6.0, abs=0.7)
    found = [f for f in sq.findings if f.key == "lateral_shift"]
    assert len(found) == 1 and "toward the right" in found[0].message


def test_knees_brought_in_are_found(demo: Trial) -> None:
    sq = _squats(demo, _moved(demo, ("knee_r", "knee_l"), "medial"))
    assert sq.mean("knee_medial_cm_r") == pytest.approx(6.0, abs=0.5)
    assert sq.mean("knee_medial_cm_l") == pytest.approx(6.0, abs=0.5)
    assert sq.mean("knee_ankle_ratio") < 0.9  # type: ignore[operator]
    assert any(f.key == "knees_in" for f in sq.findings)


def test_sit_to_stand_and_walking_are_not_squats() -> None:
    for name, why in (("S0004_sts5_01.mot", "starts low"),
                      ("S0004_walking_01.mot", "no lowering")):
        trial = read_trial(DEMO / name)
        assert trial.kinematics is not None
        pts = mask_gaps(trial, body_points_for(trial))
        tests, reasons = run_clinical_tests(trial.kinematics, trial.time, pts)
        assert SQUATS not in [t.test for t in tests]
        assert why in reasons[SQUATS]
    assert STS5 in [t.test for t in run_clinical_tests(
        read_trial(DEMO / "S0004_sts5_01.mot").kinematics,  # type: ignore[arg-type]
        read_trial(DEMO / "S0004_sts5_01.mot").time)[0]]


def test_pipeline_reports_the_squats_as_a_test_and_in_json(demo: Trial) -> None:
    result = analyze(demo)
    assert result.squats is not None
    test = next(t for t in result.clinical_tests if t.test == SQUATS)
    assert test.repetitions == 4
    assert [p.name for p in test.phases[:2]] == ["lowering 1", "rising 1"]
    assert test.duration_s == pytest.approx(result.squats.duration_s)
    d = json.loads(json.dumps(result.to_dict()))
    q = d["squats"]
    assert q["repetitions"] == 4 and len(q["reps"]) == 4
    assert q["summary"]["depth_cm"]["mean"] == pytest.approx(result.squats.mean("depth_cm"),
                                                            abs=1e-3)
    rows = {r["key"]: r for r in squat_rows(q)}
    assert rows["knee_flexion_deg"]["symmetry_pct"] > 95
    assert rows["depth_cm"]["unit"] == "cm" and "value" in rows["depth_cm"]


def test_measures_without_joint_angles_come_from_positions(demo: Trial) -> None:
    kin = demo.kinematics
    assert kin is not None
    present = kin.present.copy()
    for j in ("knee_angle", "hip_flexion", "ankle_angle", "hip_adduction"):
        for s in ("r", "l"):
            present[JOINT_INDEX[f"{j}_{s}"]] = False
    pts = mask_gaps(demo, body_points_for(demo))
    ankle = kin.angles.copy()  # the detector still needs the shanks' lean: keep the ankles
    seg_kin = replace(kin, present=present, angles=ankle)
    present2 = present.copy()
    present2[JOINT_INDEX["ankle_angle_r"]] = present2[JOINT_INDEX["ankle_angle_l"]] = True
    sq = _squats(replace(demo, kinematics=replace(seg_kin, present=present2)), pts)
    keys = set(sq.reps[0].measures)
    assert "knee_flexion_deg_r" not in keys and "hip_adduction_deg_l" not in keys
    assert {"depth_cm", "thigh_angle_deg_r", "knee_ankle_ratio", "lateral_shift_cm",
            "trunk_lean_deg"} <= keys
    assert sq.symmetry_pct("knee_flexion_deg") is None


def _single_leg(demo: Trial, free: str = "l", list_deg: float = -4.0) -> Trial:
    """The demo squats with one leg held up (hip 45, knee 100 deg: the foot off the floor) and
    the pelvis listed ``list_deg`` (OpenSim pelvis_list)."""
    kin = demo.kinematics
    assert kin is not None
    angles = kin.angles.copy()
    angles[:, JOINT_INDEX[f"hip_flexion_{free}"]] = 45.0
    angles[:, JOINT_INDEX[f"knee_angle_{free}"]] = 100.0
    angles[:, JOINT_INDEX[f"hip_adduction_{free}"]] = 0.0
    rot = kin.pelvis_rotation.copy()
    rot[:, 1] = list_deg
    return replace(demo, kinematics=replace(kin, angles=angles, pelvis_rotation=rot))


def test_single_leg_squats_keep_the_stance_leg_and_measure_the_pelvis_drop(demo: Trial) -> None:
    sq = _squats(_single_leg(demo, "l", -4.0))
    assert sq.stance == "right" and sq.title == "Single-leg squats (right)"
    keys = set(sq.reps[0].measures)
    assert {"knee_flexion_deg_r", "knee_medial_cm_r", "pelvic_drop_deg",
            "trunk_side_lean_deg"} <= keys
    assert not [k for k in keys if k.endswith("_l")]  # the lifted leg is not measured
    assert not keys & {"knee_ankle_ratio", "lateral_shift_cm", "pelvic_obliquity_deg"}
    assert sq.symmetry_pct("knee_flexion_deg") is None
    assert not [f for f in sq.findings if f.key.startswith("symmetry.")]
    # the pelvis listed left side down by ~4 deg: the free (left) side drops by about that much
    assert sq.mean("pelvic_drop_deg") == pytest.approx(3.6, abs=0.5)
    assert list(sq.curves) == ["right"]
    # the mirror image: standing on the left, the right side dropping
    mirror = _squats(_single_leg(demo, "r", 4.0))
    assert mirror.stance == "left"
    assert mirror.mean("pelvic_drop_deg") == pytest.approx(3.6, abs=0.5)
    # both feet on the floor stays a double-leg series
    assert _squats(demo).stance == "both"


def test_single_leg_squats_are_not_read_as_walking(demo: Trial) -> None:
    """With one foot held up the feet no longer move together, and the gait-event detector
    finds 'strides' in the knee bends; a squat series has no gait table and no gait events."""
    result = analyze(_single_leg(demo))
    assert result.squats is not None and result.squats.stance == "right"
    assert result.spatiotemporal is None and result.cycles is None
    why = result.reasons["spatiotemporal"]  # the feet never swap places, or it is a squat
    assert "squat series" in why or "the feet change places 0 time(s)" in why
    assert not [e for e in result.events if e.source == "detected"]
    assert result.events_source is None
    # the detector itself finds none now (the feet never swap places); when it did, the
    # pipeline dropped them with a note naming the squat series
    assert ("the feet change places 0 time(s)" in why
            or any("squat series" in n for n in result.notes))
