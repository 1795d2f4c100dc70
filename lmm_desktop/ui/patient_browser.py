"""PatientBrowser: the records as a tree, patient -> session -> trial; double-click opens a trial.

'New patient…' adds a patient; 'Import OpenCap session…' adds an OpenCap session folder to the
selected patient (:func:`lmm_desktop.records.importer.import_opencap_session`). Right-click a
trial to move it to a patient (a trial the app filed under 'Unfiled' when you first wrote about
it, or one filed under the wrong person); right-click a patient to edit their details (name,
birth date, sex: the birth date picks the clinical tests' age norms) or to file the open trial
under them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.errors import InvalidValueError
from lmm_desktop.records.importer import import_opencap_session
from lmm_desktop.records.models import Patient, SessionRecord, TrialRecord
from lmm_desktop.records.store import RecordStore
from lmm_desktop.ui.records_link import UNFILED, RecordsFailure
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
    file_open_trial_requested = Signal(int)  # patient id: file the trial on screen under them
    records_changed = Signal()  # a trial moved or a patient's details changed

    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current_id: int | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Patient / session / trial"])
        self.tree.itemDoubleClicked.connect(self._on_item_double_click)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(
            lambda pos: self.context_menu(pos).exec(self.tree.viewport().mapToGlobal(pos))
        )
        self.new_btn = QPushButton("New patient…")
        self.import_btn = QPushButton("Import OpenCap session…")
        self.new_btn.clicked.connect(self.ask_new_patient)
        self.import_btn.clicked.connect(self.ask_import)
        self.hint = QLabel("Double-click a trial to open it; right-click for more.")
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
    def add_patient(self, name: str, birth_date: str = "", sex: str = "") -> Patient:
        """Add a patient (birth date YYYY-MM-DD and sex optional) and select it."""
        name, birth_date = _checked(name, birth_date, sex)
        patient = self.store.add_patient(name, birth_date=birth_date or None, sex=sex or None)
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

    def move_trial(self, trial_id: int, patient_id: int) -> SessionRecord:
        """File trial ``trial_id`` under patient ``patient_id``: in the patient's session of
        today's opened trials (made when missing). Its note, edits and chat go with it."""
        if self.store.patient(patient_id).display_name == UNFILED:
            raise InvalidValueError("Choose a patient: 'Unfiled' is where unassigned trials wait.")
        today = date.today().isoformat()
        session = next(
            (s for s in self.store.sessions(patient_id) if s.path is None and s.date == today),
            None,
        ) or self.store.add_session(patient_id, date=today)
        rec = self.store.move_trial(trial_id, session.id)
        patient = self.store.patient(patient_id)
        self.refresh()
        self.message.emit(f"Filed {rec.name} under {patient.display_name}.")
        self.records_changed.emit()
        return session

    def edit_patient(
        self, patient_id: int, name: str, birth_date: str, sex: str
    ) -> Patient:
        """Change a patient's name, birth date (YYYY-MM-DD or empty) and sex (or empty)."""
        patient = self.store.patient(patient_id)
        if patient.display_name == UNFILED:
            raise InvalidValueError(
                "'Unfiled' holds trials not yet assigned to anyone: move them to a patient "
                "instead of renaming it."
            )
        name, birth_date = _checked(name, birth_date, sex)
        updated = self.store.update_patient(
            patient_id, display_name=name, birth_date=birth_date or None, sex=sex or None
        )
        self.refresh()
        self.select_patient(patient_id)
        self.message.emit(f"Saved the details of {updated.display_name}.")
        self.records_changed.emit()
        return updated

    def context_menu(self, pos: QPoint) -> QMenu:
        """The right-click menu for the item at ``pos`` (built, not shown; tests use it)."""
        menu = QMenu(self)
        item = self.tree.itemAt(pos)
        data = item.data(0, _ROLE) if item is not None else None
        if isinstance(data, tuple):
            rec = data[0]
            act = menu.addAction(f"Move {rec.name} to a patient…")
            act.triggered.connect(lambda _=False, r=rec: self.ask_move_trial(r.id))
        elif isinstance(data, Patient) and data.display_name != UNFILED:
            act = menu.addAction("Edit details…")
            act.triggered.connect(lambda _=False, p=data: self.ask_edit_patient(p.id))
            act = menu.addAction("File the open trial under this patient")
            act.triggered.connect(
                lambda _=False, p=data: self.file_open_trial_requested.emit(p.id)
            )
            act = menu.addAction("Progress over sessions…")
            act.triggered.connect(lambda _=False, p=data: self.show_progress(p.id))
        menu.addAction("New patient…").triggered.connect(lambda _=False: self.ask_new_patient())
        return menu

    def show_progress(self, patient_id: int) -> QDialog:
        """Open the patient's progress over sessions (analysed in the background)."""
        from lmm_desktop.ui.progress_dialog import ProgressDialog

        patient = self.store.patient(patient_id)
        theme = getattr(self.window(), "theme", None)
        dlg = ProgressDialog(
            self.store.path, patient_id, patient.display_name, self,
            **({"theme": theme} if theme is not None else {}),
        )
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        self.progress_dialog = dlg
        return dlg

    def ask_move_trial(self, trial_id: int) -> None:
        patients = [p for p in self.store.patients() if p.display_name != UNFILED]
        new = "New patient…"
        labels = [f"{p.display_name} ({p.identifier_code})" for p in patients] + [new]
        choice, ok = QInputDialog.getItem(
            self, "Move the trial", "File it under:", labels, 0, False
        )
        if not ok:
            return
        patient = patients[labels.index(choice)] if choice != new else self.ask_new_patient()
        if patient is None:
            return
        try:
            self.move_trial(trial_id, patient.id)
        except RecordsFailure as exc:
            self.failed.emit("Cannot move the trial", str(exc))

    def ask_edit_patient(self, patient_id: int) -> None:
        patient = self.store.patient(patient_id)
        form = PatientForm(
            self, f"Details of {patient.display_name}",
            lambda n, b, x: self.edit_patient(patient_id, n, b, x),
            patient.display_name, patient.birth_date or "", patient.sex or "",
            note=f"Patient code {patient.identifier_code} (used in de-identified reports) stays.",
        )
        form.open()

    def ask_new_patient(self) -> Patient | None:
        """The New patient form (name or code, birth date, sex); the patient, or None."""
        form = PatientForm(self, "New patient", self.add_patient,
                           note="A patient code for de-identified reports is made for them.")
        if form.exec() != QDialog.DialogCode.Accepted:
            return None
        return form.saved

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


SEXES = ("", "female", "male", "other")


def _checked(name: str, birth_date: str, sex: str) -> tuple[str, str]:
    """The name and birth date stripped, or a clear error (the patient details' rules)."""
    from lmm_desktop.records.models import age_on, iso_date

    name, birth_date = name.strip(), birth_date.strip()
    if not name:
        raise InvalidValueError("A patient needs a name or a code.")
    if birth_date:
        iso = iso_date(birth_date)
        if iso is None or age_on(iso) is None:
            raise InvalidValueError(
                f"The birth date '{birth_date}' is not a past date in the form YYYY-MM-DD "
                "(year first, e.g. 1950-03-01)."
            )
        birth_date = iso
    if sex not in SEXES:
        raise InvalidValueError(f"Sex '{sex}' is not one of female, male, other.")
    return name, birth_date


class PatientForm(QDialog):
    """Name or code, birth date and sex of a patient; ``save(name, birth, sex)`` is called on
    Save, and its error, if any, is shown in the form (which stays open)."""

    def __init__(
        self,
        parent: QWidget,
        title: str,
        save: Callable[[str, str, str], Patient],
        name: str = "",
        birth: str = "",
        sex: str = "",
        *,
        note: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._save = save
        self.saved: Patient | None = None
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("e.g. Jane Doe, or a study code")
        self.birth = QLineEdit(birth)
        self.birth.setPlaceholderText("YYYY-MM-DD (optional: picks the tests' age norms)")
        self.sex = QComboBox()
        self.sex.addItems(["not given", "female", "male", "other"])
        self.sex.setCurrentIndex(SEXES.index(sex) if sex in SEXES else 0)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c92a2a;")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Name or code", self.name)
        form.addRow("Birth date", self.birth)
        form.addRow("Sex", self.sex)
        if note:
            form.addRow(QLabel(note))
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        form.addRow(buttons)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

    def submit(self) -> None:
        try:
            self.saved = self._save(
                self.name.text(), self.birth.text(), SEXES[self.sex.currentIndex()]
            )
        except RecordsFailure as exc:
            self.error.setText(str(exc))
            return
        self.accept()

