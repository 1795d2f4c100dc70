"""ChatPanel: ask the assistant about the trial on screen.

Suggested questions come from the task registry (ordered by what the trial looks like); a typed
question is asked with Enter. Tokens appear as they are generated; Stop ends an answer within one
token. One question at a time: asking while an answer runs is refused politely (the typed text
stays). Chats are kept per trial through a :class:`~lmm_desktop.ui.chat_history.ChatHistory`
(in memory, or in the records). The model loads in the background; when there is none the panel
says why and the rest of the window is unaffected.

The engine is injectable: ``ChatPanel(engine=...)`` uses a ready engine, ``ChatPanel(loader=...)``
a loader function, and the default asks the model manager for the first usable model.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.assistant.answer import Answer
from lmm_desktop.assistant.tasks import TASKS, ClinicalTask
from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Trial
from lmm_desktop.ui.answer_view import AnswerView
from lmm_desktop.ui.chat_history import (
    ChatHistory,
    Turn,
    ordered_tasks,
    trial_key,
)
from lmm_desktop.ui.chat_worker import AskWorker, AssistantSource, Loader, join
from lmm_desktop.ui.model_status import ModelStatus

log = logging.getLogger(__name__)
N_SHOWN = 4  # suggestions shown as buttons (the most relevant); the rest are in a menu


class ChatPanel(QWidget):
    """The assistant chat (see module docstring)."""

    seek_requested = Signal(float)  # a cited time was clicked (seconds)
    token_streamed = Signal(str)
    answer_finished = Signal(object)  # Answer
    assistant_ready = Signal()
    assistant_unavailable = Signal(str)  # the reason

    def __init__(
        self,
        *,
        engine: Any | None = None,
        loader: Loader | None = None,
        history: ChatHistory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.history = history if history is not None else ChatHistory()
        self.trial: Trial | None = None
        self.key: str | None = None
        self.views: list[AnswerView] = []
        self._ask_worker: AskWorker | None = None
        self._current: AnswerView | None = None
        self._question: str = ""
        self.model_status = ModelStatus()
        self.model_status.cancel_requested.connect(self.cancel_loading)
        self._build()
        self.source = AssistantSource(loader, self)
        self.source.progress.connect(self.model_status.set_loading)
        self.source.ready.connect(self._on_ready)
        self.source.unavailable.connect(self._set_unavailable)
        self.source.cancelled.connect(self._on_load_cancelled)
        if engine is not None:
            self.set_engine(engine)
        elif self.source.reason:
            self._set_unavailable(self.source.reason)
        self._update_enabled()

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("Open a trial to ask about it.")
        self.title.setWordWrap(True)
        self.export_btn = QToolButton()
        self.export_btn.setText("Export chat")
        self.export_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_btn)
        menu.addAction("As Markdown (.md)…", lambda: self._export_dialog(".md"))
        menu.addAction("As JSON (.json)…", lambda: self._export_dialog(".json"))
        self.export_btn.setMenu(menu)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.export_btn)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel { background: #f1f3f5; color: #343a40; border: 1px solid #ced4da;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.banner.hide()
        self.suggestions = QWidget()
        self.suggestion_grid = QGridLayout(self.suggestions)
        self.suggestion_grid.setContentsMargins(0, 0, 0, 0)
        self.suggestion_grid.setSpacing(3)
        self.suggestion_buttons: list[QPushButton] = []
        self.more_btn = QToolButton()
        self.more_btn.setText("More questions")
        self.more_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self.more_btn)
        self.more_btn.setMenu(self.more_menu)
        self._fill_suggestions(list(TASKS.values()))
        self.answers = QWidget()
        self.answers_layout = QVBoxLayout(self.answers)
        self.answers_layout.setContentsMargins(2, 2, 2, 2)
        self.answers_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.answers)
        self.input = QLineEdit()
        self.input.setPlaceholderText("Ask about this trial, then press Enter")
        self.input.returnPressed.connect(self._on_submit)
        self.ask_btn = QPushButton("Ask")
        self.ask_btn.clicked.connect(self._on_submit)
        self.stop_btn = QPushButton("Stop")
        self.stop_btn.setToolTip("Stop the answer being written")
        self.stop_btn.clicked.connect(self.stop)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("QLabel { color: #8a4b00; }")
        self.notice.hide()
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.ask_btn)
        row.addWidget(self.stop_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self.banner)
        hint = QHBoxLayout()
        hint.addWidget(QLabel("<small>Suggested questions (click to ask):</small>"), 1)
        hint.addWidget(self.more_btn)
        lay.addLayout(hint)
        lay.addWidget(self.suggestions)
        lay.addWidget(self.scroll_area, 1)
        lay.addWidget(self.notice)
        lay.addLayout(row)

    def _fill_suggestions(self, tasks: list[ClinicalTask]) -> None:
        for btn in self.suggestion_buttons:
            btn.setParent(None)
            btn.deleteLater()
        self.suggestion_buttons = []
        for i, task in enumerate(tasks[:N_SHOWN]):
            btn = QPushButton(task.title)
            btn.setToolTip(task.suggested)
            btn.setProperty("question", task.suggested)
            btn.clicked.connect(lambda _=False, q=task.suggested: self.ask(q))
            self.suggestion_grid.addWidget(btn, i // 2, i % 2)
            self.suggestion_buttons.append(btn)
        self.more_menu.clear()
        for task in tasks[N_SHOWN:]:
            act = self.more_menu.addAction(task.suggested)
            act.setData(task.suggested)
            act.triggered.connect(lambda _=False, q=task.suggested: self.ask(q))

    # -- the model ---------------------------------------------------------------------------
    @property
    def engine(self) -> Any | None:
        return self.source.engine

    @property
    def unavailable_reason(self) -> str | None:
        return self.source.reason

    @property
    def ready(self) -> bool:
        return self.source.engine is not None

    @property
    def loading(self) -> bool:
        return self.source.loading

    @property
    def answering(self) -> bool:
        return self._ask_worker is not None

    def set_engine(self, engine: Any, loaded: Any | None = None) -> None:
        """Use a ready engine (``loaded``: the LoadedAssistant it came from, for the status)."""
        self.source.set_engine(engine, loaded)

    def start_loading(self) -> None:
        """Load the model in the background (no-op when ready, loading or unavailable)."""
        if self.source.start():
            self.model_status.set_loading("starting", 0.0)
            self._show_banner("Loading the assistant model… The rest of the app works meanwhile.")
            self._update_enabled()

    def cancel_loading(self) -> None:
        self.source.cancel()

    def _on_ready(self, engine: Any, loaded: Any | None) -> None:
        self.model_status.show_engine(engine, loaded)
        self.banner.hide()
        self._update_enabled()
        self.assistant_ready.emit()

    def _on_load_cancelled(self) -> None:
        self.model_status.set_unavailable("Loading was stopped.")
        self._show_banner("Loading the assistant was stopped; open a trial to try again.")
        self._update_enabled()

    def _set_unavailable(self, reason: str) -> None:
        self.model_status.set_unavailable(reason)
        self._show_banner(
            f"<b>Assistant not available:</b> {html.escape(reason)}<br>"
            "Everything else (3D view, curves, metrics, reports) works without it."
        )
        self._update_enabled()
        self.assistant_unavailable.emit(reason)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    # -- the trial ---------------------------------------------------------------------------
    def set_trial(self, trial: Trial | None, source: Path | str | None = None) -> None:
        """Show the chat about ``trial`` (stops an answer about the previous one)."""
        self._stop_and_join()
        self.trial = trial
        self.key = None if trial is None else trial_key(trial)
        for view in self.views:
            view.setParent(None)
            view.deleteLater()
        self.views = []
        if trial is None:
            self.title.setText("Open a trial to ask about it.")
            self._update_enabled()
            return
        self.title.setText(f"About <b>{html.escape(trial.name)}</b>")
        self._fill_suggestions(ordered_tasks(trial.name))
        path = Path(source) if source is not None else trial.provenance.path
        assert self.key is not None
        try:
            turns = self.history.open(self.key, path)
        except LmmError as exc:  # the chat still works, in memory
            self._say(f"Earlier chats could not be read from the records: {exc}")
            turns = self.history.turns(self.key)
        for turn in turns:
            self._add_view(turn)
        self.title.setToolTip(self.history.where)
        self._update_enabled()
        if self.engine is None:
            self.start_loading()

    # -- asking ------------------------------------------------------------------------------
    def ask(self, question: str) -> bool:
        """Ask ``question`` about the trial; False (with a polite notice) when it cannot now."""
        question = " ".join(question.split())
        if not question:
            return False
        reason = self._why_not()
        if reason:
            self._say(reason)
            return False
        assert self.trial is not None and self.key is not None
        self.notice.hide()
        view = self._add_view(Turn(question), pending=True)
        self._current, self._question = view, question
        self.history.begin(self.key, question)
        worker = AskWorker(
            self.engine, self.trial, question, self.history.engine_history(self.key), self
        )
        worker.token.connect(self._on_token)
        worker.answered.connect(self._on_answered)
        worker.failed.connect(self._on_failed)
        self._ask_worker = worker
        self.model_status.set_answering(True)
        worker.start()
        self._update_enabled()
        return True

    def _why_not(self) -> str | None:
        if self.answering:
            return "One question at a time: wait for the answer, or press Stop first."
        if self.trial is None:
            return "Open a trial first; the assistant answers about the trial on screen."
        if self.engine is None:
            if self.loading:
                return "The assistant is still loading (see the status bar); ask again shortly."
            return f"The assistant is not available: {self.unavailable_reason or 'not loaded'}."
        return None

    def show_answer(self, question: str, answer: Answer) -> AnswerView:
        """Add an answer obtained elsewhere (e.g. by the report) to this trial's chat."""
        if self.key is None:
            raise LmmError("Open a trial first: answers belong to the chat about a trial.")
        turn = self.history.add(self.key, question, answer)
        view = self._add_view(turn)
        self._update_enabled()
        QTimer.singleShot(0, self._scroll_to_end)
        return view

    def _on_submit(self) -> None:
        if self.ask(self.input.text()):
            self.input.clear()

    def stop(self) -> None:
        """Stop the answer being generated (it ends within one token)."""
        if self._ask_worker is not None:
            self._ask_worker.stop()

    def _on_token(self, piece: str) -> None:
        if self.sender() is self._ask_worker and self._current is not None:
            self._current.append_token(piece)
            self.token_streamed.emit(piece)
            QTimer.singleShot(0, self._scroll_to_end)

    def _on_answered(self, answer: Answer) -> None:
        if self.sender() is not self._ask_worker:
            return
        view, key = self._current, self.key
        self._end_ask()
        if key is not None:
            self.history.add(key, self._question, answer)
        if view is not None:
            view.set_answer(answer)
        self._update_enabled()
        QTimer.singleShot(0, self._scroll_to_end)
        self.answer_finished.emit(answer)

    def _on_failed(self, message: str) -> None:
        if self.sender() is not self._ask_worker:
            return
        view, key = self._current, self.key
        self._end_ask()
        if key is not None:
            self.history.abandon(key)
        if view is not None:
            view.set_failed(message)

    def _end_ask(self) -> None:
        worker, self._ask_worker = self._ask_worker, None
        join(worker)
        self._current = None
        self.model_status.set_answering(False)
        self._update_enabled()

    def _stop_and_join(self) -> None:
        """Stop a running answer and keep what was generated (used when the trial changes)."""
        worker = self._ask_worker
        if worker is None:
            return
        worker.stop()
        worker.wait()
        # deliver its queued answer (or failure) now, while the old trial is still current
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.sendPostedEvents(self)
        if self._ask_worker is worker:  # nothing was delivered: forget it
            self._end_ask()

    # -- views -------------------------------------------------------------------------------
    def _add_view(self, turn: Turn, *, pending: bool = False) -> AnswerView:
        view = AnswerView(turn.question)
        view.seek_requested.connect(self.seek_requested.emit)
        view.suggestion_clicked.connect(self.ask)
        if turn.answer is not None:
            view.set_answer(turn.answer)
        elif not pending:
            view.set_waiting("No answer was saved for this question.")
        self.answers_layout.insertWidget(self.answers_layout.count() - 1, view)
        self.views.append(view)
        return view

    def _scroll_to_end(self) -> None:
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _update_enabled(self) -> None:
        can_ask = self.ready and self.trial is not None and not self.answering
        for btn in self.suggestion_buttons:
            btn.setEnabled(can_ask)
        self.ask_btn.setEnabled(can_ask)
        self.more_btn.setEnabled(can_ask)
        self.stop_btn.setEnabled(self.answering)
        self.input.setEnabled(self.ready and self.trial is not None)
        self.export_btn.setEnabled(bool(self.key and self.history.turns(self.key)))

    # -- export, shutdown --------------------------------------------------------------------
    def export_chat(self, path: str | Path) -> Path:
        """Write this trial's chat to ``path`` (.md or .json) with the report's exporter."""
        from lmm_desktop.report.chat_export import export_chat

        if self.trial is None or self.key is None:
            raise LmmError("Open a trial first: there is no chat to export.")
        return export_chat(self.history.messages(self.key), path, trial=self.trial.name)

    def _export_dialog(self, suffix: str) -> None:
        if self.trial is None:
            return
        kind = "Markdown (*.md)" if suffix == ".md" else "JSON (*.json)"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the chat", f"{self.trial.name}_chat{suffix}", kind
        )
        if not path:
            return
        try:
            out = self.export_chat(path if path.endswith(suffix) else path + suffix)
        except LmmError as exc:
            self._say(str(exc))
            return
        self._say(f"Chat exported to {out}.")

    def shutdown(self) -> None:
        """Stop every worker and wait for it (call before the window closes)."""
        worker = self._ask_worker
        if worker is not None:
            worker.stop()
            worker.wait()
            self._ask_worker = None
        self.source.shutdown()
        self.history.close()
