"""An OpenCap session folder assembled from the shared fixtures (model + motions + metadata)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MOTIONS = ("walking1_videoAndMocap", "squats1_videoAndMocap")


@pytest.fixture
def opencap_session(fixtures_dir: Path, tmp_path: Path) -> Path:
    """``<tmp>/session`` with OpenSimData/Model/x.osim, two .mot trials and sessionMetadata.yaml.
    Files are symlinked (never copied) from the shared fixtures."""
    root = tmp_path / "session"
    (root / "OpenSimData" / "Model").mkdir(parents=True)
    (root / "OpenSimData" / "Kinematics").mkdir(parents=True)
    os.symlink(
        fixtures_dir / "models" / "LaiUhlrich2022.osim", root / "OpenSimData" / "Model" / "x.osim"
    )
    for name in MOTIONS:
        os.symlink(
            fixtures_dir / "opencap" / f"{name}.mot",
            root / "OpenSimData" / "Kinematics" / f"{name}.mot",
        )
    (root / "sessionMetadata.yaml").write_text(
        "subjectID: subj01\nheight_m: 1.70\nmass_kg: 68.5\ngender_mf: f\n", encoding="utf-8"
    )
    return root
