"""The Progress over sessions dialog, from the Patients tab's right-click menu."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lmm_desktop.records.importer import import_trial_file
from lmm_desktop.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_progress_table_chart_and_change(qtbot, window: MainWindow, tmp_path: Path) -> None:
    store = window.records.link.store
    ada = store.add_patient("Ada Byron")
    for date, name in (("2026-01-10", "S0039_walking_01.mot"),
                       ("2026-03-14", "S0048_walking_01.mot")):
        session = store.add_session(ada.id, date=date)
        shutil.copy(DEMO / name, tmp_path / name)
        import_trial_file(store, session.id, tmp_path / name)
    browser = window.records.patients
    browser.refresh()
    dlg = browser.show_progress(ada.id)
    qtbot.waitUntil(lambda: not dlg.busy, timeout=30000)
    qtbot.waitUntil(lambda: dlg.table.rowCount() > 0, timeout=5000)
    t = dlg.table
    headers = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    assert headers == ["Measure", "2026-01-10", "2026-03-14", "Change"]
    rows = {t.item(r, 0).text(): [t.item(r, c).text() for c in range(1, t.columnCount())]
            for r in range(t.rowCount())}
    speed = rows["Walking speed (m/s)"]
    assert speed[0] == "0.54" and speed[2].endswith(("(better)", "(worse)"))
    assert "2 session(s), 2 trial(s)" in dlg.status.text()
    assert dlg.plot is not None and dlg.measure.count() == t.rowCount()
    dlg.reject()


def test_a_timed_test_is_charted_against_its_cut_off(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    store = window.records.link.store
    cy = store.add_patient("Cy")
    for date in ("2026-01-10", "2026-02-10"):
        session = store.add_session(cy.id, date=date)
        shutil.copy(DEMO / "S0048_tug_01.mot", tmp_path / f"tug{date}.mot")
        import_trial_file(store, session.id, tmp_path / f"tug{date}.mot")
    dlg = window.records.patients.show_progress(cy.id)
    qtbot.waitUntil(lambda: not dlg.busy and dlg.measure.count() > 0, timeout=30000)
    dlg.measure.setCurrentIndex(dlg.measure.findData("timed_up_and_go"))
    lines = [i for i in dlg.plot.items if hasattr(i, "label") and i.label is not None]
    assert any("fall-risk cut-off ≥ 13.5 s" in ln.label.toPlainText() for ln in lines)
    t = dlg.table
    tug = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == "TUG (s)")
    assert t.item(tug, 3).text() == "+0.0"  # the same trial twice: no change
    steadi = next(r for r in range(t.rowCount())
                  if t.item(r, 0).text() == "Fall-risk screen (CDC STEADI)")
    assert [t.item(steadi, c).text() for c in (1, 2)] == ["problem: TUG"] * 2  # 17.2 >= 12 s
    assert dlg.measure.count() == t.rowCount() - 1  # the screen is not a chartable measure
    dlg.reject()


def test_the_sppb_row_and_its_chart(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """A session with the 4-Stage, a walk and a 5xSTS: the SPPB row reads 8 / 12 and charts;
    a second session with two parts shows its partial score as text."""
    store = window.records.link.store
    di = store.add_patient("Di")
    first = store.add_session(di.id, date="2026-01-10")
    for name in ("S0048_four_stage_balance_01.mot", "S0048_walking_01.mot",
                 "S0048_sts5_01.mot"):
        shutil.copy(DEMO / name, tmp_path / name)
        import_trial_file(store, first.id, tmp_path / name)
    second = store.add_session(di.id, date="2026-02-10")
    for name in ("S0039_walking_01.mot", "S0039_chair_stand_30s_01.mot"):
        shutil.copy(DEMO / name, tmp_path / name)
        import_trial_file(store, second.id, tmp_path / name)
    dlg = window.records.patients.show_progress(di.id)
    qtbot.waitUntil(lambda: not dlg.busy and dlg.measure.count() > 0, timeout=60000)
    t = dlg.table
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == "SPPB (0-12 points)")
    assert [t.item(row, c).text() for c in (1, 2)] == ["8", "3 of 8 (balance not scored)"]
    dlg.measure.setCurrentIndex(dlg.measure.findData("sppb_total"))
    assert dlg.plot is not None
    dlg.reject()


def test_closing_the_window_while_it_computes_is_safe(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    store = window.records.link.store
    bob = store.add_patient("Bob")
    session = store.add_session(bob.id, date="2026-02-02")
    for k in range(3):
        shutil.copy(DEMO / "S0039_walking_01.mot", tmp_path / f"w{k}.mot")
        import_trial_file(store, session.id, tmp_path / f"w{k}.mot")
    window.records.patients.show_progress(bob.id)
    window.close()  # the fixture checks that no thread is left running
