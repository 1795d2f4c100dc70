"""File > Export report…: the assessment report of the open trial, as PDF or HTML, from the app.

The dialog is filled from the records when the trial is filed under a patient (name, birth date,
sex, session date, assessor, referral question, walking aid) and can be corrected before export;
with "Save these details" the corrections go back to the patient's records (never to the
'Unfiled' bucket, which is not a person). The report shows what the window shows: the metrics
from the clinician's edited events, the note being typed, the assistant's answers asked in the
chat about this trial (and, as an option, the whole chat). A second trial of the Trials browser
can be chosen for a pre/post comparison report.

:func:`export_report` does the work without any dialog (what the tests drive); the dialog only
collects :class:`ReportChoices`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.errors import InvalidValueError, LmmError

if TYPE_CHECKING:
    from lmm_desktop.report.assemble import TrialInput
    from lmm_desktop.ui.main_window import MainWindow
    from lmm_desktop.ui.trial_browser import TrialRef

log = logging.getLogger(__name__)

SEXES = ("", "female", "male", "other")


@dataclass
class ReportChoices:
    """Everything the report needs beyond the open trial."""

    name: str = ""
    birth_date: str = ""
    sex: str = ""
    identifier_code: str | None = None
    session_date: str = ""
    assessor: str = ""
    referral_question: str = ""
    walking_aid: str = ""
    session_note: str | None = None
    deidentify: bool = False
    include_ai: bool = True
    include_chat: bool = False
    include_progress: bool = False
    """Add the patient's progress over their sessions in the records."""
    more_trials: list[TrialRef] = field(default_factory=list)
    """Other trials of the session reported after the open one (not with a comparison)."""
    compare_with: TrialRef | None = None
    this_is_b: bool = True
    """In a comparison, the open trial is B (after); the chosen one is A (before)."""
    save_details: bool = False
    open_when_written: bool = True
    patient_id: int | None = None
    session_id: int | None = None
    filed: bool = False
    """The trial is filed under a real patient (not 'Unfiled'): details can be saved back."""
    warnings: list[str] = field(default_factory=list)
    extra_ai: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Answers asked for this report (not in the chat), as (question, answer dict)."""
    ai_reason: str | None = None
    """Why asking for this report stopped short, when it did."""


def _session_count(win: MainWindow, c: ReportChoices) -> int:
    """How many sessions the open trial's patient has in the records (0 when unfiled)."""
    if c.patient_id is None or not c.filed:
        return 0
    try:
        return len(win.records.link.store.sessions(c.patient_id))
    except Exception:  # the records cannot be read: the option stays off
        log.exception("sessions not counted")
        return 0


def _iso(value: str, what: str) -> str | None:
    from lmm_desktop.records.models import iso_date

    value = value.strip()
    if not value:
        return None
    iso = iso_date(value)
    if iso is None:
        raise InvalidValueError(
            f"The {what} '{value}' is not a date in the form YYYY-MM-DD (year first, e.g. "
            "1950-03-01)."
        )
    return iso


def prefill(win: MainWindow) -> ReportChoices:
    """The choices for the open trial, from its records when it is filed."""
    from lmm_desktop.ui.records_link import UNFILED, RecordsFailure

    c = ReportChoices(session_date=date.today().isoformat())
    loaded = getattr(win, "loaded", None)
    c.sex = (loaded.trial.subject.sex or "") if loaded is not None else ""  # the file's
    link = win.records.link
    if link.trial_id is None:
        return c
    try:
        store = link.store
        session = store.session(store.trial(link.trial_id).session_id)
        patient = store.patient(session.patient_id)
        snote = store.note("session", session.id)
    except RecordsFailure as exc:
        c.warnings.append(f"The records could not be read ({exc}); fill in the details here.")
        return c
    c.patient_id, c.session_id = patient.id, session.id
    c.identifier_code = patient.identifier_code
    c.filed = patient.display_name != UNFILED
    if c.filed:
        c.name = patient.display_name
        c.birth_date = patient.birth_date or ""
        c.sex = patient.sex or c.sex  # the records', else the file's
    c.session_date = session.date or c.session_date
    c.assessor = session.assessor or ""
    c.referral_question = session.referral_question or ""
    c.walking_aid = session.walking_aid or ""
    c.session_note = snote.text if snote else None
    c.save_details = c.filed
    return c


def chat_answers(win: MainWindow) -> tuple[list[tuple[str, dict[str, Any]]], list[Any]]:
    """The assistant's answers to registered tasks asked about the open trial (question, answer
    dict), and the whole chat as messages."""
    from lmm_desktop.assistant.answer import OUT_OF_SCOPE, STOPPED

    chat = win.chat
    if chat.key is None:
        return [], []
    answers = [
        (t.question, t.answer.to_dict())
        for t in chat.history.turns(chat.key)
        if t.answer is not None
        and t.answer.task
        and not {STOPPED, OUT_OF_SCOPE} & set(t.answer.flags)
    ]
    return answers, chat.history.messages(chat.key)


def report_questions(win: MainWindow) -> list[tuple[str, str]]:
    """The ``(task, question)`` pairs a report asks about the open trial (the walking tasks
    when it holds gait cycles, its timed tests) that the chat has not answered yet."""
    from lmm_desktop.report.ai import questions_for

    result = win.loaded.analysis if win.loaded is not None else None
    if result is None:
        return []
    tests = [t.test for t in result.clinical_tests if t.duration_s is not None]
    asked = {answer.get("task") for _q, answer in chat_answers(win)[0]}
    return [(t, q) for t, q in questions_for(tests, result.cycles is not None) if t not in asked]


class AskWorker(QThread):
    """Asks the loaded assistant the report's questions off the UI thread, one at a time."""

    progress = Signal(int, int)  # questions answered, questions in all
    done = Signal(list, object)  # [(question, answer dict)], reason it stopped short or None

    def __init__(
        self, engine: Any, trial: Any, questions: list[tuple[str, str]], parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.engine, self.trial, self.questions = engine, trial, questions
        self._stop = threading.Event()

    def stop(self) -> None:
        """Stop asking: the answer being generated stops too (the engine's Stop)."""
        self._stop.set()

    def run(self) -> None:
        from lmm_desktop.report.ai import AiSource

        out: list[tuple[str, dict[str, Any]]] = []
        try:
            out, reason = AiSource(engine=self.engine).ask(
                self.trial, self.questions, stop=self._stop, progress=self.progress.emit
            )
        except Exception as exc:  # a model failure must not lose the report
            log.exception("asking for the report failed")
            reason = f"the assistant failed ({type(exc).__name__}: {exc})"
        self.done.emit(out, reason)


def _open_item(win: MainWindow) -> TrialInput:
    from lmm_desktop.report.assemble import TrialInput, analyse

    loaded = win.loaded
    if loaded is None:
        raise InvalidValueError("Open a trial first: the report is about the open trial.")
    if loaded.analysis is None:  # still computing, or it failed: compute it here
        item = analyse(loaded.trial)
    else:
        item = TrialInput(trial=loaded.trial, result=loaded.analysis, points=loaded.points)
    note = win.records.notes.text.strip()
    item.note = note or None
    item.ai, item.chat = chat_answers(win)
    if not item.ai:
        item.ai_reason = "no question was asked in the chat about this trial"
    return item


def _with_extra(item: TrialInput, c: ReportChoices) -> TrialInput:
    item.ai += c.extra_ai
    if c.ai_reason:
        item.ai_reason = c.ai_reason
    elif item.ai:
        item.ai_reason = None
    return item


def _other_item(win: MainWindow, ref: TrialRef) -> TrialInput:
    """The comparison trial, analysed from its file with the clinician's saved edits."""
    from lmm_desktop.report.assemble import analyse, attach_records, read_trials
    from lmm_desktop.ui.records_link import RecordsFailure

    trials = read_trials(ref.path, ref.trial)
    item = analyse(trials[0], label=ref.label)
    try:
        attach_records(win.records.link.store, item)
    except RecordsFailure as exc:
        log.warning("records of the comparison trial not read: %s", exc)
    if not item.ai:
        item.ai_reason = "no question was asked in the chat about this trial"
    return item


def save_details(win: MainWindow, c: ReportChoices) -> None:
    """Write corrected patient and session details back to the records (a filed trial only)."""
    store = win.records.link.store
    if c.patient_id is not None and c.filed:
        store.update_patient(
            c.patient_id,
            display_name=c.name.strip() or store.patient(c.patient_id).display_name,
            birth_date=_iso(c.birth_date, "birth date"),
            sex=c.sex or None,
        )
    if c.session_id is not None:
        old = store.note("session", c.session_id)
        if (old.text if old else None) != c.session_note and (old or c.session_note):
            store.set_note("session", c.session_id, c.session_note or "")
        store.update_session(
            c.session_id,
            date=_iso(c.session_date, "session date"),
            assessor=c.assessor.strip() or None,
            referral_question=c.referral_question.strip() or None,
            walking_aid=c.walking_aid.strip() or None,
        )


def _keep_asked(win: MainWindow, c: ReportChoices) -> None:
    """The answers asked for the report go into the trial's records (assessments) when it is
    filed, so the record holds what the report printed."""
    from lmm_desktop.ui.records_link import RecordsFailure

    tid = win.records.link.trial_id
    if tid is None or not c.extra_ai:
        return
    try:
        for question, answer in c.extra_ai:
            win.records.link.store.add_assessment(tid, question, answer)
    except RecordsFailure as exc:
        log.warning("answers asked for the report not kept in the records: %s", exc)


def export_report(win: MainWindow, c: ReportChoices, path: Path) -> Path:
    """Build the report of the open trial (and the comparison trial) and write it to ``path``
    (.pdf or .html, atomically). Raises :class:`LmmError` with a message the user can act on."""
    from lmm_desktop.report.assemble import PatientDetails, assemble_report
    from lmm_desktop.report.model import ReportOptions, SessionInfo, SignOff

    path = Path(path)
    if path.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InvalidValueError(
            f"A report is written as .pdf or .html, not '{path.suffix or path.name}'."
        )
    birth = _iso(c.birth_date, "birth date")
    when = _iso(c.session_date, "session date")
    items = [_with_extra(_open_item(win), c)]
    comparison = c.compare_with is not None
    if not comparison:
        items += [_other_item(win, ref) for ref in c.more_trials]
    if c.compare_with is not None:
        other = _other_item(win, c.compare_with)
        items = [other, items[0]] if c.this_is_b else [items[0], other]
        items[0].label, items[1].label = (items[0].label or items[0].trial.name), (
            items[1].label or items[1].trial.name
        )
    if c.save_details:
        save_details(win, c)
    _keep_asked(win, c)
    model = assemble_report(
        items,
        patient=PatientDetails(c.name.strip() or None, birth, c.sex or None, c.identifier_code),
        session=SessionInfo(
            when, c.assessor.strip() or None, c.referral_question.strip() or None,
            c.walking_aid.strip() or None,
        ),
        options=ReportOptions(
            deidentify=c.deidentify, include_chat=c.include_chat, include_ai=c.include_ai
        ),
        session_note=c.session_note,
        sign_off=SignOff(name=c.assessor.strip() or None),
        comparison=comparison,
    )
    if c.include_progress and c.patient_id is not None:
        from lmm_desktop.report.progress import patient_progress

        model.progress = patient_progress(win.records.link.store, c.patient_id)
    if path.suffix.lower() == ".pdf":
        from lmm_desktop.ui.report_pdf import write_pdf

        write_pdf(model, path)
    else:
        from lmm_desktop.report.html import write_html

        write_html(model, path)
    return path


class ReportDialog(QDialog):
    """Collects :class:`ReportChoices` for the open trial; Export asks where to write."""

    def __init__(self, win: MainWindow, choices: ReportChoices) -> None:
        super().__init__(win)
        self.win = win
        self.choices = choices
        self.written: Path | None = None
        trial = win.loaded.trial.name if win.loaded is not None else "?"
        self.setWindowTitle("Export assessment report")
        lay = QVBoxLayout(self)
        intro = QLabel(
            f"Report on <b>{trial}</b>: the metrics as shown (with your edited events), "
            "your note, and the assistant's answers from the chat."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        for text in choices.warnings:
            warn = QLabel(text)
            warn.setWordWrap(True)
            warn.setStyleSheet("color: #c92a2a;")
            lay.addWidget(warn)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        lay.addLayout(columns)
        options = QGroupBox("Contents")
        options_lay = QVBoxLayout(options)

        self.name = QLineEdit(choices.name)
        self.birth = QLineEdit(choices.birth_date)
        self.birth.setPlaceholderText("YYYY-MM-DD")
        self.sex = QComboBox()
        self.sex.addItems([s or "not given" for s in SEXES])
        self.sex.setCurrentIndex(SEXES.index(choices.sex) if choices.sex in SEXES else 0)
        code = QLabel(choices.identifier_code or "a new code is made for this report")
        patient_box = QGroupBox("Patient")
        form = QFormLayout(patient_box)
        form.addRow("Name", self.name)
        form.addRow("Birth date", self.birth)
        form.addRow("Sex", self.sex)
        form.addRow("Patient code", code)
        left.addWidget(patient_box)

        self.session_date = QLineEdit(choices.session_date)
        self.session_date.setPlaceholderText("YYYY-MM-DD")
        self.assessor = QLineEdit(choices.assessor)
        self.referral = QLineEdit(choices.referral_question)
        self.walking_aid = QLineEdit(choices.walking_aid)
        session_box = QGroupBox("Session")
        form = QFormLayout(session_box)
        form.addRow("Date", self.session_date)
        form.addRow("Assessor (signs)", self.assessor)
        form.addRow("Referral question", self.referral)
        form.addRow("Walking aid", self.walking_aid)
        self.summary = QPlainTextEdit(choices.session_note or "")
        self.summary.setPlaceholderText(
            "Your impression and plan for this session (printed under Clinician notes; "
            "saved with the session)."
        )
        self.summary.setFixedHeight(self.fontMetrics().height() * 5)
        form.addRow("Summary", self.summary)
        left.addWidget(session_box)

        current = win.loaded.ref if win.loaded is not None else None
        others = [
            ref for ref in win.browser.refs()
            if current is None or (ref.path, ref.trial) != (current.path, current.trial)
        ]
        self.more = QListWidget()
        for ref in others:
            item = QListWidgetItem(ref.label)
            item.setData(Qt.ItemDataRole.UserRole, ref)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.more.addItem(item)
        self.more.setMaximumHeight(self.fontMetrics().height() * 6)
        more_box = QGroupBox("Also report these trials of the session")
        more_lay = QVBoxLayout(more_box)
        more_lay.addWidget(self.more if others else QLabel("No other trial is open in Trials."))
        from lmm_desktop.report.batteries import person_of

        who = person_of(current) if current is not None else None
        same = [k for k, ref in enumerate(others) if who is not None and person_of(ref) == who]
        self.same_person: QPushButton | None = None
        if same:  # one click for a session report: the SPPB and STEADI add up these trials
            whose = "this session's" if who == "" else f"{who}'s"
            self.same_person = QPushButton(f"Tick {whose} other {len(same)} trial(s)")
            self.same_person.setToolTip(
                "The same person's trials (an OpenCap session's, or the files named with the "
                "same participant before the first underscore): the report then adds up their "
                "tests (SPPB, CDC STEADI).")

            def tick() -> None:
                for k in same:
                    item = self.more.item(k)
                    if item is not None:
                        item.setCheckState(Qt.CheckState.Checked)
                first = self.more.item(same[0])
                if first is not None:  # show what was ticked
                    self.more.scrollToItem(first, QListWidget.ScrollHint.PositionAtTop)

            self.same_person.clicked.connect(tick)
            more_lay.addWidget(self.same_person)
        right.addWidget(more_box)
        self.compare = QComboBox()
        self.compare.addItem("no comparison", None)
        for ref in others:
            self.compare.addItem(ref.label, ref)
        self.order = QComboBox()
        self.order.addItems(["the later one (B, after)", "the earlier one (A, before)"])
        self.order.setCurrentIndex(0 if choices.this_is_b else 1)
        compare_box = QGroupBox("Pre/post comparison")
        form = QFormLayout(compare_box)
        form.addRow("Compare with", self.compare)
        form.addRow("This trial is", self.order)
        def comparing(_i: int) -> None:  # a comparison report holds the two trials only
            on = self.compare.currentData() is not None
            self.order.setEnabled(on)
            self.more.setEnabled(not on)

        self.compare.currentIndexChanged.connect(comparing)
        self.order.setEnabled(False)
        right.addWidget(compare_box)

        n_ai = len(chat_answers(win)[0])
        self.deidentify = QCheckBox("De-identify (no name or birth date; the patient code)")
        self.deidentify.setChecked(choices.deidentify)
        asked = f"{n_ai} asked in the chat" if n_ai else "none asked in the chat yet"
        self.include_ai = QCheckBox(
            f"Include the assistant's answers ({asked}), marked as AI estimates"
        )
        self.include_ai.setChecked(choices.include_ai)
        self.questions = report_questions(win)
        engine_ready = win.chat.ready and not win.chat.answering
        n_q = len(self.questions)
        if not n_q:
            ask_text = "Ask the assistant the report's questions (all answered in the chat)"
        elif engine_ready:
            ask_text = (f"First ask the assistant the report's {n_q} questions the chat has "
                        "not answered (a few seconds each)")
        else:
            ask_text = (f"Ask the assistant the report's {n_q} unanswered questions (needs the "
                        "assistant loaded and idle)")
        self.ask_now = QCheckBox(ask_text)
        self.ask_now.setEnabled(bool(n_q) and engine_ready)
        self.ask_now.setChecked(bool(n_q) and engine_ready and choices.include_ai)
        self.include_ai.toggled.connect(
            lambda on: self.ask_now.setEnabled(on and bool(n_q) and engine_ready)
        )
        self.include_chat = QCheckBox("Append the chat transcript")
        self.include_chat.setChecked(choices.include_chat)
        n_sessions = _session_count(win, choices)
        self.include_progress = QCheckBox(
            f"Add the progress over the patient's {n_sessions} sessions"
            if n_sessions > 1 else "Add the progress over sessions (the patient has one)"
        )
        self.include_progress.setEnabled(n_sessions > 1)
        self.include_progress.setChecked(choices.include_progress and n_sessions > 1)
        self.save = QCheckBox("Save these details in the patient's records")
        self.save.setChecked(choices.save_details)
        self.save.setEnabled(choices.session_id is not None)
        if choices.session_id is None:
            self.save.setToolTip("The trial is not in the records yet (write a note to file it).")
        elif not choices.filed:
            self.save.setText("Save the session details in the records (the trial is unfiled)")
        self.open_after = QCheckBox("Open the report when it is written")
        self.open_after.setChecked(choices.open_when_written)
        for box in (self.deidentify, self.include_ai, self.ask_now, self.include_chat,
                    self.include_progress, self.save, self.open_after):
            box.setStyleSheet("QCheckBox { padding: 2px; }")
            options_lay.addWidget(box)
        right.addWidget(options)
        right.addStretch(1)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c92a2a;")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.pdf_btn = buttons.addButton("Export PDF…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.html_btn = buttons.addButton("Export HTML…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.pdf_btn.clicked.connect(lambda: self.export(".pdf"))
        self.html_btn.clicked.connect(lambda: self.export(".html"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._worker: AskWorker | None = None

    def current_choices(self) -> ReportChoices:
        """The choices as the form now holds them."""
        return replace(
            self.choices,
            name=self.name.text(),
            birth_date=self.birth.text(),
            sex=SEXES[self.sex.currentIndex()],
            session_date=self.session_date.text(),
            assessor=self.assessor.text(),
            referral_question=self.referral.text(),
            walking_aid=self.walking_aid.text(),
            session_note=self.summary.toPlainText().strip() or None,
            deidentify=self.deidentify.isChecked(),
            include_ai=self.include_ai.isChecked(),
            include_chat=self.include_chat.isChecked(),
            include_progress=self.include_progress.isChecked()
            and self.include_progress.isEnabled(),
            more_trials=[
                self.more.item(k).data(Qt.ItemDataRole.UserRole)
                for k in range(self.more.count())
                if self.more.item(k).checkState() == Qt.CheckState.Checked
            ],
            compare_with=self.compare.currentData(),
            this_is_b=self.order.currentIndex() == 0,
            save_details=self.save.isChecked() and self.save.isEnabled(),
            open_when_written=self.open_after.isChecked(),
        )

    def default_path(self, suffix: str) -> Path:
        c = self.current_choices()
        trial = self.win.loaded.trial.name if self.win.loaded is not None else "report"
        who = c.identifier_code if (c.deidentify or not c.name.strip()) else c.name.strip()
        stem = "_".join(
            "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in part)
            for part in (who or "", trial, c.session_date or date.today().isoformat())
            if part
        )
        folder = Path(str(self.win.settings.value("report/folder", str(Path.home()))))
        return folder / f"{stem}{suffix}"

    def ask_path(self, suffix: str) -> Path | None:
        """Where to write (a file dialog; tests replace this)."""
        kinds = "PDF (*.pdf)" if suffix == ".pdf" else "HTML (*.html *.htm)"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export report", str(self.default_path(suffix)), kinds
        )
        if not chosen:
            return None
        out = Path(chosen)
        return out if out.suffix.lower() in (".pdf", ".html", ".htm") else out.with_suffix(suffix)

    def export(self, suffix: str) -> None:
        try:
            c = self.current_choices()
            _iso(c.birth_date, "birth date")
            _iso(c.session_date, "session date")
        except LmmError as exc:
            self.error.setText(str(exc))
            return
        path = self.ask_path(suffix)
        if path is None:
            return
        if c.include_ai and self.ask_now.isChecked() and self.ask_now.isEnabled():
            self._ask_then_write(c, path)
            return
        self._write(c, path)

    @property
    def asking(self) -> bool:
        return self._worker is not None

    def _ask_then_write(self, c: ReportChoices, path: Path) -> None:
        assert self.win.loaded is not None
        worker = AskWorker(self.win.chat.engine, self.win.loaded.trial, self.questions, self)
        self._worker = worker
        self.pdf_btn.setEnabled(False)
        self.html_btn.setEnabled(False)
        worker.progress.connect(
            lambda k, n: self.error.setText(f"Asking the assistant: question {k + 1} of {n}…")
        )

        def finished(answers: list[tuple[str, dict[str, Any]]], reason: str | None) -> None:
            worker.wait()
            self._worker = None
            self.pdf_btn.setEnabled(True)
            self.html_btn.setEnabled(True)
            if self.result() == QDialog.DialogCode.Rejected and not self.isVisible():
                return  # cancelled while asking
            self.error.setText("")
            self._write(replace(c, extra_ai=answers, ai_reason=reason), path)

        worker.done.connect(finished)
        worker.start()

    def reject(self) -> None:
        if self._worker is not None:  # stop asking; nothing is written
            self._worker.stop()
            self._worker.wait()
            self._worker = None
        super().reject()

    def _write(self, c: ReportChoices, path: Path) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.written = export_report(self.win, c, path)
        except (LmmError, OSError) as exc:
            self.error.setText(f"The report was not written: {exc}")
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.win.settings.setValue("report/folder", str(path.parent))
        self.win.records.records_changed()  # the summary may have been saved to the session
        self.win.status_label.setText(f"Report written to {path}.")
        if c.open_when_written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.accept()


def show_report_dialog(win: MainWindow, parent: QWidget | None = None) -> ReportDialog | None:
    """File > Export report…: the dialog for the open trial (a message when none is open)."""
    if win.loaded is None:
        win.show_message(win, "Export report", "Open a trial first: the report is about it.")
        return None
    win.records.notes.commit()  # the notes as typed go into the report and the records
    win.records.session_notes.commit()
    dialog = ReportDialog(win, prefill(win))
    dialog.open()
    return dialog
