"""MetricsPanel: spatiotemporal parameters vs norms, clinical test timings, quality flags.

A status colour beside each value (green normal, amber low or high, grey unknown) and
the status word itself, so the table still reads in black and white.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.ui.analysis_view import FlagRow, MetricRow, TestRow
from lmm_desktop.ui.theme import SEVERITY_COLORS, STATUS_COLORS


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3g}"


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    hh = t.horizontalHeader()
    hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for i in range(1, len(headers)):
        hh.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    return t


class MetricsPanel(QWidget):
    """Tabs: Gait (spatiotemporal), Tests (clinical timings), Quality (flags)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.gait_table = _table(["Parameter", "Left", "Right", "Value", "Normal", "Status"])
        self.tests_table = _table(["Test", "Time", "Notes"])
        self.flags_table = _table(["Flag", "Severity"])
        self.tabs.addTab(self.gait_table, "Gait")
        self.tabs.addTab(self.tests_table, "Tests")
        self.tabs.addTab(self.flags_table, "Quality")
        self.status = QLabel("No analysis yet.")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.status)
        lay.addWidget(self.tabs)

    def set_busy(self, text: str = "Computing metrics…") -> None:
        self.status.setText(text)

    def clear(self, text: str = "No analysis yet.") -> None:
        for t in (self.gait_table, self.tests_table, self.flags_table):
            t.setRowCount(0)
        self.status.setText(text)

    def set_rows(
        self,
        metrics: list[MetricRow],
        tests: list[TestRow],
        flags: list[FlagRow],
        *,
        note: str = "",
    ) -> None:
        """Fill the three tables."""
        self._fill_metrics(metrics)
        self.tests_table.setRowCount(len(tests))
        for r, row in enumerate(tests):
            for c, text in enumerate((row.name, row.value, row.detail)):
                self.tests_table.setItem(r, c, QTableWidgetItem(text))
        self.flags_table.setRowCount(len(flags))
        for r, flag in enumerate(flags):
            item = QTableWidgetItem(flag.message)
            item.setToolTip(flag.message)
            self.flags_table.setItem(r, 0, item)
            sev = QTableWidgetItem(flag.severity)
            sev.setForeground(QColor(SEVERITY_COLORS.get(flag.severity, STATUS_COLORS["unknown"])))
            self.flags_table.setItem(r, 1, sev)
        self.tabs.setTabText(2, f"Quality ({len(flags)})" if flags else "Quality")
        parts = [
            f"{len(metrics)} gait parameters",
            f"{len(tests)} clinical tests",
            f"{len(flags)} quality flags",
        ]
        self.status.setText((note + " " if note else "") + ", ".join(parts) + ".")

    def _fill_metrics(self, rows: list[MetricRow]) -> None:
        t = self.gait_table
        t.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = f"{row.name} ({row.unit})" if row.unit else row.name
            cells = [
                name,
                _fmt(row.left),
                _fmt(row.right),
                _fmt(row.overall),
                row.normal,
                row.status,
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (1, 2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                t.setItem(r, c, item)
            color = QColor(STATUS_COLORS.get(row.status, STATUS_COLORS["unknown"]))
            status = t.item(r, 5)
            status.setBackground(color)
            status.setForeground(QColor("#ffffff"))
