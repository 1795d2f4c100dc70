"""AnglePlot: joint-angle curves (pyqtgraph), left/right overlaid, time or gait-cycle view.

One plot per picked joint, stacked with a shared x axis. The vertical cursor follows the playback
clock; clicking a plot asks for a seek (``seek_requested``). In the gait-cycle view each stride
(heel strike to the next heel strike of the same side) is resampled to 0-100 % and drawn thin, with
the mean thick and the normative band (mean +/- 1 SD) shaded behind when one is known; those plots
sit side by side, as in a gait report, so each keeps the dock's full height.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.canonical import JOINT_INDEX, PELVIS_ROTATIONS, Kinematics
from lmm_desktop.core.trial import HEEL_STRIKE, Event
from lmm_desktop.ui.theme import LEFT_COLOR, LIGHT, RIGHT_COLOR, Theme

#: body part -> joint base names (sides added when the joint has them)
BODY_PARTS: dict[str, tuple[str, ...]] = {
    "Pelvis": PELVIS_ROTATIONS,
    "Trunk": ("lumbar_extension", "lumbar_bending", "lumbar_rotation"),
    "Neck": ("neck_extension", "neck_bending", "neck_rotation"),
    "Hip": ("hip_flexion", "hip_adduction", "hip_rotation"),
    "Knee": ("knee_angle",),
    "Ankle / foot": ("ankle_angle", "subtalar_angle", "mtp_angle"),
    "Shoulder": ("arm_flex", "arm_add", "arm_rot"),
    "Elbow / forearm": ("elbow_flex", "pro_sup"),
    "Wrist": ("wrist_flex", "wrist_dev"),
}
DEFAULT_JOINTS = ("hip_flexion", "knee_angle", "ankle_angle")
MODES = ("time", "cycle", "rep")
"""Time, gait cycle (heel strike to heel strike) and repetition (a squat's lowering onset to
the end of its rise; offered only when the trial has repetitions)."""
N_CYCLE = 101

Band = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]  # pct, lo, hi


def pretty(base: str) -> str:
    """'knee_angle' -> 'Knee angle'."""
    return base.replace("_", " ").capitalize()


def cycle_curves(
    time: NDArray[np.float64], values: NDArray[np.float64], strikes: list[float]
) -> NDArray[np.float64]:
    """Resample ``values`` between consecutive heel strikes to 0-100 %.

    Returns ``(n_cycles, 101)`` degrees (empty when fewer than two strikes).
    """
    return window_curves(time, values, list(itertools.pairwise(strikes)))


def window_curves(
    time: NDArray[np.float64], values: NDArray[np.float64], windows: list[tuple[float, float]]
) -> NDArray[np.float64]:
    """Resample ``values`` over each ``(start, end)`` window (seconds) to 0-100 %: ``(n, 101)``."""
    pct = np.linspace(0.0, 1.0, N_CYCLE)
    out = []
    for a, b in windows:
        if b <= a or a < time[0] or b > time[-1]:
            continue
        out.append(np.interp(a + pct * (b - a), time, values))
    return np.array(out).reshape(-1, N_CYCLE)


class SparseAxis(pg.AxisItem):
    """A value axis whose labelled ticks do not overlap: with several joints stacked each plot
    is short, and pyqtgraph's default spacing then printed "60" over "40" over "20". Major
    ticks only, on 1-2-5 steps, at least :attr:`MIN_PX` apart; closer (down to
    :attr:`TIGHT_PX`, about a line of small text) only where that is what gives two labels."""

    MIN_PX = 16.0
    TIGHT_PX = 12.0

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        span = maxVal - minVal
        if not levels or span <= 0 or size <= 0:
            return levels
        step = nice_step(max(levels[0][0], self.MIN_PX * span / size))

        def n_ticks(s: float) -> int:
            return math.floor(maxVal / s) - math.ceil(minVal / s) + 1

        smaller = nice_step(step * 0.4)  # the 1-2-5 step below (50 -> 20, 20 -> 10, 10 -> 5)
        if n_ticks(step) < 2 and smaller < step and smaller / span * size >= self.TIGHT_PX:
            step = smaller
        return [(step, 0.0)]


def nice_step(at_least: float) -> float:
    """The smallest 1, 2 or 5 x 10^k that is at least ``at_least`` (> 0)."""
    exp = math.floor(math.log10(at_least))
    for mult in (1.0, 2.0, 5.0, 10.0):
        step = mult * 10.0**exp
        if step >= at_least * (1 - 1e-9):
            return step
    return 10.0 ** (exp + 1)


class AnglePlot(QWidget):
    """Joint-angle curves with a joint picker and a time / gait-cycle switch."""

    seek_requested = Signal(float)
    joints_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._theme = theme
        self._time: NDArray[np.float64] = np.zeros(1)
        self._kin: Kinematics | None = None
        self._events: list[Event] = []
        self._bands: dict[str, Band] = {}
        self._reference: tuple[str, dict[str, dict[str | None, NDArray[np.float64]]]] | None = None
        self._rep_reference: dict[str, dict[str | None, NDArray[np.float64]]] = {}
        self._cursor_t = 0.0
        self._mode = "time"
        self._reps: list[tuple[float, float]] = []
        self._plots: list[pg.PlotItem] = []
        self._cursors: list[pg.InfiniteLine] = []

        self.picker = QTreeWidget()
        self.picker.setHeaderHidden(True)
        self.picker.setMinimumWidth(150)
        self.picker.itemChanged.connect(self._on_pick_change)
        self.mode_box = QComboBox()
        self.mode_box.addItem("Time (s)", "time")
        self.mode_box.addItem("Gait cycle (%)", "cycle")
        self.mode_box.currentIndexChanged.connect(self._on_mode_change)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.scene().sigMouseClicked.connect(self._on_click)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.mode_box)
        ll.addWidget(self.picker)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.graphics)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 800])
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.set_theme(theme)

    # -- data --------------------------------------------------------------------------------
    def set_data(
        self,
        time: NDArray[np.float64],
        kinematics: Kinematics | None,
        events: list[Event] | None = None,
    ) -> None:
        """Show a trial's canonical kinematics (``time`` ``(n,)`` s)."""
        self._time = np.asarray(time, dtype=float)
        self._kin = kinematics
        self._events = list(events or [])
        self._fill_picker()
        self._rebuild()

    def set_events(self, events: list[Event]) -> None:
        """New events (used for the gait-cycle view)."""
        self._events = list(events)
        if self._mode == "cycle":
            self._rebuild()

    def set_repetitions(self, windows: list[tuple[float, float]]) -> None:
        """A squat series' repetitions (``(start, end)`` seconds): the curves can then be drawn
        over each repetition (0-100 %), right and left overlaid; none removes that view."""
        self._reps = [(float(a), float(b)) for a, b in windows]
        at = self.mode_box.findData("rep")
        if self._reps and at < 0:
            self.mode_box.addItem("Repetition (%)", "rep")
        elif not self._reps and at >= 0:
            if self._mode == "rep":
                self.mode_box.setCurrentIndex(0)
            self.mode_box.removeItem(at)
        if self._mode == "rep":
            self._rebuild()

    def set_normative(self, bands: dict[str, Band]) -> None:
        """Normative bands by joint base name: ``(percent (k,), low (k,), high (k,))`` degrees."""
        self._bands = dict(bands)
        if self._mode == "cycle":
            self._rebuild()

    def set_reference(
        self,
        label: str,
        curves: dict[str, dict[str | None, NDArray[np.float64]]],
        repetitions: dict[str, dict[str | None, NDArray[np.float64]]] | None = None,
    ) -> None:
        """Another trial's mean gait cycles to compare with, drawn dashed in the gait-cycle
        view: ``curves[base][side]`` is a ``(101,)`` mean in degrees (side None for the pelvis);
        ``repetitions`` likewise its mean squat repetition, drawn in the repetition view."""
        self._reference = (label, curves)
        self._rep_reference = dict(repetitions or {})
        if self._mode in ("cycle", "rep"):
            self._rebuild()

    def clear_reference(self) -> None:
        self._reference = None
        self._rep_reference = {}
        if self._mode in ("cycle", "rep"):
            self._rebuild()

    @property
    def reference_label(self) -> str | None:
        return None if self._reference is None else self._reference[0]

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self._rebuild()

    def available_joints(self) -> list[str]:
        """Base names of the joints this trial provides."""
        if self._kin is None:
            return []
        out = []
        for bases in BODY_PARTS.values():
            for base in bases:
                if self._series(base):
                    out.append(base)
        return out

    def _joint_items(self) -> list[QTreeWidgetItem]:
        """The picker's joint rows (children of the body-part rows)."""
        out = []
        for i in range(self.picker.topLevelItemCount()):
            part = self.picker.topLevelItem(i)
            if part is None:
                continue
            out += [c for k in range(part.childCount()) if (c := part.child(k)) is not None]
        return out

    def selected_joints(self) -> list[str]:
        return [
            item.data(0, Qt.ItemDataRole.UserRole)
            for item in self._joint_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]

    def set_selected_joints(self, bases: list[str]) -> None:
        self.picker.blockSignals(True)
        for item in self._joint_items():
            on = item.data(0, Qt.ItemDataRole.UserRole) in bases
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.picker.blockSignals(False)
        self._rebuild()

    def set_mode(self, mode: str) -> None:
        """'time', 'cycle' or 'rep' (when the trial has repetitions)."""
        at = self.mode_box.findData(mode)
        if at < 0:
            raise ValueError(f"no {mode!r} view for this trial (views: {self.modes})")
        self.mode_box.setCurrentIndex(at)

    @property
    def modes(self) -> list[str]:
        return [self.mode_box.itemData(i) for i in range(self.mode_box.count())]

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def plots(self) -> list[pg.PlotItem]:
        return list(self._plots)

    def set_cursor(self, t: float) -> None:
        """Move the shared cursor to time ``t`` seconds."""
        self._cursor_t = float(t)
        x = self._cursor_x()
        for line in self._cursors:
            line.setValue(x)

    def release(self) -> None:
        """Drop every plot item (call when the window closes: pyqtgraph items left alive at
        interpreter exit crash PySide6 6.12 during garbage collection)."""
        self.graphics.clear()
        self._plots, self._cursors = [], []

    def cursor_value(self) -> float | None:
        return float(self._cursors[0].value()) if self._cursors else None

    # -- internals ---------------------------------------------------------------------------
    def _series(self, base: str) -> list[tuple[str | None, NDArray[np.float64]]]:
        """``[(side, values (n,) degrees)]`` present for one joint base name."""
        kin = self._kin
        if kin is None:
            return []
        if base in PELVIS_ROTATIONS:
            if not kin.pelvis_present:
                return []
            col = kin.pelvis_rotation[:, PELVIS_ROTATIONS.index(base)]
            return [(None, col)] if np.isfinite(col).any() else []
        if base in JOINT_INDEX:
            return [(None, kin.angle(base))] if kin.present[JOINT_INDEX[base]] else []
        out: list[tuple[str | None, NDArray[np.float64]]] = []
        for side, suf in (("right", "_r"), ("left", "_l")):
            name = base + suf
            if name in JOINT_INDEX and kin.present[JOINT_INDEX[name]]:
                out.append((side, kin.angle(name)))
        return out

    def _fill_picker(self) -> None:
        previous = self.selected_joints()
        self.picker.blockSignals(True)
        self.picker.clear()
        available = set(self.available_joints())
        wanted = (
            [b for b in previous if b in available]
            or [b for b in DEFAULT_JOINTS if b in available]
            or sorted(available)[:3]
        )
        for part, bases in BODY_PARTS.items():
            present = [b for b in bases if b in available]
            if not present:
                continue
            top = QTreeWidgetItem([part])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            self.picker.addTopLevelItem(top)
            for base in present:
                item = QTreeWidgetItem([pretty(base)])
                item.setData(0, Qt.ItemDataRole.UserRole, base)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    0, Qt.CheckState.Checked if base in wanted else Qt.CheckState.Unchecked
                )
                top.addChild(item)
            top.setExpanded(any(b in wanted for b in present))
        self.picker.blockSignals(False)

    def _on_pick_change(self, _item: QTreeWidgetItem, _col: int) -> None:
        self._rebuild()
        self.joints_changed.emit(self.selected_joints())

    def _on_mode_change(self, index: int) -> None:
        self._mode = self.mode_box.itemData(index) or "time"
        self._rebuild()

    def _strikes(self, side: str | None) -> list[float]:
        side = side or "right"
        return sorted(e.time_s for e in self._events if e.label == HEEL_STRIKE and e.side == side)

    def _windows(self, side: str | None) -> list[tuple[float, float]]:
        """The windows drawn over 0-100 %: the repetitions, or one side's strides."""
        if self._mode == "rep":
            return list(self._reps)
        return list(itertools.pairwise(self._strikes(side)))

    def _cursor_x(self) -> float:
        if self._mode == "time":
            return self._cursor_t
        for a, b in self._windows("right"):
            if a <= self._cursor_t <= b:
                return 100.0 * (self._cursor_t - a) / (b - a)
        return -10.0  # outside any cycle: park the cursor off the axis

    def _rebuild(self) -> None:
        self.graphics.clear()
        self._plots, self._cursors = [], []
        self.legend_label: Any = None
        th = self._theme
        joints = self.selected_joints()
        if not joints:
            text = (
                "No joint angles in this trial (markers only)."
                if self._kin is None
                else "Pick joints on the left to plot them."
            )
            self.graphics.addLabel(text, color=th.text, size="11pt")
        side_by_side = self._mode != "time"  # 0-100 % plots read best as a row of panels
        legend = (
            f"<span style='color:{RIGHT_COLOR}'>━ right</span>"
            f"&nbsp;<span style='color:{LEFT_COLOR}'>━ left</span>"
        )
        if side_by_side and joints:  # the legend above the row: the panels stay equal
            if self._reference is not None and (
                self._mode == "cycle" or (self._mode == "rep" and self._rep_reference)
            ):
                legend += f"&nbsp;&nbsp;┅ {self._reference[0]} (dashed)"
            self.legend_label = self.graphics.addLabel(
                legend, row=0, col=0, colspan=len(joints), color=th.text, size="9pt"
            )
        for row, base in enumerate(joints):
            plot = self.graphics.addPlot(
                row=1 if side_by_side else row, col=row if side_by_side else 0,
                axisItems={"left": SparseAxis("left")},
            )
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.25)
            title = f"{pretty(base)} (°)"
            if row == 0 and not side_by_side:  # the legend, in the title: no box over curves
                title += "&nbsp;&nbsp;" + legend
            plot.setTitle(title, size="9pt", color=th.text)
            for ax in ("left", "bottom"):
                plot.getAxis(ax).setPen(th.mid)
                plot.getAxis(ax).setTextPen(th.text)
            if row < len(joints) - 1 and not side_by_side:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                label = {"time": "Time (s)", "cycle": "Gait cycle (%)",
                         "rep": "Repetition (%)"}[self._mode]
                plot.setLabel("bottom", label, color=th.text)
            if self._plots:
                plot.setXLink(self._plots[0])
            self._draw_joint(plot, base)
            _freeze(plot)
            cursor = pg.InfiniteLine(
                pos=self._cursor_x(), angle=90, pen=pg.mkPen(th.cursor, width=2)
            )
            plot.addItem(cursor, ignoreBounds=True)
            self._plots.append(plot)
            self._cursors.append(cursor)
        if self._plots and self._mode != "time":
            self._plots[0].setXRange(0, 100, padding=0.01)
            layout = self.graphics.ci.layout
            for col in range(len(self._plots)):  # equal panels
                layout.setColumnStretchFactor(col, 1)

    def _draw_joint(self, plot: pg.PlotItem, base: str) -> None:
        series = self._series(base)
        if self._mode == "time":
            for side, values in series:
                plot.plot(
                    self._time,
                    values,
                    pen=pg.mkPen(_side_color(side, self._theme), width=2),
                )
            return
        band = self._bands.get(base) if self._mode == "cycle" else None
        if band is not None:
            pct, lo, hi = band
            c = pg.mkColor(self._theme.mid)
            c.setAlpha(110)
            low, high = pg.PlotDataItem(pct, lo), pg.PlotDataItem(pct, hi)
            plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(c)))
        pct = np.linspace(0, 100, N_CYCLE)
        for side, values in series:
            cycles = window_curves(self._time, values, self._windows(side))
            color = pg.mkColor(_side_color(side, self._theme))
            thin = pg.mkColor(color)
            thin.setAlpha(70)
            for c in cycles:
                plot.plot(pct, c, pen=pg.mkPen(thin, width=1))
            if cycles.shape[0]:
                plot.plot(pct, np.nanmean(cycles, axis=0), pen=pg.mkPen(color, width=3))
        ref: dict[str | None, NDArray[np.float64]] = {}
        if self._reference is not None and self._mode == "cycle":
            ref = self._reference[1].get(base, {})
        elif self._reference is not None and self._mode == "rep":
            ref = self._rep_reference.get(base, {})
        for side, mean in ref.items():
            pen = pg.mkPen(_side_color(side, self._theme), width=2, style=Qt.PenStyle.DashLine)
            item = plot.plot(pct, mean, pen=pen)
            item.setObjectName("reference")

    def _on_click(self, event: object) -> None:
        if self._mode != "time" or not self._plots:
            return
        pos = event.scenePos()  # type: ignore[attr-defined]
        for plot in self._plots:
            if plot.sceneBoundingRect().contains(pos):
                x = float(plot.vb.mapSceneToView(pos).x())
                self.seek_requested.emit(float(np.clip(x, self._time[0], self._time[-1])))
                return


def _freeze(plot: pg.PlotItem) -> None:
    """Make a finished plot cheap to repaint while the cursor moves.

    The curves, the fills and the axes (whose grid lines cover the whole plot) are cached as
    device pixmaps, so moving the cursor repaints two thin strips from the caches instead of
    replaying every curve (~4 ms per 6000-point curve on a software raster). The range is fixed
    now rather than re-checked on every paint (pyqtgraph's auto-range runs before each paint).
    """
    cache = QGraphicsItem.CacheMode.DeviceCoordinateCache
    for item in plot.items:
        if isinstance(item, pg.PlotDataItem):
            item.curve.setCacheMode(cache)
        elif isinstance(item, pg.FillBetweenItem):
            item.setCacheMode(cache)
    for name in ("left", "bottom"):
        plot.getAxis(name).setCacheMode(cache)
    plot.vb.autoRange(padding=0.05)
    plot.vb.disableAutoRange()


def _side_color(side: str | None, theme: Theme) -> str:
    if side == "left":
        return LEFT_COLOR
    if side == "right":
        return RIGHT_COLOR
    return theme.text
