"""The shipped demo trials, and the app's own gait analysis measuring the simulated walking."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lmm_desktop.io import read_trial

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _rows() -> list[dict[str, str]]:
    if not (DEMO / "labels.csv").is_file():
        pytest.skip("resources/demo has not been generated (lmm-train demo)")
    with open(DEMO / "labels.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_demo_is_small_labelled_and_marked_simulated() -> None:
    rows = _rows()
    assert 6 <= len(rows) <= 9
    total = sum(f.stat().st_size for f in DEMO.iterdir())
    assert total < 4.5e6  # fifteen trials; the five newest 0.4-0.5 MB each
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "SIMULATED" in readme and "lmm-train demo" in readme
    assert {r["activity"] for r in rows} >= {"walking", "tug", "fsst", "sts5", "squats"}
    for r in rows:
        trial = read_trial(DEMO / r["file"])
        assert trial.provenance.simulated
        assert trial.n_frames == int(r["n_frames"])
    events = json.loads((DEMO / "events.json").read_text(encoding="utf-8"))
    assert set(events["trials"]) == {r["trial"] for r in rows}


def test_app_analysis_measures_the_ground_truth_speed_and_cadence() -> None:
    events_mod = pytest.importorskip("lmm_desktop.analysis.events")
    spatio = pytest.importorskip("lmm_desktop.analysis.spatiotemporal")
    from lmm_desktop.biomech.fk import builtin_forward_kinematics

    checked = 0
    for r in _rows():
        if r["activity"] != "walking" or r["condition"] not in (
            "unimpaired",
            "transtibial",
            "parkinsons",
        ):
            continue
        trial = read_trial(DEMO / r["file"])
        assert trial.kinematics is not None
        points = builtin_forward_kinematics(
            trial.kinematics, trial.time, height_m=float(r["height_m"])
        )
        det = events_mod.detect_gait_events(points, rate_hz=trial.rate_hz)
        res = spatio.compute_spatiotemporal(det.events, points, rate_hz=trial.rate_hz)
        assert np.mean(res.values("speed_m_s")) == pytest.approx(float(r["speed_m_s"]), rel=0.05)
        assert np.mean(res.values("cadence_steps_min")) == pytest.approx(
            float(r["cadence_steps_min"]), rel=0.04
        )
        checked += 1
    assert checked == 3


def test_the_force_plate_demo_shows_plates_and_kinetics() -> None:
    path = DEMO / "S0004_walking_01_plates.c3d"
    if not path.is_file():
        pytest.skip("resources/demo has not been generated (lmm-train demo)")
    from lmm_desktop.analysis.pipeline import analyze

    trial = read_trial(path)
    assert trial.provenance.simulated  # the SIMULATED badge, read back from LMM:SIMULATED
    assert len(trial.force_plates) == 2 and trial.subject.mass_kg is not None
    result = analyze(trial)
    fp = result.force_plates
    assert fp is not None
    assert [(c.side, c.clean) for c in fp.contacts] == [("right", True), ("left", True)]
    assert fp.summary()["right"]["first_peak_bw"] == pytest.approx(1.1, abs=0.1)
    assert result.kinetics is not None and len(result.kinetics.cycles) == 2
    # the file's events (the simulator's ground truth) sit on the plates' timing
    assert fp.agreement["file"]["heel_strike"]["max_abs_ms"] < 20


def test_the_force_plate_demo_is_reproducible(tmp_path: Path) -> None:
    import shutil

    from training.simulate.force_plates import write_plate_demo

    shipped = DEMO / "S0004_walking_01_plates.c3d"
    if not shipped.is_file():
        pytest.skip("resources/demo has not been generated (lmm-train demo)")
    for name in ("S0004_walking_01.mot", "labels.csv", "events.json"):
        shutil.copy(DEMO / name, tmp_path / name)
    made = read_trial(write_plate_demo(tmp_path))
    ship = read_trial(shipped)
    assert made.markers is not None and ship.markers is not None
    assert made.markers.labels == ship.markers.labels
    # the same file up to float rounding on another machine
    np.testing.assert_allclose(made.markers.positions, ship.markers.positions, atol=1e-6)
    for a, b in zip(made.force_plates, ship.force_plates, strict=True):
        np.testing.assert_allclose(a.grf, b.grf, atol=1e-3)


def test_the_one_leg_stance_demo_is_timed_per_leg(tmp_path: Path) -> None:
    """The simulated balance demo: the app times each leg from the lifted foot's height, within
    the 2 cm lift threshold's lag of the simulator's planned lift-off and touch-down (its
    minimum-jerk lift starts from rest), and the file is reproducible."""
    shipped = DEMO / "S0004_one_leg_stance_01.mot"
    if not shipped.is_file():
        pytest.skip("resources/demo has not been generated (lmm-train demo)")
    from lmm_desktop.analysis.balance import OLS
    from lmm_desktop.analysis.pipeline import analyze
    from training.simulate.balance import write_balance_demo
    from training.simulate.demo import DEMO_RATE_HZ, DEMO_SEED, pick_participants

    person = pick_participants(DEMO_SEED)[0][0]
    made, _line, truth = write_balance_demo(tmp_path, person, DEMO_RATE_HZ, DEMO_SEED)
    trial = read_trial(shipped)
    again = read_trial(made)  # the same file up to float rounding on another machine
    assert trial.kinematics is not None and again.kinematics is not None
    np.testing.assert_allclose(again.kinematics.angles, trial.kinematics.angles, atol=0.011)
    np.testing.assert_allclose(again.kinematics.pelvis_translation,
                               trial.kinematics.pelvis_translation, atol=2e-4)
    assert trial.provenance.simulated
    result = analyze(trial)
    ols = next(t for t in result.clinical_tests if t.test == OLS)
    legs = {p.name.split()[1]: p for p in ols.phases}  # 'on right leg' -> right
    assert set(legs) == {"right", "left"}
    for leg, (off, on) in truth.items():
        assert 0.0 <= legs[leg].start_s - off < 0.3
        assert 0.0 <= on - legs[leg].end_s < 0.3
    assert ols.measures["right_s"] > 8.0 and 3.5 < ols.measures["left_s"] < 5.0
    assert result.spatiotemporal is None and result.quality == []


def _rebuilt(name: str, writer: Any, person: int, tmp_path: Path) -> tuple[Any, str, Any]:
    """The shipped demo trial ``name``, after checking that ``writer`` (a demo writer of
    ``training.simulate``, for the demo participant ``person``) makes the same file again (up
    to float rounding on another machine); its README line and ground truth."""
    shipped = DEMO / name
    if not shipped.is_file():
        pytest.skip("resources/demo has not been generated (lmm-train demo)")
    from training.simulate.demo import DEMO_RATE_HZ, DEMO_SEED, pick_participants

    who = pick_participants(DEMO_SEED)[person][0]
    made, line, truth = writer(tmp_path, who, DEMO_RATE_HZ, DEMO_SEED)
    trial, again = read_trial(shipped), read_trial(made)
    assert trial.kinematics is not None and again.kinematics is not None
    np.testing.assert_allclose(again.kinematics.angles, trial.kinematics.angles, atol=0.011)
    assert trial.provenance.simulated
    return trial, line, truth


def test_the_chair_stand_demo_counts_the_stands_in_30_s(tmp_path: Path) -> None:
    """The simulated 30-second chair stand: the app's count equals the simulator's (the CDC's
    rule), each counted stand ends within 0.25 s of the simulated full standing, the first 5
    give the 5xSTS, and the file is reproducible."""
    from lmm_desktop.analysis.clinical_tests import CST30, STS5
    from lmm_desktop.analysis.pipeline import analyze
    from training.simulate.chair_stand import write_chair_stand_demo

    trial, line, truth = _rebuilt("S0039_chair_stand_30s_01.mot", write_chair_stand_demo, 1,
                                  tmp_path)
    assert "stroke participant" in line
    result = analyze(trial)
    cst = next(t for t in result.clinical_tests if t.test == CST30)
    assert cst.repetitions == truth["stands"] == 6
    assert cst.duration_s == pytest.approx(30.0) and cst.reason is None
    assert cst.phases[0].start_s == pytest.approx(truth["start"], abs=0.2)
    ends = [p.end_s for p in cst.phases if p.name.startswith("rise")]
    for k, end in enumerate(ends, start=1):
        assert end == pytest.approx(truth[f"stand_{k}"], abs=0.25), k
    sts = next(t for t in result.clinical_tests if t.test == STS5)
    assert sts.duration_s == pytest.approx(ends[4] - cst.phases[0].start_s, abs=1e-6)
    assert "first five stands of a 30-second chair stand" in (sts.reason or "")


def test_the_four_stage_demo_times_each_position(tmp_path: Path) -> None:
    """The simulated 4-Stage Balance Test (capture noise; each foot lifted, carried and put
    down): each position within 0.3 s of the simulated touch-down to lift-off (the app's times
    run a little long: the foot's last centimetres above the floor count), the tandem under
    10 s, and the file is reproducible."""
    from lmm_desktop.analysis.four_stage import FOUR_STAGE
    from lmm_desktop.analysis.pipeline import analyze
    from training.simulate.four_stage import write_four_stage_demo

    trial, line, truth = _rebuilt("S0048_four_stage_balance_01.mot", write_four_stage_demo, 3,
                                  tmp_path)
    assert "Parkinson's participant" in line
    test = next(t for t in analyze(trial).clinical_tests if t.test == FOUR_STAGE)
    m = test.measures
    for key, position in (("together_s", "feet together"), ("semi_tandem_s", "semi-tandem"),
                          ("tandem_s", "tandem")):
        assert 0.0 <= m[key] - truth[position] < 0.3, key
    assert test.duration_s == m["tandem_s"] < 10.0 and m["stage_held"] == 2.0


def test_the_reach_demo_measures_each_reach(tmp_path: Path) -> None:
    """The simulated Functional Reach Test (capture noise, postural sway): each reach within
    1 cm of the hand's travel in the noise-free simulation; the result is the mean of the last
    two."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.analysis.reach import FUNCTIONAL_REACH
    from training.simulate.reach import write_reach_demo

    trial, line, truth = _rebuilt("S0039_functional_reach_01.mot", write_reach_demo, 1, tmp_path)
    assert "three times" in line
    test = next(t for t in analyze(trial).clinical_tests if t.test == FUNCTIONAL_REACH)
    m = test.measures
    for k in (1, 2, 3):
        assert m[f"reach_{k}_cm"] == pytest.approx(truth[f"reach_{k}"], abs=1.0), k
    assert m["reach_cm"] == pytest.approx((m["reach_2_cm"] + m["reach_3_cm"]) / 2)


def test_the_arm_curl_demo_is_reproducible_and_counted(tmp_path: Path) -> None:
    from lmm_desktop.analysis.arm_curl import ARM_CURL
    from lmm_desktop.analysis.pipeline import analyze
    from training.simulate.arm_curl import write_arm_curl_demo

    trial, line, truth = _rebuilt("S0039_arm_curl_01.mot", write_arm_curl_demo, 1, tmp_path)
    assert "left arm" in line
    test = next(t for t in analyze(trial).clinical_tests if t.test == ARM_CURL)
    assert test.repetitions == truth["curls"] == 12
    assert test.phases[0].start_s == pytest.approx(truth["start"], abs=0.5)
