"""Trials for report tests: the real OpenCap walking fixture (too short for a full stride) and
simulated walking / TUG trials from the project's cohort simulator (full strides, known truth)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lmm_desktop.io import read_trial
from lmm_desktop.report.assemble import TrialInput, analyse


def _simulate(out: Path, index: int, activity: str) -> Path:
    sim = pytest.importorskip("training.simulate.runner")
    from training.simulate.demo import pick_participants

    person, _ = pick_participants()[index]
    rows, _ = sim.simulate_participant(person, out, 100.0, plan=[activity])
    return next(out.rglob(Path(rows[0]["file"]).name))  # written under out/<participant>/


@pytest.fixture(scope="session")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sim")


@pytest.fixture(scope="session")
def walk_unimpaired(sim_dir: Path) -> TrialInput:
    return analyse(read_trial(_simulate(sim_dir / "a", 0, "walking")))


@pytest.fixture(scope="session")
def walk_parkinsons(sim_dir: Path) -> TrialInput:
    return analyse(read_trial(_simulate(sim_dir / "b", 3, "walking")))


@pytest.fixture(scope="session")
def tug_parkinsons(sim_dir: Path) -> TrialInput:
    return analyse(read_trial(_simulate(sim_dir / "c", 3, "tug")))


@pytest.fixture
def opencap_walk(fixtures_dir: Path) -> TrialInput:
    return analyse(read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"))


@pytest.fixture
def offscreen(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.environ.get("DISPLAY"):
        monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


from tests.records.conftest import opencap_session  # noqa: E402, F401  (OpenCap session folder)
