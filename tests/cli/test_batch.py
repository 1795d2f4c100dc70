"""``lmm-desktop batch``: many trials into one table, bad files keeping their row."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from lmm_desktop.cli import main
from lmm_desktop.report.batch import COLUMNS
from tests.records.conftest import opencap_session  # noqa: F401  (an OpenCap session folder)

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_folder_a_session_and_a_bad_file_into_one_table(
    tmp_path: Path, opencap_session: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    data = tmp_path / "study"
    (data / "p1").mkdir(parents=True)
    for name in ("S0048_tug_01.mot", "S0004_squats_01.mot", "S0048_walking_01.mot"):
        shutil.copy(DEMO / name, data / "p1" / name)
    (data / "p1" / "broken.mot").write_text("Coordinates\nnot a motion file\n")
    (data / "p1" / "readme.txt").write_text("not a trial")  # not a trial file: skipped
    out = tmp_path / "table.csv"
    assert main(["batch", str(data), str(opencap_session), "-o", str(out), "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = _rows(out)
    # S0048's TUG is a STEADI screen: a batteries table beside (the session's trials, none)
    assert summary == {"table": str(out), "trials": len(rows), "failed": 1, "people": 1,
                       "batteries": str(tmp_path / "table_batteries.csv")}
    assert list(rows[0]) == [c for c, _ in COLUMNS]
    by_trial = {r["trial"] or Path(r["file"]).name: r for r in rows}
    assert "broken.mot" in by_trial["broken.mot"]["error"]  # the reader's one-line reason
    tug, squats, walk = (by_trial[n] for n in ("S0048_tug_01", "S0004_squats_01",
                                               "S0048_walking_01"))
    assert float(tug["tug_s"]) == pytest.approx(17.18, abs=0.05) and tug["error"] == ""
    assert squats["squat_reps"] == "4" and float(squats["squat_knee_symmetry_pct"]) > 95
    assert tug["simulated"] == "yes"
    # the table holds what `analyze` measures
    assert main(["analyze", str(DEMO / "S0048_walking_01.mot"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert float(walk["speed_m_s"]) == pytest.approx(d["spatiotemporal"]["speed_m_s"]["value"],
                                                      rel=1e-4)
    assert float(walk["arm_swing_left_deg"]) > 0
    # both motions of the OpenCap session, by trial name
    session_rows = [r for r in rows if r["file"] == str(opencap_session)]
    assert {r["trial"] for r in session_rows} >= {"walking1_videoAndMocap"}


def test_bad_arguments_and_nothing_to_analyse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["batch", str(DEMO), "-o", str(tmp_path / "t.xlsx")]) == 2
    assert "CSV" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["batch", str(empty), "-o", str(tmp_path / "t.csv")]) == 2
    assert "No trial files" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.c3d").write_bytes(b"\x00" * 10)
    assert main(["batch", str(bad), "-o", str(tmp_path / "t.csv"), "--quiet"]) == 2
    assert "None of the 1 trial(s)" in capsys.readouterr().err
    assert (tmp_path / "t.csv").is_file()  # the table still says why, row by row
