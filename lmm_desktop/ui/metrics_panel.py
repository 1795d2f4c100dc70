"""MetricsPanel: spatiotemporal parameters vs norms, clinical test timings, quality flags.

A status colour beside each value (green normal, amber low or high) and the status word itself,
so the table still reads in black and white. A parameter with no normal range to compare with
shows '—' and no colour (not a grey 'unknown' that reads like a failed measurement). Units are
compact ('%GC' = percent of the gait cycle) and the full wording is in each row's tooltip.

Every table copies (Ctrl+C, or right-click > Copy) as tab-separated text with its header, which
pastes as a table into a spreadsheet or an electronic record, and saves as CSV (right-click >
Save as CSV…, written atomically).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.ui.analysis_view import (
    ContactRow,
    FlagRow,
    MetricRow,
    SquatMeasureRow,
    SquatRepRow,
    TestRow,
    format_value,
)
from lmm_desktop.ui.theme import SEVERITY_COLORS, STATUS_COLORS

_UNIT_WORDS = {
    "%GC": "percent of the gait cycle",
    "% R/L": "right / left x 100 (100 = symmetric)",
    "% CV": "the SD of the stride times over their mean, x 100",
    "deg": "degrees: the upper arm's forward-backward range over each stride",
    "%": "the symmetry angle of the left and right arm swing (0 = symmetric; Lewek 2010)",
}


def _rich(text: str) -> str:
    """Plain text for a rich-text label: '<' (as in '< 5 s') would open a tag and hide the
    rest; '>' and quotes are harmless and stay readable in the label's text."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def table_rows(t: QTableWidget, selected_only: bool = False) -> list[list[str]]:
    """The table's header and rows as text (a spanned cell repeats in the columns it covers:
    a value for both sides stays readable in either)."""
    header = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]  # type: ignore[union-attr]
    rows = range(t.rowCount())
    if selected_only:
        rows = sorted({i.row() for i in t.selectedIndexes()})  # type: ignore[assignment]
    out = [header]
    for r in rows:
        line = []
        for c in range(t.columnCount()):
            start = next((k for k in range(c) if t.columnSpan(r, k) > c - k), c)
            item = t.item(r, start)
            line.append(item.text() if item is not None else "")
        out.append(line)
    return out


def copy_table(t: QTableWidget) -> str:
    """Put the selected rows (all when none is selected) on the clipboard as tab-separated
    text with the header; returns the text."""
    rows = table_rows(t, selected_only=bool(t.selectedIndexes()))
    text = "\n".join("\t".join(cell.replace("\t", " ") for cell in row) for row in rows)
    QGuiApplication.clipboard().setText(text)
    return text


def save_table_csv(t: QTableWidget, path: str | Path) -> Path:
    """Write the whole table as CSV (UTF-8 with a byte-order mark, which spreadsheets read)."""
    from lmm_desktop.core.atomic import atomic_write

    buf = io.StringIO()
    csv.writer(buf).writerows(table_rows(t))
    with atomic_write(path, encoding="utf-8-sig", newline="") as fh:
        fh.write(buf.getvalue())
    return Path(path)


def _table_menu(t: QTableWidget, pos: QPoint) -> QMenu:
    menu = QMenu(t)
    what = "selected rows" if t.selectedIndexes() else "table"
    menu.addAction(f"Copy {what}", lambda: copy_table(t))

    def save() -> None:
        path, _ = QFileDialog.getSaveFileName(t, "Save the table", "metrics.csv", "CSV (*.csv)")
        if path:
            save_table_csv(t, path if path.lower().endswith(".csv") else path + ".csv")

    menu.addAction("Save as CSV…", save)
    return menu


class _MetricsTable(QTableWidget):
    """A read-only table whose Copy (Ctrl+C) copies whole rows with the header, not the one
    cell Qt's views copy."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            copy_table(self)
            event.accept()
            return
        super().keyPressEvent(event)


def _table(headers: list[str]) -> QTableWidget:
    t = _MetricsTable(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)  # one line a row; long names are elided, the tooltip has them in full
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 8)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    t.customContextMenuRequested.connect(
        lambda pos: _table_menu(t, pos).exec(t.viewport().mapToGlobal(pos))
    )
    hh = t.horizontalHeader()
    hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for i in range(1, len(headers)):
        hh.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    return t


class MetricsPanel(QWidget):
    """Tabs: Gait (spatiotemporal), Tests (clinical timings), Quality (flags). Double-click a
    test or a flag: ``seek_requested`` with where it starts."""

    seek_requested = Signal(float)
    body_mass_set = Signal(float)
    """The body mass (kg) typed in the Forces tab: force-plate figures in body weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._flags: list[FlagRow] = []
        self.tabs = QTabWidget()
        self.gait_table = _table(["Parameter", "Left", "Right", "Normal", "Status"])
        self.tests_table = _table(["Test", "Result", "Cut-off", "Status", "Notes"])
        self.flags_table = _table(["Flag", "Severity"])
        # the notes (last column) take the room left and elide: no sideways scrolling
        th = self.tests_table.horizontalHeader()
        th.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        th.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.tests_note = QLabel("")
        self.tests_note.setWordWrap(True)
        self.tests_note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.tests_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tests_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tests_page = QWidget()
        tests_lay = QVBoxLayout(self.tests_page)
        tests_lay.setContentsMargins(0, 0, 0, 0)
        tests_lay.addWidget(self.tests_table, 1)
        tests_lay.addWidget(self.tests_note)
        self.tests_table.itemSelectionChanged.connect(self._show_test_note)
        self.tests_table.cellDoubleClicked.connect(
            lambda r, _c: self._seek(self._tests[r].start_s if r < len(self._tests) else None)
        )
        self.flags_table.cellDoubleClicked.connect(
            lambda r, _c: self._seek(self._flags[r].start_s if r < len(self._flags) else None)
        )
        self._tests: list[TestRow] = []
        self.forces_table = _table(["Stance (force plates)", "Left", "Right"])
        self.contacts_table = _table(["Contact", "Plate", "Foot", "Clean"])
        self.contacts_table.cellDoubleClicked.connect(
            lambda r, _c: self._seek(self._contacts[r].start_s if r < len(self._contacts) else None)
        )
        self._contacts: list[ContactRow] = []
        self.forces_note = QLabel("")
        self.forces_note.setWordWrap(True)
        self.forces_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.forces_page = QWidget()
        self.mass_box = QDoubleSpinBox()
        self.mass_box.setRange(0.0, 400.0)
        self.mass_box.setDecimals(1)
        self.mass_box.setSuffix(" kg")
        self.mass_box.setSpecialValueText("unknown")  # 0: not known
        self.mass_box.setToolTip(
            "The body mass measured at this visit: the force-plate figures are then given in "
            "body weights, and it is kept with the session in the records."
        )
        self.mass_apply = QPushButton("Use")
        self.mass_apply.clicked.connect(self._on_mass_apply)
        mass_row = QHBoxLayout()
        mass_row.addWidget(QLabel("Body mass:"))
        mass_row.addWidget(self.mass_box)
        mass_row.addWidget(self.mass_apply)
        mass_row.addStretch(1)
        forces_lay = QVBoxLayout(self.forces_page)
        forces_lay.setContentsMargins(0, 0, 0, 0)
        forces_lay.addLayout(mass_row)
        forces_lay.addWidget(self.forces_table, 3)
        forces_lay.addWidget(self.contacts_table, 2)
        forces_lay.addWidget(self.forces_note)
        self.tabs.addTab(self.gait_table, "Gait")
        self.tabs.addTab(self.tests_page, "Tests")
        self.tabs.addTab(self.flags_table, "Quality")
        self.tabs.addTab(self.forces_page, "Forces")
        self.tabs.setTabVisible(3, False)
        self.squat_table = _table(["Squats (mean over repetitions)", "Left", "Right",
                                   "Symmetry"])
        self.reps_table = _table(["Rep", "Time", "Depth (cm)", "Knee L (°)",
                                  "Knee R (°)"])
        self.reps_table.cellDoubleClicked.connect(
            lambda r, _c: self._seek(self._reps[r].bottom_s if r < len(self._reps) else None)
        )
        self._reps: list[SquatRepRow] = []
        self.squat_note = QLabel("")
        self.squat_note.setWordWrap(True)
        self.squat_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.squat_page = QWidget()
        squat_lay = QVBoxLayout(self.squat_page)
        squat_lay.setContentsMargins(0, 0, 0, 0)
        squat_lay.addWidget(self.squat_note)
        squat_lay.addWidget(self.squat_table, 3)
        squat_lay.addWidget(self.reps_table, 2)
        self.tabs.addTab(self.squat_page, "Squats")
        self.tabs.setTabVisible(self.tabs.indexOf(self.squat_page), False)
        self.status = QLabel("No analysis yet.")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.status)
        lay.addWidget(self.tabs)

    def set_forces(
        self, rows: list[tuple[str, str, str]], contacts: list[ContactRow], note: str
    ) -> None:
        """The force plates' stance figures per side and their contacts (double-click one: go
        to it); the Forces tab shows only for a trial with plates."""
        t = self.forces_table
        t.setRowCount(len(rows))
        right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(right_align)
                t.setItem(r, c, item)
        self._contacts = list(contacts)
        ct = self.contacts_table
        ct.setRowCount(len(contacts))
        for r, row in enumerate(contacts):
            cells = (row.span, str(row.plate), row.side, "yes" if row.clean else "no")
            tip = (row.reason or "A clean contact: one foot, wholly on the plate.") + (
                f"\nDouble-click: go to {row.start_s:.2f} s."
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if c == 3 and not row.clean:
                    item.setForeground(QColor(SEVERITY_COLORS["warning"]))
                ct.setItem(r, c, item)
        self.forces_note.setText(note)
        self.forces_note.setToolTip(
            "HS: foot strike, TO: foot off; the mean time from the force plates' timing (20 N) "
            "to the detected events and to the file's, positive when they come later."
        )
        # the contacts take the room their rows need (up to six), the figures the rest
        row_h = ct.verticalHeader().defaultSectionSize()
        ct.setMaximumHeight(ct.horizontalHeader().sizeHint().height() + row_h * min(6, max(
            1, len(contacts))) + 4)
        self.tabs.setTabVisible(3, bool(rows or contacts))

    def set_squats(
        self,
        rows: list[SquatMeasureRow],
        reps: list[SquatRepRow],
        findings: list[str],
        heading: str = "",
    ) -> None:
        """A squat series: each measure per side with its symmetry, the repetitions
        (double-click one: go to its lowest point) and the findings above them; the Squats tab
        shows only for a squat series, and comes to the front."""
        t = self.squat_table
        t.clearSpans()
        t.setRowCount(len(rows))
        right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(rows):
            name = f"{row.name} ({row.unit})" if row.unit else row.name
            cells = [name, row.left or row.both, row.right, row.symmetry or ("" if row.both
                                                                             else "—")]
            items = [QTableWidgetItem(text) for text in cells]
            for c, item in enumerate(items):
                item.setToolTip(row.tip)
                if c:
                    item.setTextAlignment(right_align)
                t.setItem(r, c, item)
            if row.both:  # one value for the body: across the Left and Right columns
                t.setSpan(r, 1, 1, 2)
                items[1].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if row.low_symmetry:
                items[3].setBackground(QColor(STATUS_COLORS["high"]))
                items[3].setForeground(QColor("#ffffff"))
        self._reps = list(reps)
        rt = self.reps_table
        rt.setRowCount(len(reps))
        for r, rep in enumerate(reps):
            cells = (str(rep.index), rep.span, rep.depth, rep.knee_left, rep.knee_right)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"Double-click: go to its lowest point ({rep.bottom_s:.2f} s).")
                if c >= 2:
                    item.setTextAlignment(right_align)
                rt.setItem(r, c, item)
        head = f"{_rich(heading)}<br>" if heading else ""
        if findings:
            self.squat_note.setText(head + "<b>To look at:</b><br>" + "<br>".join(
                f"• {_rich(f)}" for f in findings))
        elif rows and "Single-leg" not in heading:
            self.squat_note.setText(
                head + "Nothing to flag: the flexion peaks are symmetric (≥ 90 %), the weight "
                "stays centred, the knees stay apart and the depth is consistent.")
        else:
            self.squat_note.setText(head)
        at = self.tabs.indexOf(self.squat_page)
        self.tabs.setTabVisible(at, bool(rows))
        self.tabs.setTabText(at, f"Squats ({len(findings)})" if findings else "Squats")
        if rows:
            self.tabs.setCurrentWidget(self.squat_page)

    def set_body_mass(self, mass_kg: float | None) -> None:
        """Show the body mass in use (None: unknown)."""
        self.mass_box.setValue(0.0 if mass_kg is None else float(mass_kg))

    def _on_mass_apply(self) -> None:
        kg = float(self.mass_box.value())
        if kg < 10.0:
            self.forces_note.setText(
                "Type the body mass in kilograms (10-400 kg), then press Use. "
                + self.forces_note.text()
            )
            return
        self.body_mass_set.emit(kg)

    def set_busy(self, text: str = "Computing metrics…") -> None:
        self.status.setText(text)

    def clear(self, text: str = "No analysis yet.") -> None:
        for t in (self.gait_table, self.tests_table, self.flags_table, self.forces_table,
                  self.contacts_table, self.squat_table, self.reps_table):
            t.setRowCount(0)
        self._contacts = []
        self._reps = []
        self.squat_note.setText("")
        self.tabs.setTabVisible(self.tabs.indexOf(self.squat_page), False)
        self.forces_note.setText("")
        self.tabs.setTabVisible(3, False)
        self._tests = []
        self.tests_note.setText("")
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
        right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(tests):
            cells = (row.name, row.value, row.cutoff or "—", row.status or "—", row.detail)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = " ".join(filter(None, (row.explanation, row.detail)))
                go = (f"\nDouble-click: go to its start ({row.start_s:.2f} s)."
                      if row.start_s is not None else "")
                item.setToolTip(
                    tip + (f"\nHow it was timed: {row.rule}" if row.rule else "") + go
                )
                if c in (1, 2):
                    item.setTextAlignment(right_align)
                if c == 3 and row.status:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    risk = (row.at_risk if row.at_risk is not None
                            else row.status.startswith("above"))
                    item.setBackground(QColor(STATUS_COLORS["high" if risk else "normal"]))
                    item.setForeground(QColor("#ffffff"))
                self.tests_table.setItem(r, c, item)
        # the table that says most about this trial comes first: a timed test's result for a
        # TUG, FSST or sit-to-stand trial, the gait parameters for a walk
        if any(row.cutoff for row in tests) or (tests and not metrics):
            self.tabs.setCurrentWidget(self.tests_page)
        elif metrics and self.tabs.currentWidget() is self.tests_page:
            self.tabs.setCurrentWidget(self.gait_table)
        self._tests = list(tests)
        self._show_test_note()
        self.flags_table.setRowCount(len(flags))
        self._flags = list(flags)
        for r, flag in enumerate(flags):
            item = QTableWidgetItem(flag.message)
            go = f"\nDouble-click: go to {flag.start_s:.2f} s." if flag.start_s is not None else ""
            item.setToolTip(flag.message + go)
            self.flags_table.setItem(r, 0, item)
            sev = QTableWidgetItem(flag.severity)
            sev.setForeground(QColor(SEVERITY_COLORS.get(flag.severity, SEVERITY_COLORS["info"])))
            self.flags_table.setItem(r, 1, sev)
        self.tabs.setTabText(2, f"Quality ({len(flags)})" if flags else "Quality")
        parts = [
            _count(len(metrics), "gait parameter"),
            _count(len(tests), "clinical test"),
            _count(len(flags), "quality flag"),
        ]
        self.status.setText((note + " " if note else "") + ", ".join(parts) + ".")

    def _seek(self, t: float | None) -> None:
        if t is not None:
            self.seek_requested.emit(float(t))

    def _show_test_note(self) -> None:
        """Under the tests table: what the selected test's time means (the first test's when
        none is selected), with the cut-off's population and sources."""
        rows = self.tests_table.selectionModel().selectedRows() if self._tests else []
        i = rows[0].row() if rows else 0
        row = self._tests[i] if 0 <= i < len(self._tests) else None
        text = ""
        if row is not None and row.explanation:  # rich text: '< 5 s' must not open a tag
            text = f"<b>{_rich(row.name)}</b>: {_rich(row.explanation)}"
        self.tests_note.setText(text)

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
            ) + (f" {row.note}" if row.note else "")
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
