"""MainWindow: composes the 3D view, curves, timeline, metrics and trial browser (composition only).

Each widget knows nothing of the others; the window wires them to one :class:`PlaybackClock` (time)
and one :class:`EventStore` (events). Loading and analysis run in workers; errors that are
:class:`LmmError` are shown as written, anything else as a generic message with the log path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.paths import log_file
from lmm_desktop.core.trial import Event, Trial
from lmm_desktop.io import READ_SUFFIXES
from lmm_desktop.ui import analysis_view as av
from lmm_desktop.ui.angle_plot import AnglePlot
from lmm_desktop.ui.chat_history import default_history
from lmm_desktop.ui.chat_panel import ChatPanel
from lmm_desktop.ui.emg_plot import EmgPlot
from lmm_desktop.ui.event_store import EventStore
from lmm_desktop.ui.force_plot import ForcePlot
from lmm_desktop.ui.menus import build_menus
from lmm_desktop.ui.metrics_panel import MetricsPanel
from lmm_desktop.ui.playback import PlaybackClock
from lmm_desktop.ui.records_docks import RecordsDocks
from lmm_desktop.ui.settings import add_recent
from lmm_desktop.ui.skeleton_view import SkeletonView
from lmm_desktop.ui.theme import apply_theme, get_theme
from lmm_desktop.ui.timeline import Timeline
from lmm_desktop.ui.transport_bar import TransportBar
from lmm_desktop.ui.trial_browser import TrialBrowser, TrialRef
from lmm_desktop.ui.workers import (
    AnalysisWorker,
    LoadedTrial,
    ReferenceLoader,
    TrialLoader,
    stop_thread,
)

if TYPE_CHECKING:
    from lmm_desktop.core.body import BodyPoints
    from lmm_desktop.ui.video_panel import VideoPanel

G = 9.81
log = logging.getLogger(__name__)

LAYOUT_VERSION = 2
"""Version of the dock layout saved in the settings; a saved layout of another version is not
restored (2: trials and patients tabbed, the right column full height)."""

MessageFn = Callable[[QWidget, str, str], None]


def show_warning(parent: QWidget, title: str, text: str) -> None:
    """The default error dialog (modal)."""
    QMessageBox.warning(parent, title, text)


class MainWindow(QMainWindow):
    """The LMM Desktop main window."""

    trial_loaded = Signal(object)  # LoadedTrial
    load_failed = Signal(str)  # the message shown
    analysis_updated = Signal(object)  # analysis result after an event edit
    comparison_done = Signal(object)  # the compared trial's label, or None when it failed
    events_changed = Signal(list)  # list[Event] after an edit, undo or redo

    def __init__(
        self,
        settings: QSettings,
        *,
        theme: str | None = None,
        show_message: MessageFn = show_warning,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.show_message = show_message
        self.theme = get_theme(theme or str(settings.value("theme", "light")))
        self.clock: PlaybackClock | None = None
        self.loaded: LoadedTrial | None = None
        self._loader: TrialLoader | None = None
        self._analysis_worker: AnalysisWorker | None = None
        self._retired: set[QThread] = set()  # finished workers whose threads are still ending
        self._ref_loader: ReferenceLoader | None = None
        self.video: VideoPanel | None = None
        self.recent_menu: QMenu
        self.shortcuts_dialog: QDialog | None = None
        self.batch_dialog: QDialog | None = None
        self.store = EventStore(self)
        self.setWindowTitle("LMM Desktop")
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._build_widgets()
        self._build_docks()
        self._build_status_bar()
        self.actions_by_name = build_menus(self)
        self._build_chat()
        self.records = RecordsDocks(self)  # patients, notes, saved event edits, recovery
        self.apply_default_layout()
        self._add_reset_layout_action()
        self._wire()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer beats at ~50 Hz
        self.timer.setInterval(15)
        self.timer.timeout.connect(self._on_tick)
        self._restore_settings()
        self.set_theme(self.theme.name)

    # -- construction ------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.title = QLabel("Open a trial: File > Open, drag a file here, or File > Open demo.")
        self.badge = QLabel("SIMULATED DATA")
        self.badge.setToolTip("This trial was generated by a simulator, not recorded.")
        self.badge.setStyleSheet(
            "QLabel { background: #e03131; color: white; font-weight: bold;"
            " padding: 3px 8px; border-radius: 4px; }"
        )
        self.badge.hide()
        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 0)
        header.addWidget(self.title, 1)
        header.addWidget(self.badge)
        self.skeleton = SkeletonView(theme=self.theme)
        self.transport = TransportBar()
        self.timeline = Timeline(theme=self.theme)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(header)
        lay.addWidget(self.skeleton, 1)
        lay.addWidget(self.transport)
        lay.addWidget(self.timeline)
        self.setCentralWidget(central)

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.plot = AnglePlot(theme=self.theme)
        self.metrics = MetricsPanel()
        self.browser = TrialBrowser()
        self.plot_dock = self._dock(
            "curves", "Joint angles", self.plot, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.force_plot = ForcePlot(theme=self.theme)
        self.force_dock = self._dock(
            "forces", "Ground reaction", self.force_plot, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.force_dock.hide()
        self.emg_plot = EmgPlot(theme=self.theme)
        self.emg_dock = self._dock(
            "emg", "EMG", self.emg_plot, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.emg_dock.hide()
        self.metrics_dock = self._dock(
            "metrics", "Metrics", self.metrics, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.browser_dock = self._dock(
            "browser", "Trials", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.video_dock = self._dock(
            "video",
            "Video",
            QLabel("No video for this trial."),
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.video_dock.hide()

    def _build_status_bar(self) -> None:
        self.status_label = QLabel("Ready.")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.hide()
        self.cancel_btn.clicked.connect(self.cancel_loading)
        bar = self.statusBar()
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_btn)

    def _wire(self) -> None:
        self.plot.seek_requested.connect(self.seek)
        self.force_plot.seek_requested.connect(self.seek)
        self.emg_plot.seek_requested.connect(self.seek)
        self.metrics.seek_requested.connect(self.seek)
        self.metrics.body_mass_set.connect(self.set_body_mass)
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.add_requested.connect(lambda lb, sd, t: self.store.add(lb, sd or None, t))
        self.timeline.move_requested.connect(self.store.move)
        self.timeline.delete_requested.connect(self.store.delete)
        self.timeline.roi_requested.connect(self._on_roi_requested)
        self.store.events_changed.connect(self._on_events_change)
        self.browser.trial_selected.connect(self.open_ref)
        self.browser.person_details = lambda: (self._patient_age(), self._patient_sex())

    def _build_chat(self) -> None:
        """The assistant chat: a dock below the metrics, its model state in the status bar."""
        self.chat = ChatPanel(history=default_history())
        self.chat_dock = self._dock(
            "chat", "Assistant", self.chat, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.statusBar().addPermanentWidget(self.chat.model_status)
        toggle = self.chat_dock.toggleViewAction()
        toggle.setText("Assistant chat")
        view_menu = next(a.menu() for a in self.menuBar().actions() if a.text() == "&View")
        assert isinstance(view_menu, QMenu)
        view_menu.addAction(toggle)
        self.actions_by_name["chat"] = toggle
        self.trial_loaded.connect(lambda loaded: self.chat.set_trial(loaded.trial))
        self.chat.seek_requested.connect(self.seek)

    def _add_reset_layout_action(self) -> None:
        view_menu = next(a.menu() for a in self.menuBar().actions() if a.text() == "&View")
        assert isinstance(view_menu, QMenu)
        view_menu.addSeparator()
        for name, text, slot in (
            ("compare", "Compare gait cycles or squats with another trial…", self.ask_compare),
            ("clear_compare", "Clear the comparison", self.clear_compare),
        ):
            act = QAction(text, self)
            act.triggered.connect(lambda _=False, f=slot: f())
            view_menu.addAction(act)
            self.actions_by_name[name] = act
        view_menu.addSeparator()
        act = QAction("Reset layout", self)
        act.setToolTip("Put every panel back where a new window has it.")
        act.triggered.connect(lambda _=False: self.apply_default_layout())
        view_menu.addAction(act)
        self.actions_by_name["reset_layout"] = act

    # -- comparing with another trial ----------------------------------------------------------
    def ask_compare(self) -> None:
        """Choose a trial of the Trials browser (or a file) to compare the gait cycles with."""
        from PySide6.QtWidgets import QFileDialog, QInputDialog

        current = self.loaded.ref if self.loaded is not None else None
        refs = [
            r for r in self.browser.refs()
            if current is None or (r.path, r.trial) != (current.path, current.trial)
        ]
        other = "Another file…"
        labels = [r.label for r in refs] + [other]
        choice, ok = QInputDialog.getItem(
            self, "Compare gait cycles", "Compare with (shown dashed):", labels, 0, False
        )
        if not ok:
            return
        if choice == other:
            path, _ = QFileDialog.getOpenFileName(self, "Compare with a trial")
            if not path:
                return
            self.compare_with(TrialRef(Path(path)))
        else:
            self.compare_with(refs[labels.index(choice)])

    def compare_with(self, ref: TrialRef) -> None:
        """Read and analyse ``ref`` in the background, then draw its mean gait cycles dashed
        over this trial's (e.g. before treatment against after)."""
        stop_thread(self._ref_loader)
        loader = ReferenceLoader(ref, self)
        loader.done.connect(self._on_reference)
        loader.failed.connect(self._on_reference_failed)
        self._ref_loader = loader
        self.status_label.setText(f"Reading {ref.label} to compare with…")
        loader.start()

    def _on_reference(self, ref: TrialRef, result: object | None) -> None:
        if self.sender() is not self._ref_loader:
            return
        self._retire(self._ref_loader)
        self._ref_loader = None
        curves = av.reference_curves(result)
        reps = av.reference_repetition_curves(result)
        here = self.loaded.analysis if self.loaded is not None else None
        squats_here = getattr(here, "squats", None) is not None
        if squats_here and reps:  # squats before and after: their mean repetitions
            mode, what = "rep", "Squat repetitions"
        elif curves:
            mode, what = "cycle", "Gait cycles"
        else:
            self.comparison_done.emit(None)
            self.show_message(
                self,
                "Cannot compare",
                f"{ref.label} has no complete gait cycle to compare with (it needs two heel "
                "strikes of the same foot)"
                + (", nor a squat series" if squats_here else "") + ".",
            )
            return
        self.plot.set_reference(ref.label, curves, reps)
        self.plot.set_mode(mode)
        self.status_label.setText(
            f"{what} compared with {ref.label} (dashed). View > Clear the comparison removes it."
        )
        self.comparison_done.emit(ref.label)

    def _on_reference_failed(self, exc: BaseException, _tb: str) -> None:
        if self.sender() is not self._ref_loader:
            return
        self._retire(self._ref_loader)
        self._ref_loader = None
        self.comparison_done.emit(None)
        self.show_message(self, "Cannot compare", str(exc))

    def clear_compare(self) -> None:
        self.plot.clear_reference()
        self.status_label.setText("Comparison cleared.")

    def apply_default_layout(self) -> None:
        """The layout a new window opens with, and View > Reset layout brings back: the trials,
        with the patients as a second tab, above the notes on the left; the metrics above the
        assistant in a full-height column on the right (the video between them when the trial
        has one); the joint-angle curves across the bottom, at a height where their scales
        stay readable."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, bottom)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        patients, notes = self.records.patients_dock, self.records.notes_dock
        for dock, area in (
            (self.browser_dock, left),
            (notes, left),
            (self.metrics_dock, right),
            (self.chat_dock, right),
            (self.plot_dock, bottom),
            (self.video_dock, right),
            (patients, left),
        ):
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            if dock not in (self.video_dock, self.force_dock):
                dock.show()
        self.video_dock.setVisible(self.video is not None)
        for extra in (self.force_dock, self.emg_dock):
            extra.setFloating(False)
            extra.hide()
        if self._has_plates():  # tabified only when shown: a hidden tab leaves a stale tab bar
            self._tab_forces()
        if self.loaded is not None and getattr(self.loaded.analysis, "emg", None) is not None:
            self._tab_beside_curves(self.emg_dock)
        self.splitDockWidget(self.browser_dock, notes, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.browser_dock, patients)
        self.setTabPosition(left, QTabWidget.TabPosition.North)
        self.browser_dock.raise_()
        self.splitDockWidget(self.metrics_dock, self.chat_dock, Qt.Orientation.Vertical)
        self.splitDockWidget(self.metrics_dock, self.video_dock, Qt.Orientation.Vertical)
        w, h = max(self.width(), 800), max(self.height(), 500)
        self.resizeDocks(
            [self.browser_dock, self.chat_dock],
            [round(0.18 * w), round(0.3 * w)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.plot_dock], [round(0.36 * h)], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.browser_dock, notes], [round(0.33 * h), round(0.22 * h)], Qt.Orientation.Vertical
        )
        column, shares = [self.metrics_dock, self.chat_dock], [0.42, 0.5]
        if self.video is not None:
            column = [self.metrics_dock, self.video_dock, self.chat_dock]
            shares = [0.36, 0.28, 0.36]
        self.resizeDocks(column, [round(f * h) for f in shares], Qt.Orientation.Vertical)

    # -- opening -----------------------------------------------------------------------------
    def open_path(self, path: str | Path, trial: str | None = None) -> None:
        """Open a trial file or session folder (its first trial, or ``trial``)."""
        p = Path(path).expanduser()
        if not p.exists():
            self._report(LmmError(f"Cannot open '{p}': the file or folder does not exist."), "")
            return
        refs = self.browser.show_path(p)
        if p.is_dir():
            chosen = next((r for r in refs if r.trial == trial), refs[0] if refs else None)
            if chosen is None:
                self._report(
                    LmmError(
                        f"Cannot open '{p}': the folder holds no trial files; expected "
                        f"{', '.join(READ_SUFFIXES)} files or an OpenCap session."
                    ),
                    "",
                )
                return
        else:
            chosen = TrialRef(p)
        self.open_ref(chosen)

    def open_ref(self, ref: TrialRef) -> None:
        """Load one trial in the background."""
        self.cancel_loading()
        self.browser.mark_current(ref)
        loader = TrialLoader(ref)
        loader.progress.connect(self._on_load_progress)
        loader.loaded.connect(self._on_loaded)
        loader.points_ready.connect(self._on_points_ready)
        loader.analysed.connect(self._on_analysed)
        loader.failed.connect(self._on_load_failed)
        loader.cancelled.connect(self._on_load_cancelled)
        self._loader = loader
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_btn.show()
        self.status_label.setText(f"Opening {ref.label}…")
        loader.start()

    @property
    def busy(self) -> bool:
        """True while a trial is loading or analysing, or metrics are being recomputed."""
        worker = self._analysis_worker
        # the loader is dropped only once its analysis is on screen (or it failed or was stopped)
        return self._loader is not None or (worker is not None and worker.isRunning())

    def cancel_loading(self) -> None:
        """Stop the current load (if any); the trial on screen stays."""
        loader, self._loader = self._loader, None
        stop_thread(loader)
        self.progress.hide()
        self.cancel_btn.hide()
        if loader is not None and self.loaded is not None and self.loaded.ref is loader.ref:
            self.metrics.clear("Analysis cancelled: reopen the trial to compute the metrics.")

    def _on_load_progress(self, percent: int, text: str) -> None:
        if self.sender() is self._loader:
            self.progress.setValue(percent)
            self.status_label.setText(text)

    def _on_load_cancelled(self) -> None:
        self.status_label.setText("Opening cancelled.")

    def _retire(self, thread: QThread | None) -> None:
        """Keep a worker whose result is in until its thread has really ended: its run() is
        still returning when the signal arrives, and dropping the last reference then lets the
        garbage collector destroy a running QThread, which makes Qt abort the program."""
        if thread is None or thread.isFinished():
            return
        self._retired.add(thread)
        thread.finished.connect(lambda t=thread: self._retired.discard(t))

    def _on_load_failed(self, exc: BaseException, tb: str) -> None:
        if self.sender() is not self._loader:
            return
        self._retire(self._loader)
        self._loader = None
        self.progress.hide()
        self.cancel_btn.hide()
        self._report(exc, tb)

    def _report(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, LmmError):
            title, text = "Cannot open the trial", str(exc)
        else:
            path = log_file()
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(tb or repr(exc))
            title = "Unexpected error"
            text = (
                f"Something unexpected went wrong ({type(exc).__name__}). The trial on screen "
                f"is unchanged. Details were written to {path}."
            )
            log.error("unexpected error: %s", tb or exc)
        self.status_label.setText(text)
        self.load_failed.emit(text)
        self.show_message(self, title, text)

    def _on_loaded(self, loaded: LoadedTrial) -> None:
        """First frame: show the body now; the loader goes on with the analysis."""
        if self.sender() is not self._loader:
            return
        self._show_loaded(loaded)
        self.metrics.clear("Analysing gait and clinical tests…")
        assert self._loader is not None
        self.skeleton.after_next_draw(self._loader.first_frame_shown)

    def _on_points_ready(self, points: BodyPoints) -> None:
        """The trial's own OpenSim model replaces the quick built-in skeleton."""
        if self.sender() is not self._loader or self.loaded is None:
            return
        self.loaded.points = points
        self.skeleton.replace_points(points)

    def _on_analysed(self, result: object | None, notes: list[str], timings: dict) -> None:
        if self.sender() is not self._loader or self.loaded is None:
            return
        self._retire(self._loader)
        self._loader = None
        self.progress.hide()
        self.cancel_btn.hide()
        loaded = self.loaded
        loaded.analysis = result
        loaded.notes += notes
        loaded.timings_s.update(timings)
        if self.store.edited:  # the user edited events meanwhile: their recompute wins
            return
        events = av.used_events(result) or list(loaded.trial.events)
        saved = self.records.on_analysed(events)  # the clinician's saved edits win
        if saved is not None:
            self.show_saved_events(saved)
            return
        self.store.reset(events)
        self.timeline.set_events(events)
        self.skeleton.set_events(events)
        self.plot.set_events(events)
        self._show_analysis(result)
        if result is None and notes:
            self.metrics.clear(" ".join(notes))
        text = " ".join(loaded.notes)
        self.status_label.setText(f"Opened {loaded.ref.path}." + (f" {text}" if text else ""))
        self.analysis_updated.emit(result)

    def show_saved_events(self, events: list[Event]) -> None:
        """Show the clinician's saved events (from the records) and recompute the metrics."""
        self.store.reset(events)
        self.timeline.set_events(events)
        self.skeleton.set_events(events)
        self.plot.set_events(events)
        self._recompute(events)
        if self.loaded is not None:
            self.status_label.setText(
                f"Opened {self.loaded.ref.path}. Your saved event edits were restored; the "
                "metrics use them."
            )

    def _show_loaded(self, loaded: LoadedTrial) -> None:
        trial = loaded.trial
        self.loaded = loaded
        if self.clock is not None:
            self.clock.pause()
        self.clock = PlaybackClock(trial.time)
        self.clock.connect(self._on_clock_change)
        self.transport.set_clock(self.clock)
        events = av.used_events(loaded.analysis) or list(trial.events)
        self.store.reset(events)
        self.skeleton.set_body(loaded.points, markers=trial.markers, events=events)
        self.plot.set_data(trial.time, trial.kinematics, events)
        self._show_plates(trial, getattr(loaded.analysis, "force_plates", None))
        self.timeline.set_range(float(trial.time[0]), float(trial.time[-1]))
        self.timeline.set_events(events)
        self.timeline.set_roi(None)
        self._show_analysis(loaded.analysis)
        self._set_video(trial.provenance.video_paths)
        self.badge.setVisible(trial.provenance.simulated)
        self.title.setText(
            f"<b>{trial.name}</b> — {trial.provenance.format}, {trial.n_frames} frames at "
            f"{trial.rate_hz:g} Hz, {trial.duration_s:.2f} s"
        )
        path = loaded.ref.path
        add_recent(self.settings, path)
        self.refresh_recent_menu()
        notes = " ".join(loaded.notes)
        self.status_label.setText(f"Opened {path}." + (f" {notes}" if notes else ""))
        self.setWindowTitle(f"{trial.name} — LMM Desktop")
        self._on_clock_change("time")
        self.trial_loaded.emit(loaded)

    def _show_analysis(self, result: object | None) -> None:
        self.browser.refresh_batteries()  # the records' patient details may have come with it
        self.timeline.set_test(*av.test_phases(result), hand_timed=av.hand_timed(result),
                               end_by_hand=not av.counted_in_30_s(result))
        self.plot.set_repetitions(av.repetition_windows(result))
        self._show_emg(result)
        if result is None:
            self.metrics.clear("Metrics are not available for this trial.")
            return
        self.metrics.set_rows(
            av.metric_rows(result),
            av.test_rows(result, self._patient_age(), self._patient_sex()),
            av.flag_rows(result),
            note=av.summary(result),
        )
        self.metrics.set_squats(*av.squat_view(result))
        self.plot.set_normative(av.normative_bands(result, self.plot.available_joints()))
        self._apply_session_mass(result)
        self.metrics.set_forces(*av.force_rows(result))
        self.force_plot.set_kinetics(getattr(result, "kinetics", None), av.speed_group(result))
        if self.loaded is not None and self.loaded.trial.force_plates:
            self._show_plates(self.loaded.trial, getattr(result, "force_plates", None))

    def _apply_session_mass(self, result: object) -> None:
        """A trial with plates but no body mass takes the one recorded for its session."""
        fp = getattr(result, "force_plates", None)
        if fp is None or self.loaded is None:
            return
        trial = self.loaded.trial
        if trial.subject.mass_kg is None:
            from lmm_desktop.ui.records_link import RecordsFailure

            try:
                trial.subject.mass_kg = self.records.link.session_mass_kg()
            except RecordsFailure as exc:
                log.warning("body mass not read from the records: %s", exc)
        mass = trial.subject.mass_kg
        if mass is not None and fp.body_weight_n is None:
            self._use_mass(result, mass)
        self.metrics.set_body_mass(mass)

    def _use_mass(self, result: Any, mass_kg: float) -> None:
        """Force-plate figures in body weights and the joint kinetics, for ``mass_kg``."""
        from lmm_desktop.analysis.pipeline import kinetics_for

        assert self.loaded is not None
        trial = self.loaded.trial
        trial.subject.mass_kg = float(mass_kg)
        result.force_plates = result.force_plates.with_body_weight(float(mass_kg) * G)
        # the body points on screen: the markers are not read into points a second time
        result.kinetics = kinetics_for(
            trial, result.force_plates, result.events_used(), self.loaded.points
        )

    def set_body_mass(self, mass_kg: float) -> None:
        """Use ``mass_kg`` for the open trial (force-plate figures in body weights) and keep it
        with its session in the records."""
        loaded = self.loaded
        fp = getattr(getattr(loaded, "analysis", None), "force_plates", None)
        if loaded is None or fp is None:
            return
        self._use_mass(loaded.analysis, float(mass_kg))
        self.metrics.set_forces(*av.force_rows(loaded.analysis))
        self._show_plates(loaded.trial, loaded.analysis.force_plates)  # type: ignore[union-attr]
        self.force_plot.set_kinetics(loaded.analysis.kinetics, av.speed_group(loaded.analysis))  # type: ignore[union-attr]
        from lmm_desktop.ui.records_link import RecordsFailure

        try:
            added = self.records.link.save_session_mass(float(mass_kg))
        except RecordsFailure as exc:
            self.status_label.setText(
                f"Body mass {mass_kg:.1f} kg used; it could not be saved in the records ({exc})."
            )
            return
        text = f"Body mass {mass_kg:.1f} kg used for the force plates and kept with the session"
        if added:
            self.records.notes.trial_id = self.records.link.trial_id
            self.records._on_session_filed(
                text + "; the trial was not in the records, so it was added under 'Unfiled'."
            )
        else:
            self.status_label.setText(text + ".")

    def _has_plates(self) -> bool:
        return self.loaded is not None and bool(self.loaded.trial.force_plates)

    def _show_plates(self, trial: Trial, analysis: object | None) -> None:
        """The ground-reaction dock (a tab beside the curves) and the 3D force vectors, for a
        trial with force plates; both hidden otherwise."""
        plates = trial.force_plates
        self.force_plot.set_data(plates, analysis)
        self.skeleton.set_force_plates(plates, analysis)
        if plates and not self.force_dock.isVisible():
            self._tab_forces()
        elif not plates:
            self.force_dock.hide()

    def _tab_forces(self) -> None:
        """The ground reaction as a tab beside the curves; the curves stay in front."""
        self._tab_beside_curves(self.force_dock)

    def _tab_beside_curves(self, dock: QDockWidget) -> None:
        dock.show()
        self.tabifyDockWidget(self.plot_dock, dock)
        self.plot_dock.raise_()

    def _show_emg(self, result: object | None) -> None:
        """The EMG dock (a tab beside the curves) for a trial with EMG; hidden otherwise."""
        emg = getattr(result, "emg", None)
        self.emg_plot.set_data(emg)
        if emg is not None and not self.emg_dock.isVisible():
            self._tab_beside_curves(self.emg_dock)
        elif emg is None:
            self.emg_dock.hide()

    def refresh_tests(self) -> None:
        """Redraw the metrics after the patient's records changed (the age norms follow the
        birth date)."""
        if self.loaded is not None and self.loaded.analysis is not None:
            self._show_analysis(self.loaded.analysis)

    def _patient_age(self) -> float | None:
        """The open trial's patient's age from the records (for the tests' age norms)."""
        age = self._from_records("age", self.records.link.patient_age_years)
        return None if age is None else float(age)

    def _patient_sex(self) -> str | None:
        """The open trial's patient's sex from the records (the chair stand's norms)."""
        sex = self._from_records("sex", self.records.link.patient_sex)
        return None if sex is None else str(sex)

    def _from_records(self, what: str, read: Callable[[], object]) -> object | None:
        """``read()``, or None (logged) when the records cannot be read."""
        from lmm_desktop.ui.records_link import RecordsFailure

        try:
            return read()
        except RecordsFailure as exc:
            log.warning("patient's %s not read from the records: %s", what, exc)
            return None

    def _set_video(self, paths: list[Path]) -> None:
        if self.video is not None:
            self.video.stop()
            self.video = None
        existing = [p for p in paths if Path(p).is_file()]
        if not existing:
            self.video_dock.hide()
            return
        from lmm_desktop.ui.video_panel import VideoPanel

        self.video = VideoPanel(existing)
        self.video_dock.setWidget(self.video)
        was_hidden = self.video_dock.isHidden()
        self.video_dock.show()
        if was_hidden and not self.video_dock.isFloating():  # room for the picture
            h = max(self.height(), 500)
            self.resizeDocks(
                [self.metrics_dock, self.video_dock, self.chat_dock],
                [round(0.34 * h), round(0.3 * h), round(0.34 * h)],
                Qt.Orientation.Vertical,
            )

    # -- time --------------------------------------------------------------------------------
    def seek(self, t: float) -> None:
        if self.clock is not None:
            self.clock.seek(t)

    def _on_tick(self) -> None:
        if self.clock is not None:
            self.clock.tick()

    def _on_clock_change(self, kind: str) -> None:
        c = self.clock
        if c is None:
            return
        if kind == "state":
            if c.playing:
                self.timer.start()
            else:
                self.timer.stop()
            self.timeline.set_roi(c.roi)
            if self.video is not None:
                self.video.follow(c.time, c.playing, c.speed)
            return
        self.skeleton.set_time(c.time, c.frame)
        self.plot.set_cursor(c.time)
        if self.force_dock.isVisible():
            self.force_plot.set_cursor(c.time)
        if self.emg_dock.isVisible():
            self.emg_plot.set_cursor(c.time)
        self.timeline.set_cursor(c.time)
        if self.video is not None:
            self.video.follow(c.time, c.playing, c.speed)

    def _on_roi_requested(self, roi: tuple[float, float] | None) -> None:
        if self.clock is None:
            return
        try:
            self.clock.set_roi(*(roi or (None, None)))
        except LmmError as exc:
            self.status_label.setText(str(exc))

    # -- events ------------------------------------------------------------------------------
    def _on_events_change(self, events: list[Event]) -> None:
        self.timeline.set_events(events)
        self.skeleton.set_events(events)
        self.plot.set_events(events)
        self.events_changed.emit(events)
        self._recompute(events)

    def _recompute(self, events: list[Event]) -> None:
        """Recompute the metrics from ``events`` in the background."""
        if self.loaded is None:
            return
        stop_thread(self._analysis_worker)
        worker = AnalysisWorker(self.loaded.trial, self.loaded.points, events)
        worker.done.connect(self._on_analysis_done)
        worker.failed.connect(self._on_analysis_failed)
        self._analysis_worker = worker
        self.metrics.set_busy("Recomputing the metrics with the edited events…")
        worker.start()

    def _on_analysis_done(self, result: object | None) -> None:
        if self.sender() is not self._analysis_worker:
            return
        if self.loaded is not None:
            self.loaded.analysis = result
        self._show_analysis(result)
        self.analysis_updated.emit(result)

    def _on_analysis_failed(self, exc: BaseException, tb: str) -> None:
        if self.sender() is self._analysis_worker:
            self.metrics.clear(f"Metrics could not be recomputed: {exc}")
            if not isinstance(exc, LmmError):
                self._report(exc, tb)

    # -- appearance, settings ----------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        """Switch to the 'light' or 'dark' theme (saved in the settings)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.theme = apply_theme(app, name)
        else:
            self.theme = get_theme(name)
        self.skeleton.set_theme(self.theme)
        self.plot.set_theme(self.theme)
        self.force_plot.set_theme(self.theme)
        self.emg_plot.set_theme(self.theme)
        self.timeline.set_theme(self.theme)
        self.settings.setValue("theme", self.theme.name)
        for key in ("theme_light", "theme_dark"):
            act = getattr(self, "actions_by_name", {}).get(key)
            if act is not None:
                act.setChecked(key == f"theme_{self.theme.name}")

    def refresh_recent_menu(self) -> None:
        from lmm_desktop.ui.menus import fill_recent_menu

        fill_recent_menu(self)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)  # one from an older layout: ignored

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.setValue("theme", self.theme.name)
        self.settings.sync()

    # -- drag and drop, close ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        if self.clock is not None:
            self.clock.pause()
        self.cancel_loading()
        stop_thread(self._analysis_worker)
        self._analysis_worker = None
        stop_thread(self._ref_loader)
        self._ref_loader = None
        for thread in list(self._retired):
            thread.wait()
        self._retired.clear()
        if self.batch_dialog is not None:
            self.batch_dialog.close()  # stops its worker
        self.browser.shutdown()
        self.chat.shutdown()
        if self.video is not None:
            self.video.stop()
        self.save_settings()
        self.plot.release()
        self.force_plot.release()
        self.emg_plot.release()
        self.records.shutdown()
        super().closeEvent(event)
