"""PatientBrowser: the records as a tree, patient -> session -> trial; double-click opens a trial.

'New patient…' adds a patient; 'Import OpenCap session…' adds an OpenCap session folder to the
selected patient (:func:`lmm_desktop.records.importer.import_opencap_session`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.records.importer import import_opencap_session
from lmm_desktop.records.models import Patient, SessionRecord, TrialRecord
from lmm_desktop.records.store import RecordStore
from lmm_desktop.ui.records_link import RecordsFailure
from lmm_desktop.ui.trial_browser import TrialRef

_ROLE = Qt.ItemDataRole.UserRole


def trial_ref(rec: TrialRecord, session: SessionRecord) -> TrialRef:
    """Where to open a records trial: its session folder + name for OpenCap, else its file."""
    if rec.format == "opencap" and session.path:
        return TrialRef(Path(session.path), rec.name)
    return TrialRef(Path(rec.path))


class PatientBrowser(QWidget):
    """Tree of the records; emits ``trial_open_requested(TrialRef)`` on a double-click."""

    trial_open_requested = Signal(object)
    message = Signal(str)  # what happened, for the status bar
    failed = Signal(str, str)  # title, text: shown to the clinician as a dialog

    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current_id: int | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Patient / session / trial"])
        self.tree.itemDoubleClicked.connect(self._on_item_double_click)
        self.new_btn = QPushButton("New patient…")
        self.import_btn = QPushButton("Import OpenCap session…")
        self.new_btn.clicked.connect(self.ask_new_patient)
        self.import_btn.clicked.connect(self.ask_import)
        self.hint = QLabel("Double-click a trial to open it.")
        self.hint.setStyleSheet("color: gray;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_btn)
        buttons.addWidget(self.import_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(buttons)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.hint)
        self.refresh()

    # -- the tree ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the tree from the records (expanded state of patients kept)."""
        open_ids = {
            p.id
            for i in range(self.tree.topLevelItemCount())
            if (it := self.tree.topLevelItem(i)) is not None
            and it.isExpanded()
            and isinstance(p := it.data(0, _ROLE), Patient)
        }
        self.tree.clear()
        for patient in self.store.patients():
            p_item = QTreeWidgetItem([f"{patient.display_name} ({patient.identifier_code})"])
            p_item.setData(0, _ROLE, patient)
            self.tree.addTopLevelItem(p_item)
            for session in self.store.sessions(patient.id):
                s_item = QTreeWidgetItem([_session_label(session)])
                s_item.setData(0, _ROLE, session)
                s_item.setToolTip(0, session.path or "")
                p_item.addChild(s_item)
                for rec in self.store.trials(session.id):
                    t_item = QTreeWidgetItem([rec.name])
                    t_item.setData(0, _ROLE, (rec, session))
                    t_item.setToolTip(0, rec.path)
                    s_item.addChild(t_item)
                s_item.setExpanded(True)
            p_item.setExpanded(patient.id in open_ids or self.tree.topLevelItemCount() == 1)
        self.mark_current(self.current_id)

    def mark_current(self, trial_id: int | None) -> None:
        """Show records trial ``trial_id`` in bold (the trial on screen) and reveal it."""
        self.current_id = trial_id
        for t_item in self._trial_items():
            rec = t_item.data(0, _ROLE)[0]
            font = QFont(t_item.font(0))
            font.setBold(rec.id == trial_id)
            t_item.setFont(0, font)
            if rec.id == trial_id:
                parent = t_item.parent()
                while parent is not None:
                    parent.setExpanded(True)
                    parent = parent.parent()

    def _trial_items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if isinstance(item.data(0, _ROLE), tuple):
                out.append(item)
            stack += [item.child(k) for k in range(item.childCount())]
        return out

    def labels(self) -> list[list[str]]:
        """Each trial's path in the tree as [patient, session, trial] labels (for tests/report)."""
        out: list[list[str]] = []
        for i in range(self.tree.topLevelItemCount()):
            p = self.tree.topLevelItem(i)
            for j in range(p.childCount() if p else 0):
                s = p.child(j) if p else None
                for k in range(s.childCount() if s else 0):
                    t = s.child(k) if s else None
                    if p and s and t:
                        out.append([p.text(0), s.text(0), t.text(0)])
        return out

    def selected_patient(self) -> Patient | None:
        item = self.tree.currentItem()
        while item is not None and not isinstance(item.data(0, _ROLE), Patient):
            item = item.parent()
        return None if item is None else item.data(0, _ROLE)

    def select_patient(self, patient_id: int) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            data = item.data(0, _ROLE) if item else None
            if item is not None and isinstance(data, Patient) and data.id == patient_id:
                self.tree.setCurrentItem(item)

    def _on_item_double_click(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        data = item.data(0, _ROLE)
        if isinstance(data, tuple):
            rec, session = data
            self.trial_open_requested.emit(trial_ref(rec, session))

    # -- actions -----------------------------------------------------------------------------
    def add_patient(self, name: str) -> Patient:
        """Add a patient and select it."""
        patient = self.store.add_patient(name)
        self.refresh()
        self.select_patient(patient.id)
        self.message.emit(f"Added patient {patient.display_name} ({patient.identifier_code}).")
        return patient

    def import_session(
        self, folder: str | Path, patient_id: int
    ) -> tuple[SessionRecord, list[TrialRecord]]:
        """Import an OpenCap session folder for ``patient_id``; raises the importer's errors."""
        session, trials = import_opencap_session(self.store, patient_id, folder)
        self.refresh()
        self.select_patient(patient_id)
        self.message.emit(f"Imported {len(trials)} trial(s) from {Path(folder).name}.")
        return session, trials

    def ask_new_patient(self) -> Patient | None:
        name, ok = QInputDialog.getText(self, "New patient", "Display name (or a code):")
        if not ok or not name.strip():
            return None
        try:
            return self.add_patient(name)
        except RecordsFailure as exc:
            self.failed.emit("Cannot add the patient", str(exc))
            return None

    def ask_import(self) -> None:
        """Choose an OpenCap session folder and import it for the selected (or a new) patient."""
        patient = self.selected_patient() or self.ask_new_patient()
        if patient is None:
            self.message.emit("Select or add a patient first, then import the session.")
            return
        folder = QFileDialog.getExistingDirectory(
            self, f"Import an OpenCap session for {patient.display_name}"
        )
        if not folder:
            return
        try:
            self.import_session(folder, patient.id)
        except RecordsFailure as exc:
            self.failed.emit("Cannot import the OpenCap session", str(exc))


def _session_label(session: SessionRecord) -> str:
    where = Path(session.path).name if session.path else "opened trials"
    return f"{session.date or 'no date'} — {where}"
