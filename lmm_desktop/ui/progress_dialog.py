"""ProgressDialog: a patient's key measures over their sessions (Patients tab > right-click).

The trials are re-analysed off the UI thread with their own connection to the records (the
window's is not thread-safe); a progress line says how far it is and Close stops it. The table
gives each measure per session and its change from the first session to the last, in words
(better / worse); the chart draws the chosen measure against the session dates. Trials whose
file has moved are listed under the table with the reason.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.ui.theme import LIGHT, Theme

log = logging.getLogger(__name__)


class ProgressWorker(QThread):
    """Runs :func:`~lmm_desktop.report.progress.patient_progress` on its own connection."""

    step = Signal(int, int)
    done = Signal(list, object)  # [SessionProgress], error text or None

    def __init__(self, db: Path, patient_id: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db, self.patient_id = db, patient_id
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        from lmm_desktop.records.store import RecordStore
        from lmm_desktop.report.progress import patient_progress

        try:
            with RecordStore(self.db) as store:
                sessions = patient_progress(
                    store, self.patient_id, progress=self.step.emit, stop=self._stop.is_set
                )
        except Exception as exc:  # records or files: say so in the dialog, lose nothing
            log.exception("progress over sessions failed")
            self.done.emit([], f"{type(exc).__name__}: {exc}")
            return
        self.done.emit(sessions, None)


class ProgressDialog(QDialog):
    """Sessions x measures for one patient, with a chart of one measure."""

    def __init__(
        self, db: Path, patient_id: int, name: str, parent: QWidget | None = None,
        *, theme: Theme = LIGHT,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Progress: {name}")
        self.resize(860, 560)
        self._theme = theme
        self.sessions: list[Any] = []
        self.status = QLabel(f"Reading {name}'s trials…")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.measure = QComboBox()
        self.measure.currentIndexChanged.connect(self._draw)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.base)
        self.graphics.setMinimumHeight(200)
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Chart:"))
        pick.addWidget(self.measure, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 2)
        lay.addLayout(pick)
        lay.addWidget(self.graphics, 2)
        lay.addWidget(self.problems)
        lay.addWidget(buttons)
        self.worker = ProgressWorker(db, patient_id, self)
        self.worker.step.connect(
            lambda k, n: self.status.setText(f"Analysing trial {k + 1} of {n}…")
        )
        self.worker.done.connect(self._on_done)
        self.worker.start()

    @property
    def busy(self) -> bool:
        return self.worker.isRunning()

    def reject(self) -> None:
        self.worker.stop()
        self.worker.wait()
        self.graphics.clear()
        super().reject()

    def _on_done(self, sessions: list[Any], error: str | None) -> None:
        self.worker.wait()
        if error:
            self.status.setText(f"The progress could not be computed: {error}")
            return
        self.sessions = sessions
        self._fill()

    def _fill(self) -> None:
        from lmm_desktop.report.progress import MEASURES, change_text, session_cell

        sessions = self.sessions
        if not sessions:
            self.status.setText("No trial of this patient is in the records yet.")
            return
        n_trials = sum(len(s.trials) for s in sessions)
        self.status.setText(
            f"{len(sessions)} session(s), {n_trials} trial(s), each analysed again with your "
            "edited events. Walking measures: mean over the session's walks; timed tests: the "
            "best attempt."
        )
        dates = [s.date or f"session {s.session_id}" for s in sessions]
        rows = [m for m in MEASURES
                if any(session_cell(s, m[0], s.values.get(m[0]), m[3]) != "—" for s in sessions)]
        t = self.table
        t.setColumnCount(len(dates) + 2)
        t.setHorizontalHeaderLabels(["Measure", *dates, "Change"])
        t.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.measure.blockSignals(True)
        self.measure.clear()
        for r, (key, label, unit, decimals, better_up) in enumerate(rows):
            vals = [s.values.get(key) for s in sessions]
            t.setItem(r, 0, QTableWidgetItem(f"{label} ({unit})"))
            for c, (sp, v) in enumerate(zip(sessions, vals, strict=True), start=1):
                item = QTableWidgetItem(session_cell(sp, key, v, decimals))
                item.setTextAlignment(right)
                t.setItem(r, c, item)
            known = [v for v in vals if v is not None]
            change = (
                change_text(known[0], known[-1], decimals, better_up) if len(known) > 1 else ""
            )
            t.setItem(r, len(dates) + 1, QTableWidgetItem(change))
            self.measure.addItem(f"{label} ({unit})", key)
        self.measure.blockSignals(False)
        t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, t.columnCount()):  # a session's column as wide as its longest cell
            t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        if any(s.steadi for s in sessions):  # the CDC STEADI screen, session by session
            r = t.rowCount()
            t.setRowCount(r + 1)
            head = QTableWidgetItem("Fall-risk screen (CDC STEADI)")
            head.setToolTip("The TUG (12 s or more), the 30-second chair stand (below average for "
                            "the age and sex) and the 4-Stage Balance Test (tandem under 10 s), "
                            "each against STEADI's own criterion; the best attempt of the "
                            "session.")
            t.setItem(r, 0, head)
            for c, sp in enumerate(sessions, start=1):
                cell = QTableWidgetItem(sp.steadi or "—")
                cell.setToolTip(sp.steadi or "no STEADI test in this session")
                t.setItem(r, c, cell)
        problems = [f"{t.name} ({s.date or 'no date'}): {t.problem}"
                    for s in sessions for t in s.trials if t.problem]
        self.problems.setText(
            ("Not read: " + "; ".join(problems)) if problems else ""
        )
        self._draw()

    def _draw(self, _index: int = 0) -> None:
        from lmm_desktop.report.progress import MEASURES

        self.graphics.clear()
        key = self.measure.currentData()
        if not self.sessions or key is None:
            return
        label, unit = next((m[1], m[2]) for m in MEASURES if m[0] == key)
        th = self._theme
        plot = self.graphics.addPlot()
        plot.setMenuEnabled(False)
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setTitle(f"{label} ({unit})", color=th.text, size="10pt")
        for ax in ("left", "bottom"):
            plot.getAxis(ax).setPen(th.mid)
            plot.getAxis(ax).setTextPen(th.text)
        vals = np.array(
            [np.nan if s.values.get(key) is None else s.values[key] for s in self.sessions],
            dtype=float,
        )
        x = np.arange(len(vals), dtype=float)
        ok = np.isfinite(vals)
        plot.plot(x[ok], vals[ok], pen=pg.mkPen(th.text, width=2), symbol="o",
                  symbolBrush=th.text, symbolSize=8)
        from lmm_desktop.analysis.clinical_norms import NORMS

        norm = NORMS.get(key)
        if norm is not None:  # the timed test's fall-risk cut-off, dashed
            line = pg.InfiniteLine(
                pos=norm.cutoff_s, angle=0,
                pen=pg.mkPen("#e03131", width=1, style=Qt.PenStyle.DashLine),
                label=f"fall-risk cut-off {norm.cutoff_text()}", labelOpts={"color": "#e03131"},
            )
            plot.addItem(line)
        ticks = [(float(i), s.date or f"#{s.session_id}") for i, s in enumerate(self.sessions)]
        plot.getAxis("bottom").setTicks([ticks])
        plot.setXRange(-0.3, len(vals) - 0.7, padding=0.05)
        self.plot = plot
