"""The OpenSim external-loads file: each plate's force on the right foot's columns, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.cli import main
from lmm_desktop.io.grf_mot import grf_columns
from tests.io.fp_synth import STANCE, ground_reaction, write_plate_trial


def _read_table(path: Path) -> tuple[list[str], np.ndarray]:
    lines = path.read_text().splitlines()
    k = lines.index("endheader")
    names = lines[k + 1].split("\t")
    return names, np.loadtxt(lines[k + 2 :], delimiter="\t")


def test_convert_writes_the_ground_reaction_per_foot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c3d = write_plate_trial(tmp_path / "t.c3d")  # feet and pelvis only: no joint angles
    assert main(["convert", str(c3d), "--grf", str(tmp_path / "g.mot")]) == 0
    assert "1 foot contact(s) from 1 plate(s)" in capsys.readouterr().out
    names, table = _read_table(tmp_path / "g.mot")
    assert names == grf_columns() and table.shape == (2000, 19)
    t = table[:, 0]
    grf, cop, free = ground_reaction(t)  # Z-up lab: the file is Y up
    on = (t > STANCE[0] + 0.01) & (t < STANCE[1] - 0.01)
    right = {n: table[:, names.index(n)] for n in names}
    np.testing.assert_allclose(right["ground_force_vy"][on], grf[on, 2], atol=0.05)  # vertical
    np.testing.assert_allclose(right["ground_force_vx"][on], grf[on, 0], atol=0.05)  # forward
    np.testing.assert_allclose(right["ground_force_px"][on], cop[on, 0] / 1000, atol=1e-4)
    np.testing.assert_allclose(right["ground_torque_y"][on], free[on], atol=1e-3)
    assert np.all(table[:, names.index("1_ground_force_vy")] == 0.0)  # the left foot: no load
    assert np.all(right["ground_force_vy"][t < STANCE[0] - 0.01] == 0.0)


def test_grf_needs_plates_and_a_mot_name(
    tmp_path: Path, fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trc = fixtures_dir / "opensim" / "motion_capture_walk.trc"
    assert main(["convert", str(trc), "-o", str(tmp_path / "k.mot"), "--grf",
                 str(tmp_path / "g.mot")]) == 2
    assert "has no force plates" in capsys.readouterr().err
    assert not (tmp_path / "k.mot").exists()  # refused before anything is written
    c3d = write_plate_trial(tmp_path / "t.c3d")
    assert main(["convert", str(c3d), "-o", str(tmp_path / "k2.mot"), "--grf",
                 str(tmp_path / "g.csv")]) == 2
    assert "go to a .mot file" in capsys.readouterr().err


def test_qualisys_loads_read_in_opensim(tmp_path: Path, fixtures_dir: Path) -> None:
    osim = pytest.importorskip("opensim")
    out = tmp_path / "g.mot"
    c3d = fixtures_dir / "c3d" / "Qualisys.c3d"
    assert main(["convert", str(c3d), "-o", str(tmp_path / "k.mot"), "--grf", str(out)]) == 0
    table = osim.TimeSeriesTable(str(out))
    assert table.getNumRows() == 3400 and table.getNumColumns() == 18
    left = table.getDependentColumn("1_ground_force_vy").to_numpy()
    right = table.getDependentColumn("ground_force_vy").to_numpy()
    assert 780 < left.max() < 840 and 810 < right.max() < 870  # plate 1 left, plate 2 right
