"""The analysis pipeline on real fixtures (OpenCap walking and squats, OpenSim tutorial walk,
Qualisys .c3d with file events) and on a synthetic Timed Up and Go."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.pipeline import AnalysisResult, analyze
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import HEEL_STRIKE, Event, Provenance, Trial
from lmm_desktop.io import read_trial
from tests.analysis.test_clinical_tests import make_tug

REQUIRED = {
    "events",
    "spatiotemporal",
    "gait_profile_score",
    "clinical_tests",
    "quality",
    "reasons",
}
ST_KEYS = {
    "speed_m_s",
    "cadence_steps_min",
    "step_length_m",
    "stride_time_s",
    "stance_pct",
    "double_support_pct",
    "step_width_m",
}


def _json(result: AnalysisResult) -> dict:
    return json.loads(json.dumps(result.to_dict()))  # must be JSON-serialisable as is


def test_opencap_squats(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "opencap" / "squats1_videoAndMocap.mot")
    d = _json(analyze(trial))
    assert set(d) >= REQUIRED
    assert d["events"] == [] and d["events_source"] is None
    for key in ("spatiotemporal", "gait_profile_score", "cycles"):
        assert d[key] is None
        assert "squats or sit-to-stand" in d["reasons"][key]
    # five squats lower the pelvis like sits, but they are not a five-times sit-to-stand test:
    # the trial starts standing and the shanks lean over the feet at the bottom (27 deg); they
    # are a squat series
    assert [c["test"] for c in d["clinical_tests"]] == ["squats"]
    assert d["clinical_tests"][0]["repetitions"] == 5 and d["squats"]["repetitions"] == 5
    assert d["reasons"]["clinical_tests.five_times_sit_to_stand"].startswith("squats, not sit")
    assert d["quality"] == []
    assert d["trial"]["n_frames"] == 801


def test_opencap_walking_single_cycle(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")
    d = _json(analyze(trial))
    assert set(d) >= REQUIRED
    assert d["events_source"] == "detected"
    assert [(e["label"], e["side"]) for e in d["events"]] == [
        ("heel_strike", "left"),
        ("toe_off", "right"),
        ("heel_strike", "right"),
    ]
    assert all(e["source"] == "detected" for e in d["events"])
    assert d["events"][0]["time_s"] == pytest.approx(0.57, abs=0.02)
    # ~1 gait cycle: one heel strike per foot, so no complete stride
    assert d["spatiotemporal"] is None and "no complete stride" in d["reasons"]["spatiotemporal"]
    assert d["clinical_tests"] == []
    assert "walking" in d["reasons"]["clinical_tests.four_square_step_test"]


def test_tutorial_walk_full_gait_analysis(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")
    result = analyze(trial)
    d = _json(result)
    assert d["events_source"] == "detected" and len(d["events"]) == 10
    st = d["spatiotemporal"]
    assert set(st) >= ST_KEYS
    assert st["cadence_steps_min"]["value"] == pytest.approx(98.6, abs=1.0)
    assert st["stance_pct"]["left"]["value"] == pytest.approx(64.4, abs=1.5)
    assert {"value", "sd", "normative_status"} <= set(st["double_support_pct"])
    gps = d["gait_profile_score"]
    # Typical unimpaired value once the pelvis-frame offset (~5.9 deg) is removed (was ~8.8).
    assert 5.0 < gps["gps_overall"] < 7.0
    assert gps["pelvis_frame_offset_deg"] == pytest.approx(5.9, abs=0.4)
    assert d["cycles"]["n_cycles"] == {"right": 1, "left": 2}
    # treadmill: feet move with the belt, so no foot-sliding flags
    assert not [q for q in d["quality"] if q["kind"] == "foot_sliding"]
    assert any("treadmill" in n for n in d["notes"])
    # The walking-speed test says it is a treadmill trial, with the belt speed, not "no walking".
    why = d["reasons"]["clinical_tests.walking_speed"]
    assert "treadmill trial" in why and "no walking" not in why
    assert f"belt speed {st['speed_m_s']['value']:.2f}"[:-1] in why  # 1.04-1.05 m/s


def test_gap_in_the_kinematics_skips_the_strides_across_it(fixtures_dir: Path) -> None:
    from dataclasses import replace

    from lmm_desktop.analysis.pipeline import body_points_for, mask_gaps

    trial = read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")
    assert trial.kinematics is not None
    kin = trial.kinematics
    pel = kin.pelvis_translation.copy()
    gap = (trial.time > 3.2) & (trial.time < 3.4)  # inside the last left stride only
    pel[gap] = np.nan
    gapped = replace(trial, kinematics=replace(kin, pelvis_translation=pel))
    points = mask_gaps(gapped, body_points_for(gapped))
    # Forward kinematics puts a missing pelvis at the origin; the analysis sees NaN instead.
    assert np.isnan(points.point("heel_r")[gap]).all()
    assert np.isfinite(points.point("heel_r")[~gap]).all()
    # The events of the complete trial (as a user would keep them): left 1.25-2.47,
    # right 1.87-3.08, left 2.47-3.68 s. The last stride crosses the gap and is skipped (a heel
    # strike may hide in it); no kept stride touches the gap.
    events = analyze(trial).events_used()
    result = analyze(gapped, events_override=events)
    st = result.spatiotemporal
    assert st is not None
    kept = [(r.side, round(r.start_s, 2)) for r in st.strides]
    assert ("left", 1.25) in kept and ("right", 1.87) in kept and ("left", 2.47) not in kept
    assert all(r.end_s <= 3.2 or r.start_s >= 3.4 for r in st.strides)
    assert any("left 2.47-3.68 s skipped" in n and "gap" in n for n in st.notes)
    cycles = result.cycles
    assert cycles is not None
    assert all(b <= 3.2 or a >= 3.4 for w in cycles.windows.values() for a, b in w)


def test_user_edited_events_recompute(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "opensim" / "subject01_walk1_ik.mot")
    first = analyze(trial)
    edited = [e for e in first.events_used() if not (e.label == HEEL_STRIKE and e.time_s > 3.6)]
    edited = [Event(e.label, e.side, e.time_s + 0.02, "detected") for e in edited]
    again = analyze(trial, events_override=edited)
    d = _json(again)
    assert d["events_source"] == "user"
    sources = {e["source"] for e in d["events"]}
    assert sources == {"user", "detected"}
    assert len([e for e in d["events"] if e["source"] == "user"]) == 9
    assert d["cycles"]["n_cycles"] == {"right": 1, "left": 1}  # last left heel strike removed
    assert d["spatiotemporal"]["n_strides"]["left"] == 1


def test_file_events_kept_apart_from_detected(fixtures_dir: Path) -> None:
    trial = read_trial(fixtures_dir / "c3d" / "Qualisys.c3d")
    d = _json(analyze(trial))
    assert d["trial"]["points_source"] == "markers"
    assert d["events_source"] == "file"
    by_source = {s: [e for e in d["events"] if e["source"] == s] for s in ("file", "detected")}
    assert len(by_source["file"]) == 7 and len(by_source["detected"]) >= 4
    assert d["spatiotemporal"]["speed_m_s"]["value"] == pytest.approx(1.46, abs=0.05)
    # joint angles from the markers: the Gait Profile Score without hip rotation
    gps = d["gait_profile_score"]
    assert 3.0 < gps["gps_overall"] < 12.0
    assert set(gps["missing"]) == {"Hip rotation (right)", "Hip rotation (left)"}
    assert any("computed from the markers" in n for n in d["notes"])


def _tug_trial():  # type: ignore[no-untyped-def]
    """The synthetic TUG (known 11.8 s) and a trial of its kinematics."""
    syn = make_tug()
    trial = Trial(
        time=syn.time,
        rate_hz=100.0,
        source=None,
        kinematics=syn.kin,
        provenance=Provenance(None, "synthetic", trial_name="tug"),
    )
    return syn, trial


def test_synthetic_tug_through_pipeline() -> None:
    syn, trial = _tug_trial()
    d = _json(analyze(trial, points=syn.points))
    tests = {t["test"]: t for t in d["clinical_tests"]}
    assert set(tests) == {"timed_up_and_go"}
    assert tests["timed_up_and_go"]["duration_s"] == pytest.approx(11.8, abs=0.03)
    assert d["trial"]["name"] == "tug"


def test_trial_without_angles_or_markers_is_an_error() -> None:
    trial = Trial(
        time=np.arange(10) / 100.0,
        rate_hz=100.0,
        source=None,
        kinematics=None,
        provenance=Provenance(Path("empty.trc"), "trc"),
    )
    with pytest.raises(AnalysisError, match="neither joint angles nor markers"):
        analyze(trial)


def test_timed_test_is_read_against_its_cut_off_and_the_age_norm() -> None:
    syn, trial = _tug_trial()
    ref = _json(analyze(trial, points=syn.points))["clinical_tests"][0]["reference"]
    assert ref["above_cutoff"] is False and ref["cutoff_text"] == "≥ 13.5 s"  # 11.8 s
    assert ref["age_group"] is None  # age unknown: no age norm
    trial.subject.age_years = 74.0
    ref = _json(analyze(trial, points=syn.points))["clinical_tests"][0]["reference"]
    assert (ref["age_group"], ref["age_worse_than_s"], ref["above_age_norm"]) == (
        "70-79",
        10.2,
        True,
    )
    assert "Shumway-Cook" in ref["source"] and "Bohannon" in ref["age_source"]


def test_test_timed_by_hand_from_start_and_end_events() -> None:
    """A clinician's ``test_start`` / ``test_end`` events re-time the TUG (either alone keeps
    the detected other end); an end before the start is refused with a note, not applied."""
    from lmm_desktop.analysis.clinical_tests import TEST_END, TEST_START

    syn, trial = _tug_trial()
    first = analyze(trial, points=syn.points)
    tug = first.clinical_tests[0]
    a, b = tug.phases[0].start_s, tug.phases[-1].end_s
    base = list(first.events_used())

    def timed(*marks: Event) -> tuple[dict, list[str]]:
        res = analyze(trial, points=syn.points, events_override=base + list(marks))
        return _json(res)["clinical_tests"][0], res.notes

    t, _ = timed(Event(TEST_START, None, a + 0.5, "user"))
    assert t["duration_s"] == pytest.approx(b - a - 0.5, abs=1e-3) and t["overridden"]
    assert t["phases"][0]["start_s"] == pytest.approx(a + 0.5, abs=1e-3)
    assert "user override" in t["rule"]
    t, _ = timed(Event(TEST_START, None, a - 0.2, "user"), Event(TEST_END, None, b - 1.0, "user"))
    assert t["duration_s"] == pytest.approx(b - a - 0.8, abs=1e-3)
    assert t["reference"]["above_cutoff"] is False  # the cut-off follows the new time
    t, notes = timed(Event(TEST_END, None, a - 1.0, "user"))  # ends before it starts
    assert not t["overridden"] and t["duration_s"] == pytest.approx(tug.duration_s, abs=1e-6)
    assert any("timing set by hand was not used" in n for n in notes)
    # the gait analysis ignores the marks (not heel strikes or toe offs)
    marked = [*base, Event(TEST_START, None, a + 0.5, "user")]
    plain = _json(analyze(trial, points=syn.points, events_override=base))
    assert _json(analyze(trial, points=syn.points, events_override=marked))["spatiotemporal"] == (
        plain["spatiotemporal"]
    )


def test_marks_without_a_timed_test_leave_a_note() -> None:
    from lmm_desktop.analysis.clinical_tests import TEST_START, apply_timing_override

    tests, note = apply_timing_override([], [Event(TEST_START, None, 1.0, "user")])
    assert tests == [] and note is not None and "no timed test" in note
    assert apply_timing_override([], []) == ([], None)
