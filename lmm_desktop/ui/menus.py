"""The main window's menus and keyboard shortcuts (one place, listed by the shortcuts dialog)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from lmm_desktop.core.errors import LmmError
from lmm_desktop.io import READ_SUFFIXES
from lmm_desktop.ui.settings import clear_recent, demo_dir, recent_files
from lmm_desktop.ui.skeleton_view import PRESET_ORDER
from lmm_desktop.ui.trial_browser import TrialRef

if TYPE_CHECKING:
    from lmm_desktop.ui.main_window import MainWindow


def _clock_call(win: MainWindow, method: str, *args: object) -> Callable[[], None]:
    def call() -> None:
        if win.clock is not None:
            getattr(win.clock, method)(*args)

    return call


def open_dialog(win: MainWindow) -> None:
    patterns = " ".join(f"*{s}" for s in READ_SUFFIXES)
    path, _ = QFileDialog.getOpenFileName(win, "Open a trial", "", f"Trials ({patterns})")
    if path:
        win.open_path(path)


def open_folder_dialog(win: MainWindow) -> None:
    path = QFileDialog.getExistingDirectory(win, "Open a session folder")
    if path:
        win.open_path(path)


def open_demo(win: MainWindow) -> None:
    """Open the bundled simulated demo trials."""
    folder = demo_dir()
    if not folder.is_dir() or not any(p.suffix.lower() in READ_SUFFIXES for p in folder.iterdir()):
        win._report(
            LmmError(
                f"The demo trials are missing from '{folder}'; reinstall LMM Desktop, or open "
                "your own trial with File > Open."
            ),
            "",
        )
        return
    walks = sorted(
        p
        for p in folder.iterdir()
        if "walk" in p.stem.lower() and p.suffix.lower() in READ_SUFFIXES
    )
    if walks:  # start on a walking trial: every panel has something to show
        win.open_path(walks[0])
        win.browser.show_path(folder, TrialRef(walks[0]))
    else:
        win.open_path(folder)


def fill_recent_menu(win: MainWindow) -> None:
    menu: QMenu = win.recent_menu
    menu.clear()
    items = recent_files(win.settings)
    for path in items:
        act = menu.addAction(Path(path).name)
        act.setToolTip(path)
        act.setData(path)
        act.triggered.connect(lambda _=False, p=path: win.open_path(p))
    menu.addSeparator()
    clear = menu.addAction("Clear recent files")
    clear.setEnabled(bool(items))
    clear.triggered.connect(lambda _=False: (clear_recent(win.settings), fill_recent_menu(win)))


def _export_report(win: MainWindow) -> None:
    from lmm_desktop.ui.report_dialog import show_report_dialog

    show_report_dialog(win)


def show_batch_dialog(win: MainWindow) -> None:
    """File > Analyse many trials into a table… (starts with the open trial's folder)."""
    from lmm_desktop.ui.batch_dialog import BatchDialog

    dlg = BatchDialog(win)
    if win.loaded is not None and win.loaded.ref.path is not None:
        path = Path(win.loaded.ref.path)
        dlg.add_paths([path if path.is_dir() else path.parent])
    win.batch_dialog = dlg
    dlg.show()


def build_menus(win: MainWindow) -> dict[str, QAction]:
    """Create every menu and action of ``win``; returns the actions by name."""
    acts: dict[str, QAction] = {}
    bar = win.menuBar()

    def add(
        menu: QMenu,
        name: str,
        text: str,
        slot: Callable[[], object],
        keys: tuple[str, ...] = (),
        checkable: bool = False,
    ) -> QAction:
        act = QAction(text, win)
        if keys:
            act.setShortcuts([QKeySequence(k) for k in keys])
        act.setCheckable(checkable)
        act.triggered.connect(lambda _=False: slot())
        menu.addAction(act)
        win.addAction(act)  # shortcuts work while any child has focus
        acts[name] = act
        return act

    m = bar.addMenu("&File")
    add(m, "open", "&Open trial…", lambda: open_dialog(win), ("Ctrl+O",))
    add(m, "open_folder", "Open session &folder…", lambda: open_folder_dialog(win))
    add(m, "open_demo", "Open &demo (simulated)", lambda: open_demo(win))
    win.recent_menu = m.addMenu("Open &recent")
    fill_recent_menu(win)
    m.addSeparator()
    add(m, "export_report", "&Export report…", lambda: _export_report(win), ("Ctrl+E",))
    add(m, "batch", "&Analyse many trials into a table…", lambda: show_batch_dialog(win))
    m.addSeparator()
    add(m, "quit", "&Quit", win.close, ("Ctrl+Q",))

    m = bar.addMenu("&Edit")
    undo = win.store.undo_stack.createUndoAction(win, "&Undo event edit")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = win.store.undo_stack.createRedoAction(win, "&Redo event edit")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for name, act in (("undo", undo), ("redo", redo)):
        m.addAction(act)
        win.addAction(act)
        acts[name] = act

    m = bar.addMenu("&Playback")
    add(m, "play", "Play / pause", _clock_call(win, "toggle"), ("Space",))
    add(m, "next_frame", "Next frame", _clock_call(win, "step_frames", 1), ("Right",))
    add(m, "prev_frame", "Previous frame", _clock_call(win, "step_frames", -1), ("Left",))
    add(m, "fwd_1s", "Forward 1 s", _clock_call(win, "step_seconds", 1.0), ("Shift+Right",))
    add(m, "back_1s", "Back 1 s", _clock_call(win, "step_seconds", -1.0), ("Shift+Left",))
    add(m, "faster", "Faster", _clock_call(win, "faster"), ("+", "="))
    add(m, "slower", "Slower", _clock_call(win, "slower"), ("-",))
    add(m, "start", "Go to start", _clock_call(win, "go_start"), ("Home",))
    add(m, "end", "Go to end", _clock_call(win, "go_end"), ("End",))
    add(m, "loop", "Loop", lambda: win.clock and win.clock.set_loop(not win.clock.loop), ("L",))

    m = bar.addMenu("&View")
    cam = m.addMenu("Camera")
    for i, preset in enumerate(PRESET_ORDER, start=1):
        add(
            cam,
            f"camera_{preset}",
            preset.capitalize(),
            lambda p=preset: win.skeleton.set_camera_preset(p),
            (str(i),),
        )
    add(cam, "camera_reset", "Frame the whole trial", win.skeleton.reset_camera, ("R",))
    add(
        m,
        "follow",
        "Follow the pelvis",
        lambda: win.skeleton.set_follow_pelvis(not win.skeleton.follow_pelvis),
        ("P",),
    )
    add(
        m,
        "markers",
        "Show markers",
        lambda: win.skeleton.set_markers_visible(not win.skeleton.markers_visible),
        ("M",),
    )
    m.addSeparator()
    group = QActionGroup(win)
    for name in ("light", "dark"):
        act = add(
            m,
            f"theme_{name}",
            f"{name.capitalize()} theme",
            lambda n=name: win.set_theme(n),
            checkable=True,
        )
        group.addAction(act)
    m.addSeparator()
    for dock in (win.plot_dock, win.metrics_dock, win.browser_dock, win.video_dock):
        m.addAction(dock.toggleViewAction())

    m = bar.addMenu("&Help")
    add(m, "shortcuts", "Keyboard shortcuts", lambda: show_shortcuts(win), ("H", "F1"))
    return acts


def show_shortcuts(win: MainWindow) -> None:
    from lmm_desktop.ui.shortcuts_dialog import ShortcutsDialog

    dlg = ShortcutsDialog(win)
    win.shortcuts_dialog = dlg
    dlg.show()
