"""Writing C3D files: real trials round-trip through our writer and reader unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.cli import main
from lmm_desktop.io import read_trial, write_trial
from lmm_desktop.io.c3d import read_c3d
from tests.io.fp_synth import write_plate_trial


def test_qualisys_round_trip(tmp_path: Path, fixtures_dir: Path) -> None:
    src = fixtures_dir / "c3d" / "Qualisys.c3d"
    out = tmp_path / "q.c3d"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    a, b = read_c3d(src), read_c3d(out)
    assert b.metadata["warnings"] == []
    assert b.markers is not None and a.markers is not None
    assert b.markers.labels == a.markers.labels
    np.testing.assert_allclose(b.markers.positions, a.markers.positions, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(b.time, a.time)
    assert [(e.label, e.side, e.time_s) for e in b.events] == [
        (e.label, e.side, e.time_s) for e in a.events
    ]
    for pa, pb in zip(a.force_plates, b.force_plates, strict=True):
        np.testing.assert_allclose(pb.grf, pa.grf, atol=1e-3)
        loaded = pa.vertical > 20
        np.testing.assert_allclose(pb.cop[loaded], pa.cop[loaded], atol=1e-6)
        np.testing.assert_allclose(pb.free_moment[loaded], pa.free_moment[loaded], atol=1e-4)
    assert a.analog is not None and b.analog is not None
    assert b.analog.labels == a.analog.labels
    np.testing.assert_allclose(b.analog.values, a.analog.values, rtol=1e-6, atol=1e-9)
    # the joint angles went along as Plug-in-Gait angle points, and the analysis agrees
    assert b.kinematics is not None
    assert "LKneeAngles" in b.metadata["model_outputs"]["ANGLES"]  # type: ignore[index]
    ra, rb = analyze(a), analyze(b)
    fa, fb = ra.force_plates, rb.force_plates
    assert fa is not None and fb is not None
    assert fb.summary()["left"]["first_peak_n"] == pytest.approx(
        fa.summary()["left"]["first_peak_n"], abs=0.5
    )


def test_gaps_and_two_rates_survive(tmp_path: Path, fixtures_dir: Path) -> None:
    a = read_c3d(fixtures_dir / "c3d" / "walking5.c3d")  # 250 Hz markers, 2000 Hz plates, gaps
    b = read_c3d(write_trial(a, tmp_path / "w.c3d"))
    assert a.markers is not None and b.markers is not None
    assert np.isnan(a.markers.positions).any()
    np.testing.assert_array_equal(np.isnan(b.markers.positions), np.isnan(a.markers.positions))
    assert [p.rate_hz for p in b.force_plates] == [2000.0, 2000.0]
    np.testing.assert_allclose(b.force_plates[1].vertical, a.force_plates[1].vertical, atol=1e-3)


def test_synthetic_plate_with_mass_and_subject(tmp_path: Path) -> None:
    trial = read_c3d(write_plate_trial(tmp_path / "s.c3d"))
    trial.subject.mass_kg = 70.0
    trial.subject.height_m = 1.75
    b = read_c3d(write_trial(trial, tmp_path / "t.c3d"))
    assert (b.subject.mass_kg, b.subject.height_m) == (pytest.approx(70.0), pytest.approx(1.75))
    np.testing.assert_allclose(b.force_plates[0].grf, trial.force_plates[0].grf, atol=1e-3)


def test_a_trial_without_markers_is_refused_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0039_walking_01.mot"
    assert main(["convert", str(demo), "-o", str(tmp_path / "x.c3d")]) == 2
    err = capsys.readouterr().err
    assert "has none" in err and "export it as .mot or .csv" in err
    assert not (tmp_path / "x.c3d").exists()
    assert read_trial(demo).markers is None
