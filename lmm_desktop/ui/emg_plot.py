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
from PySide6.QtWidgets import QWidget

from lmm_desktop.ui.angle_plot import _freeze, _side_color
from lmm_desktop.ui.plot_panel import PlotPanel
from lmm_desktop.ui.theme import LIGHT, Theme

ROW = 1.2  # vertical distance between two channels (each scaled to 0..1)
ROW_PX = 26  # screen height per channel at least; more channels scroll


class EmgPlot(PlotPanel):
    """Stacked EMG envelopes with a time / gait-cycle switch."""

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        self._emg: Any = None
        self._cursor_t = 0.0
        self._plot: pg.PlotItem | None = None
        self._cursor: pg.InfiniteLine | None = None
        super().__init__(
            [("Time (s)", "time"), ("Gait cycle (%)", "cycle")], parent, theme=theme,
            scroll=True,
        )
        self.set_theme(theme)

    def set_data(self, emg: Any) -> None:
        """An :class:`~lmm_desktop.analysis.emg.EmgResult` (None: no EMG)."""
        self._emg = emg
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

    def curves_table(self) -> tuple[list[str], list[list[float]]]:
        """The envelopes against time (V), or the sided channels' cycle means (% of peak)."""
        emg = self._emg
        if emg is None or not emg.channels:
            return [], []
        if self._mode == "cycle":
            chans = [c for c in emg.channels if c.cycle_mean is not None]
            if not chans:
                return [], []
            header = ["cycle_pct"] + [f"{c.label}_pct_of_peak" for c in chans]
            cols = [np.linspace(0.0, 100.0, 101)] + [c.cycle_mean for c in chans]
        else:
            header = ["time_s"] + [f"{c.label}_envelope_V" for c in emg.channels]
            cols = [emg.channels[0].time] + [c.envelope for c in emg.channels]
        return header, np.column_stack(cols).tolist()

    def _click_time(self, pos: object) -> float | None:
        if self._mode != "time" or self._plot is None:
            return None
        if not self._plot.sceneBoundingRect().contains(pos):
            return None
        return float(self._plot.vb.mapSceneToView(pos).x())
