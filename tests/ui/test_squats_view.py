"""A squat series in the window: the Squats tab, the repetition view of the curves, the
repetitions on the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from lmm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import open_and_wait

pytestmark = pytest.mark.gui


def test_squats_show_their_tab_repetition_curves_and_timeline(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    open_and_wait(qtbot, window, fixtures_dir / "opencap" / "squats1_videoAndMocap.mot")
    m = window.metrics
    at = m.tabs.indexOf(m.squat_page)
    assert m.tabs.isTabVisible(at) and m.tabs.currentWidget() is m.squat_page
    assert m.tabs.tabText(at) == "Squats (1)"  # one finding: the knees inside the ankles
    assert "Knees closer together than the ankles" in m.squat_note.text()
    labels = [m.squat_table.item(r, 0).text() for r in range(m.squat_table.rowCount())]
    knee = labels.index("Peak knee flexion (deg)")
    assert m.squat_table.item(knee, 3).text() == "99 %"
    assert float(m.squat_table.item(knee, 1).text()) == pytest.approx(82, abs=1)
    assert m.reps_table.rowCount() == 5
    with qtbot.waitSignal(m.seek_requested) as sig:
        m.reps_table.cellDoubleClicked.emit(0, 0)
    assert sig.args[0] == pytest.approx(0.94, abs=0.05)  # the first repetition's lowest point
    # the tests table names the series; the status line does not excuse a missing gait table
    assert m.tests_table.item(0, 0).text() == "Squats"
    assert m.tests_table.item(0, 1).text() == "5 reps"
    assert "No gait parameters" not in m.status.text()
    # the curves over the repetition: right and left, one panel per joint, 0-100 %
    plot = window.plot
    assert "rep" in plot.modes
    plot.set_mode("rep")
    assert len(plot.plots) == len(plot.selected_joints())
    means = [i for i in plot.plots[0].items if hasattr(i, "yData") and i.yData is not None
             and len(i.yData) == 101]
    assert len(means) == 2 * 5 + 2  # five repetitions and the mean, per side
    # the timeline shows the lowering and rising of each repetition, not a hand-timed test
    tl = window.timeline
    assert tl.test_row
    assert [p[0] for p in tl._phases[:2]] == ["lowering 1", "rising 1"]
    menu = tl.context_menu(QPointF(tl.x_of(2.0), 30))
    assert not [a for a in menu.actions() if "Squats here" in a.text()]
    # a walk afterwards: the tab and the repetition view go away
    open_and_wait(qtbot, window, fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")
    assert not m.tabs.isTabVisible(at)
    assert "rep" not in plot.modes and plot.mode == "time"


def test_one_leg_stance_demo_in_the_tests_table_and_timeline(
    qtbot, window: MainWindow
) -> None:
    from PySide6.QtGui import QColor

    from lmm_desktop.ui.theme import STATUS_COLORS

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0004_one_leg_stance_01.mot")
    m = window.metrics
    assert m.tabs.currentWidget() is m.tests_page
    t = m.tests_table
    assert [t.item(0, c).text() for c in range(4)] == ["OLS", "8.82 s", "< 5 s", "above cut-off"]
    # held longer than the cut-off: not at risk, so the status is green, not amber
    assert t.item(0, 3).background().color() == QColor(STATUS_COLORS["normal"])
    notes = t.item(0, 4).text()
    assert "on the right leg 8.8 s" in notes and "left leg 4.3 s" in notes
    note = m.tests_note.text()
    assert "&lt; 5 s" in note and "Vellas" in note  # escaped: the note is not cut at '<'
    assert "age norm is shown" not in note  # the one-leg stance has no age norms here
    tl = window.timeline
    assert [p[0] for p in tl._phases] == ["on right leg", "on left leg"]
    menu = tl.context_menu(QPointF(tl.x_of(5.0), 30))
    assert [a for a in menu.actions() if "OLS here" in a.text()]  # timed by hand if need be


def test_sit_to_stand_rises_drawn_over_the_repetition(qtbot, window: MainWindow) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    open_and_wait(qtbot, window, demo / "S0004_sts5_01.mot")
    plot = window.plot
    assert "rep" in plot.modes
    plot.set_mode("rep")
    curves = [i for i in plot.plots[0].items if hasattr(i, "yData") and i.yData is not None
              and len(i.yData) == 101]
    assert len(curves) == 2 * 5 + 2  # five rises and their mean, per side


def test_squats_compared_with_another_squat_trial(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    """Squats before and after: the other trial's mean repetition dashed over this one's."""
    from lmm_desktop.ui.trial_browser import TrialRef

    open_and_wait(qtbot, window, fixtures_dir / "opencap" / "squats1_videoAndMocap.mot")
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    with qtbot.waitSignal(window.comparison_done, timeout=30000) as sig:
        window.compare_with(TrialRef(demo / "S0004_squats_01.mot"))
    assert sig.args[0] is not None
    plot = window.plot
    assert plot.mode == "rep" and plot.reference_label is not None
    dashed = [i for p in plot.plots for i in p.items if i.objectName() == "reference"]
    assert len(dashed) == 2 * len(plot.plots)  # right and left, per joint
    assert "Squat repetitions compared" in window.status_label.text()
    window.clear_compare()
    assert not [i for p in plot.plots for i in p.items if i.objectName() == "reference"]
