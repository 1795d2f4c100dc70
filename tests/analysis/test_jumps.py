"""Two-footed jumps: the demo squats turned into jump squats (a known flight added to the
pelvis after each rise), scripted feet for the two-footed rule, and trials without jumps."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.activity import motion_signals
from lmm_desktop.analysis.clinical_tests import STS5, run_clinical_tests
from lmm_desktop.analysis.jumps import JUMPS, find_jumps
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.analysis.squats import SQUATS
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.trial import Trial
from lmm_desktop.io import read_trial

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
FLIGHT = 0.45  # s: a jump of g t^2 / 8 = 24.8 cm
G = 9.81
NAMES = ["pelvis", "hip_r", "hip_l", "knee_r", "knee_l", "ankle_r", "ankle_l", "heel_r",
         "heel_l", "toe_r", "toe_l"]
BASE = {"pelvis": (0, 0.95, 0), "hip_r": (0, 0.9, 0.09), "hip_l": (0, 0.9, -0.09),
        "knee_r": (0, 0.5, 0.09), "knee_l": (0, 0.5, -0.09), "ankle_r": (0, 0.08, 0.09),
        "ankle_l": (0, 0.08, -0.09), "heel_r": (-0.05, 0.02, 0.09),
        "heel_l": (-0.05, 0.02, -0.09), "toe_r": (0.18, 0.02, 0.09),
        "toe_l": (0.18, 0.02, -0.09)}


def jump_squats(flight: float = FLIGHT) -> tuple[Trial, list[float]]:
    """The demo squats with a ballistic flight of ``flight`` s added to the pelvis at the end of
    each rise (the legs straight: the feet leave the floor with it). Returns the trial and the
    true take-off times."""
    base = read_trial(DEMO / "S0004_squats_01.mot")
    kin = base.kinematics
    assert kin is not None
    squats = analyze(base).squats
    assert squats is not None
    trans = kin.pelvis_translation.copy()
    t = base.time
    offs = []
    for rep in squats.reps:
        t0 = rep.end_s - 0.05
        inside = (t >= t0) & (t <= t0 + flight)
        s = t[inside] - t0
        trans[inside, 1] += 0.5 * 9.81 * s * (flight - s)
        offs.append(t0)
    return replace(base, kinematics=replace(kin, pelvis_translation=trans)), offs


def test_jump_squats_flight_height_and_landing() -> None:
    trial, offs = jump_squats()
    result = analyze(trial)
    assert [t.test for t in result.clinical_tests] == [JUMPS]
    # the countermovements are not squats or sit-to-stands, the feet's lifts not strides
    for test in (SQUATS, STS5):
        assert "jumps" in result.reasons[f"clinical_tests.{test}"]
    assert result.spatiotemporal is None and result.squats is None
    j = result.jumps
    assert j is not None and len(j.jumps) == len(offs) == 4
    true_height = 100 * 9.81 * FLIGHT**2 / 8
    for jump, t0 in zip(j.jumps, offs, strict=True):
        assert jump.takeoff_s == pytest.approx(t0, abs=0.04)  # 60 Hz frames, 2 cm threshold
        assert jump.measures["flight_s"] == pytest.approx(FLIGHT, abs=0.025)
        assert jump.measures["height_flight_cm"] == pytest.approx(true_height, abs=2.5)
        assert jump.measures["height_pelvis_cm"] == pytest.approx(true_height, abs=1.0)
        assert jump.measures["countermovement_cm"] == pytest.approx(31.3, abs=1.5)
        assert jump.measures["landing_gap_ms"] < 20  # both feet together
    assert j.findings == []
    d = json.loads(json.dumps(result.to_dict()))
    assert d["jumps"]["n_jumps"] == 4
    assert d["jumps"]["best_height_pelvis_cm"] == pytest.approx(true_height, abs=1.0)
    test = result.clinical_tests[0]
    assert [p.name for p in test.phases[:2]] == ["flight 1", "landing 1"]


def test_an_asymmetric_landing_and_knees_in_are_found() -> None:
    from lmm_desktop.analysis.jumps import Jump, JumpAnalysis

    jumps = JumpAnalysis([
        Jump(1, 1.0, 1.4, {"landing_knee_flexion_deg_r": 80.0, "landing_knee_flexion_deg_l": 56.0,
                           "landing_knee_ankle_ratio": 0.8}),
        Jump(2, 3.0, 3.4, {"landing_knee_flexion_deg_r": 80.0, "landing_knee_flexion_deg_l": 56.0,
                           "landing_knee_ankle_ratio": 0.84}),
    ])
    assert jumps.landing_symmetry_pct() == pytest.approx(70.0)
    keys = {f["key"]: f for f in jumps.findings}
    assert "less on the left" in keys["landing_symmetry"]["message"]
    assert "0.82" in keys["knees_in_landing"]["message"]
    assert "screening rule" in keys["knees_in_landing"]["rule"]


def _feet(time: np.ndarray, up: dict[str, list[tuple[float, float]]]) -> BodyPoints:
    """Body points standing still, each foot raised 10 cm in its intervals, and the rest of
    the body in free fall (a parabola) while both are up."""
    names = NAMES
    pos = np.array([[BASE[n] for n in names]] * len(time), dtype=float)
    lifts = {}
    for s, spans in up.items():
        lift = np.zeros(len(time))
        for a, b in spans:
            lift[(time >= a) & (time < b)] = 0.10
        lifts[s] = lift
        for i, n in enumerate(names):
            if n.endswith(f"_{s}") and n.split("_")[0] in ("ankle", "heel", "toe"):
                pos[:, i, 1] += lift
    both = np.minimum(lifts["r"], lifts["l"]) > 0
    rise = np.zeros(len(time))  # the body in free fall while both feet are up
    edges = np.flatnonzero(np.diff(np.r_[0, both.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        s = time[a:b] - time[a]
        rise[a:b] = 0.5 * 9.81 * s * (s[-1] - s)
    for i, n in enumerate(names):
        if n.split("_")[0] in ("pelvis", "hip", "knee"):
            pos[:, i, 1] += rise
    return BodyPoints(time, names, pos, [], "markers")


def test_two_footed_take_off_and_landing_only() -> None:
    """Both feet up together is a jump; both up for a moment but leaving 200 ms apart (a
    running stride's flight) is not."""
    time = np.arange(0, 4.0, 0.01)
    pts = _feet(time, {"r": [(1.0, 1.4), (2.0, 2.4)], "l": [(1.0, 1.4), (2.2, 2.6)]})
    kin = Kinematics.empty(len(time))
    sig = motion_signals(kin, time, pts)
    j = find_jumps(pts, sig, None)
    assert j is not None and len(j.jumps) == 1
    assert j.jumps[0].takeoff_s == pytest.approx(1.0, abs=0.03)
    assert j.jumps[0].measures["flight_s"] == pytest.approx(0.4, abs=0.03)
    assert any("100 ms apart" in n for n in j.notes)


def test_walking_squats_and_sit_to_stand_have_no_jumps(fixtures_dir: Path) -> None:
    for path in (DEMO / "S0048_walking_01.mot", DEMO / "S0004_squats_01.mot",
                 DEMO / "S0004_sts5_01.mot", DEMO / "S0048_tug_01.mot",
                 fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"):
        result = analyze(read_trial(path))
        assert result.jumps is None, path.name
        assert JUMPS not in [t.test for t in result.clinical_tests]
        assert "no two-footed jump" in result.reasons["clinical_tests.jumps"]
    kin = read_trial(DEMO / "S0004_sts5_01.mot").kinematics
    assert kin is not None
    tests, _ = run_clinical_tests(kin, read_trial(DEMO / "S0004_sts5_01.mot").time)
    assert STS5 in [t.test for t in tests]  # still a sit-to-stand


def test_jumps_in_the_tests_table_report_and_batch_row() -> None:
    from lmm_desktop.report.assemble import analyse, assemble_report
    from lmm_desktop.report.batch import row_of
    from lmm_desktop.report.html import render_html
    from lmm_desktop.ui.analysis_view import test_phases, test_rows

    trial, _ = jump_squats()
    result = analyze(trial)
    (row,) = test_rows(result)
    assert (row.name, row.value) == ("Jumps", "4 jumps")
    assert row.detail.startswith("best 2") and "countermovement" in row.explanation
    name, phases = test_phases(result)
    assert name == "Jumps" and phases[0][0] == "flight 1"
    table = row_of(result.to_dict())
    assert table["jumps"] == 4 and table["jump_height_pelvis_cm"] == pytest.approx(24.8, abs=1)
    html = render_html(assemble_report([analyse(trial)])).html
    assert "Jumps: best 2" in html and "countermovement 31 cm" in html



def _scripted(time: np.ndarray, feet_y: np.ndarray, body_y: np.ndarray) -> BodyPoints:
    """Body points whose feet rise by ``feet_y`` and the rest of the body by ``body_y`` (m)."""
    pos = np.array([[BASE[n] for n in NAMES]] * len(time), dtype=float)
    for i, n in enumerate(NAMES):
        pos[:, i, 1] += feet_y if n.split("_")[0] in ("ankle", "heel", "toe") else body_y
    return BodyPoints(time, NAMES, pos, [], "markers")


def drop_jump(box: float = 0.30, contact: float = 0.30, flight: float = 0.45
              ) -> tuple[BodyPoints, dict[str, float]]:
    """Stand on a ``box`` m box for 1.5 s, drop off it (both feet, free fall), touch down, a
    countermovement of 15 cm for ``contact`` s, a jump of ``flight`` s, stand."""
    time = np.arange(0, 4.5, 0.01)
    fall = np.sqrt(2 * box / G)
    land = 1.5 + fall
    off = land + contact
    feet = np.where(time < 1.5, box, 0.0)
    body = feet.copy()
    falling = (time >= 1.5) & (time < land)
    s = time[falling] - 1.5
    feet[falling] = body[falling] = box - 0.5 * G * s ** 2
    on = (time >= land) & (time < off)
    body[on] = -0.075 * (1 - np.cos(2 * np.pi * (time[on] - land) / contact))
    up = (time >= off) & (time < off + flight)
    s = time[up] - off
    feet[up] = body[up] = 0.5 * G * s * (flight - s)
    return _scripted(time, feet, body), {"land": land, "off": off, "contact": contact,
                                         "flight": flight, "box": box}


def test_a_drop_jump_gives_its_contact_time_rsi_and_box() -> None:
    """Off a 30 cm box: 0.30 s on the floor, then a 0.45 s flight (24.8 cm): contact 0.30 s
    (the 2 cm threshold adds some 20 ms), RSI 0.248 / 0.30 = 0.83 (read 0.71: the threshold
    lengthens the contact and shortens the flight, the documented bias), the box 30 cm."""
    pts, truth = drop_jump()
    sig = motion_signals(Kinematics.empty(len(pts.time)), pts.time, pts)
    j = find_jumps(pts, sig, None)
    assert j is not None and len(j.jumps) == 1  # the drop is no jump: the feet stood high
    m = j.jumps[0].measures
    assert m["contact_s"] == pytest.approx(truth["contact"], abs=0.03)
    height_m = G * truth["flight"] ** 2 / 8
    assert m["rsi"] == pytest.approx(height_m / truth["contact"], rel=0.16)
    assert m["rsi"] < height_m / truth["contact"]  # low, as documented
    assert m["rsi"] == pytest.approx(m["height_flight_cm"] / 100 / m["contact_s"])
    assert m["drop_height_cm"] == pytest.approx(100 * truth["box"], abs=1.0)
    from lmm_desktop.analysis.clinical_tests import components_text, jump_test

    test = jump_test(j)
    assert test.measures["best_rsi"] == pytest.approx(m["rsi"])
    assert [p.name for p in test.phases][:2] == ["contact 1", "flight 1"]
    assert "reactive strength index 0.71 (contact 0.32 s" in components_text(test)
    assert "after a drop from 30 cm" in components_text(test)
    from lmm_desktop.report.batch import row_of

    d = j.to_dict()
    assert d["best_rsi"] == pytest.approx(m["rsi"], abs=1e-3)
    row = row_of({"trial": {"name": "drop", "n_frames": len(pts.time), "rate_hz": 100.0,
                            "duration_s": 4.5}, "jumps": d})
    assert row["jump_rsi"] == pytest.approx(m["rsi"], abs=1e-3)
    assert row["jump_contact_s"] == pytest.approx(m["contact_s"], abs=1e-3)


def test_repeated_hops_each_after_the_first_is_reactive() -> None:
    """Three hops of 0.40 s, 0.25 s on the floor between them: the first takes off from
    standing (no contact time), the next two after 0.25 s contacts, with no box."""
    time = np.arange(0, 4.0, 0.01)
    feet = np.zeros(len(time))
    t0 = 1.0
    for _k in range(3):
        up = (time >= t0) & (time < t0 + 0.40)
        s = time[up] - t0
        feet[up] = 0.5 * G * s * (0.40 - s)
        t0 += 0.40 + 0.25
    pts = _scripted(time, feet, feet.copy())
    sig = motion_signals(Kinematics.empty(len(time)), time, pts)
    j = find_jumps(pts, sig, None)
    assert j is not None and len(j.jumps) == 3
    assert "contact_s" not in j.jumps[0].measures
    for jump in j.jumps[1:]:
        assert jump.measures["contact_s"] == pytest.approx(0.25, abs=0.03)
        assert "drop_height_cm" not in jump.measures
