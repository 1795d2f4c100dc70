"""Inverse kinematics with OpenSim's InverseKinematicsTool."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.biomech.builtin_model import write_builtin_model
from lmm_desktop.biomech.geometry import LANDMARKS, standing_pelvis_height
from lmm_desktop.biomech.ik import inverse_kinematics
from lmm_desktop.biomech.osim_fk import OsimPoser
from lmm_desktop.biomech.osim_util import import_opensim, load_model
from lmm_desktop.core.canonical import CANONICAL_JOINTS, PELVIS_ROTATIONS, PELVIS_TRANSLATIONS
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.trial import MarkerSet
from lmm_desktop.io.trc import read_trc
from tests.biomech.gait2392_markerset import GAIT2392_MARKERS

NAMES = [*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS, *CANONICAL_JOINTS]


def _known_motion(n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A smooth pose trajectory: ``(n,)`` s and ``(n, 40)`` degrees / metres."""
    rng = np.random.default_rng(7)
    t = np.arange(n) / 60.0
    values = rng.uniform(5, 25, 40) * np.sin(2 * np.pi * t[:, None] + rng.uniform(0, 6, 40))
    values[:, 3:6] = [0.4, standing_pelvis_height(1.70), -0.1] + 0.05 * np.sin(t[:, None])
    for name, base in (
        ("knee_angle_r", 10),
        ("knee_angle_l", 10),
        ("elbow_flex_r", 20),
        ("elbow_flex_l", 20),
        ("pro_sup_r", 20),
        ("pro_sup_l", 20),
    ):
        k = NAMES.index(name)
        values[:, k] = np.abs(values[:, k]) + base
    return t, values


def test_ik_recovers_a_known_motion_of_the_builtin_model(tmp_path: Path) -> None:
    model = write_builtin_model(tmp_path / "body.osim", 1.70)
    t, truth = _known_motion()
    labels = [m.name for m in LANDMARKS]
    positions = OsimPoser(model, labels, markers_only=True).pose(NAMES, truth)  # via OpenSim
    markers = MarkerSet(time=t, rate_hz=60.0, labels=labels, positions=positions)

    result = inverse_kinematics(markers, model)

    assert result.values.shape == (len(t), 40)
    solved = result.values[:, [result.names.index(n) for n in NAMES]]
    rot = [i for i, n in enumerate(NAMES) if n not in PELVIS_TRANSLATIONS]
    assert np.abs(solved[:, rot] - truth[:, rot]).max() < 1.0  # degrees
    assert np.abs(solved[:, 3:6] - truth[:, 3:6]).max() < 1e-3  # metres
    assert set(result.marker_rms_m) == set(labels)
    assert result.rms_error_m < 1e-3
    assert result.max_error_m < 2e-3
    kin = result.to_kinematics()
    assert kin.present.all()


def test_ik_on_the_gait2392_tutorial_markers(fixtures_dir: Path, tmp_path: Path) -> None:
    opensim = import_opensim()
    model = load_model(fixtures_dir / "models" / "gait2392_thelen2003muscle.osim")
    for name, (body, loc) in GAIT2392_MARKERS.items():
        model.addMarker(opensim.Marker(name, model.getBodySet().get(body), opensim.Vec3(*loc)))
    model.finalizeConnections()
    model_path = tmp_path / "gait2392_markers.osim"
    model.printToXML(str(model_path))
    trial = read_trc(fixtures_dir / "opensim" / "subject01_walk1.trc")
    full = trial.markers
    assert full is not None
    frames = slice(0, 5)
    markers = MarkerSet(
        time=full.time[frames],
        rate_hz=full.rate_hz,
        labels=full.labels,
        positions=full.positions[frames],
    )

    result = inverse_kinematics(markers, model_path)

    assert len(result.marker_rms_m) == 31  # 41 in the file, 31 on the model (no arm markers)
    # Generic, unscaled model on subject01: centimetre-level fit (measured 4.1 cm RMS overall,
    # 9.0 cm worst marker, Top.Head; pelvis and feet fit best).
    assert result.rms_error_m < 0.06
    assert max(result.marker_rms_m.values()) < 0.12
    assert result.marker_rms_m["R.Heel"] < 0.05
    knee = result.values[:, result.names.index("knee_angle_r")]
    assert (knee <= 0.5).all()  # gait2392: knee flexion is negative


def test_markers_unknown_to_the_model_are_refused(tmp_path: Path) -> None:
    model = write_builtin_model(tmp_path / "body.osim", 1.70)
    markers = MarkerSet(
        time=np.arange(3) / 60.0,
        rate_hz=60.0,
        labels=["RASI", "LASI", "C7"],
        positions=np.zeros((3, 3, 3)),
    )
    with pytest.raises(ModelLoadError, match="do not match the model"):
        inverse_kinematics(markers, model)
