"""``lmm-desktop analyze``: JSON and text output on real fixtures, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lmm_desktop.cli import main


def test_analyze_json(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"
    assert main(["analyze", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) >= {
        "events",
        "spatiotemporal",
        "gait_profile_score",
        "clinical_tests",
        "quality",
        "reasons",
    }
    # squats are not a five-times sit-to-stand test, but a squat series
    assert [c["test"] for c in d["clinical_tests"]] == ["squats"]
    assert d["squats"]["repetitions"] == 5 and len(d["squats"]["reps"]) == 5
    assert "squats" in d["reasons"]["clinical_tests.five_times_sit_to_stand"]
    assert d["spatiotemporal"] is None and d["reasons"]["spatiotemporal"]


def test_analyze_text_lists_the_squats(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Squats (5 repetitions" in out
    assert "Peak knee flexion (deg)" in out and "symmetry" in out
    assert "finding:" in out or "no findings" in out


def test_analyze_text_table(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = fixtures_dir / "opensim" / "subject01_walk1_ik.mot"
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Spatiotemporal parameters" in out and "cadence (steps/min)" in out
    assert "Gait Profile Score:" in out and "deg" in out
    assert "Clinical tests" in out and "Data quality" in out
    assert "heel_strike" in out and "detected" in out


def test_analyze_missing_file_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(tmp_path / "nope.mot")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err and "nope.mot" in err


def test_analyze_subprocess(fixtures_dir: Path) -> None:
    path = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    proc = subprocess.run(
        [sys.executable, "-m", "lmm_desktop.cli", "analyze", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["events_source"] == "detected" and len(d["events"]) == 3


def test_analyze_reads_a_tug_against_its_cut_off(capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    assert main(["analyze", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "fall-risk cut-off" in out
    assert "above cut-off (≥ 13.5 s)" in out  # 17.2 s
    assert "Source: Shumway-Cook A, Brauer S, Woollacott M. Phys Ther 2000" in out
    assert main(["analyze", str(demo), "--json"]) == 0
    ref = json.loads(capsys.readouterr().out)["clinical_tests"][0]["reference"]
    assert ref["above_cutoff"] is True and ref["status"] == "above cut-off"


def test_analyze_age_picks_the_age_norm(capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    assert main(["analyze", str(demo), "--age", "72", "--json"]) == 0
    ref = json.loads(capsys.readouterr().out)["clinical_tests"][0]["reference"]
    assert (ref["age_group"], ref["age_worse_than_s"]) == ("70-79", 10.2)
    assert main(["analyze", str(demo), "--age", "-3"]) == 2
    assert "'--age'" in capsys.readouterr().err


def test_analyze_force_plates_and_mass(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixtures_dir / "c3d" / "Qualisys.c3d"
    assert main(["analyze", str(path), "--json"]) == 0
    fp = json.loads(capsys.readouterr().out)["force_plates"]
    assert fp["body_weight_n"] is None
    assert [c["side"] for c in fp["contacts"]] == ["left", "right"]
    rows = {r["label"]: r for r in fp["stance_table"]}
    assert rows["Vertical 1st peak"]["unit"] == "N"
    assert 780 < rows["Vertical 1st peak"]["left"] < 840
    assert set(fp["agreement"]) == {"detected", "file"}
    assert main(["analyze", str(path), "--mass", "66"]) == 0
    out = capsys.readouterr().out
    assert "Force plates (2 contact(s); forces in BW)" in out
    assert "Vertical 1st peak (BW)" in out and "1.25" in out  # 808 N / (66 kg g)
    assert "The file's gait events against the force plates" in out
    assert main(["analyze", str(path), "--mass", "1000"]) == 2
    assert "'--mass': 1000 kg" in capsys.readouterr().err


def test_analyze_joint_kinetics_need_the_mass(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixtures_dir / "c3d" / "Qualisys.c3d"
    assert main(["analyze", str(path)]) == 0
    assert "not computed: the body mass is needed" in capsys.readouterr().out
    assert main(["analyze", str(path), "--mass", "66", "--json"]) == 0
    k = json.loads(capsys.readouterr().out)["kinetics"]
    assert [c["side"] for c in k["cycles"]] == ["left", "right"]
    assert 2.0 < k["summary"]["right"]["ankle_power_max"] < 4.5
    assert main(["analyze", str(path), "--mass", "66"]) == 0
    out = capsys.readouterr().out
    assert "Ankle plantarflexor moment, peak (N m/kg)" in out and "normal mean (Fast)" in out


def test_the_chair_stand_with_age_and_sex_from_the_command_line(capsys, tmp_path) -> None:
    from pathlib import Path

    from lmm_desktop.cli import main

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    trial = demo / "S0039_chair_stand_30s_01.mot"
    assert main(["analyze", str(trial), "--age", "71", "--sex", "female"]) == 0
    out = capsys.readouterr().out
    assert "6 stands in 30.0 s" in out and "below average (< 10 stands)" in out
    assert "Below the average for women aged 70-74" in out
    assert main(["analyze", str(trial)]) == 0  # the file's own: a man of 65.5
    assert "Below the average for men aged 65-69" in capsys.readouterr().out
    from tests.conftest import without_person

    assert main(["analyze", str(without_person(trial, tmp_path))]) == 0
    assert "below average" not in capsys.readouterr().out  # no age or sex: no norm, no guess
    with pytest.raises(SystemExit):
        main(["analyze", str(trial), "--sex", "unknown"])
    assert "invalid choice: 'unknown'" in capsys.readouterr().err
