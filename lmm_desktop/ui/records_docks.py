"""RecordsDocks: the records side of the main window (patients, notes, edited events, recovery).

Adds the 'Patients' and 'Notes' docks, File > Import OpenCap session…, File > Back up records…
and Restore records from a backup…, their View toggles, and keeps the open trial's edited events
in the records. The window calls :meth:`on_analysed` when
a trial's analysis arrives (the saved edits then replace the detected events) and
:meth:`shutdown` when it closes; ``lmm-desktop`` calls :meth:`check_recovery` once after showing
the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QTabWidget

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Event
from lmm_desktop.ui.notes_panel import NotesPanel
from lmm_desktop.ui.patient_browser import PatientBrowser
from lmm_desktop.ui.records_link import RecordsFailure, TrialRecords
from lmm_desktop.ui.recovery_dialog import RecoveryDialog, left_behind

if TYPE_CHECKING:
    from lmm_desktop.records.backup import BackupInfo
    from lmm_desktop.ui.main_window import MainWindow
    from lmm_desktop.ui.trial_browser import TrialRef
    from lmm_desktop.ui.workers import LoadedTrial

log = logging.getLogger(__name__)


def _menu(win: MainWindow, title: str) -> QMenu:
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == title)
    assert isinstance(menu, QMenu)
    return menu


class RecordsDocks:
    """Owns the records link, the notes panel and the patient browser of one window."""

    def __init__(self, win: MainWindow, records: TrialRecords | None = None) -> None:
        self.win = win
        self.link = records if records is not None else TrialRecords()
        self.notes = NotesPanel(self.link)
        self.session_notes = NotesPanel(self.link, target="session")
        self.notes_tabs = QTabWidget()
        self.notes_tabs.addTab(self.notes, "This trial")
        self.notes_tabs.addTab(self.session_notes, "Session")
        self.notes_tabs.setTabToolTip(
            1, "The impression and plan for the whole visit: printed in its reports."
        )
        self.patients = PatientBrowser(self.link.store)
        self.confirm: Callable[[str, str], bool] = self._ask
        """Asks before the records are replaced (a test answers for the clinician)."""
        self.recovery_dialog: RecoveryDialog | None = None
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.patients_dock = win._dock("patients", "Patients", self.patients, left)
        self.notes_dock = win._dock("notes", "Notes", self.notes_tabs, left)
        # where they sit: MainWindow.apply_default_layout
        self._add_menus()
        self.notes.filed.connect(self._on_filed)
        self.session_notes.filed.connect(self._on_session_filed)
        self.patients.message.connect(win.status_label.setText)
        self.patients.failed.connect(lambda title, text: win.show_message(win, title, text))
        self.patients.trial_open_requested.connect(self._open)
        self.patients.file_open_trial_requested.connect(self.file_open_trial)
        self.patients.records_changed.connect(win.refresh_tests)
        self.patients.records_changed.connect(self.records_changed)
        win.trial_loaded.connect(self._on_trial_loaded)
        win.events_changed.connect(self._on_events_change)

    def _add_menus(self) -> None:
        win = self.win
        act = QAction("&Import OpenCap session…", win)
        act.triggered.connect(lambda _=False: self.patients.ask_import())
        file_menu = _menu(win, "&File")
        quit_act = win.actions_by_name["quit"]
        file_menu.insertAction(quit_act, act)
        win.actions_by_name["import_opencap"] = act
        backup = QAction("&Back up records…", win)
        backup.setToolTip("Copy the patient records (notes, events, chats) to a file")
        backup.triggered.connect(lambda _=False: self.backup_dialog())
        restore = QAction("Restore records from a bac&kup…", win)
        restore.triggered.connect(lambda _=False: self.restore_dialog())
        for a, name in ((backup, "backup_records"), (restore, "restore_records")):
            file_menu.insertAction(quit_act, a)
            win.actions_by_name[name] = a
        file_menu.insertSeparator(quit_act)
        view = _menu(win, "&View")
        for name, dock, text in (
            ("patients", self.patients_dock, "Patients"),
            ("notes", self.notes_dock, "Notes"),
        ):
            toggle = dock.toggleViewAction()
            toggle.setText(text)
            view.addAction(toggle)
            win.actions_by_name[name] = toggle

    # -- the open trial ----------------------------------------------------------------------
    def _open(self, ref: TrialRef) -> None:
        """Open a trial chosen in the records; its session fills the Trials dock too."""
        self.win.browser.show_path(ref.path, ref)
        self.win.open_ref(ref)

    def _on_trial_loaded(self, loaded: LoadedTrial) -> None:
        self.notes.commit()  # the previous trial's notes, before the link moves on
        self.session_notes.commit()
        try:
            trial_id = self.link.set_trial(loaded.trial, self.win.store.events)
        except RecordsFailure as exc:
            trial_id = None
            self.win.status_label.setText(f"The records cannot be read: {exc}")
        self.notes.set_trial(trial_id, loaded.trial.name)
        self.session_notes.set_trial(trial_id, loaded.trial.name)
        self.patients.mark_current(trial_id)

    def on_analysed(self, base: list[Event]) -> list[Event] | None:
        """Take the analysis' events as the base; returns the clinician's saved view of them
        (None when they never edited this trial)."""
        self.link.base_events = list(base)
        try:
            return self.link.saved_view()
        except RecordsFailure as exc:
            self.win.status_label.setText(f"Saved event edits cannot be read: {exc}")
            return None

    def _on_events_change(self, events: list[Event]) -> None:
        if self.win.loaded is None:
            return
        try:
            added = self.link.save_events(events)
        except RecordsFailure as exc:  # the journal keeps them; say so
            self.win.status_label.setText(
                f"Event edits could not be saved in the records ({exc}); they are kept in the "
                "autosave journal and offered back at the next start."
            )
            return
        if added:
            self.notes.trial_id = self.link.trial_id
            self.session_notes.trial_id = self.link.trial_id
            self._on_filed(
                "This trial was not in the records: it was added under the 'Unfiled' patient "
                "so your event edits and notes are kept."
            )

    def file_open_trial(self, patient_id: int) -> None:
        """File the trial on screen under ``patient_id`` (adding it to the records first)."""
        try:
            trial_id, _added = self.link.ensure_trial()
            if trial_id is None:
                self.win.show_message(
                    self.win, "Cannot file the trial", "Open a trial saved in a file first."
                )
                return
            self.patients.move_trial(trial_id, patient_id)
        except RecordsFailure as exc:
            self.win.show_message(self.win, "Cannot file the trial", str(exc))
            return
        self.patients.mark_current(trial_id)

    def _on_filed(self, text: str) -> None:
        self.win.status_label.setText(text)
        self.patients.refresh()
        self.patients.mark_current(self.link.trial_id)
        if self.session_notes.trial_id is None:
            self.session_notes.trial_id = self.link.trial_id

    def _on_session_filed(self, text: str) -> None:
        self.notes.trial_id = self.link.trial_id
        self._on_filed(text)

    def records_changed(self) -> None:
        """The records changed elsewhere (a trial moved, a report saved details): show the
        session note as they hold it now."""
        self.session_notes.commit()
        self.session_notes.reload()

    # -- backup and restore ------------------------------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self.win, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def backup_dialog(self) -> None:
        from datetime import date

        path, _ = QFileDialog.getSaveFileName(
            self.win, "Back up the records", f"lmm-records-{date.today().isoformat()}.sqlite",
            "Records backup (*.sqlite)",
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, out: Path) -> BackupInfo | None:
        """Copy the records (the notes being typed first) to ``out``; None when it failed (the
        message says why)."""
        from lmm_desktop.records.backup import backup_records

        self.notes.commit()
        self.session_notes.commit()
        try:
            info = backup_records(out, self.link.store.path)
        except LmmError as exc:
            self.win.show_message(self.win, "Cannot back up the records", str(exc))
            return None
        self.win.status_label.setText(f"Backed up {info.summary()} to {out}.")
        return info

    def restore_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.win, "Restore the records from a backup", "", "Records backup (*.sqlite);;All "
            "files (*)",
        )
        if path:
            self.restore_from(Path(path))

    def restore_from(self, path: Path) -> bool:
        """Check the backup, ask, keep the current records aside and restore; the panels then
        show the restored records. False when nothing was restored."""
        from lmm_desktop.records.backup import check_backup, restore_records

        self.notes.commit()
        self.session_notes.commit()
        try:
            info = check_backup(path)
        except LmmError as exc:
            self.win.show_message(self.win, "Cannot restore the records", str(exc))
            return False
        if not self.confirm(
            "Restore the records?",
            f"'{path.name}' holds {info.summary()}.\n\nThey replace the records the app holds "
            "now; those are kept in a file next to them (records-before-restore-…), so nothing "
            "is lost.",
        ):
            return False
        try:
            info, kept = restore_records(path, self.link.store.path)
        except LmmError as exc:
            self.win.show_message(self.win, "Cannot restore the records", str(exc))
            return False
        loaded = self.win.loaded
        try:  # the open trial as the restored records know it
            tid = self.link.set_trial(loaded.trial if loaded else None, self.link.base_events)
        except RecordsFailure:
            tid = None
        name = loaded.trial.name if loaded else ""
        self.notes.set_trial(tid, name)
        self.session_notes.set_trial(tid, name)
        self.patients.refresh()
        self.patients.mark_current(tid)
        self.win.status_label.setText(
            f"Restored {info.summary()}."
            + (f" The records before the restore are in {kept}." if kept else "")
        )
        return True

    # -- recovery, closing -------------------------------------------------------------------
    def check_recovery(self) -> int:
        """Offer back the work a crashed session left (modal); returns how many were restored."""
        entries = left_behind(self.link.autosave)
        if not entries:
            return 0
        dlg = RecoveryDialog(entries, self.link.store, self.link.autosave, self.win)
        self.recovery_dialog = dlg
        dlg.exec()
        self.recovery_dialog = None
        self.notes.reload()
        self.session_notes.reload()
        self.patients.refresh()
        tid = self.link.trial_id
        if tid is not None and any(
            e.kind == "events" and e.payload.get("trial_id") == tid for e in dlg.restored
        ):
            view = self.link.saved_view()
            if view is not None:
                self.win.show_saved_events(view)
        if dlg.failures:
            self.win.show_message(
                self.win, "Some work could not be restored", "\n".join(dlg.failures)
            )
        if dlg.result() == QDialog.DialogCode.Accepted:
            self.win.status_label.setText(
                f"Restored {len(dlg.restored)} unsaved item(s) from the last session."
            )
        return len(dlg.restored)

    def shutdown(self) -> None:
        """Commit the notes being typed, stop a progress computation, close the records."""
        dlg = getattr(self.patients, "progress_dialog", None)
        if dlg is not None:
            try:
                dlg.worker.stop()
                dlg.worker.wait()
            except RuntimeError:  # the dialog was closed and deleted already
                pass
        self.notes.commit()
        self.session_notes.commit()
        self.link.close()
