"""MainWindow with real widgets: open, play, cursor sync, shortcuts, drag-and-drop, recent files,
event edits with undo, error dialogs, themes and settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.settings import recent_files
from tests.ui.conftest import open_and_wait, show_synthetic

pytestmark = pytest.mark.gui


def test_open_real_trial_fills_every_panel(qtbot, window: MainWindow, walking_file: Path) -> None:
    loaded = open_and_wait(qtbot, window, walking_file)
    assert loaded.trial.n_frames == 158
    assert loaded.points is not None and loaded.points.n_frames == 158
    assert window.clock is not None and window.clock.n_frames == 158
    assert "walking1_videoAndMocap" in window.title.text()
    assert not window.badge.isVisible()  # recorded data, no SIMULATED badge
    assert [p.titleLabel.text.split(" (")[0] for p in window.plot.plots] == [
        "Hip flexion",
        "Knee angle",
        "Ankle angle",
    ]
    labels = [r.label for r in window.browser.refs()]
    assert labels == ["squats1_videoAndMocap", "walking1_videoAndMocap"]
    # the analysis ran: detected events are on the timeline, the panel says why no table
    assert any(e.source == "detected" for e in window.timeline._events)
    assert "no complete stride" in window.metrics.status.text()
    assert recent_files(window.settings)[0] == str(walking_file.resolve())


def test_play_advances_frames_and_changes_the_image(qtbot, window: MainWindow) -> None:
    show_synthetic(window)
    clock = window.clock
    assert clock is not None
    before = window.skeleton.render_image()
    clock.play()
    qtbot.waitUntil(lambda: clock.frame > 20, timeout=3000)
    clock.pause()
    after = window.skeleton.render_image()
    assert window.skeleton._frame == clock.frame
    assert before.shape == after.shape
    assert np.abs(before.astype(int) - after.astype(int)).sum() > 1000


def test_cursor_model_to_widgets(window: MainWindow) -> None:
    show_synthetic(window)
    assert window.clock is not None
    window.clock.seek(1.23)
    assert window.plot.cursor_value() == pytest.approx(1.23)
    assert window.timeline._cursor == pytest.approx(1.23)
    assert window.skeleton._frame == 123
    assert "1.23" in window.transport.time_label.text()


def test_cursor_widgets_to_model(qtbot, window: MainWindow) -> None:
    show_synthetic(window)
    clock = window.clock
    assert clock is not None
    tl = window.timeline
    x = int(tl.x_of(2.0))
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(x, tl.height() - 3))
    assert clock.time == pytest.approx(2.0, abs=0.02)
    qtbot.wait(100)  # let pyqtgraph lay the plots out
    plot = window.plot.plots[-1]
    view = window.plot.graphics
    widget_pt = view.mapFromScene(plot.vb.mapViewToScene(QPointF(3.0, 0.0)))
    qtbot.mouseMove(view.viewport(), widget_pt)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=widget_pt)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=widget_pt, delay=10)
    assert clock.time == pytest.approx(3.0, abs=0.05)


def _activate(qtbot, win: MainWindow) -> None:
    """Shortcuts fire only in the active window."""
    win.activateWindow()
    win.raise_()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)


def test_keyboard_shortcuts(qtbot, window: MainWindow) -> None:
    show_synthetic(window)
    clock = window.clock
    assert clock is not None
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert clock.frame == 1
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert clock.frame == 101
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert clock.frame == 100
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert clock.frame == clock.n_frames - 1
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert clock.frame == 0
    qtbot.keyClick(window, Qt.Key.Key_Plus)
    assert clock.speed == 1.5
    qtbot.keyClick(window, Qt.Key.Key_Minus)
    qtbot.keyClick(window, Qt.Key.Key_Minus)
    assert clock.speed == 0.75
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert window.skeleton.camera.azimuth == 90.0  # front
    qtbot.keyClick(window, Qt.Key.Key_5)
    assert window.skeleton.camera.elevation > 80  # top
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert clock.playing
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not clock.playing
    qtbot.keyClick(window, Qt.Key.Key_H)
    assert window.shortcuts_dialog is not None and window.shortcuts_dialog.isVisible()
    assert window.shortcuts_dialog.table.rowCount() >= 10
    window.shortcuts_dialog.close()


def test_drag_and_drop_opens_the_file(qtbot, window: MainWindow, walking_file: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(walking_file))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.trial_loaded, timeout=30000):
        window.dropEvent(drop)
    assert window.loaded is not None and window.loaded.trial.name == "walking1_videoAndMocap"


def test_recent_files_menu_and_clear(qtbot, window: MainWindow, walking_file: Path) -> None:
    open_and_wait(qtbot, window, walking_file)
    actions = [a for a in window.recent_menu.actions() if a.data()]
    assert [a.data() for a in actions] == [str(walking_file.resolve())]
    clear = next(a for a in window.recent_menu.actions() if a.text().startswith("Clear"))
    clear.trigger()
    assert recent_files(window.settings) == []
    assert not [a for a in window.recent_menu.actions() if a.data()]


def test_event_edit_recomputes_and_undo_restores(
    qtbot, window: MainWindow, walking_file: Path
) -> None:
    open_and_wait(qtbot, window, walking_file)
    before = list(window.store.events)
    tl = window.timeline
    menu = tl.context_menu(QPointF(tl.x_of(1.45), tl.height() - 5))
    add = next(a for a in menu.actions() if a.text().startswith("Add left heel strike here"))
    with (
        qtbot.waitSignal(window.analysis_updated, timeout=30000),
        qtbot.waitSignal(window.events_changed),
    ):
        add.trigger()
    added = [e for e in window.store.events if e.source == "user"]
    assert (
        len(added) == 1
        and added[0].side == "left"
        and added[0].time_s == pytest.approx(1.45, abs=0.01)
    )
    # with two left heel strikes the analysis now measures a left stride
    assert window.loaded is not None and window.loaded.analysis.events_source == "user"
    # drag the new event to 1.40 s
    x0, y = tl.x_of(added[0].time_s), tl.y_of(added[0])
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(int(x0), int(y)))
    tl.mouseMoveEvent(_move_event(QPointF(tl.x_of(1.40), y)))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(int(tl.x_of(1.40)), int(y)))
    moved = [e for e in window.store.events if e.source == "user"]
    assert moved[0].time_s == pytest.approx(1.40, abs=0.01)
    # Del deletes the selected event
    tl.select(moved[0])
    tl.setFocus()
    qtbot.keyClick(tl, Qt.Key.Key_Delete)
    assert not [e for e in window.store.events if e.source == "user"]
    # undo twice: back to the moved, then the added event; undo again: the original events
    window.actions_by_name["undo"].trigger()
    assert [e.time_s for e in window.store.events if e.source == "user"] == [
        pytest.approx(1.40, abs=0.01)
    ]
    window.actions_by_name["undo"].trigger()
    window.actions_by_name["undo"].trigger()
    assert window.store.events == before
    window.actions_by_name["redo"].trigger()
    assert len(window.store.events) == len(before) + 1
    qtbot.waitUntil(lambda: not window.busy, timeout=30000)


def _move_event(pos: QPointF):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        pos,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )


def test_bad_file_shows_the_readers_message(
    qtbot, window: MainWindow, messages, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.mot"
    bad.write_text("this is not a motion file\n1 2 3\n")
    with qtbot.waitSignal(window.load_failed, timeout=10000) as blocker:
        window.open_path(bad)
    title, text = messages[-1]
    assert title == "Cannot open the trial"
    assert "broken.mot" in text and text == blocker.args[0]
    assert window.loaded is None  # nothing half-shown; the window keeps running


def test_unsupported_file_real_message_box_is_closed(qtbot, settings, tmp_path: Path) -> None:
    win = MainWindow(settings, theme="light")  # the real QMessageBox
    qtbot.addWidget(win)
    seen: list[str] = []

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.close()
        else:
            QTimer.singleShot(50, close_box)

    QTimer.singleShot(50, close_box)
    bad = tmp_path / "notes.docx"
    bad.write_text("x")
    win.open_path(bad)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert "'.docx' is not supported" in seen[0]
    win.close()


def test_simulated_badge_and_markers_overlay(qtbot, window: MainWindow) -> None:
    show_synthetic(window, simulated=True, markers=True)
    assert window.badge.isVisible() and window.badge.text() == "SIMULATED DATA"
    assert window.skeleton.markers_visible
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_M)
    assert not window.skeleton.markers_visible
    show_synthetic(window, simulated=False)
    assert not window.badge.isVisible()


def test_foot_contact_highlight_follows_events(window: MainWindow) -> None:
    show_synthetic(window)
    view, clock = window.skeleton, window.clock
    assert clock is not None
    clock.seek(0.30)  # right stance (HS 0.05, TO 0.70), left swing (TO 0.15 .. HS 0.60)
    assert view._in_stance("right") and not view._in_stance("left")
    assert view.contact_visible
    clock.seek(0.62)  # both feet down (double support): contact dots under both feet
    assert view._in_stance("right") and view._in_stance("left") and view.contact_visible


def test_cycle_view_draws_strides_and_normative_band(window: MainWindow) -> None:
    loaded = show_synthetic(window, duration_s=6.0)
    from lmm_desktop.ui.analysis_view import normative_bands

    window.plot.set_normative(normative_bands(None, window.plot.available_joints()))
    window.plot.set_mode("cycle")
    assert window.plot.mode == "cycle"
    knee = window.plot.plots[1]
    curves = [i for i in knee.items if i.__class__.__name__ == "PlotDataItem"]
    fills = [i for i in knee.items if i.__class__.__name__ == "FillBetweenItem"]
    assert len(fills) == 1  # the knee's normative band
    assert len(curves) >= 2 * 3  # >= 2 strides per side + the means
    assert loaded.trial.events


def test_theme_and_layout_persist(qtbot, settings, window: MainWindow) -> None:
    window.set_theme("dark")
    assert window.actions_by_name["theme_dark"].isChecked()
    window.plot_dock.hide()
    window.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.theme.name == "dark"
    assert again.plot_dock.isHidden()
    again.close()
    QApplication.instance().setPalette(QApplication.style().standardPalette())


def test_closing_mid_load_is_safe(qtbot, window: MainWindow, walking_file: Path) -> None:
    window.open_path(walking_file)
    assert window.busy
    window.close()
    assert not window.busy
    assert window.loaded is None


def _area(win: MainWindow, dock: object) -> Qt.DockWidgetArea:
    return win.dockWidgetArea(dock)  # type: ignore[arg-type]


def test_default_layout_keeps_the_curves_readable_and_resets(qtbot, window: MainWindow) -> None:
    """Trials and patients share a tabbed dock above the notes; metrics and assistant fill the
    right column; the joint-angle curves get about a third of the height (their scales stay
    readable). View > Reset layout brings that back after the panels were moved and closed."""
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    right = Qt.DockWidgetArea.RightDockWidgetArea
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    patients, notes = window.records.patients_dock, window.records.notes_dock

    def check() -> None:
        assert window.records.patients_dock in window.tabifiedDockWidgets(window.browser_dock)
        assert [_area(window, d) for d in (window.browser_dock, patients, notes)] == [left] * 3
        assert _area(window, window.metrics_dock) == right == _area(window, window.chat_dock)
        assert _area(window, window.plot_dock) == bottom
        assert window.corner(Qt.Corner.BottomRightCorner) == right
        assert window.plot_dock.height() >= 0.28 * window.height()
        assert window.metrics_dock.height() >= 200 and window.chat_dock.height() >= 250
        assert not window.browser_dock.visibleRegion().isEmpty()  # the Trials tab is in front
        assert all(d.isVisible() for d in (notes, window.metrics_dock, window.plot_dock))

    qtbot.waitUntil(lambda: window.plot_dock.height() > 0)
    check()
    window.addDockWidget(left, window.plot_dock)
    window.metrics_dock.hide()
    notes.setFloating(True)
    window.actions_by_name["reset_layout"].trigger()
    qtbot.wait(50)
    check()
    assert not notes.isFloating()


def test_a_layout_saved_by_an_older_version_is_not_restored(qtbot, settings) -> None:
    old = MainWindow(settings)
    qtbot.addWidget(old)
    old.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, old.plot_dock)
    state = old.saveState(1)  # layout version 1 (before the tabs)
    old.close()
    settings.setValue("window/state", state)
    new = MainWindow(settings)
    qtbot.addWidget(new)
    assert new.dockWidgetArea(new.plot_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    new.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, new.plot_dock)
    new.close()  # saves the current version: restored next time
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.dockWidgetArea(again.plot_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    again.close()


def test_a_tug_opens_on_its_time_against_the_cut_off(qtbot, window: MainWindow) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0048_tug_01.mot")
    m = window.metrics
    assert m.tabs.currentWidget() is m.tests_page
    row = [m.tests_table.item(0, c).text() for c in range(m.tests_table.columnCount())]
    assert row[:4] == ["TUG", "17.18 s", "≥ 13.5 s", "above cut-off"]
    note = m.tests_note.text()
    assert "Above the cut-off" in note and "Shumway-Cook" in note and "patient's age" in note
    assert "1 clinical test," in m.status.text()  # singular
    open_and_wait(qtbot, window, demo / "S0003_walking_01.mot")
    assert m.tabs.currentWidget() is m.gait_table  # a walk: the gait parameters come first
    # the walking-speed test has no cut-off of its own: its note gives the functional band
    assert "At 0.95 m/s, a community ambulator" in m.tests_note.text()
    assert "cut-off" not in m.tests_note.text()


def test_the_patients_age_in_the_records_picks_the_age_norm(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """A TUG filed under a patient born 1950-03-01, recorded on 2026-11-20 (aged 76): its time
    is also read against the norm for ages 70-79 (Bohannon 2006)."""
    from lmm_desktop.records.importer import sha256_of

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    store = window.records.link.store
    patient = store.add_patient("Age Test", birth_date="1950-03-01")
    session = store.add_session(patient.id, date="2026-11-20")
    store.add_trial(
        session.id, path=demo.resolve(), sha256=sha256_of(demo), name=demo.stem, format="mot"
    )
    open_and_wait(qtbot, window, demo)
    assert window.records.link.patient_age_years() == pytest.approx(76.72, abs=0.01)
    note = window.metrics.tests_note.text()
    assert "slower than the average for ages 70-79 (> 10.2 s)" in note
    assert "Bohannon RW. J Geriatr Phys Ther 2006" in note


def test_the_tug_phases_show_and_its_timing_is_set_by_hand(
    qtbot, window: MainWindow, settings, messages
) -> None:
    """The TUG's phases get a timeline row; 'Start the TUG here' re-times it (the Tests tab says
    set by hand), the mark is saved with the edited events and comes back in a new window, and
    'Use the detected TUG timing' restores the detected time."""
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    open_and_wait(qtbot, window, demo)
    tl, m = window.timeline, window.metrics
    assert tl.test_row and tl._test_name == "TUG"
    names = [p[0] for p in tl._phases]
    assert names[:4] == ["rise", "walk out", "turn", "walk back"] and names[-1] == "sit"
    walk_out = tl._phases[1]
    mid = (walk_out[1] + walk_out[2]) / 2
    y3 = tl.height() - 14  # the third row
    assert tl.phase_at(QPointF(tl.x_of(mid), y3)) == walk_out
    assert tl.height() > 20 + 2 * 22 + 8  # taller than a walk's two rows
    detected = m.tests_table.item(0, 1).text()
    start = tl._phases[0][1] + 0.5
    menu = tl.context_menu(QPointF(tl.x_of(start), y3))
    act = next(a for a in menu.actions() if a.text().startswith("Start the TUG here"))
    with qtbot.waitSignal(window.analysis_updated, timeout=30000):
        act.trigger()
    marks = [e for e in window.store.events if e.label == "test_start"]
    assert len(marks) == 1 and marks[0].side is None and marks[0].source == "user"
    gait = next(e for e in window.store.events if e.side == "left")
    assert tl.y_of(marks[0]) > tl.y_of(gait)  # drawn in the test row, below the left one
    assert m.tests_table.item(0, 4).text() == "set by hand"
    assert float(m.tests_table.item(0, 1).text().split()[0]) == pytest.approx(
        float(detected.split()[0]) - 0.5, abs=0.02
    )
    tid = window.records.link.trial_id
    assert tid is not None
    saved = window.records.link.store.edited_events(tid)
    assert [(e.label, e.side) for e in saved] == [("test_start", None)]
    # a second 'Start here' moves the mark rather than adding another
    menu = tl.context_menu(QPointF(tl.x_of(start + 0.2), y3))
    act = next(a for a in menu.actions() if a.text().startswith("Start the TUG here"))
    with qtbot.waitSignal(window.analysis_updated, timeout=30000):
        act.trigger()
    assert len([e for e in window.store.events if e.label == "test_start"]) == 1
    window.close()

    win2 = MainWindow(settings, theme="light", show_message=messages)
    qtbot.addWidget(win2)
    win2.show()
    qtbot.waitExposed(win2)
    try:
        open_and_wait(qtbot, win2, demo, timeout_ms=60000)
        qtbot.waitUntil(lambda: win2.metrics.tests_table.item(0, 4) is not None, timeout=30000)
        qtbot.waitUntil(
            lambda: win2.metrics.tests_table.item(0, 4).text() == "set by hand", timeout=30000
        )
        tl2 = win2.timeline
        menu = tl2.context_menu(QPointF(tl2.x_of(5.0), tl2.height() - 14))
        reset = next(a for a in menu.actions() if a.text() == "Use the detected TUG timing")
        with qtbot.waitSignal(win2.analysis_updated, timeout=30000):
            reset.trigger()
        qtbot.waitUntil(lambda: not win2.busy, timeout=30000)
        assert win2.metrics.tests_table.item(0, 1).text() == detected
        assert not [e for e in win2.store.events if e.label == "test_start"]
    finally:
        win2.close()


def test_metrics_copy_as_a_table_and_save_as_csv(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    import csv

    from PySide6.QtGui import QGuiApplication

    from lmm_desktop.ui.metrics_panel import copy_table, save_table_csv

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0003_walking_01.mot"
    open_and_wait(qtbot, window, demo)
    t = window.metrics.gait_table
    text = copy_table(t)
    lines = text.splitlines()
    assert lines[0] == "Parameter\tLeft\tRight\tNormal\tStatus"
    speed = next(line for line in lines if line.startswith("Walking speed"))
    cells = speed.split("\t")
    assert cells[1] == cells[2] == "0.93" and cells[4] == "low"  # one value for both sides
    assert QGuiApplication.clipboard().text() == text
    t.selectRow(2)
    t.setFocus()
    qtbot.keyClick(t, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)  # Ctrl+C: that row
    copied = QGuiApplication.clipboard().text().splitlines()
    assert len(copied) == 2 and copied[1].startswith(t.item(2, 0).text())
    out = save_table_csv(t, tmp_path / "gait.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Parameter", "Left", "Right", "Normal", "Status"]
    assert len(rows) == t.rowCount() + 1


def test_gait_cycles_compared_with_another_trial(qtbot, window: MainWindow, messages) -> None:
    """The stroke demo walk compared with the unimpaired one: the cycle view shows the other
    trial's mean cycles dashed (and says which trial they are); a trial without full strides
    is refused with the reason; Clear removes the dashed curves."""
    from lmm_desktop.ui.trial_browser import TrialRef

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0039_walking_01.mot")
    with qtbot.waitSignal(window.comparison_done, timeout=30000):
        window.compare_with(TrialRef(demo / "S0004_walking_01.mot"))
    assert window.plot.mode == "cycle" and window.plot.reference_label == "S0004_walking_01"

    def dashed() -> int:
        return sum(
            1 for p in window.plot.plots for i in p.items
            if i.__class__.__name__ == "PlotDataItem" and i.objectName() == "reference"
        )

    assert dashed() >= 2 * len(window.plot.plots) - 1  # right and left per joint
    assert "S0004_walking_01" in window.plot.legend_label.text
    with qtbot.waitSignal(window.comparison_done, timeout=30000):
        window.compare_with(TrialRef(demo / "S0004_squats_01.mot"))
    assert messages and "no complete gait cycle" in messages[-1][1]
    assert window.plot.reference_label == "S0004_walking_01"  # the earlier one stays
    window.actions_by_name["clear_compare"].trigger()
    assert window.plot.reference_label is None and dashed() == 0


def test_double_click_a_test_or_a_flag_goes_there(qtbot, window: MainWindow) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0004_sts5_01.mot")  # 5xSTS with capture gaps
    m, clock = window.metrics, window.clock
    assert clock is not None
    start = m._tests[0].start_s
    assert start is not None and start > 0.5
    m.tests_table.cellDoubleClicked.emit(0, 1)
    assert clock.time == pytest.approx(start, abs=0.02)
    assert m._flags and m._flags[0].start_s is not None  # a gap flag knows where it is
    m.flags_table.cellDoubleClicked.emit(0, 0)
    assert clock.time == pytest.approx(m._flags[0].start_s, abs=0.02)
    assert "Double-click: go to" in m.flags_table.item(0, 0).toolTip()


def test_the_trials_list_says_what_each_trial_is(qtbot, window: MainWindow) -> None:
    """The Result column fills in the background: each demo trial's test or walking speed."""
    from lmm_desktop.ui.trial_browser import TrialRef

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0048_tug_01.mot")
    b = window.browser
    refs = {r.label: r for r in b.refs()}
    qtbot.waitUntil(lambda: all(b.result_text(r) for r in refs.values()), timeout=60000)
    assert b.result_text(refs["S0048_tug_01"]).startswith("TUG 17.")
    assert b.result_text(refs["S0004_walking_01"]).startswith("walk 1.4")
    assert b.result_text(refs["S0004_squats_01"]) == "squats x4"
    assert b.result_text(refs["S0004_one_leg_stance_01"]).startswith("one leg 8.8 s")
    assert "FSST 17." in b.result_text(refs["S0003_fsst_01"])
    assert b.result_text(TrialRef(demo / "nonexistent.mot")) == ""
    # then one line per participant: the batteries read across their trials
    qtbot.waitUntil(lambda: len(b.battery_lines()) == 3, timeout=60000)
    assert "S0048: SPPB 8 / 12 · STEADI: problem: TUG, 4-Stage" in b.battery_lines()
    assert len(b.refs()) == len(refs)  # the lines are not trials


def test_a_chair_stand_reads_its_norm_from_the_patients_age_and_sex(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """The 30-second chair stand demo: its file's own age and sex (a man of 65.5) read six
    stands as below average; without them the table says what it needs; filed under a man born
    1960-05-01, recorded 2026-11-20 (66), six stands are below the average for men aged 65-69
    (< 12): red; the records win over the file: as a woman of 91 (< 4) they are not."""
    from PySide6.QtGui import QColor

    from lmm_desktop.records.importer import sha256_of
    from lmm_desktop.ui.theme import STATUS_COLORS
    from tests.conftest import without_person

    demo = (Path(__file__).resolve().parents[2] / "resources" / "demo"
            / "S0039_chair_stand_30s_01.mot")
    open_and_wait(qtbot, window, demo)
    m, t = window.metrics, window.metrics.tests_table

    def row(name: str) -> list[str]:
        r = next(i for i in range(t.rowCount()) if t.item(i, 0).text() == name)
        return [t.item(r, c).text() for c in range(5)]

    assert row("30s-CST")[:4] == ["30s-CST", "6 stands", "< 12 stands", "below average"]
    open_and_wait(qtbot, window, without_person(demo, tmp_path))
    assert row("30s-CST")[:4] == ["30s-CST", "6 stands", "—", "—"]
    assert row("5xSTS")[4] == "timed over the first five stands of a 30-second chair stand"
    t.setCurrentCell(next(i for i in range(t.rowCount()) if t.item(i, 0).text() == "30s-CST"), 0)
    assert "birth date and sex" in m.tests_note.text()

    store = window.records.link.store
    patient = store.add_patient("Chair Test", birth_date="1960-05-01", sex="male")
    session = store.add_session(patient.id, date="2026-11-20")
    store.add_trial(
        session.id, path=demo.resolve(), sha256=sha256_of(demo), name=demo.stem, format="mot"
    )
    open_and_wait(qtbot, window, demo)
    assert window.records.link.patient_sex() == "male"
    assert row("30s-CST")[:4] == ["30s-CST", "6 stands", "< 12 stands", "below average"]
    r = next(i for i in range(t.rowCount()) if t.item(i, 0).text() == "30s-CST")
    assert t.item(r, 3).background().color() == QColor(STATUS_COLORS["high"])
    store.update_patient(patient.id, birth_date="1935-05-01", sex="female")
    window.refresh_tests()
    assert row("30s-CST")[2:4] == ["< 4 stands", "average or better"]
    assert t.item(r, 3).background().color() == QColor(STATUS_COLORS["normal"])


def test_the_chair_stands_go_is_set_by_hand_on_the_timeline(qtbot, window: MainWindow) -> None:
    """'Start the 30s-CST here' counts the stands again over the 30 s from there (no 'End'
    entry: the test lasts 30 s); a start after the first stand, 30 s before the recording's
    end, leaves at least five."""
    demo = (Path(__file__).resolve().parents[2] / "resources" / "demo"
            / "S0039_chair_stand_30s_01.mot")
    open_and_wait(qtbot, window, demo)
    tl, t = window.timeline, window.metrics.tests_table
    assert tl._test_name == "30s-CST"
    y3 = tl.height() - 14
    menu = tl.context_menu(QPointF(tl.x_of(4.0), y3))
    texts = [a.text() for a in menu.actions()]
    assert any(x.startswith("Start the 30s-CST here") for x in texts)
    assert not any(x.startswith("End the 30s-CST") for x in texts)
    act = next(a for a in menu.actions() if a.text().startswith("Start the 30s-CST here"))
    with qtbot.waitSignal(window.analysis_updated, timeout=30000):
        act.trigger()
    r = next(i for i in range(t.rowCount()) if t.item(i, 0).text() == "30s-CST")
    # the first stand (3.7 s) was before the go, and the recording (33.8 s) ends before 34 s
    assert t.item(r, 1).text() == "≥ 5 stands"
    assert t.item(r, 4).text() == ("the recording ends 29.8 s after the start, before the 30 s "
                                   "were up: at least 5 stands from 4.00 s, set by hand")


def test_the_trials_list_reads_a_filed_persons_batteries_with_the_records(
    qtbot, window: MainWindow
) -> None:
    """The chair stand demo's file says a man of 65.5: under the list, S0039's STEADI screen
    flags the chair stand (6 stands, under 12). Filed under a woman born 1935 (91 on
    2026-11-20), the records win: 6 stands are not below her norm (< 4), and the line follows;
    the other participants' lines do not change."""
    from lmm_desktop.records.importer import sha256_of

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    trial = demo / "S0039_chair_stand_30s_01.mot"
    open_and_wait(qtbot, window, trial)
    b = window.browser
    qtbot.waitUntil(lambda: len(b.battery_lines()) == 3, timeout=60000)
    s39 = next(line for line in b.battery_lines() if line.startswith("S0039"))
    assert "STEADI: problem: 30-s chair stand" in s39
    s48 = next(line for line in b.battery_lines() if line.startswith("S0048"))
    store = window.records.link.store
    patient = store.add_patient("Chair Test", birth_date="1935-05-01", sex="female")
    session = store.add_session(patient.id, date="2026-11-20")
    store.add_trial(session.id, path=trial.resolve(), sha256=sha256_of(trial), name=trial.stem,
                    format="mot")
    open_and_wait(qtbot, window, trial)  # now filed: the link knows the patient
    qtbot.waitUntil(lambda: len(b.battery_lines()) == 3, timeout=60000)
    window.refresh_tests()
    s39 = next(line for line in b.battery_lines() if line.startswith("S0039"))
    assert "STEADI: no problem (1 of 3 done)" in s39
    assert s48 in b.battery_lines()
