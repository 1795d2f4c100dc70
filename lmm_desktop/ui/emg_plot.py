"""EmgPlot: the EMG envelopes of a trial, one trace per channel, stacked (pyqtgraph).

Each envelope is scaled to its own peak in the trial (the usual way to read the timing of
muscle activity) and drawn on its own row, labelled on the left, with the playback cursor;
clicking asks for a seek. A channel whose check found a problem (a flat line, mains
interference) is drawn grey with the problem in its label. The gait-cycle view shows the
channels whose label gives their side, averaged over that side's cycles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.ui.angle_plot import _freeze, _side_color
from lmm_desktop.ui.theme import LIGHT, Theme

ROW = 1.2  # vertical distance between two channels (each scaled to 0..1)
ROW_PX = 26  # screen height per channel at least; more channels scroll


class EmgPlot(QWidget):
    """Stacked EMG envelopes with a time / gait-cycle switch."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._theme = theme
        self._emg: Any = None
        self._mode = "time"
        self._cursor_t = 0.0
        self._plot: pg.PlotItem | None = None
        self._cursor: pg.InfiniteLine | None = None
        self.mode_box = QComboBox()
        self.mode_box.addItem("Time (s)", "time")
        self.mode_box.addItem("Gait cycle (%)", "cycle")
        self.mode_box.currentIndexChanged.connect(self._on_mode)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.mode_box)
        top.addWidget(self.info, 1)
        # many channels: each keeps a readable row and the list scrolls
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.graphics)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.scroll, 1)
        self.set_theme(theme)

    def set_data(self, emg: Any) -> None:
        """An :class:`~lmm_desktop.analysis.emg.EmgResult` (None: no EMG)."""
        self._emg = emg
        self._rebuild()

    def set_mode(self, mode: str) -> None:
        self.mode_box.setCurrentIndex(0 if mode == "time" else 1)

    @property
    def mode(self) -> str:
        return self._mode

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self._rebuild()

    def set_cursor(self, t: float) -> None:
        self._cursor_t = float(t)
        if self._cursor is not None:
            self._cursor.setValue(self._cursor_t)

    def plot(self) -> pg.PlotItem | None:
        return self._plot

    def release(self) -> None:
        self.graphics.clear()
        self._plot = self._cursor = None

    def _on_mode(self, index: int) -> None:
        self._mode = str(self.mode_box.itemData(index))
        self._rebuild()

    def _rebuild(self) -> None:
        self.graphics.clear()
        self._plot = self._cursor = None
        th = self._theme
        emg = self._emg
        self.graphics.setMinimumHeight(0)
        if emg is None or not emg.channels:
            self.info.setText("")
            self.graphics.addLabel("No EMG in this trial.", color=th.text, size="11pt")
            return
        self.info.setText(" ".join(emg.notes[:1]) + "; each trace scaled to its peak.")
        channels = list(emg.channels)
        if self._mode == "cycle":
            channels = [c for c in channels if c.cycle_mean is not None]
            if not channels:
                self.graphics.addLabel(
                    "No EMG channel's label gives its side (L/R): shown over time only.",
                    color=th.text, size="10pt",
                )
                return
        n = len(channels)
        self.graphics.setMinimumHeight(ROW_PX * n + 60)
        plot = self.graphics.addPlot(row=0, col=0)
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=False, alpha=0.25)
        for ax in ("left", "bottom"):
            plot.getAxis(ax).setPen(th.mid)
            plot.getAxis(ax).setTextPen(th.text)
        ticks = []
        for i, ch in enumerate(channels):
            base = (n - 1 - i) * ROW  # the first channel on top
            bad = bool(ch.problems)
            color = th.mid if bad else _side_color(ch.side, th)
            if self._mode == "cycle":
                x = np.linspace(0.0, 100.0, 101)
                y = ch.cycle_mean / 100.0
            else:
                x, y = ch.time, ch.envelope / ch.peak_v if ch.peak_v > 0 else ch.envelope
            plot.plot(x, base + y, pen=pg.mkPen(color, width=1.5))
            name = ch.label + (" ⚠" if bad else "")
            ticks.append((base + 0.5, name))
        plot.getAxis("left").setTicks([ticks])
        plot.setLabel(
            "bottom", "Time (s)" if self._mode == "time" else "Gait cycle (%)", color=th.text
        )
        _freeze(plot)
        if self._mode == "time":
            self._cursor = pg.InfiniteLine(
                pos=self._cursor_t, angle=90, pen=pg.mkPen(th.cursor, width=2)
            )
            plot.addItem(self._cursor, ignoreBounds=True)
        else:
            plot.setXRange(0, 100, padding=0.01)
        problems = [f"{c.label}: {', '.join(c.problems)}" for c in emg.channels if c.problems]
        if problems:
            self.info.setText(self.info.text() + " ⚠ " + "; ".join(problems[:3]))
        self._plot = plot

    def _on_click(self, event: object) -> None:
        if self._mode != "time" or self._plot is None:
            return
        pos = event.scenePos()  # type: ignore[attr-defined]
        if self._plot.sceneBoundingRect().contains(pos):
            self.seek_requested.emit(float(self._plot.vb.mapSceneToView(pos).x()))
