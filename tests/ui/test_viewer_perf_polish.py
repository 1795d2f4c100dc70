"""Staged opening (first frame before the metrics), cheap per-frame updates, camera framing and the
clinician-facing polish (metrics without a range, check boxes and icons on the dark theme)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsItem, QStyle, QStyleOptionViewItem

from lmm_desktop.core.trial import Event
from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.skeleton_view import BODY_FILL, framing_scale
from lmm_desktop.ui.theme import DARK, apply_theme
from lmm_desktop.ui.timeline import label_room
from lmm_desktop.ui.transport_bar import media_icon
from lmm_desktop.ui.trial_browser import TrialRef
from lmm_desktop.ui.workers import TrialLoader, quick_points, uses_opensim
from tests.ui.conftest import open_and_wait, show_synthetic

pytestmark = pytest.mark.gui

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _body_fill(win: MainWindow) -> float:
    """Fraction of the 3D view height the body spans now (projected through the camera)."""
    view = win.skeleton
    assert view._pos is not None
    pts = view._pos[view._frame] - view._offset  # (n_points, 3) what is uploaded
    pts = pts[np.isfinite(pts).all(axis=1)]
    canvas_xy = view._bones.get_transform("visual", "canvas").map(pts)
    y = canvas_xy[:, 1] / canvas_xy[:, 3]
    return float((y.max() - y.min()) / view.canvas.size[1])


def test_first_frame_comes_before_the_analysis(qtbot, window: MainWindow, walking_file) -> None:
    with qtbot.waitSignal(window.trial_loaded, timeout=30000) as first:
        window.open_path(walking_file)
    loaded = first.args[0]
    assert loaded.analysis is None and loaded.points is not None
    assert window.skeleton._pos is not None and window.clock is not None  # the body is shown
    assert window.busy and "Analysing" in window.metrics.status.text()
    assert set(loaded.timings_s) == {"read", "fk"}
    with qtbot.waitSignal(window.analysis_updated, timeout=30000) as done:
        pass
    assert done.args[0] is not None and window.loaded is loaded
    assert loaded.analysis is done.args[0] and "analysis" in loaded.timings_s
    assert not window.busy
    assert any(e.source == "detected" for e in window.timeline._events)
    assert "Analysing" not in window.metrics.status.text()


def test_loader_waits_for_the_first_frame_before_analysing(qtbot, walking_file) -> None:
    loader = TrialLoader(TrialRef(walking_file))
    loader.FIRST_FRAME_WAIT_S = 30.0
    analysed: list[object] = []
    loader.analysed.connect(lambda result, _notes, _t: analysed.append(result))
    with qtbot.waitSignal(loader.loaded, timeout=30000) as first:
        loader.start()
    assert first.args[0].trial.n_frames == 158
    qtbot.wait(300)
    assert not analysed and loader.isRunning()  # holding the GIL-heavy analysis back
    loader.first_frame_shown()
    qtbot.waitUntil(lambda: bool(analysed), timeout=30000)
    loader.wait()
    assert analysed[0] is not None


def test_quick_points_are_the_builtin_model(walking_file) -> None:
    from lmm_desktop.io import read_trial

    trial = read_trial(walking_file)
    assert not uses_opensim(trial)  # a lone .mot: no model file beside it
    pts = quick_points(trial)
    assert pts is not None and pts.source == "builtin" and pts.n_frames == 158


def test_closing_while_the_first_frame_waits_is_safe(qtbot, window: MainWindow, walking_file):
    open_and_wait(qtbot, window, walking_file, analysed=False)
    window.close()  # the loader may be waiting for the first draw or analysing: both stop
    assert not window.busy


def test_walking_trial_is_framed_and_followed(qtbot, window: MainWindow) -> None:
    show_synthetic(window, duration_s=4.0)  # walks 4.8 m
    view, clock = window.skeleton, window.clock
    assert clock is not None
    qtbot.wait(50)
    assert view.follow_pelvis
    assert 0.55 <= _body_fill(window) <= 0.75
    clock.seek(3.0)  # 3.6 m further on: the pelvis is still at the centre of the view
    assert view._pos is not None and view._pelvis_idx is not None
    pelvis = view._pos[clock.frame, view._pelvis_idx] - view._offset
    assert np.allclose(pelvis[:2], 0.0, atol=1e-4)
    # turning follow off keeps the picture still (the camera takes over the offset)
    before = view._bones.get_transform("visual", "canvas").map(pelvis[None])[0]
    view.set_follow_pelvis(False)
    world = view._pos[clock.frame, view._pelvis_idx] - view._offset
    after = view._bones.get_transform("visual", "canvas").map(world[None])[0]
    assert np.allclose(before[:2] / before[3], after[:2] / after[3], atol=0.5)


def test_in_place_trial_is_framed_without_follow(qtbot, window: MainWindow) -> None:
    open_and_wait(qtbot, window, DEMO / "S0004_squats_01.mot", analysed=False)
    assert not window.skeleton.follow_pelvis
    assert window.skeleton.pelvis_travel() < 1.5
    assert 0.5 <= _body_fill(window) <= 0.8


@settings(max_examples=50, deadline=None)
@given(st.floats(0.5, 2.2), st.floats(0.3, 3.0))
def test_framing_scale_fills_the_view_height(height: float, aspect: float) -> None:
    scale = framing_scale(height, aspect)
    visible_height = scale if aspect >= 1 else scale / aspect  # vispy: scale on the short side
    assert height / visible_height == pytest.approx(BODY_FILL)


def test_cursor_moves_repaint_nothing_else(window: MainWindow) -> None:
    show_synthetic(window)
    assert window.clock is not None
    plot = window.plot.plots[0]
    items = list(plot.items)
    curves = [i.curve for i in items if i.__class__.__name__ == "PlotDataItem"]
    cache = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert curves and all(c.cacheMode() == cache for c in curves)
    assert plot.getAxis("left").cacheMode() == cache
    assert plot.vb.state["autoRange"] == [False, False]
    layer = window.timeline._layer
    for t in np.linspace(0.5, 3.5, 20):
        window.clock.seek(float(t))
    assert list(plot.items) == items  # the cursor moved, nothing was re-plotted
    assert window.plot.cursor_value() == pytest.approx(3.5)
    assert window.timeline._layer is layer  # the timeline's static layer was not redrawn
    assert window.timeline.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)


def test_skeleton_skips_identical_frames(window: MainWindow) -> None:
    show_synthetic(window)
    clock = window.clock
    assert clock is not None
    clock.seek(1.0)
    shown = window.skeleton._shown
    clock.seek(1.004)  # the same frame at 100 Hz: nothing to upload
    assert window.skeleton._shown is shown


def test_readout_is_throttled_while_playing(window: MainWindow) -> None:
    show_synthetic(window)
    clock, label = window.clock, window.transport.time_label
    assert clock is not None
    clock.play()
    texts = set()
    for t in np.linspace(0.1, 1.0, 50):  # 50 time changes within a few milliseconds
        clock.seek(float(t))
        texts.add(label.text())
    assert len(texts) <= 2
    clock.pause()
    assert label.text().startswith("1.00 / 4.00 s")  # exact again once paused


def test_metrics_without_a_normal_range_show_a_dash(qtbot, window: MainWindow) -> None:
    open_and_wait(qtbot, window, DEMO / "S0004_walking_01.mot")
    table = window.metrics.gait_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert "Cadence (steps/min)" in rows and "Stance (%GC)" in rows
    sym = rows["Step length symmetry (% R/L)"]
    assert table.item(sym, 4).text() == "—" and table.item(sym, 3).text() == "—"
    assert table.item(sym, 4).background().style() == Qt.BrushStyle.NoBrush
    assert "No normal range" in table.item(sym, 0).toolTip()
    cad = rows["Cadence (steps/min)"]
    assert table.columnSpan(cad, 1) == 2  # one value for both sides
    assert table.item(cad, 1).text().isdigit()  # steps/min without decimals
    assert table.item(cad, 4).text() in ("normal", "low", "high")
    assert "unknown" not in [table.item(r, 4).text() for r in range(table.rowCount())]


def test_dark_theme_icons_and_check_boxes_are_visible(window: MainWindow) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    try:
        base = QColor(DARK.base)
        icon = window.transport.play_btn.icon().pixmap(18, 18).toImage()
        opaque = [
            icon.pixelColor(x, y)
            for x in range(18)
            for y in range(18)
            if icon.pixelColor(x, y).alpha() > 200
        ]
        assert opaque and min(c.lightness() for c in opaque) > 150  # light on dark
        img = QImage(20, 20, QImage.Format.Format_ARGB32)
        img.fill(base)
        opt = QStyleOptionViewItem()
        opt.rect = QRect(0, 0, 20, 20)
        opt.palette = app.palette()
        opt.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Off
        p = QPainter(img)
        app.style().drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, opt, p)
        p.end()
        outline = max(img.pixelColor(x, 10).lightness() for x in range(20))
        assert outline - base.lightness() > 60  # an unchecked box shows on the dark base
    finally:
        apply_theme(app, "light")
        app.setPalette(app.style().standardPalette())


def test_media_icons_take_the_given_colour() -> None:
    img = media_icon("pause", QColor("#ffffff")).pixmap(18, 18).toImage()
    assert img.pixelColor(6, 9).lightness() > 240 and img.pixelColor(9, 9).alpha() == 0


def test_event_labels_never_overlap() -> None:
    evs = [Event("heel_strike", "right", t, "file") for t in (1.0, 1.05, 1.5)]  # type: ignore[arg-type]
    evs.append(Event("toe_off", "left", 1.02, "file"))  # type: ignore[arg-type]
    placed = [(e.time_s, e) for e in evs]
    out = label_room(placed, lambda t: 100.0 * t, lambda text: 12 * len(text))
    labelled = {(e.side, e.time_s): lab for e, _t, lab in out}
    assert labelled == {
        ("right", 1.0): False,  # the next right glyph is 5 px away
        ("right", 1.05): True,
        ("right", 1.5): True,
        ("left", 1.02): True,  # another row: no clash
    }
    assert [t for _e, t, _l in out] == sorted(t for t, _e in placed)


def test_better_points_replace_the_quick_ones_in_place(window: MainWindow) -> None:
    loaded = show_synthetic(window)
    clock = window.clock
    assert clock is not None and loaded.points is not None
    clock.seek(2.0)
    cam = (window.skeleton.camera.center, window.skeleton.camera.scale_factor)
    moved = loaded.points
    moved.positions = moved.positions + np.array([0.0, 0.01, 0.0])  # 1 cm higher
    window.skeleton.replace_points(moved)
    assert (window.skeleton.camera.center, window.skeleton.camera.scale_factor) == cam
    assert window.skeleton._frame == clock.frame and window.skeleton.follow_pelvis


def test_short_angle_plots_keep_their_value_labels_apart(qtbot) -> None:
    """With several joints stacked each plot is short; its value labels do not overlap
    (pyqtgraph's default printed 60, 40 and 20 on top of each other), stay on 1-2-5 steps, and
    a plot keeps two labels where a line of text allows it."""
    from lmm_desktop.ui.angle_plot import SparseAxis, nice_step

    assert [nice_step(x) for x in (0.7, 1.0, 1.3, 3.0, 7.0, 42.7)] == [1, 1, 2, 5, 10, 50]
    axis = SparseAxis("left")
    for lo, hi, px in ((-20.0, 60.0, 45.0), (0.0, 10.0, 300.0), (-5.0, 5.0, 30.0),
                       (-22.0, 31.0, 35.0), (-3.0, 68.0, 35.0)):
        levels = axis.tickSpacing(lo, hi, px)
        assert len(levels) == 1  # major ticks only
        step = levels[0][0]
        apart = step / (hi - lo) * px
        n = math.floor(hi / step) - math.ceil(lo / step) + 1
        assert apart >= SparseAxis.MIN_PX or (apart >= SparseAxis.TIGHT_PX and n >= 2), (lo, hi)
        assert step == nice_step(step) and n >= 1
    assert axis.tickSpacing(-20.0, 60.0, 45.0)[0][0] == 50  # not 20: 11 px apart
    assert axis.tickSpacing(-22.0, 31.0, 35.0)[0][0] == 20  # 50 would leave one label
