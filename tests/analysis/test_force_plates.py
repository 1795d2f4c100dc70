"""Force-plate contacts, the events they time, stance figures, and their use in the analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.analysis.force_plates import analyze_force_plates, event_agreement, refine_events
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event
from lmm_desktop.io.c3d import read_c3d
from tests.io.fp_synth import MASS_KG, STANCE, write_plate_trial


def test_clean_contact_times_the_stance_and_gives_known_figures(tmp_path: Path) -> None:
    trial = read_c3d(write_plate_trial(tmp_path / "t.c3d"))
    trial.subject.mass_kg = MASS_KG
    fp = analyze_force_plates(trial)
    assert fp is not None and len(fp.contacts) == 1
    c = fp.contacts[0]
    assert (c.side, c.clean, c.reason) == ("right", True, None)
    # 20 N on a sine onset of ~1 BW: within 5 ms of the true touch-down and lift-off
    assert c.start_s == pytest.approx(STANCE[0], abs=0.005)
    assert c.end_s == pytest.approx(STANCE[1], abs=0.005)
    m = c.metrics
    # the generator: 1.2 BW (sin(pi s) + 0.25 sin(3 pi s)): peaks 1.069 BW, valley 0.900 BW
    assert m["first_peak_bw"] == pytest.approx(1.069, abs=0.005)
    assert m["second_peak_bw"] == pytest.approx(1.069, abs=0.005)
    assert m["valley_bw"] == pytest.approx(0.900, abs=0.005)
    # braking then propulsion of 0.2 BW along the foot (walking +x)
    assert m["braking_peak_bw"] == pytest.approx(0.2, abs=0.005)
    assert m["propulsive_peak_bw"] == pytest.approx(0.2, abs=0.005)
    assert m["braking_impulse_n_s"] == pytest.approx(m["propulsive_impulse_n_s"], rel=0.02)
    assert m["loading_rate_bw_s"] > 3.0
    assert c.curve is not None and c.curve.shape == (101, 3)
    assert [e.label for e in fp.events] == [HEEL_STRIKE, TOE_OFF]
    assert all(e.side == "right" and e.raw_label == "force plate" for e in fp.events)
    assert fp.summary()["right"]["n"] == 1.0


def test_without_mass_figures_stay_in_newtons_and_say_so(tmp_path: Path) -> None:
    fp = analyze_force_plates(read_c3d(write_plate_trial(tmp_path / "t.c3d")))
    assert fp is not None
    assert not any(k.endswith("_bw") or "_bw_" in k for k in fp.contacts[0].metrics)
    assert any("body mass is not known" in n for n in fp.notes)


def test_foot_partly_off_the_plate_is_not_clean(tmp_path: Path) -> None:
    fp = analyze_force_plates(read_c3d(write_plate_trial(tmp_path / "t.c3d", foot_shift_mm=250)))
    assert fp is not None
    (c,) = fp.contacts
    assert not c.clean and c.reason == "the foot was partly off the plate"
    assert fp.events == [] and c.metrics == {}


def test_both_feet_on_one_plate_is_not_clean(tmp_path: Path) -> None:
    fp = analyze_force_plates(
        read_c3d(write_plate_trial(tmp_path / "t.c3d", left_on_plate=True))
    )
    assert fp is not None
    assert fp.contacts[0].reason == "both feet were on the plate"


def test_a_force_plate_event_the_detector_missed_is_added(tmp_path: Path) -> None:
    fp = analyze_force_plates(read_c3d(write_plate_trial(tmp_path / "t.c3d")))
    assert fp is not None
    only_strike = [Event(HEEL_STRIKE, "right", STANCE[0] + 0.02, "detected")]
    refined, n, added = refine_events(only_strike, fp)
    assert (n, added) == (1, 1)
    assert [(e.label, e.raw_label) for e in refined] == [
        (HEEL_STRIKE, "force plate"),
        (TOE_OFF, "force plate"),
    ]


def test_refine_and_agreement_use_the_nearest_event_of_the_same_kind(tmp_path: Path) -> None:
    fp = analyze_force_plates(read_c3d(write_plate_trial(tmp_path / "t.c3d")))
    assert fp is not None
    detected = [
        Event(HEEL_STRIKE, "right", STANCE[0] + 0.030, "detected"),
        Event(TOE_OFF, "right", STANCE[1] - 0.020, "detected"),
        Event(HEEL_STRIKE, "left", STANCE[0] + 0.010, "detected"),  # other side: untouched
        Event(HEEL_STRIKE, "right", STANCE[0] + 1.0, "detected"),  # too far: untouched
    ]
    agree = event_agreement(fp, detected)
    assert agree[HEEL_STRIKE]["mean_ms"] == pytest.approx(27, abs=5)
    assert agree[TOE_OFF]["mean_ms"] == pytest.approx(-17, abs=5)
    refined, n, added = refine_events(detected, fp)
    assert (n, added) == (2, 0)
    times = sorted((e.side, e.label, round(e.time_s, 3)) for e in refined)
    assert ("left", HEEL_STRIKE, round(STANCE[0] + 0.010, 3)) in times
    assert ("right", HEEL_STRIKE, round(STANCE[0] + 1.0, 3)) in times
    assert sum(e.raw_label == "force plate" for e in refined) == 2


def test_qualisys_contacts_agree_with_the_files_events(fixtures_dir: Path) -> None:
    result = analyze(read_c3d(fixtures_dir / "c3d" / "Qualisys.c3d"))
    fp = result.force_plates
    assert fp is not None
    assert [(c.plate, c.side, c.clean) for c in fp.contacts] == [
        (1, "left", True),
        (2, "right", True),
    ]
    # the file's events were set by the lab (from these plates): within 25 ms
    file_agree = fp.agreement["file"]
    assert file_agree[HEEL_STRIKE]["max_abs_ms"] < 10
    assert file_agree[TOE_OFF]["max_abs_ms"] < 25
    # the kinematic detector, independently, within Zeni et al.'s range
    assert fp.agreement["detected"][HEEL_STRIKE]["mean_abs_ms"] < 40
    assert fp.agreement["detected"][TOE_OFF]["mean_abs_ms"] < 40
    d = result.to_dict()["force_plates"]
    assert d["summary"]["left"]["stance_s"] == pytest.approx(0.544, abs=0.01)
    assert not [q for q in result.quality if q.kind == "event_timing"]


def test_walking5_rejects_the_foot_that_overhangs_plate_1(fixtures_dir: Path) -> None:
    fp = analyze(read_c3d(fixtures_dir / "c3d" / "walking5.c3d")).force_plates
    assert fp is not None
    by_plate = {c.plate: c for c in fp.contacts}
    # the left heel lands at x = 1.31 m, past the plate's edge at 1.17 m
    assert by_plate[1].reason == "the foot was partly off the plate"
    # the left foot swings low over plate 2 but does not stand on it
    assert by_plate[2].clean and by_plate[2].side == "right"
    # the markers are too short for the detector: the plate's events stand on their own
    result = analyze(read_c3d(fixtures_dir / "c3d" / "walking5.c3d"))
    fp_events = [e for e in result.events if e.raw_label == "force plate"]
    assert [(e.label, e.side) for e in fp_events] == [(HEEL_STRIKE, "right"), (TOE_OFF, "right")]
    assert any("missed were added from the force plates" in n for n in result.notes)


def test_trial_without_plates_has_no_force_plate_analysis(fixtures_dir: Path) -> None:
    from lmm_desktop.io import read_trial

    trc = read_trial(fixtures_dir / "opensim" / "motion_capture_walk.trc")
    assert analyze(trc).force_plates is None


def test_body_weight_added_later_gives_the_same_figures(tmp_path: Path) -> None:
    path = write_plate_trial(tmp_path / "t.c3d")
    without = analyze_force_plates(read_c3d(path))
    trial = read_c3d(path)
    trial.subject.mass_kg = MASS_KG
    direct = analyze_force_plates(trial)
    assert without is not None and direct is not None
    later = without.with_body_weight(MASS_KG * 9.81)
    assert later.contacts[0].metrics == pytest.approx(direct.contacts[0].metrics)
    assert later.body_weight_n == direct.body_weight_n
    assert not any("body mass" in n for n in later.notes)
    back = later.with_body_weight(None)
    assert back.contacts[0].metrics == pytest.approx(without.contacts[0].metrics)
    assert any("body mass is not known" in n for n in back.notes)


def test_a_plate_not_zeroed_is_flagged_and_its_offset_removed(tmp_path: Path) -> None:
    # 30 N of load the amplifier reports with nobody on the plate (plate z down: a load)
    trial = read_c3d(write_plate_trial(tmp_path / "t.c3d", fz_offset=30.0))
    fp = analyze_force_plates(trial)
    assert fp is not None and fp.offsets == {1: pytest.approx(30.0, abs=0.5)}
    (c,) = fp.contacts
    # timed as if zeroed: within 5 ms of the true touch-down and lift-off
    assert c.start_s == pytest.approx(STANCE[0], abs=0.005)
    assert c.end_s == pytest.approx(STANCE[1], abs=0.005)
    result = analyze(read_c3d(write_plate_trial(tmp_path / "u.c3d", fz_offset=30.0)))
    flags = [q for q in result.quality if q.kind == "plate_offset"]
    assert len(flags) == 1 and "not zeroed" in flags[0].message
    clean = analyze(read_c3d(write_plate_trial(tmp_path / "v.c3d")))
    assert not [q for q in clean.quality if q.kind == "plate_offset"]


def test_walking5_plates_were_not_zeroed(fixtures_dir: Path) -> None:
    result = analyze(read_c3d(fixtures_dir / "c3d" / "walking5.c3d"))
    assert result.force_plates is not None
    assert result.force_plates.offsets == {
        1: pytest.approx(-14.9, abs=1.0), 2: pytest.approx(-19.2, abs=1.0)
    }
    assert len([q for q in result.quality if q.kind == "plate_offset"]) == 2
