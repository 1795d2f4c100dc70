"""QApplication setup and the GUI entry point used by ``lmm-desktop open``."""

from __future__ import annotations

import os
import sys
import time as _time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from lmm_desktop import __version__
from lmm_desktop.core.errors import LmmError, validate_choice
from lmm_desktop.ui.settings import default_settings

SCREENSHOT_TIMEOUT_S = 120.0
NO_RECOVERY_ENV = "LMM_DESKTOP_NO_RECOVERY"  # "1": skip the crash-recovery dialog at start


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once) with vispy bound to PySide6."""
    from vispy import app as vispy_app

    vispy_app.use_app("pyside6")
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("LMM Desktop")
    app.setOrganizationName("LMM Desktop")
    app.setApplicationVersion(__version__)
    return app


def wait_until_idle(window: object, timeout_s: float = SCREENSHOT_TIMEOUT_S) -> None:
    """Process events until ``window`` has finished loading and analysing."""
    app = QApplication.instance()
    assert app is not None
    deadline = _time.monotonic() + timeout_s
    while getattr(window, "busy", False):
        if _time.monotonic() > deadline:
            raise LmmError(f"The trial did not finish loading within {timeout_s:.0f} s.")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        _time.sleep(0.01)
    app.processEvents()


def _wait_for_trials_list(window: object, timeout_s: float = SCREENSHOT_TIMEOUT_S) -> None:
    """Let the Trials list's background analysis finish (its Result column and the batteries'
    lines), so a screenshot shows them; at most ``timeout_s``."""
    app = QApplication.instance()
    browser = getattr(window, "browser", None)
    worker = getattr(browser, "summary_worker", None)
    if app is None or worker is None:
        return
    deadline = _time.monotonic() + timeout_s
    while worker.isRunning() and _time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        _time.sleep(0.01)
    app.processEvents()


def capture(window: object, out: Path, t: float | None) -> Path:
    """Seek to ``t``, let the canvas draw, and save the whole window as a PNG."""
    from lmm_desktop.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    if window.clock is not None and t is not None:
        window.clock.seek(t)
    app = QApplication.instance()
    assert app is not None
    for _ in range(5):  # a few rounds of layout + GL paint
        app.processEvents()
        window.skeleton.canvas.native.repaint()
        _time.sleep(0.02)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out), "PNG"):
        raise LmmError(f"Cannot write the screenshot '{out}'; check the folder is writable.")
    return out


def run_gui(
    path: str | Path | None = None,
    demo: bool = False,
    screenshot: str | Path | None = None,
    time: float | None = None,
    theme: str | None = None,
    settings: QSettings | None = None,
) -> int:
    """Start the desktop app (or, with ``screenshot``, render one window image and exit).

    Parameters
    ----------
    path
        Trial file or session folder to open.
    demo
        Open the bundled simulated demo trials.
    screenshot
        Save a PNG of the window once the trial is loaded and analysed, then exit.
    time
        Time (s) to show in the screenshot (default: the first frame).
    theme
        'light' or 'dark' (default: the saved theme).

    Returns
    -------
    int
        Exit status: 0, or 2 when the trial could not be opened in screenshot mode.
    """
    if theme is not None:
        validate_choice("theme", theme, ("light", "dark"))
    app = make_app()
    from lmm_desktop.ui import menus
    from lmm_desktop.ui.main_window import MainWindow

    failures: list[str] = []
    show = None
    if screenshot is not None:

        def show(_parent: object, title: str, text: str) -> None:
            failures.append(text)

    window = MainWindow(
        settings or default_settings(), theme=theme, **({"show_message": show} if show else {})
    )
    window.show()
    if screenshot is None and os.environ.get(NO_RECOVERY_ENV, "") != "1":
        window.records.check_recovery()  # once, with the window on screen behind it
    if demo:
        menus.open_demo(window)
    elif path is not None:
        window.open_path(path)
    if screenshot is None:
        status = int(app.exec())
        _dispose(window)
        return status
    wait_until_idle(window)
    _wait_for_trials_list(window)
    try:
        if failures:
            raise LmmError(failures[0])
        capture(window, Path(screenshot), time)
    finally:
        window.close()
        _dispose(window)
    return 0


def _dispose(window: QWidget) -> None:
    """Delete the window now, while Qt and Python are both alive (not at interpreter exit)."""
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
