"""Background work: reading a trial, forward kinematics and analysis, off the UI thread.

Opening is staged so the clinician sees the body as soon as possible: the loader emits ``loaded``
right after reading and the fast forward kinematics (built-in numpy model, ~30 ms for 60 s), then,
when the trial has its own OpenSim model, ``points_ready`` with the OpenSim body points, and last
``analysed`` with the gait and clinical-test analysis (the slow part, seconds for long trials).

Workers hold no reference to any window; they only emit typed signals. They check
``isInterruptionRequested()`` between steps, so closing the window (or opening another trial)
mid-load stops them at the next step boundary and nothing is delivered to a dead window.
"""

from __future__ import annotations

import importlib
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Event, Trial
from lmm_desktop.ui.trial_browser import TrialRef


@dataclass
class LoadedTrial:
    """Everything the window shows for one trial."""

    ref: TrialRef
    trial: Trial
    points: BodyPoints | None
    analysis: Any | None
    notes: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


def _optional(module: str, attr: str) -> Any | None:
    """``module.attr``, or None when that part of the app is not installed yet."""
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("lmm_desktop"):
            return None
        raise


def uses_opensim(trial: Trial) -> bool:
    """True when forward kinematics will go through the trial's own OpenSim model (slow path)."""
    model = trial.provenance.model_path
    return (
        model is not None
        and Path(model).suffix.lower() == ".osim"
        and Path(model).is_file()
        and trial.source is not None
    )


def quick_points(trial: Trial) -> BodyPoints | None:
    """Built-in numpy forward kinematics (fast), or None when the trial has no joint angles."""
    if trial.kinematics is None or trial.kinematics.from_markers:
        return None
    fk = _optional("lmm_desktop.biomech.fk", "builtin_forward_kinematics")
    if fk is None:
        return None
    points: BodyPoints = fk(trial.kinematics, trial.time, height_m=trial.subject.height_m)
    return points


def body_points(trial: Trial) -> tuple[BodyPoints | None, str | None]:
    """Forward kinematics of ``trial`` (or markers-derived points); a note when none."""
    if trial.kinematics is not None and not trial.kinematics.from_markers:
        fk = _optional("lmm_desktop.biomech.fk", "forward_kinematics")
        if fk is None:
            return None, "3D skeleton unavailable: forward kinematics is not installed."
        return fk(trial), None
    if trial.markers is not None:
        from_markers = _optional("lmm_desktop.analysis.markers", "body_points_from_markers")
        if from_markers is not None:
            return from_markers(trial.markers), None
    return None, "No skeleton: the trial has neither joint angles nor usable markers."


def run_analysis(
    trial: Trial, points: BodyPoints | None, events_override: list[Event] | None = None
) -> Any | None:
    """``analysis.pipeline.analyze`` when installed, else None."""
    analyze = _optional("lmm_desktop.analysis.pipeline", "analyze")
    if analyze is None:
        return None
    kwargs: dict[str, Any] = {"points": points}
    if events_override is not None:
        kwargs["events_override"] = events_override
    return analyze(trial, **kwargs)


def _log() -> str:
    """Append the current exception's traceback to the user's log file; return its path."""
    from lmm_desktop.core.paths import log_file

    path = log_file()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(traceback.format_exc())
    return str(path)


class TrialLoader(QThread):
    """Read -> fast forward kinematics (``loaded``) -> OpenSim kinematics (``points_ready``, only
    for trials with their own model) -> analysis (``analysed``), for one :class:`TrialRef`."""

    progress = Signal(int, str)  # percent, what is being done
    loaded = Signal(object)  # LoadedTrial, analysis None: enough for the first frame
    points_ready = Signal(object)  # BodyPoints from the trial's OpenSim model, replacing the quick
    analysed = Signal(object, list, dict)  # analysis result or None, notes, timings (seconds)
    failed = Signal(object, str)  # exception, traceback text (only before ``loaded``)
    cancelled = Signal()

    #: longest wait (s) for the window to draw the first frame before the analysis starts anyway
    FIRST_FRAME_WAIT_S = 3.0

    def __init__(self, ref: TrialRef, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self._shown = threading.Event()

    def first_frame_shown(self) -> None:
        """The window has drawn the first frame: the analysis may start (thread-safe).

        The analysis is Python and numpy work that holds the GIL most of the time; started while
        the window builds its views, it starved the UI thread and the first frame came seconds
        late. So the loader waits for this call (at most :attr:`FIRST_FRAME_WAIT_S`).
        """
        self._shown.set()

    def _wait_first_frame(self) -> bool:
        """Wait for :meth:`first_frame_shown`; False when interrupted meanwhile."""
        deadline = time.monotonic() + self.FIRST_FRAME_WAIT_S
        while not self._shown.wait(0.02):
            if self.isInterruptionRequested():
                return False
            if time.monotonic() > deadline:
                break
        return not self.isInterruptionRequested()

    def run(self) -> None:
        try:
            first = self._first_frame()
        except Exception as exc:  # reported to the UI: LmmError shown as is, others with the log
            self.failed.emit(exc, traceback.format_exc())
            return
        if first is None:
            self.cancelled.emit()
            return
        self.loaded.emit(first)
        if not self._finish(first):
            self.cancelled.emit()

    def _first_frame(self) -> LoadedTrial | None:
        """Read the trial and compute the quick body points (None when interrupted)."""
        from lmm_desktop.io import read_trial

        timings: dict[str, float] = {}
        self.progress.emit(5, f"Reading {self.ref.label}…")
        t0 = time.perf_counter()
        trial = read_trial(self.ref.path, trial=self.ref.trial)
        timings["read"] = time.perf_counter() - t0
        if self.isInterruptionRequested():
            return None
        self.progress.emit(35, "Computing the 3D skeleton…")
        notes: list[str] = []
        t0 = time.perf_counter()
        try:
            points = quick_points(trial) if uses_opensim(trial) else None
            note = None
            if points is None:
                points, note = body_points(trial)
        except LmmError as exc:
            points, note = None, f"3D skeleton unavailable: {exc}"
        except Exception:  # the trial still opens; the traceback goes to the log
            points, note = None, f"3D skeleton unavailable (unexpected error; see {_log()})."
        timings["fk"] = time.perf_counter() - t0
        if note:
            notes.append(note)
        had_angles = trial.kinematics is not None
        if (trial.kinematics is None or trial.kinematics.from_markers) and (
            points is not None and points.source == "markers"
        ):
            add_angles = _optional("lmm_desktop.analysis.marker_angles", "with_marker_kinematics")
            if add_angles is not None:
                add_angles(trial, points)
                if had_angles:
                    notes.append("Joint angles from the file's Plug-in-Gait outputs; the pelvis "
                                 "and any missing leg angle from the markers.")
                elif trial.kinematics is not None:
                    notes.append("Joint angles computed from the markers (lower body).")
        if self.isInterruptionRequested():
            return None
        return LoadedTrial(self.ref, trial, points, None, notes, timings)

    def _finish(self, first: LoadedTrial) -> bool:
        """OpenSim body points (when the trial has a model), then the analysis; False if stopped."""
        trial, points = first.trial, first.points
        notes: list[str] = []
        timings: dict[str, float] = {}
        if not self._wait_first_frame():
            return False
        if uses_opensim(trial):
            self.progress.emit(50, "Computing the 3D skeleton on the trial's OpenSim model…")
            t0 = time.perf_counter()
            try:
                osim_points, _ = body_points(trial)
            except Exception as exc:  # the built-in skeleton stays on screen
                osim_points = None
                why = str(exc) if isinstance(exc, LmmError) else f"unexpected error; see {_log()}"
                notes.append(f"Showing the built-in body model; the trial's model failed: {why}")
            timings["fk_opensim"] = time.perf_counter() - t0
            if self.isInterruptionRequested():
                return False
            if osim_points is not None:
                points = osim_points
                self.points_ready.emit(points)
        self.progress.emit(70, "Analysing gait and clinical tests…")
        t0 = time.perf_counter()
        try:
            analysis = run_analysis(trial, points)
        except LmmError as exc:
            analysis = None
            notes.append(f"Metrics unavailable: {exc}")
        except Exception:  # the trial still opens; the traceback goes to the log
            analysis = None
            notes.append(f"Metrics unavailable (unexpected error; see {_log()}).")
        timings["analysis"] = time.perf_counter() - t0
        if self.isInterruptionRequested():
            return False
        self.progress.emit(100, "Done")
        self.analysed.emit(analysis, notes, timings)
        return True


class AnalysisWorker(QThread):
    """Recompute the metrics after the events were edited."""

    done = Signal(object)  # analysis result (or None when analysis is not installed)
    failed = Signal(object, str)

    def __init__(
        self,
        trial: Trial,
        points: BodyPoints | None,
        events: list[Event],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._trial, self._points, self._events = trial, points, list(events)

    def run(self) -> None:
        try:
            result = run_analysis(self._trial, self._points, self._events)
        except Exception as exc:  # reported to the UI
            self.failed.emit(exc, traceback.format_exc())
            return
        if not self.isInterruptionRequested():
            self.done.emit(result)


class ReferenceLoader(QThread):
    """Read and analyse another trial whose gait cycles the curves are compared with."""

    done = Signal(object, object)  # TrialRef, analysis result
    failed = Signal(object, str)

    def __init__(self, ref: TrialRef, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ref = ref

    def run(self) -> None:
        from lmm_desktop.io import read_trial

        try:
            trial = read_trial(self.ref.path, trial=self.ref.trial)
            result = run_analysis(trial, None)
        except Exception as exc:  # reported to the UI
            self.failed.emit(exc, traceback.format_exc())
            return
        if not self.isInterruptionRequested():
            self.done.emit(self.ref, result)


def stop_thread(thread: QThread | None) -> None:
    """Ask ``thread`` to stop and wait for it (safe on None or a finished thread).

    The window ignores whatever a stopped worker still emits (it checks the sender), so nothing
    reaches a window that has moved on or closed.
    """
    if thread is None:
        return
    thread.requestInterruption()
    thread.wait()
