"""MetricsPanel: spatiotemporal parameters vs norms, clinical test timings, quality flags.

A status colour beside each value (green normal, amber low or high) and the status word itself,
so the table still reads in black and white. A parameter with no normal range to compare with
shows '—' and no colour (not a grey 'unknown' that reads like a failed measurement). Units are
compact ('%GC' = percent of the gait cycle) and the full wording is in each row's tooltip.
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

from lmm_desktop.ui.analysis_view import FlagRow, MetricRow, TestRow, format_value
from lmm_desktop.ui.theme import SEVERITY_COLORS, STATUS_COLORS

_UNIT_WORDS = {
    "%GC": "percent of the gait cycle",
    "% R/L": "right / left x 100 (100 = symmetric)",
}


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)  # one line a row; long names are elided, the tooltip has them in full
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 8)
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
        self.gait_table = _table(["Parameter", "Left", "Right", "Normal", "Status"])
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
            sev.setForeground(QColor(SEVERITY_COLORS.get(flag.severity, SEVERITY_COLORS["info"])))
            self.flags_table.setItem(r, 1, sev)
        self.tabs.setTabText(2, f"Quality ({len(flags)})" if flags else "Quality")
        parts = [
            f"{len(metrics)} gait parameters",
            f"{len(tests)} clinical tests",
            f"{len(flags)} quality flags",
        ]
        self.status.setText((note + " " if note else "") + ", ".join(parts) + ".")

    def _fill_metrics(self, rows: list[MetricRow]) -> None:
        """One line a parameter: 'Name (unit)', left and right values (or one value spanning both
        columns when the parameter has no side), the normal range and the status."""
        t = self.gait_table
        t.clearSpans()
        t.setRowCount(len(rows))
        right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(rows):
            has_range = row.status in STATUS_COLORS
            sided = row.left is not None or row.right is not None
            cells = [
                f"{row.name} ({row.unit})" if row.unit else row.name,
                format_value(row.left if sided else row.overall, row.unit),
                format_value(row.right, row.unit) if sided else "",
                row.normal or "—",
                row.status if has_range else "—",
            ]
            unit = _UNIT_WORDS.get(row.unit, row.unit)
            tip = f"{row.name}, {unit}. " + (
                f"Normal range {row.normal}: {row.status}."
                if has_range
                else "No normal range is known for this parameter."
            )
            items = [QTableWidgetItem(text) for text in cells]
            for c, item in enumerate(items):
                item.setToolTip(tip)
                if c in (1, 2, 3):
                    item.setTextAlignment(right_align)
                t.setItem(r, c, item)
            items[4].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if not sided:  # one value for both sides: centred across the Left and Right columns
                t.setSpan(r, 1, 1, 2)
                items[1].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if has_range:
                items[4].setBackground(QColor(STATUS_COLORS[row.status]))
                items[4].setForeground(QColor("#ffffff"))
