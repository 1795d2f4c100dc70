"""NotesPanel: the clinician's free-text note on the open trial (or on its session), never lost.

Every edit is journaled in the autosave folder ~300 ms after the last keystroke (so a crash loses
at most that), and committed to the records' ``notes`` table after a short pause in typing, when
the editor loses focus, when another trial is opened and when the window closes. The indicator
says which of 'Unsaved', 'Draft autosaved' or 'Saved' holds.
"""

from __future__ import annotations

import logging
from typing import Literal

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from lmm_desktop.records.autosave import Autosave
from lmm_desktop.ui.records_link import RecordsFailure, TrialRecords

log = logging.getLogger(__name__)

JOURNAL_MS = 300
COMMIT_MS = 2000

_STYLES = {
    "saved": "color: #2b8a3e;",
    "draft": "color: #e67700;",
    "unsaved": "color: #c92a2a; font-weight: bold;",
    "none": "color: gray;",
}


class NotesPanel(QWidget):
    """Note editor for the open trial, or (``target="session"``) for the session it belongs to:
    the session summary a report prints under Clinician notes.

    Signals
    -------
    filed(str)
        The trial was not in the records and was added under 'Unfiled' (the text says so).
    saved(int)
        The note of records trial ``id`` was committed.
    """

    filed = Signal(str)
    saved = Signal(int)

    def __init__(
        self,
        records: TrialRecords,
        parent: QWidget | None = None,
        *,
        target: Literal["trial", "session"] = "trial",
    ) -> None:
        super().__init__(parent)
        self.records = records
        self.target = target
        self.trial_id: int | None = None
        self._name: str | None = None
        self._dirty = False
        self._loading = False
        self.title = QLabel("No trial open.")
        self.state = QLabel()
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(
            "Clinical notes on this trial (observations, context, plan). Saved automatically."
            if target == "trial"
            else "Your impression and plan for the whole session (every trial of this visit); "
            "printed in its reports. Saved automatically."
        )
        self.editor.setEnabled(False)
        self.editor.textChanged.connect(self._on_text_change)
        self.editor.installEventFilter(self)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.state)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self.editor, 1)
        self._journal_timer = self._timer(JOURNAL_MS, self.journal)
        self._commit_timer = self._timer(COMMIT_MS, self.commit)
        self._set_state("none")

    def _timer(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- state -------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.editor.toPlainText()

    @property
    def state_name(self) -> str:
        return str(self.state.property("state"))

    def _set_state(self, name: str, tip: str = "") -> None:
        words = {"saved": "Saved", "draft": "Unsaved (draft autosaved)", "unsaved": "Unsaved"}
        self.state.setText(words.get(name, ""))
        self.state.setProperty("state", name)
        self.state.setStyleSheet(_STYLES[name])
        self.state.setToolTip(tip)

    @property
    def note_id(self) -> int | None:
        """The records id the note belongs to: the trial's, or its session's."""
        if self.trial_id is None or self.target == "trial":
            return self.trial_id
        return self.records.store.trial(self.trial_id).session_id

    def _key(self) -> str | None:
        nid = self.note_id
        return None if nid is None else Autosave.key_for("note", nid, self.target)

    # -- the open trial ----------------------------------------------------------------------
    def set_trial(self, trial_id: int | None, name: str | None) -> None:
        """Show the note of records trial ``trial_id`` (None: not in the records yet; it is
        added on the first keystroke). The previous trial's note is committed first."""
        self.commit()
        self.trial_id = trial_id
        self._name = name
        self._loading = True
        try:
            nid = self.note_id
            note = None if nid is None else self.records.store.note(self.target, nid)
            self.editor.setPlainText("" if note is None else note.text)
            title = "No trial open." if name is None else self._title(name)
        except RecordsFailure as exc:  # the records cannot be read: say so, keep the app usable
            self.editor.setPlainText("")
            self.editor.setEnabled(False)
            self.title.setText(f"Notes unavailable: the records cannot be read ({exc}).")
            self._set_state("none")
            return
        finally:
            self._loading = False
        self.editor.setEnabled(name is not None)
        self.title.setText(title)
        self._dirty = False
        self._set_state("saved" if note is not None else "none")

    def _title(self, name: str) -> str:
        if self.target == "trial":
            return f"Notes on <b>{name}</b>"
        nid = self.note_id
        if nid is None:
            return f"Session of <b>{name}</b> (filed when you write)"
        session = self.records.store.session(nid)
        patient = self.records.store.patient(session.patient_id)
        return f"Session <b>{session.date or 'no date'}</b> of {patient.display_name}"

    def reload(self) -> None:
        """Show the note as the records now hold it (after a recovery, or an edit elsewhere)."""
        if self.trial_id is not None and not self._dirty:
            self.set_trial(self.trial_id, self._name)

    # -- editing -----------------------------------------------------------------------------
    def _on_text_change(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self._set_state("unsaved")
        self._journal_timer.start()
        self._commit_timer.start()

    def _ensure_trial(self) -> bool:
        if self.trial_id is not None:
            return True
        try:
            trial_id, added = self.records.ensure_trial()
        except RecordsFailure as exc:
            self._set_state("unsaved", f"The records cannot be written: {exc}")
            return False
        self.trial_id = trial_id
        if added:
            self.filed.emit(
                "This trial was not in the records: it was added under the 'Unfiled' patient "
                "so your notes and event edits are kept."
            )
        return trial_id is not None

    def journal(self) -> None:
        """Write the text to the autosave journal (the crash copy)."""
        self._journal_timer.stop()
        if not self._dirty or not self._ensure_trial():
            return
        key = self._key()
        assert key is not None
        payload = {"target": self.target, "id": self.note_id, "text": self.text}
        try:
            self.records.autosave.save(key, "note", payload)
        except OSError as exc:
            self._set_state("unsaved", f"The draft cannot be autosaved: {exc}")
            return
        self._set_state("draft", f"Draft kept in {self.records.autosave.path_for(key)}")

    def commit(self) -> None:
        """Write the note to the records and forget its journal entry."""
        self._commit_timer.stop()
        if not self._dirty:
            return
        self.journal()
        if self.trial_id is None:
            return
        try:
            nid = self.note_id
            assert nid is not None
            self.records.store.set_note(self.target, nid, self.text)
        except RecordsFailure as exc:  # the journal keeps the text; shown to the clinician
            log.warning("the note could not be saved in the records: %s", exc)
            self._set_state("unsaved", f"Not saved in the records ({exc}); the draft is kept.")
            return
        key = self._key()
        assert key is not None
        self.records.autosave.clear(key)
        self._dirty = False
        self._set_state("saved", f"Saved in {self.records.store.path}")
        if self._name is not None:  # a session note may have just filed the trial
            self.title.setText(self._title(self._name))
        self.saved.emit(self.trial_id)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.editor and event.type() == QEvent.Type.FocusOut:
            self.commit()
        return super().eventFilter(obj, event)
