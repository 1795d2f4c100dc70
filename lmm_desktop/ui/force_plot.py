"""ForcePlot: the ground reaction of a trial's force plates (pyqtgraph).

Two views, as in a gait report:

* **Stance (%)**: each clean contact's vertical, anterior-posterior (forward positive) and
  medio-lateral (towards the stance foot's side positive) force over stance, 0-100 %, left blue
  and right orange, in body weights when the mass is known;
* **Time (s)**: every plate's vertical force against time, its contacts shaded by foot (grey
  when the contact is not clean: two feet, a foot partly off the plate), with the playback
  cursor; clicking asks for a seek;
* **Joint moments / powers / frontal / rotation moments (% cycle)**: the sagittal hip, knee and
  ankle moments or powers, the hip and knee frontal (abductor) moments, or their rotation
  (internal rotator) moments, of each gait cycle that starts on a plate
  (:mod:`lmm_desktop.analysis.kinetics`), over the normal bands (none for rotation), toe off
  dashed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from lmm_desktop.core.trial import ForcePlate
from lmm_desktop.ui.angle_plot import SparseAxis, _freeze, _side_color
from lmm_desktop.ui.plot_panel import PlotPanel, equal_columns, finish_panel
from lmm_desktop.ui.theme import LIGHT, Theme

COMPONENTS = (
    ("Vertical", 0),
    ("Anterior (+) / posterior", 1),
    ("Medial-lateral (+ lateral)", 2),
)
PLATE_PENS = ("#495057", "#7048e8", "#0c8599", "#a61e4d", "#5c940d", "#e67700")


KINETIC_MODES = ("moments", "powers", "frontal", "rotation")


class ForcePlot(PlotPanel):
    """Ground reaction curves with a stance / time / kinetics switch."""

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        self._plates: list[ForcePlate] = []
        self._analysis: Any = None
        self._kinetics: Any = None
        self._speed_group = "Free"
        self._cursor_t = 0.0
        self._plots: list[pg.PlotItem] = []
        self._cursors: list[pg.InfiniteLine] = []
        super().__init__(
            [
                ("Stance (%)", "stance"),
                ("Time (s)", "time"),
                ("Joint moments (% cycle)", "moments"),
                ("Joint powers (% cycle)", "powers"),
                ("Frontal moments (% cycle)", "frontal"),
                ("Rotation moments (% cycle)", "rotation"),
            ],
            parent,
            theme=theme,
        )
        self.set_theme(theme)

    # -- data --------------------------------------------------------------------------------
    def set_data(self, plates: list[ForcePlate], analysis: Any = None) -> None:
        """The trial's plates and their :class:`ForcePlateAnalysis` (None until analysed)."""
        self._plates = list(plates)
        self._analysis = analysis
        self._rebuild()

    def set_kinetics(self, kinetics: Any, speed_group: str = "Free") -> None:
        """The joint moments and powers (:class:`KineticsResult`, None without) and the speed
        group of the normal bands drawn behind them."""
        self._kinetics = kinetics
        self._speed_group = speed_group
        if self._mode in KINETIC_MODES:
            self._rebuild()

    def set_cursor(self, t: float) -> None:
        self._cursor_t = float(t)
        for line in self._cursors:
            line.setValue(self._cursor_t)

    def plots(self) -> list[pg.PlotItem]:
        return list(self._plots)

    def release(self) -> None:
        self.graphics.clear()
        self._plots, self._cursors = [], []

    # -- internals ---------------------------------------------------------------------------
    def _bw(self) -> float | None:
        bw = getattr(self._analysis, "body_weight_n", None)
        return float(bw) if bw else None

    def _rebuild(self) -> None:
        self.graphics.clear()
        self._plots, self._cursors = [], []
        th = self._theme
        bw = self._bw()
        unit = "BW" if bw else "N"
        if not self._plates:
            self.info.setText("")
            self.graphics.addLabel("No force plates in this trial.", color=th.text, size="11pt")
            return
        contacts = [] if self._analysis is None else list(self._analysis.contacts)
        clean = [c for c in contacts if c.clean and c.curve is not None]
        n_plates = len(self._plates)
        self.info.setText(
            f"{n_plates} plate{'s' if n_plates > 1 else ''}, {len(contacts)} contact(s), "
            f"{len(clean)} clean; forces in {'body weights' if bw else 'newtons'}"
            + ("" if bw else " (body mass unknown)")
        )
        if self._mode == "stance":
            self._stance(clean, bw, unit)
        elif self._mode in KINETIC_MODES:
            self._kinetic_panels(self._mode)
        else:
            self._time(contacts, bw, unit)

    def _new_plot(self, row: int, col: int, title: str) -> pg.PlotItem:
        th = self._theme
        plot = self.graphics.addPlot(row=row, col=col, axisItems={"left": SparseAxis("left")})
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setTitle(title, size="9pt", color=th.text)
        for ax in ("left", "bottom"):
            plot.getAxis(ax).setPen(th.mid)
            plot.getAxis(ax).setTextPen(th.text)
        return plot

    def _stance(self, clean: list[Any], bw: float | None, unit: str) -> None:
        th = self._theme
        if not clean:
            why = (
                "No clean contact: a foot must land wholly on one plate, alone."
                if self._analysis is not None
                else "Analysing…"
            )
            self.graphics.addLabel(why, color=th.text, size="10pt")
            return
        legend = (
            f"<span style='color:{_side_color('right', th)}'>━ right</span>&nbsp;"
            f"<span style='color:{_side_color('left', th)}'>━ left</span>"
        )
        self.graphics.addLabel(legend, row=0, col=0, colspan=3, color=th.text, size="9pt")
        pct = np.linspace(0.0, 100.0, 101)
        scale = 1.0 / bw if bw else 1.0
        for col, (title, k) in enumerate(COMPONENTS):
            plot = self._new_plot(1, col, f"{title} ({unit})")
            plot.setLabel("bottom", "Stance (%)", color=th.text)
            for c in clean:
                plot.plot(
                    pct, c.curve[:, k] * scale, pen=pg.mkPen(_side_color(c.side, th), width=2)
                )
            finish_panel(plot, pg.mkPen(th.mid))
            self._plots.append(plot)
        equal_columns(self.graphics, 3)

    def _kinetic_panels(self, which: str) -> None:
        """Hip, knee and ankle moments or powers over the gait cycle, each cycle in its side's
        colour over the normal band (Schwartz et al. 2008), toe off dashed."""
        from lmm_desktop.analysis.kinetics import FRONTAL, TITLES, TRANSVERSE, VARIABLES
        from lmm_desktop.analysis.normative import KINETIC_VARIABLES, kinetic_band

        th = self._theme
        k = self._kinetics
        if k is None or not k.cycles:
            why = "Analysing…" if self._analysis is None else (
                getattr(k, "reason", None) or "no gait cycle starts on a plate"
            )
            if "body mass" in why:
                why += " (type it in the Forces tab of the metrics)"
            self.graphics.addLabel(f"No joint moments: {why}.", color=th.text, size="10pt")
            return
        legend = (
            f"<span style='color:{_side_color('right', th)}'>━ right</span>&nbsp;"
            f"<span style='color:{_side_color('left', th)}'>━ left</span>&nbsp;&nbsp;"
            + (f"grey: normal (mean ± 1 SD, {self._speed_group} walkers; children, Schwartz 2008)"
               if which != "rotation" else
               "no normal band (3D rods: the ground reaction's and free moment's share)")
        )
        self.graphics.addLabel(legend, row=0, col=0, colspan=3, color=th.text, size="9pt")
        pct = np.linspace(0.0, 100.0, 101)
        chosen = [v for v in VARIABLES if v.endswith(which[:-1])]
        if which == "frontal":
            chosen = list(FRONTAL)
        elif which == "rotation":
            chosen = list(TRANSVERSE)
        for col, var in enumerate(chosen):
            unit = "N m/kg" if var.endswith("moment") else "W/kg"
            plot = self._new_plot(1, col, f"{TITLES[var]} ({unit})")
            plot.setLabel("bottom", "Gait cycle (%)", color=th.text)
            if var in KINETIC_VARIABLES:
                band = kinetic_band(var, self._speed_group)
                c = pg.mkColor(th.mid)
                c.setAlpha(110)
                plot.addItem(pg.FillBetweenItem(
                    pg.PlotDataItem(pct, band.lower), pg.PlotDataItem(pct, band.upper),
                    brush=pg.mkBrush(c),
                ))
            for cyc in k.cycles:
                plot.plot(pct, cyc.curves[var], pen=pg.mkPen(_side_color(cyc.side, th), width=2))
                toe_off = pg.InfiniteLine(
                    pos=cyc.stance_pct, angle=90,
                    pen=pg.mkPen(_side_color(cyc.side, th), width=1,
                                 style=Qt.PenStyle.DashLine),
                )
                plot.addItem(toe_off, ignoreBounds=True)
            finish_panel(plot, pg.mkPen(th.mid))
            self._plots.append(plot)
        equal_columns(self.graphics, len(chosen))

    def _time(self, contacts: list[Any], bw: float | None, unit: str) -> None:
        th = self._theme
        scale = 1.0 / bw if bw else 1.0
        plot = self._new_plot(0, 0, f"Vertical ground reaction ({unit})")
        plot.setLabel("bottom", "Time (s)", color=th.text)
        top = max(float(np.nanmax(p.vertical)) for p in self._plates) * scale
        for k, c in enumerate(contacts):
            color = pg.mkColor(_side_color(c.side, th) if c.clean else th.mid)
            color.setAlpha(45)
            region = pg.LinearRegionItem(
                (c.start_s, c.end_s), movable=False, brush=pg.mkBrush(color),
                pen=pg.mkPen(None),
            )
            plot.addItem(region, ignoreBounds=True)
            label = f"FP{c.plate} {c.side or '?'}" + ("" if c.clean else " ✗")
            text = pg.TextItem(label, color=th.text, anchor=(0.0, 0.0))
            text.setPos(c.start_s, top * (1.16 if k % 2 else 1.06))
            text.setToolTip(c.reason or "clean contact")
            plot.addItem(text)
        for i, p in enumerate(self._plates):
            step = max(1, int(p.rate_hz // 500))  # 500 Hz is plenty on screen
            plot.plot(
                p.time[::step],
                p.vertical[::step] * scale,
                pen=pg.mkPen(PLATE_PENS[i % len(PLATE_PENS)], width=2),
                name=f"plate {p.number}",
            )
        _freeze(plot)
        cursor = pg.InfiniteLine(pos=self._cursor_t, angle=90, pen=pg.mkPen(th.cursor, width=2))
        plot.addItem(cursor, ignoreBounds=True)
        self._plots.append(plot)
        self._cursors.append(cursor)

    def curves_table(self) -> tuple[list[str], list[list[float]]]:
        """The view's curves: per clean contact over stance, the plates against time, or the
        joint moments or powers over each cycle."""
        pct = np.linspace(0.0, 100.0, 101)
        if self._mode == "stance":
            clean = [c for c in getattr(self._analysis, "contacts", []) if c.clean and
                     c.curve is not None]
            if not clean:
                return [], []
            bw = self._bw()
            unit = "BW" if bw else "N"
            header = ["stance_pct"]
            cols = [pct]
            for c in clean:
                tag = f"{c.side}_plate{c.plate}_{c.start_s:.2f}s"
                for k, name in enumerate(("vertical", "anterior", "lateral")):
                    header.append(f"{tag}_{name}_{unit}")
                    cols.append(c.curve[:, k] / (bw or 1.0))
        elif self._mode == "time":
            if not self._plates:
                return [], []
            header = ["time_s"] + [f"plate{p.number}_vertical_N" for p in self._plates]
            cols = [self._plates[0].time] + [p.vertical for p in self._plates]
        else:
            k = self._kinetics
            if k is None or not k.cycles:
                return [], []
            names = {
                "moments": ["hip_moment", "knee_moment", "ankle_moment"],
                "powers": ["hip_power", "knee_power", "ankle_power"],
                "frontal": ["hip_frontal_moment", "knee_frontal_moment"],
                "rotation": ["hip_rotation_moment", "knee_rotation_moment"],
            }[self._mode]
            header, cols = ["cycle_pct"], [pct]
            for cyc in k.cycles:
                for name in names:
                    unit = "W_per_kg" if name.endswith("power") else "Nm_per_kg"
                    header.append(f"{cyc.side}_{cyc.start_s:.2f}s_{name}_{unit}")
                    cols.append(cyc.curves[name])
        return header, np.column_stack(cols).tolist()

    def _click_time(self, pos: object) -> float | None:
        if self._mode != "time" or not self._plots:
            return None
        plot = self._plots[0]
        if not plot.sceneBoundingRect().contains(pos):
            return None
        return float(plot.vb.mapSceneToView(pos).x())
