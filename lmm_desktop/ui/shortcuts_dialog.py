"""ShortcutsDialog: the keyboard shortcuts, listed from the one table the window binds them from."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: (keys, what they do); the main window creates its actions from the same keys.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "Play / pause"),
    ("Left / Right", "Previous / next frame"),
    ("Shift+Left / Shift+Right", "Back / forward 1 second"),
    ("+ / -", "Faster / slower (0.1x to 2x)"),
    ("Home / End", "Start / end (of the region of interest when set)"),
    ("L", "Loop on / off"),
    ("1 2 3 4 5 6", "Camera: front, back, left, right, top, iso"),
    ("P", "Camera follows the pelvis"),
    ("M", "Show / hide markers"),
    ("Del", "Delete the selected event (timeline)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo event edits"),
    ("Ctrl+O", "Open a trial"),
    ("Ctrl+E", "Export the assessment report (PDF or HTML)"),
    ("H or F1", "This help"),
)


class ShortcutsDialog(QDialog):
    """A table of :data:`SHORTCUTS`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (keys, what) in enumerate(SHORTCUTS):
            table.setItem(r, 0, QTableWidgetItem(keys))
            table.setItem(r, 1, QTableWidgetItem(what))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(table)
        lay.addWidget(buttons)
        self.table = table
        self.resize(520, 440)
