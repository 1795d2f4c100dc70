"""Written cohorts: labels table, events, .mot files read back as canonical simulated trials."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.io import read_trial
from training.cli import main
from training.simulate.output import LABEL_COLUMNS

N_PARTICIPANTS = 4


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    assert (
        main(["simulate", "--participants", str(N_PARTICIPANTS), "--out", str(out), "--seed", "21"])
        == 0
    )
    return out


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labels_table_columns_and_values(cohort: Path) -> None:
    rows = _rows(cohort)
    assert tuple(rows[0]) == LABEL_COLUMNS
    assert len({r["participant"] for r in rows}) == N_PARTICIPANTS
    assert len(rows) >= 9 * N_PARTICIPANTS
    for r in rows:
        assert (cohort / r["file"]).is_file()
        assert r["simulated"] == "yes"
        walking = r["activity"] in ("walking", "walking_fast")
        assert (r["speed_m_s"] != "") == walking
        if walking:
            assert 0.2 < float(r["speed_m_s"]) < 2.6
            assert 50 < float(r["cadence_steps_min"]) < 160
            assert 0.15 < float(r["step_length_r_m"]) < 1.1
        if r["activity"] == "tug":
            assert 5 < float(r["tug_s"]) < 60
        assert (r["fall_history"] != "") == (r["condition"] in ("transtibial", "transfemoral"))
        assert r["description"]


def test_fast_walking_is_faster_than_self_selected(cohort: Path) -> None:
    rows = _rows(cohort)
    for pid in {r["participant"] for r in rows}:
        mine = [r for r in rows if r["participant"] == pid]
        ss = [float(r["speed_m_s"]) for r in mine if r["activity"] == "walking"]
        fast = [float(r["speed_m_s"]) for r in mine if r["activity"] == "walking_fast"]
        if fast:
            assert np.mean(fast) > 1.08 * np.mean(ss)


def test_mot_files_read_back_canonical_and_match_events(cohort: Path) -> None:
    rows = _rows(cohort)
    events = json.loads((cohort / "events.json").read_text(encoding="utf-8"))
    assert events["simulated"] is True and events["seed"] == 21
    for r in rows[:6]:
        trial = read_trial(cohort / r["file"])
        assert trial.provenance.simulated
        assert trial.n_frames == int(r["n_frames"]) and trial.rate_hz == pytest.approx(100.0)
        kin = trial.kinematics
        assert kin is not None and kin.present.all() and kin.pelvis_present
        rec = events["trials"][r["trial"]]
        if r["activity"] in ("walking", "walking_fast") and int(r["gap_frames"]) == 0:
            hs = [e["time_s"] for e in rec["events"] if e["label"] == "heel_strike"]
            i0, i1 = round(hs[0] * 100), round(hs[-1] * 100)
            xz = kin.pelvis_translation[[i0, i1]][:, [0, 2]]
            speed = np.linalg.norm(xz[1] - xz[0]) / (hs[-1] - hs[0])
            assert speed == pytest.approx(float(r["speed_m_s"]), rel=0.01, abs=0.005)
            assert float(r["cadence_steps_min"]) == pytest.approx(
                60 * (len(hs) - 1) / (hs[-1] - hs[0]), rel=1e-3
            )
            knee = kin.angle("knee_angle_r")
            assert 45 < np.nanmax(knee) < 80 or r["condition"] != "unimpaired"


def test_same_seed_writes_identical_files(cohort: Path, tmp_path: Path) -> None:
    assert main(["simulate", "--participants", "1", "--out", str(tmp_path), "--seed", "21"]) == 0
    first = _rows(tmp_path)[0]["file"]
    assert (tmp_path / first).read_bytes() == (cohort / first).read_bytes()


def test_cli_rejects_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--participants", "0", "--out", str(tmp_path)]) == 2
    assert "participants" in capsys.readouterr().err
