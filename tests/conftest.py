"""Shared test fixtures: the real public data in ../shared/fixtures, isolated user folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared"))
FIXTURES = SHARED / "fixtures"
NORMATIVE = SHARED / "normative"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Folder of the real public fixture files; tests skip with a reason when it is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES} (set LMM_SHARED to their parent)")
    return FIXTURES


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Point user config/data/cache at a temp dir so tests never touch the real user's files."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("LMM_DESKTOP_HOME", str(base))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    # The shipped language model is loaded only by tests that ask for it explicitly (it takes a
    # minute to convert and a gigabyte of memory); the GUI and report tests run without it.
    monkeypatch.setenv("LMM_DESKTOP_DEFAULT_MODEL", str(base / "no-model"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def without_person(src: Path, folder: Path) -> Path:
    """A copy of the .mot ``src`` in ``folder`` without its ``subject_*`` header lines (the
    demo's carry the participant's age and sex), for what the app does without them."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    out = folder / src.name
    out.write_text("".join(ln for ln in lines if not ln.startswith("subject_")),
                   encoding="utf-8")
    return out
