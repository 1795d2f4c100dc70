"""TrialBrowser: sessions and their trials; a click opens a trial.

A session is an OpenCap session folder (its trials come from :func:`lmm_desktop.io.open_session`)
or any folder of trial files (each readable file is a trial, e.g. the demo folder). Opening a
single file shows its folder as the session, so its neighbours are one click away.

Beside each trial, the **Result** column says what it is and what it measured ("TUG 17.2 s",
"walk 1.43 m/s", "squats x4"), analysed in the background (:class:`SummaryWorker`), so a
session's trials can be told apart at a glance; the tooltip has more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.errors import LmmError
from lmm_desktop.io.sessions import TrialRef, is_opencap_session, session_trials

__all__ = ["SummaryWorker", "TrialBrowser", "TrialRef", "is_opencap_session", "session_trials"]


log = logging.getLogger(__name__)

MAX_SUMMARISED = 100
"""Larger folders are listed without the Result column's analysis (it would take minutes)."""
MAX_SUMMARY_BYTES = 30_000_000
"""Larger files (minutes of lab recording, ~1.5 s each to read) are analysed when opened, not
in the background, where they would keep the interface waiting on the interpreter."""


class SummaryWorker(QThread):
    """Analyse trials one by one in the background; ``summarised(ref, text, tooltip)`` each,
    then ``batteries(tests)`` once all are done: each trial's clinical tests, ``[(ref, [test
    dict])]``, which the list reads per person (the STEADI screen and the SPPB,
    :func:`lmm_desktop.report.batteries.session_batteries`)."""

    summarised = Signal(object, str, str)
    batteries = Signal(object)

    def __init__(self, refs: list[TrialRef], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.refs = list(refs)
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def run(self) -> None:
        from lmm_desktop.report.batch import analyse_target, summary_text

        tests: list[tuple[TrialRef, list[dict]]] = []
        for ref in self.refs:
            if self._stop:
                return
            if ref.path.is_file() and ref.path.stat().st_size > MAX_SUMMARY_BYTES:
                self.summarised.emit(ref, "large file: open it to analyse", "")
                continue
            self.msleep(5)  # let the interface run between trials
            try:
                row = analyse_target(ref, quick=True, keep_tests=True)
                text, tip = summary_text(row)
                tests.append((ref, list(row.get("clinical_tests") or [])))
            except Exception as exc:  # a background summary never stops the app
                text, tip = "cannot be analysed", str(exc)
            self.summarised.emit(ref, text, tip)
        if tests and not self._stop:
            self.batteries.emit(tests)


class TrialBrowser(QWidget):
    """Tree of session -> trials; emits ``trial_selected(TrialRef)``."""

    trial_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Session / trial", "Result"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.itemClicked.connect(self._on_item_activated)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tree)
        self.batteries = QLabel()
        self.batteries.setWordWrap(True)
        self.batteries.setTextFormat(Qt.TextFormat.RichText)
        self.batteries.setContentsMargins(4, 2, 4, 4)
        self.batteries.setVisible(False)
        lay.addWidget(self.batteries)
        self._battery_texts: list[str] = []
        self._battery_tests: list = []
        self.person_details: Callable[[], tuple[float | None, str | None]] | None = None
        """The open trial's patient's (age, sex) from the records (set by the window)."""
        self._current: TrialRef | None = None
        self.summary_worker: SummaryWorker | None = None
        self._old_workers: set[SummaryWorker] = set()  # stopped, their thread still ending

    def show_path(self, path: Path, current: TrialRef | None = None) -> list[TrialRef]:
        """List the session that ``path`` belongs to; returns its trials (their results follow
        in the background)."""
        folder = path if path.is_dir() else path.parent
        self._stop_summaries()
        self.tree.clear()
        self._battery_texts = []
        self._battery_tests = []
        self.batteries.clear()
        self.batteries.setVisible(False)
        top = QTreeWidgetItem([folder.name or str(folder)])
        top.setToolTip(0, str(folder))
        top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        self.tree.addTopLevelItem(top)
        try:
            refs = session_trials(folder)
        except (LmmError, OSError) as exc:
            err = QTreeWidgetItem([f"Cannot list this folder: {exc}"])
            top.addChild(err)
            top.setExpanded(True)
            return []
        if not path.is_dir() and TrialRef(path) not in refs:
            refs.append(TrialRef(path))
        for ref in refs:
            item = QTreeWidgetItem([ref.label])
            item.setData(0, Qt.ItemDataRole.UserRole, ref)
            item.setToolTip(0, str(ref.path) + (f" : {ref.trial}" if ref.trial else ""))
            top.addChild(item)
        top.setExpanded(True)
        self.mark_current(current)
        if 0 < len(refs) <= MAX_SUMMARISED:
            worker = SummaryWorker(refs, self)
            worker.summarised.connect(self._on_summary)
            worker.batteries.connect(self._on_batteries)
            self.summary_worker = worker
            worker.start()
        return refs

    def _on_summary(self, ref: TrialRef, text: str, tip: str) -> None:
        if self.sender() is not self.summary_worker:
            return  # a previous folder's
        top = self.tree.topLevelItem(0)
        for k in range(top.childCount() if top is not None else 0):
            item = top.child(k)  # type: ignore[union-attr]
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == ref:
                item.setText(1, text)
                item.setToolTip(1, tip or text)

    def _on_batteries(self, tests: list) -> None:
        if self.summary_worker is None or self.sender() is not self.summary_worker:
            return  # a previous folder's, or the list is closing
        self._battery_tests = list(tests)
        self.refresh_batteries()

    def _with_patient(self, tests: list) -> list:
        """The trials' tests, those of the open trial's person read again with the patient's
        age and sex from the records (:attr:`person_details`; the records win over a file's
        header, as in the window); the others as they are."""
        from lmm_desktop.analysis.clinical_norms import reference_of
        from lmm_desktop.report.batteries import folder_of, person_of

        details = self.person_details() if self.person_details is not None else None
        current = self._current
        if details is None or current is None or None in details:
            return tests
        age, sex = details
        who, folder = person_of(current), folder_of(current)
        out = []
        for ref, trial_tests in tests:
            same = who is not None and person_of(ref) == who and folder_of(ref) == folder
            out.append((ref, [
                {**t, "reference": reference_of(t["test"], t.get("duration_s"),
                                                t.get("repetitions"), age, sex,
                                                t.get("measures"))}
                for t in trial_tests] if same else trial_tests))
        return out

    def refresh_batteries(self) -> None:
        """Under the list, one line per person: the SPPB and the STEADI screen read across
        their trials (the tooltip lists every part). Called again when the records' patient
        details change."""
        try:
            from lmm_desktop.report.batteries import session_batteries

            lines = session_batteries(self._with_patient(self._battery_tests))
        except Exception:  # the list's summary never stops the app
            log.exception("the session's batteries could not be read")
            lines = []
        self._battery_texts = [line.text for line in lines]
        html = "<br>".join(
            f"<b>{escape(line.text.split(': ', 1)[0])}</b>: "
            f"{escape(line.text.split(': ', 1)[1])}" for line in lines)
        self.batteries.setText(f"<span>Tests across trials</span><br>{html}")
        self.batteries.setToolTip("\n\n".join(line.tooltip for line in lines))
        self.batteries.setVisible(bool(lines))

    def battery_lines(self) -> list[str]:
        """The batteries' lines shown under the list ('S0048: SPPB 8 / 12 · STEADI: ...')."""
        return list(self._battery_texts)

    def result_text(self, ref: TrialRef) -> str:
        """What the Result column shows for ``ref`` ('' until it is analysed)."""
        top = self.tree.topLevelItem(0)
        for k in range(top.childCount() if top is not None else 0):
            item = top.child(k)  # type: ignore[union-attr]
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == ref:
                return item.text(1)
        return ""

    def _stop_summaries(self) -> None:
        w = self.summary_worker
        if w is not None:
            w.stop()
            if w.isRunning():  # keep it until its thread ends (a running QThread must live)
                self._old_workers.add(w)
                w.finished.connect(lambda w=w: self._old_workers.discard(w))
        self.summary_worker = None

    def shutdown(self) -> None:
        """Stop the background analysis and wait for it (the window is closing)."""
        self._stop_summaries()
        for w in list(self._old_workers):
            w.wait()
        self._old_workers.clear()

    def mark_current(self, ref: TrialRef | None) -> None:
        """Show ``ref`` in bold (the trial on screen)."""
        self._current = ref
        top = self.tree.topLevelItem(0)
        if top is None:
            return
        for k in range(top.childCount()):
            item = top.child(k)
            if item is None:
                continue
            font = QFont(item.font(0))
            on = item.data(0, Qt.ItemDataRole.UserRole) == ref
            font.setBold(on)
            item.setFont(0, font)
            if on:
                self.tree.setCurrentItem(item)

    def refs(self) -> list[TrialRef]:
        top = self.tree.topLevelItem(0)
        if top is None:
            return []
        children = [top.child(k) for k in range(top.childCount())]
        refs = [c.data(0, Qt.ItemDataRole.UserRole) for c in children if c is not None]
        return [r for r in refs if isinstance(r, TrialRef)]

    def _on_item_activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        ref = item.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(ref, TrialRef) and ref != self._current:
            self.trial_selected.emit(ref)
