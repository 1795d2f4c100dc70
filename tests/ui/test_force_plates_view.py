"""Force plates in the window: the Ground reaction tab, the Forces table, 3D force vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.ui.main_window import MainWindow
from tests.ui.conftest import open_and_wait

pytestmark = pytest.mark.gui


def test_plates_show_their_curves_table_and_force_vectors(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    loaded = open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    assert len(loaded.trial.force_plates) == 2
    assert window.force_dock.isVisible()
    # the curves stay in front: the forces are a tab beside them
    assert window.plot_dock.isVisible() and not window.plot_dock.visibleRegion().isEmpty()
    fp = window.force_plot
    assert fp.mode == "stance"
    titles = [p.titleLabel.text for p in fp.plots()]
    assert [t.rsplit(" (", 1)[0] for t in titles] == [
        "Vertical",
        "Anterior (+) / posterior",
        "Medial-lateral (+ lateral)",
    ]
    assert all(t.endswith("(N)") for t in titles)  # no body mass in this file
    # one curve per clean contact (left on plate 1, right on plate 2) in each panel
    for plot in fp.plots():
        curves = [i for i in plot.items if hasattr(i, "yData") and i.yData is not None
                  and len(i.yData) == 101]
        assert len(curves) == 2
    fp.set_mode("time")
    (plot,) = fp.plots()
    assert "Vertical ground reaction (N)" in plot.titleLabel.text
    # the Forces tab of the metrics: stance figures per side and both contacts
    m = window.metrics
    assert m.tabs.isTabVisible(3)
    labels = [m.forces_table.item(r, 0).text() for r in range(m.forces_table.rowCount())]
    assert labels[0] == "Stance time (s)" and "Vertical 1st peak (N)" in labels
    assert float(m.forces_table.item(0, 1).text()) == pytest.approx(0.5435, abs=0.001)  # left
    assert m.contacts_table.rowCount() == 2
    assert "Events vs the plates (ms): detected HS" in m.forces_note.text()
    # double-clicking a contact goes to it
    with qtbot.waitSignal(m.seek_requested) as sig:
        m.contacts_table.cellDoubleClicked.emit(1, 0)
    assert sig.args[0] == pytest.approx(4.056, abs=0.01)
    # in 3D: the plates' outlines, and a force vector only while a foot is on a plate
    sk = window.skeleton
    assert sk._plate_lines.visible
    window.seek(3.8)  # left foot on plate 1
    assert sk._grf_lines.visible
    pos = sk._grf_lines._pos  # (2, 3) view frame: centre of pressure, then its tip
    length = float(np.linalg.norm(pos[1] - pos[0]))
    assert 0.3 < length < 0.9  # 1 m per 1000 N: a stance force of 300-900 N
    assert pos[1][2] > pos[0][2]  # it points up
    # the centre of pressure's path since touch-down trails behind the vector, on the floor
    assert len(pos) > 2 and np.allclose(pos[2:, 2], pos[0, 2], atol=0.01)
    window.seek(4.9)  # nobody on a plate
    assert not sk._grf_lines.visible


def test_a_trial_without_plates_hides_the_ground_reaction(
    qtbot, window: MainWindow, fixtures_dir: Path, walking_file: Path
) -> None:
    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    assert window.force_dock.isVisible()
    open_and_wait(qtbot, window, walking_file)
    assert not window.force_dock.isVisible()
    assert not window.metrics.tabs.isTabVisible(3)
    assert not window.skeleton._plate_lines.visible


def test_c3d_markers_stand_upright_in_the_view(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    # a Z-up lab: the raw markers are turned like the skeleton, not laid on the floor
    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    sk = window.skeleton
    assert sk._marker_pos is not None
    heights = sk._marker_pos[..., 2]  # view frame: z up
    assert np.nanmax(heights) > 1.3  # head markers well above the floor
    assert np.nanmin(heights) > -0.1


def test_body_mass_gives_body_weights_and_is_kept_with_the_session(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    path = fixtures_dir / "c3d" / "Qualisys.c3d"
    open_and_wait(qtbot, window, path)
    m = window.metrics
    assert m.mass_box.text().strip() == "unknown"
    first = m.forces_table.item(1, 0).text()
    assert first == "Vertical 1st peak (N)"
    m.mass_box.setValue(5.0)  # absurd: refused with the fix, nothing applied
    m.mass_apply.click()
    assert "10-400 kg" in m.forces_note.text()
    assert window.loaded is not None and window.loaded.trial.subject.mass_kg is None
    m.mass_box.setValue(66.0)
    m.mass_apply.click()
    assert m.forces_table.item(1, 0).text() == "Vertical 1st peak (BW)"
    assert m.forces_table.item(1, 1).text() == "1.25"
    assert "(BW)" in window.force_plot.plots()[0].titleLabel.text
    assert "kept with the session" in window.status_label.text()
    # opened again: the session's mass is used at once
    open_and_wait(qtbot, window, fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")
    open_and_wait(qtbot, window, path)
    assert window.loaded is not None and window.loaded.trial.subject.mass_kg == 66.0
    assert m.forces_table.item(1, 0).text() == "Vertical 1st peak (BW)"
    assert m.mass_box.value() == 66.0


def test_joint_moments_and_powers_follow_the_body_mass(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    fp = window.force_plot
    fp.set_mode("moments")
    # no mass yet: the reason, and where to give it
    assert fp.plots() == []
    labels = [i for i in fp.graphics.ci.items if hasattr(i, "text")]
    assert any("body mass" in str(lab.text) and "Forces tab" in str(lab.text) for lab in labels)
    window.metrics.mass_box.setValue(66.0)
    window.metrics.mass_apply.click()
    titles = [p.titleLabel.text for p in fp.plots()]
    assert [t.split(" (")[0] for t in titles] == ["Hip moment", "Knee moment", "Ankle moment"]
    ankle = fp.plots()[2]
    curves = [i for i in ankle.items if hasattr(i, "yData") and i.yData is not None
              and len(i.yData) == 101 and i.opts.get("pen") is not None]
    peaks = sorted(float(np.max(c.yData)) for c in curves)
    assert len(peaks) >= 2 and 1.0 < peaks[-1] < 1.6  # plantarflexor peak, N m/kg
    fp.set_mode("powers")
    assert [p.titleLabel.text.split(" (")[0] for p in fp.plots()] == [
        "Hip power", "Knee power", "Ankle power"
    ]
    fp.set_mode("frontal")
    assert [p.titleLabel.text.split(" (")[0] for p in fp.plots()] == [
        "Hip frontal moment", "Knee frontal moment"
    ]


def test_emg_tab_for_a_trial_with_emg_only(
    qtbot, window: MainWindow, fixtures_dir: Path, walking_file: Path
) -> None:
    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    assert window.emg_dock.isVisible()
    plot = window.emg_plot.plot()
    assert plot is not None
    ticks = plot.getAxis("left")._tickLevels[0]
    assert [name for _, name in ticks] == [f"EMG {k}" for k in range(1, 17)]
    window.emg_plot.set_mode("cycle")  # no channel says its side: explained, no plot
    assert window.emg_plot.plot() is None
    open_and_wait(qtbot, window, walking_file)
    assert not window.emg_dock.isVisible()


def test_forces_tab_lists_the_kinetic_peaks_with_their_normal(
    qtbot, window: MainWindow, fixtures_dir: Path
) -> None:
    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    m = window.metrics
    labels = [m.forces_table.item(r, 0).text() for r in range(m.forces_table.rowCount())]
    assert "Joint kinetics: the body mass is needed for joint moments and powers" in labels
    m.mass_box.setValue(66.0)
    m.mass_apply.click()
    rows = {
        m.forces_table.item(r, 0).text(): m.forces_table.item(r, 1).text()
        for r in range(m.forces_table.rowCount())
    }
    key = "Ankle power generation, peak (W/kg; normal 3.44)"
    assert key in rows and float(rows[key]) == pytest.approx(3.27, abs=0.3)


def test_curves_save_as_csv_in_every_view(
    qtbot, window: MainWindow, fixtures_dir: Path, tmp_path: Path
) -> None:
    import csv

    open_and_wait(qtbot, window, fixtures_dir / "c3d" / "Qualisys.c3d")
    window.metrics.mass_box.setValue(66.0)
    window.metrics.mass_apply.click()
    fp = window.force_plot

    def read(path: Path) -> list[list[str]]:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))

    rows = read(fp.save_csv(tmp_path / "stance.csv"))
    assert rows[0][0] == "stance_pct" and len(rows) == 102
    assert "left_plate1_3.59s_vertical_BW" in rows[0]
    fp.set_mode("time")
    rows = read(fp.save_csv(tmp_path / "time.csv"))
    assert rows[0] == ["time_s", "plate1_vertical_N", "plate2_vertical_N"] and len(rows) == 3401
    fp.set_mode("powers")
    rows = read(fp.save_csv(tmp_path / "powers.csv"))
    assert len(rows[0]) == 7 and rows[0][0] == "cycle_pct"
    assert fp.context_menu().actions()[0].isEnabled()
    rows = read(window.emg_plot.save_csv(tmp_path / "emg.csv"))
    assert rows[0][:2] == ["time_s", "EMG 1_envelope_V"] and len(rows[0]) == 17
