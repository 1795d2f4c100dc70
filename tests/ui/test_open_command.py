"""`lmm-desktop open --screenshot`: scripted capture renders the window and exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.gui


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # DISPLAY comes from pytest-xvfb; the user dirs from the autouse fixture (environment)
    return subprocess.run(
        [sys.executable, "-m", "lmm_desktop.cli", "open", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_screenshot_of_a_real_trial(fixtures_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    walk = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    proc = _run(str(walk), "--screenshot", str(out), "--time", "0.8", "--theme", "dark")
    assert proc.returncode == 0, proc.stderr
    img = QImage(str(out))
    assert img.width() >= 800 and img.height() >= 600
    # dark theme: the window background is dark
    assert img.pixelColor(img.width() // 2, img.height() - 5).lightness() < 100


def test_screenshot_of_a_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.trc"
    bad.write_text("nothing useful\n")
    proc = _run(str(bad), "--screenshot", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert "broken.trc" in proc.stderr
    assert not (tmp_path / "x.png").exists()
