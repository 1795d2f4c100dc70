"""File > Analyse many trials into a table…: folders in, a CSV out, progress, stop."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from lmm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import open_and_wait

pytestmark = pytest.mark.gui

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_a_folder_into_a_table_from_the_file_menu(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    data = tmp_path / "study"
    data.mkdir()
    for name in ("S0048_tug_01.mot", "S0004_squats_01.mot", "S0004_one_leg_stance_01.mot",
                 "S0048_four_stage_balance_01.mot"):
        shutil.copy(DEMO / name, data / name)
    open_and_wait(qtbot, window, data / "S0048_tug_01.mot")
    window.actions_by_name["batch"].trigger()
    dlg = window.batch_dialog
    assert dlg is not None
    assert dlg.paths() == [data]  # starts with the open trial's folder
    assert not dlg.start()  # no table chosen yet
    assert "Choose where to save the table" in dlg.status.text()
    out = tmp_path / "table.csv"
    dlg.out_edit.setText(str(out))
    assert dlg.start() and dlg.worker is not None
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.run_button.isEnabled(),
                    timeout=30000)  # (no race with a fast worker, unlike waiting for a signal)
    assert dlg.result is not None and dlg.result["trials"] == 4 and dlg.result["failed"] == 0
    assert f"4 trial(s) in {out}" in dlg.status.text()
    assert dlg.progress_bar.value() == 4 and dlg.run_button.isEnabled()
    # S0048's TUG and 4-Stage add up to a STEADI screen: the batteries table beside
    assert dlg.result["people"] == 1
    assert f"The SPPB and STEADI screen of 1 person(s): {tmp_path / 'table_batteries.csv'}" in (
        dlg.status.text())
    with open(tmp_path / "table_batteries.csv", newline="", encoding="utf-8") as fh:
        (person,) = list(csv.DictReader(fh))
    assert person["person"] == "S0048" and person["steadi"] == "problem: TUG, 4-Stage"
    assert person["sppb_total"] == ""  # a battery needs two of its parts
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {r["trial"]: r for r in csv.DictReader(fh)}
    assert float(rows["S0048_tug_01"]["tug_s"]) == pytest.approx(17.18, abs=0.05)
    assert rows["S0004_squats_01"]["squat_reps"] == "4"
    assert float(rows["S0004_one_leg_stance_01"]["one_leg_stance_s"]) > 8


def test_stop_writes_what_was_done(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from lmm_desktop.ui.batch_dialog import BatchDialog

    dlg = BatchDialog(window)
    qtbot.addWidget(dlg)
    dlg.add_paths([DEMO])
    out = tmp_path / "t.csv"
    dlg.out_edit.setText(str(out))
    assert dlg.start()
    assert dlg.worker is not None
    dlg.stop()  # before or during the first trial: stops after it
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.run_button.isEnabled(),
                    timeout=30000)
    assert dlg.result is not None and dlg.result["stopped"]
    assert dlg.result["trials"] < dlg.result["total"] == 16
    assert out.is_file() and "Stopped after" in dlg.status.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    dlg.inputs.clear()
    dlg.add_paths([empty])
    assert not dlg.start() and "No trial files" in dlg.status.text()
