"""GUI test fixtures: a real MainWindow with settings in a temp file and captured dialogs.

vispy only renders under a real X display: pytest-xvfb starts Xvfb for these tests (do not set
QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThread

from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.trial_browser import TrialRef
from lmm_desktop.ui.workers import LoadedTrial
from tests.ui.synth import make_body, make_trial


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


class Messages(list):
    """The (title, text) of every dialog the window asked to show."""

    def __call__(self, _parent: object, title: str, text: str) -> None:
        self.append((title, text))


@pytest.fixture
def messages() -> Messages:
    return Messages()


@pytest.fixture
def window(qtbot, settings: QSettings, messages: Messages) -> Iterator[MainWindow]:
    from vispy import app as vispy_app

    vispy_app.use_app("pyside6")
    win = MainWindow(settings, theme="light", show_message=messages)
    win.resize(1280, 800)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not win.busy, "a worker thread was still running after close"
    assert all(not t.isRunning() for t in win.findChildren(QThread))


@pytest.fixture
def walking_file(fixtures_dir: Path) -> Path:
    return fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"


def open_and_wait(
    qtbot, win: MainWindow, path: Path, timeout_ms: int = 30000, *, analysed: bool = True
) -> LoadedTrial:
    """Open ``path``; wait for the first frame and (``analysed``) for the metrics."""
    with qtbot.waitSignal(win.trial_loaded, timeout=timeout_ms) as blocker:
        win.open_path(path)
    if analysed and win.busy:
        with qtbot.waitSignal(win.analysis_updated, timeout=timeout_ms):
            pass
    return blocker.args[0]


def show_synthetic(win: MainWindow, **kwargs: object) -> LoadedTrial:
    """Show a synthetic trial directly (no worker): for tests of time and view behaviour."""
    trial = make_trial(**kwargs)  # type: ignore[arg-type]
    loaded = LoadedTrial(TrialRef(Path("synthetic.mot")), trial, make_body(trial), None)
    win._show_loaded(loaded)
    return loaded
