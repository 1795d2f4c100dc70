"""Records inside the app: notes autosave + commit, edited events kept across windows, crash
recovery after a hard kill, and the patient browser over an imported OpenCap session."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThread, QTimer

from lmm_desktop.records import Autosave, RecordStore, sha256_of
from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.records_link import UNFILED
from tests.ui.conftest import open_and_wait

NOTE = "Knee hyperextension in mid-stance, left more than right."


def _add_trial(store: RecordStore, path: Path, name: str) -> int:
    p = store.add_patient("Ada Lovelace")
    s = store.add_session(p.id)
    return store.add_trial(s.id, path=path, sha256=sha256_of(path), name=name, format="mot").id


def test_typing_a_note_journals_then_commits(qtbot, window: MainWindow, walking_file: Path) -> None:
    recs = window.records
    tid = _add_trial(recs.link.store, walking_file, "walking1_videoAndMocap")
    recs.notes.set_trial(tid, "walking1_videoAndMocap")
    journal = recs.link.autosave.path_for(Autosave.key_for("note", tid))
    assert recs.link.autosave.root == Path(os.environ["LMM_DESKTOP_HOME"]) / "data" / "autosave"
    qtbot.keyClicks(recs.notes.editor, NOTE)
    assert recs.notes.state_name == "unsaved"
    qtbot.waitUntil(journal.exists, timeout=3000)  # ~300 ms after the last keystroke
    assert recs.notes.state_name == "draft"
    assert recs.link.store.note("trial", tid) is None  # journaled, not committed yet
    qtbot.waitUntil(lambda: recs.link.store.note("trial", tid) is not None, timeout=5000)
    assert recs.link.store.note("trial", tid).text == NOTE  # type: ignore[union-attr]
    assert recs.notes.state_name == "saved" and recs.notes.state.text() == "Saved"
    assert not journal.exists()  # committed: nothing left to recover


def test_edited_events_and_note_come_back_in_a_new_window(
    qtbot, window: MainWindow, settings: QSettings, messages, walking_file: Path
) -> None:
    open_and_wait(qtbot, window, walking_file)
    assert window.loaded is not None and window.loaded.analysis.events_source != "user"
    with qtbot.waitSignal(window.analysis_updated, timeout=30000):
        window.store.add("heel_strike", "left", 1.45)
    # the trial was not in the records: it is filed under 'Unfiled' and the status bar says so
    assert "Unfiled" in window.status_label.text()
    store = window.records.link.store
    tid = window.records.link.trial_id
    assert tid is not None and store.trial(tid).sha256 == sha256_of(walking_file)
    assert [p.display_name for p in store.patients()] == [UNFILED]
    assert [lbl[2] for lbl in window.records.patients.labels()] == ["walking1_videoAndMocap"]
    saved = store.edited_events(tid)
    assert [(e.label, e.side, e.time_s, e.deleted) for e in saved] == [
        ("heel_strike", "left", 1.45, False)
    ]
    assert not list(window.records.link.autosave.root.glob("*.json"))  # type: ignore[union-attr]
    qtbot.keyClicks(window.records.notes.editor, NOTE)
    window.close()  # commits the note being typed

    win2 = MainWindow(settings, theme="light", show_message=messages)
    qtbot.addWidget(win2)
    win2.show()
    qtbot.waitExposed(win2)
    try:
        open_and_wait(qtbot, win2, walking_file, timeout_ms=60000)
        user = [e for e in win2.store.events if e.source == "user"]
        assert [(e.label, e.side, e.time_s) for e in user] == [("heel_strike", "left", 1.45)]
        assert win2.loaded is not None and win2.loaded.analysis.events_source == "user"
        used = win2.loaded.analysis.events_used()
        assert any(e.side == "left" and e.time_s == pytest.approx(1.45) for e in used)
        assert win2.records.notes.text == NOTE
        assert win2.records.notes.state_name == "saved"
        assert not win2.store.edited  # reopened as saved: nothing to undo
    finally:
        win2.close()
    assert all(not t.isRunning() for t in win2.findChildren(QThread))


CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from lmm_desktop.records import Autosave, sha256_of
    from lmm_desktop.ui.app import make_app
    from lmm_desktop.ui.main_window import MainWindow

    app = make_app()
    settings = QSettings(sys.argv[1], QSettings.Format.IniFormat)
    win = MainWindow(settings, theme="light", show_message=lambda *a: None)
    win.show()
    link, notes = win.records.link, win.records.notes
    p = link.store.add_patient("Grace Hopper")
    s = link.store.add_session(p.id)
    path = sys.argv[2]
    t = link.store.add_trial(s.id, path=path, sha256=sha256_of(path), name="walk", format="mot")
    notes.set_trial(t.id, "walk")
    notes.editor.setFocus()
    QTest.keyClicks(notes.editor, sys.argv[3])
    journal = link.autosave.path_for(Autosave.key_for("note", t.id))
    deadline = time.monotonic() + 30
    while not journal.exists() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print("journaled" if journal.exists() else "no-journal", t.id, flush=True)
    time.sleep(120)  # killed here: the 2 s commit timer never fires
""")


def _read_line(child: subprocess.Popen[str], timeout_s: float) -> str:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout_s)
    return child.stdout.readline() if ready else ""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_note_typed_in_a_killed_app_is_recovered(
    qtbot, window: MainWindow, tmp_path: Path, walking_file: Path
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "child.ini"), str(walking_file), NOTE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),  # same LMM_DESKTOP_HOME and DISPLAY as this test
    )
    try:
        words = _read_line(child, 120).split()
        if words[:1] != ["journaled"]:
            child.kill()
            pytest.fail(f"child did not journal the note: {words} {child.communicate()[1]}")
        trial_id = int(words[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    recs = window.records
    assert recs.link.store.note("trial", trial_id) is None  # killed before the commit
    recs.notes.set_trial(trial_id, "walk")  # the trial is open when recovery runs
    assert recs.notes.text == ""
    seen: list[str] = []

    def accept() -> None:  # the modal dialog is up: read it, then press Restore
        dlg = recs.recovery_dialog
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(50, accept)
            return
        seen.extend(dlg.list.item(i).text() for i in range(dlg.list.count()))  # type: ignore[union-attr]
        dlg.restore_btn.click()

    QTimer.singleShot(50, accept)
    t0 = time.monotonic()
    assert recs.check_recovery() == 1
    assert time.monotonic() - t0 < 30
    assert len(seen) == 1 and seen[0].startswith(f"unsaved note on trial {trial_id}")
    assert recs.link.store.note("trial", trial_id).text == NOTE  # type: ignore[union-attr]
    assert recs.notes.text == NOTE and recs.notes.state_name == "saved"
    assert recs.link.autosave.pending_recovery() == []
    assert "Restored 1" in window.status_label.text()
    assert recs.check_recovery() == 0  # nothing left: no dialog the next time


@pytest.fixture
def opencap_folder(fixtures_dir: Path, tmp_path: Path) -> Path:
    """An OpenCap session assembled from the shared fixtures (symlinked, never copied)."""
    root = tmp_path / "OpenCapSession"
    (root / "OpenSimData" / "Model").mkdir(parents=True)
    (root / "OpenSimData" / "Kinematics").mkdir(parents=True)
    os.symlink(
        fixtures_dir / "models" / "LaiUhlrich2022.osim", root / "OpenSimData" / "Model" / "m.osim"
    )
    for mot in sorted((fixtures_dir / "opencap").glob("*.mot")):
        os.symlink(mot, root / "OpenSimData" / "Kinematics" / mot.name)
    (root / "sessionMetadata.yaml").write_text(
        "subjectID: subj01\nheight_m: 1.70\nmass_kg: 68.5\ngender_mf: f\n", encoding="utf-8"
    )
    return root


def test_patient_browser_lists_an_imported_session_and_opens_a_trial(
    qtbot, window: MainWindow, opencap_folder: Path, fixtures_dir: Path
) -> None:
    assert "import_opencap" in window.actions_by_name
    assert {"patients", "notes"} <= set(window.actions_by_name)
    browser = window.records.patients
    patient = browser.add_patient("Test Patient")
    _session, trials = browser.import_session(opencap_folder, patient.id)
    names = sorted(p.stem for p in (fixtures_dir / "opencap").glob("*.mot"))
    assert sorted(t.name for t in trials) == names
    rows = browser.labels()
    assert [r[2] for r in rows] == names
    assert all(r[0].startswith("Test Patient (P-") for r in rows)
    assert all(r[1].endswith("OpenCapSession") for r in rows)
    assert window.records.link.store.patient(patient.id).sex == "female"
    # double-click the walking trial: the window opens it and finds it in the records
    p_item = browser.tree.topLevelItem(0)
    s_item = p_item.child(0)  # type: ignore[union-attr]
    walk = next(
        s_item.child(k)  # type: ignore[union-attr]
        for k in range(s_item.childCount())  # type: ignore[union-attr]
        if s_item.child(k).text(0) == "walking1_videoAndMocap"  # type: ignore[union-attr]
    )
    with qtbot.waitSignal(window.trial_loaded, timeout=60000):
        browser.tree.itemDoubleClicked.emit(walk, 0)
    expected = next(t.id for t in trials if t.name == "walking1_videoAndMocap")
    assert window.records.link.trial_id == expected
    assert window.loaded is not None and window.loaded.trial.n_frames > 0
    assert "walking1_videoAndMocap" in window.records.notes.title.text()
    assert walk.font(0).bold()  # the trial on screen, in the records tree
    assert sorted(r.label for r in window.browser.refs()) == names  # and its session's trials
    qtbot.waitUntil(lambda: not window.busy, timeout=60000)


def test_an_unfiled_trial_moves_to_a_patient_whose_details_pick_the_age_norm(
    qtbot, window: MainWindow
) -> None:
    """A note files the open trial under 'Unfiled'; right-click it, move it to a patient, then
    edit the patient's birth date: the note goes with the trial and the TUG gets the age norm.
    'Unfiled' cannot be renamed, and a bad birth date is refused with the fix."""
    from lmm_desktop.core.errors import InvalidValueError

    tug = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    open_and_wait(qtbot, window, tug)
    window.records.notes.editor.setPlainText("Slow turn.")
    window.records.notes.commit()
    link, browser = window.records.link, window.records.patients
    tid = link.trial_id
    assert tid is not None
    store = link.store
    unfiled = store.find_patient(UNFILED)
    assert unfiled is not None
    assert "age norm is shown" in window.metrics.tests_note.text()  # no age yet
    trial_item = next(
        i for i in browser._trial_items() if i.data(0, Qt.ItemDataRole.UserRole)[0].id == tid
    )
    pos = browser.tree.visualItemRect(trial_item).center()
    menu = browser.context_menu(pos)
    assert menu.actions()[0].text() == "Move S0048_tug_01 to a patient…"
    patient = browser.add_patient("Ada Test")
    session = browser.move_trial(tid, patient.id)
    assert store.trial(tid).session_id == session.id
    assert store.note("trial", tid).text == "Slow turn."  # type: ignore[union-attr]
    assert ["Ada Test" in row[0] for row in browser.labels()] == [True]
    with pytest.raises(InvalidValueError, match="YYYY-MM-DD"):
        browser.edit_patient(patient.id, "Ada Test", "03/01/1950", "female")
    with pytest.raises(InvalidValueError, match="Unfiled"):
        browser.edit_patient(unfiled.id, "Someone", "", "")
    with pytest.raises(InvalidValueError, match="Choose a patient"):
        browser.move_trial(tid, unfiled.id)
    browser.edit_patient(patient.id, "Ada Test", "1950-03-01", "female")
    assert store.patient(patient.id).birth_date == "1950-03-01"
    assert "ages 70-79" in window.metrics.tests_note.text()  # the norm follows at once


def test_the_open_trial_is_filed_under_a_patient_from_the_browser(
    qtbot, window: MainWindow
) -> None:
    walk = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0003_walking_01.mot"
    open_and_wait(qtbot, window, walk)
    browser = window.records.patients
    patient = browser.add_patient("Bea Test")
    item = browser.tree.topLevelItem(0)
    assert item is not None
    menu = browser.context_menu(browser.tree.visualItemRect(item).center())
    act = next(a for a in menu.actions() if a.text() == "File the open trial under this patient")
    act.trigger()
    tid = window.records.link.trial_id
    assert tid is not None
    session = window.records.link.store.session(window.records.link.store.trial(tid).session_id)
    assert session.patient_id == patient.id
    assert browser.labels()[0][2] == "S0003_walking_01"


def test_patient_form_adds_with_details_and_keeps_errors_in_the_form(
    qtbot, window: MainWindow
) -> None:
    from lmm_desktop.ui.patient_browser import PatientForm

    browser = window.records.patients
    form = PatientForm(browser, "New patient", browser.add_patient)
    qtbot.addWidget(form)
    form.name.setText("Cleo Test")
    form.birth.setText("1948-13-40")  # not a date: refused in the form, nothing added
    form.sex.setCurrentIndex(1)
    form.submit()
    assert "YYYY-MM-DD" in form.error.text() and form.saved is None
    assert window.records.link.store.find_patient("Cleo Test") is None
    form.birth.setText("1948/02/29")  # year first with slashes: read as 1948-02-29
    form.submit()
    assert form.saved is not None and form.result() == form.DialogCode.Accepted
    p = window.records.link.store.patient(form.saved.id)
    assert (p.display_name, p.birth_date, p.sex) == ("Cleo Test", "1948-02-29", "female")
    empty = PatientForm(browser, "New patient", browser.add_patient)
    qtbot.addWidget(empty)
    empty.submit()
    assert "needs a name" in empty.error.text()


def test_session_notes_are_shared_by_the_trials_of_a_visit(
    qtbot, window: MainWindow
) -> None:
    """The Notes dock's Session tab: one note for the visit, the same whichever of its trials
    is open, journaled against a crash like a trial's note, and the summary the report dialog
    starts from."""
    from lmm_desktop.ui.report_dialog import prefill

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    store = window.records.link.store
    patient = store.add_patient("Dora Test", birth_date="1948-05-05")
    session = store.add_session(patient.id, date="2026-11-30")
    for name in ("S0048_tug_01", "S0048_walking_01"):
        f = demo / f"{name}.mot"
        store.add_trial(session.id, path=f.resolve(), sha256=sha256_of(f), name=name, format="mot")
    open_and_wait(qtbot, window, demo / "S0048_tug_01.mot")
    panel = window.records.session_notes
    assert window.records.notes_tabs.tabText(1) == "Session"
    assert "2026-11-30" in panel.title.text() and "Dora Test" in panel.title.text()
    panel.editor.setPlainText("Falls risk: high. Plan: balance class, review in 6 weeks.")
    panel.journal()
    journal = window.records.link.autosave.path_for(f"note:session:{session.id}")
    assert journal.is_file()  # the crash copy, keyed to the session
    panel.commit()
    assert store.note("session", session.id).text.startswith("Falls risk: high.")  # type: ignore[union-attr]
    assert not journal.exists()
    assert prefill(window).session_note.startswith("Falls risk: high.")  # type: ignore[union-attr]
    open_and_wait(qtbot, window, demo / "S0048_walking_01.mot")
    assert panel.text.startswith("Falls risk: high.")  # the same visit, the same note
    assert window.records.notes.text == ""  # the trial's own note is separate


def test_session_notes_of_a_trial_gone_from_the_records_say_so(window: MainWindow) -> None:
    panel = window.records.session_notes
    panel.set_trial(987654, "ghost")  # not in the records (deleted elsewhere)
    assert panel.title.text().startswith("Notes unavailable: the records cannot be read")
    assert not panel.editor.isEnabled()


def test_records_backed_up_and_restored_from_the_file_menu(
    qtbot, window: MainWindow, messages, tmp_path: Path
) -> None:
    """File > Back up records… then Restore: the note typed after the backup is replaced by the
    backed-up one on screen, the replaced records are kept aside, and a bad file or a 'Cancel'
    changes nothing."""
    assert "backup_records" in window.actions_by_name
    assert "restore_records" in window.actions_by_name
    tug = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    open_and_wait(qtbot, window, tug)
    notes = window.records.notes
    notes.editor.setPlainText("Slow turn, stops twice.")
    notes.commit()
    out = tmp_path / "backup.sqlite"
    info = window.records.backup_to(out)
    assert info is not None and info.counts["notes"] == 1
    assert "Backed up" in window.status_label.text()
    notes.editor.setPlainText("Overwritten by mistake.")
    notes.commit()
    asked: list[str] = []
    window.records.confirm = lambda title, text: asked.append(text) is None and False
    assert not window.records.restore_from(out)  # cancelled: nothing changes
    assert notes.editor.toPlainText() == "Overwritten by mistake."
    assert "1 patient(s)" in asked[0]
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a backup")
    window.records.confirm = lambda title, text: True
    assert not window.records.restore_from(bad)
    assert messages and "not an LMM Desktop records backup" in messages[-1][1]
    assert window.records.restore_from(out)
    assert notes.editor.toPlainText() == "Slow turn, stops twice."
    assert "records before the restore are in" in window.status_label.text()
    db = window.records.link.store.path
    assert list(db.parent.glob("records-before-restore-*.sqlite"))
