"""Sit-to-stand muscle power (Alcazar's equation) with the hips' measured rise, from the
5xSTS and the 30-second chair stand; low relative power on the 30-s test by sex."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.analysis.clinical_tests import CST30, STS5, run_clinical_tests
from lmm_desktop.analysis.sts_power import power_reading, power_text, relative_power_w_kg
from tests.analysis.test_clinical_tests import SEATED_PELVIS, STANDING_Y, make_sts

G = 9.81
DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_the_equation_is_alcazars_for_both_tests() -> None:
    """Alcazar 2018 (5 repetitions): 0.9 m g (0.5 h - chair) / (T5 x 0.1); Alcazar 2020
    (30 s): the same over (30 / stands x 0.5); per kilogram of body mass."""
    height, chair = 1.75, 0.43
    leg = 0.5 * height - chair
    assert relative_power_w_kg(leg, 10.0 / 5) == pytest.approx(0.9 * G * leg / (10.0 * 0.1))
    assert relative_power_w_kg(leg, 30.0 / 12) == pytest.approx(
        0.9 * G * leg / (30.0 / 12 * 0.5))
    assert relative_power_w_kg(0.0, 2.0) is None and relative_power_w_kg(0.4, 0.0) is None


def test_power_of_a_synthetic_5xsts_from_its_measured_rise() -> None:
    """Five rises of the pelvis from its seated to its standing height: the measured rise
    within 1 cm of the scripted one, the power from it and the 5xSTS time."""
    syn = make_sts(5)
    results, _ = run_clinical_tests(syn.kin, syn.time, syn.points)
    sts = next(r for r in results if r.test == STS5)
    rise = STANDING_Y - SEATED_PELVIS[1]
    m = sts.measures
    assert m["hip_rise_m"] == pytest.approx(rise, abs=0.01)
    assert sts.duration_s is not None
    assert m["sts_power_w_kg"] == pytest.approx(
        0.9 * G * m["hip_rise_m"] / (sts.duration_s * 0.1))
    assert "Sit-to-stand power" in power_text(m) and power_reading(m, "male") is not None


def test_a_chair_stand_reads_its_power_against_the_cut_off_for_the_sex() -> None:
    """The chair stand demo (a man of 65.5, 6 stands): 1.11 W/kg, the hips rising 0.32 m, low
    for men (2.53) and for women (2.01); the reading is in its reference and among the key
    findings; a recording cut before 30 s has no power."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse, assemble_report
    from lmm_desktop.report.html import key_findings
    from lmm_desktop.report.model import ReportOptions

    trial = read_trial(DEMO / "S0039_chair_stand_30s_01.mot")
    res = analyze(trial)
    cst = next(t for t in res.clinical_tests if t.test == CST30)
    m = cst.measures
    assert m["hip_rise_m"] == pytest.approx(0.32, abs=0.02)
    assert m["sts_power_w_kg"] == pytest.approx(0.9 * G * m["hip_rise_m"] / (30.0 / 6 * 0.5))
    ref = next(t for t in res.to_dict()["clinical_tests"] if t["test"] == CST30)["reference"]
    assert ref["power"]["low"] is True and ref["power"]["cutoff_w_kg"] == 2.53
    assert "Relative sit-to-stand power 1.11 W/kg: low (under 2.53 W/kg for men)" in (
        ref["summary"])
    found = key_findings(assemble_report([analyse(trial)],
                                         options=ReportOptions(include_ai=False)))
    assert any("Relative sit-to-stand power 1.11 W/kg: low" in f for f in found)
    from lmm_desktop.ui.analysis_view import test_rows

    row = next(r for r in test_rows(res) if r.name == "30s-CST")  # the window's note
    assert "Relative sit-to-stand power 1.11 W/kg: low" in row.explanation
    assert "Garcia-Aguirre M" in row.explanation  # its source
    strong = power_reading({"sts_power_w_kg": 2.2}, "female")
    assert strong is not None and strong["low"] is False
    assert power_reading({"sts_power_w_kg": 2.2}, None) is None
    assert power_reading({"sts_power_w_kg": 1.0, "censored": 1.0}, "male") is None


def test_watts_when_the_body_mass_is_known() -> None:
    """The unimpaired 5xSTS demo with a body mass of 99.8 kg (its participant's, from
    labels.csv): the power in watts is the relative power times the mass."""
    from lmm_desktop.analysis.clinical_tests import components_text
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    trial = read_trial(DEMO / "S0004_sts5_01.mot")
    bare = next(t for t in analyze(trial).clinical_tests if t.test == STS5)
    assert "sts_power_w" not in bare.measures and " W)" not in components_text(bare)
    trial.subject.mass_kg = 99.8
    sts = next(t for t in analyze(trial).clinical_tests if t.test == STS5)
    m = sts.measures
    assert m["sts_power_w"] == pytest.approx(m["sts_power_w_kg"] * 99.8)
    assert f"; {m['sts_power_w']:.0f} W)." in components_text(sts)


def test_the_power_in_the_table_and_the_progress() -> None:
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.batch import row_of
    from lmm_desktop.report.progress import measures_of

    res = analyze(read_trial(DEMO / "S0039_chair_stand_30s_01.mot"))
    cst = next(t for t in res.clinical_tests if t.test == CST30).measures["sts_power_w_kg"]
    sts = next(t for t in res.clinical_tests if t.test == STS5).measures["sts_power_w_kg"]
    assert row_of(res.to_dict())["sts_power_w_kg"] == pytest.approx(cst, abs=1e-3)  # 30-s
    assert measures_of(res)["sts_power_w_kg"] == pytest.approx(max(cst, sts), abs=1e-3)
