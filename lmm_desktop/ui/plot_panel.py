"""PlotPanel: the frame the ground-reaction and EMG docks share (pyqtgraph).

A view switch and a line of information above a :class:`pyqtgraph.GraphicsLayoutWidget` (in a
scroll area when asked), the theme's background, and clicks on the plots turned into seek
requests by the subclass's :meth:`_click_time`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.ui.theme import LIGHT, Theme


class PlotPanel(QWidget):
    """Views listed as ``(label, key)``; subclasses draw in :meth:`_rebuild`."""

    seek_requested = Signal(float)

    def __init__(
        self,
        modes: list[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        theme: Theme = LIGHT,
        scroll: bool = False,
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self._mode = modes[0][1]
        self._modes = [key for _, key in modes]
        self.mode_box = QComboBox()
        for label, key in modes:
            self.mode_box.addItem(label, key)
        self.mode_box.currentIndexChanged.connect(self._on_mode)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.mode_box)
        top.addWidget(self.info, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        self.graphics.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.graphics.customContextMenuRequested.connect(
            lambda pos: self.context_menu().exec(self.graphics.mapToGlobal(pos))
        )
        if scroll:  # many rows: each keeps a readable height and the list scrolls
            self.scroll = QScrollArea()
            self.scroll.setWidgetResizable(True)
            self.scroll.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll.setWidget(self.graphics)
            lay.addWidget(self.scroll, 1)
        else:
            lay.addWidget(self.graphics, 1)

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        self.mode_box.setCurrentIndex(self._modes.index(mode))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self._rebuild()

    def _on_mode(self, index: int) -> None:
        self._mode = str(self.mode_box.itemData(index))
        self._rebuild()

    def _rebuild(self) -> None:  # pragma: no cover - every subclass draws
        raise NotImplementedError

    def curves_table(self) -> tuple[list[str], list[list[float]]]:
        """The curves of the current view as a header and rows (one row per sample), for
        saving; empty when there is nothing drawn."""
        return [], []

    def context_menu(self) -> QMenu:
        """Right-click: save the curves of the view as CSV."""
        menu = QMenu(self)
        act = menu.addAction("Save these curves as CSV…", self._ask_save)
        act.setEnabled(bool(self.curves_table()[0]))
        return menu

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the curves", f"{self._mode}.csv", "CSV (*.csv)"
        )
        if path:
            self.save_csv(path)

    def save_csv(self, path: str | Path) -> Path:
        """Write the view's curves as CSV (UTF-8 with a byte-order mark, atomically)."""
        from lmm_desktop.core.atomic import atomic_write

        header, rows = self.curves_table()
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows([["" if not np.isfinite(v) else f"{v:.6g}" for v in r] for r in rows])
        with atomic_write(path, encoding="utf-8-sig", newline="") as fh:
            fh.write(buf.getvalue())
        return Path(path)

    def _click_time(self, pos: object) -> float | None:
        """The time (s) a click at scene position ``pos`` asks for, or None."""
        return None

    def _on_click(self, event: object) -> None:
        t = self._click_time(event.scenePos())  # type: ignore[attr-defined]
        if t is not None:
            self.seek_requested.emit(float(t))


def finish_panel(plot: pg.PlotItem, zero_pen: object) -> None:
    """A 0-100 % panel done: the zero line (kept out of the range), cached and x fixed."""
    from lmm_desktop.ui.angle_plot import _freeze

    plot.addItem(pg.InfiniteLine(pos=0.0, angle=0, pen=zero_pen), ignoreBounds=True)
    _freeze(plot)
    plot.setXRange(0, 100, padding=0.01)


def equal_columns(graphics: pg.GraphicsLayoutWidget, n: int) -> None:
    layout = graphics.ci.layout
    for col in range(n):
        layout.setColumnStretchFactor(col, 1)
