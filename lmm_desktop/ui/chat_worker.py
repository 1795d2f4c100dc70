"""Background work of the chat: loading the assistant model, and answering one question.

Both are ``QThread`` s that hold no reference to any widget and only emit typed signals. Loading is
cancelled through a ``threading.Event`` that the model manager checks between steps; answering is
stopped through the ``threading.Event`` that the engine checks before every generated token, so
Stop takes effect within one token's forward pass.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Trial

ProgressFn = Callable[[str, float], None]
Loader = Callable[[ProgressFn, threading.Event], Any]
"""``loader(progress, cancel) -> LoadedAssistant`` (or a bare engine); raises LmmError."""


def _log_traceback() -> str:
    """Append the current traceback to the user's log file; return the file's path."""
    from lmm_desktop.core.paths import log_file

    path = log_file()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(traceback.format_exc())
    return str(path)


def default_model_problem() -> str | None:
    """Why no assistant model can be loaded (None when one can); cheap, reads no weights."""
    from lmm_desktop.assistant.manager import ModelManager

    models = ModelManager().models()
    if any(m.problem is None for m in models):
        return None
    return " ".join((m.problem or "") for m in models)


def default_loader(folder: Path | None = None, device: str = "auto") -> Loader:
    """A loader for the first usable model the model manager knows (or ``folder``)."""

    def load(progress: ProgressFn, cancel: threading.Event) -> Any:
        from lmm_desktop.assistant.manager import ModelManager

        manager = ModelManager()
        chosen = folder
        if chosen is None:
            usable = [m for m in manager.models() if m.problem is None]
            chosen = usable[0].folder if usable else None
        return manager.load(chosen, device=device, progress=progress, cancel=cancel)

    return load


class ModelLoadWorker(QThread):
    """Runs a :data:`Loader` off the UI thread."""

    progress = Signal(str, float)  # what is being done, fraction 0..1
    loaded = Signal(object)  # LoadedAssistant (or an engine)
    failed = Signal(str)  # message for the clinician
    cancelled = Signal()

    def __init__(self, loader: Loader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        """Ask the loader to stop at its next step (returns at once)."""
        self.cancel_event.set()
        self.requestInterruption()

    def run(self) -> None:
        from lmm_desktop.assistant.manager import LoadCancelled

        try:
            result = self._loader(self.progress.emit, self.cancel_event)
        except LoadCancelled:
            self.cancelled.emit()
            return
        except LmmError as exc:
            self.failed.emit(str(exc))
            return
        except ImportError as exc:  # torch / transformers / peft missing from this build
            self.failed.emit(f"a package the assistant needs is not installed ({exc}).")
            return
        except Exception as exc:  # shown to the clinician with the log path
            path = _log_traceback()
            self.failed.emit(
                f"loading failed unexpectedly ({type(exc).__name__}); details in {path}."
            )
            return
        if self.cancel_event.is_set():
            self.cancelled.emit()
        else:
            self.loaded.emit(result)


class AskWorker(QThread):
    """Asks the engine one question; streams tokens; stops when :meth:`stop` is called."""

    token = Signal(str)  # a piece of the answer text, in order
    answered = Signal(object)  # Answer (flags include 'stopped' after Stop)
    failed = Signal(str)  # message for the clinician

    def __init__(
        self,
        engine: Any,
        trial: Trial,
        question: str,
        history: Sequence[Any] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.trial, self.question = engine, trial, question
        self.history = list(history)
        self.stop_event = threading.Event()

    def stop(self) -> None:
        """Stop generating before the next token (returns at once)."""
        self.stop_event.set()
        self.requestInterruption()

    def run(self) -> None:
        try:
            answer = self.engine.ask(
                self.trial,
                self.question,
                self.history,
                on_token=self.token.emit,
                stop=self.stop_event,
            )
        except LmmError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # shown to the clinician with the log path
            path = _log_traceback()
            self.failed.emit(
                f"The assistant failed unexpectedly ({type(exc).__name__}); details in {path}."
            )
            return
        self.answered.emit(answer)


def join(worker: QThread | None, stop: Callable[[], None] | None = None) -> None:
    """Stop ``worker`` (``stop()``, else ``requestInterruption``) and wait until it has ended."""
    if worker is None:
        return
    if stop is not None:
        stop()
    else:
        worker.requestInterruption()
    worker.wait()


class AssistantSource(QObject):
    """The assistant engine: given ready, or loaded once in the background by a :data:`Loader`.

    ``reason`` says why there is none (set at once when no model artifact exists, so the panel
    can say so without starting a thread).
    """

    progress = Signal(str, float)  # what is being loaded, fraction 0..1
    ready = Signal(object, object)  # engine, the LoadedAssistant it came from (or None)
    unavailable = Signal(str)  # the reason
    cancelled = Signal()

    def __init__(self, loader: Loader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine: Any | None = None
        self.reason: str | None = None
        self._loader = loader
        self._worker: ModelLoadWorker | None = None
        if loader is None:
            self.reason = default_model_problem()

    @property
    def loading(self) -> bool:
        return self._worker is not None and self._worker.isRunning()

    def set_engine(self, engine: Any, loaded: Any | None = None) -> None:
        """Use a ready engine (``loaded``: the LoadedAssistant it came from, for the status)."""
        self.engine, self.reason = engine, None
        self.ready.emit(engine, loaded)

    def start(self) -> bool:
        """Start loading (False when ready, already loading, or known to be unavailable)."""
        if self.engine is not None or self.loading or self.reason is not None:
            return False
        worker = ModelLoadWorker(self._loader or default_loader(), self)
        worker.progress.connect(self._on_progress)
        worker.loaded.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._worker = worker
        worker.start()
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self) -> None:
        """Cancel a load and wait for its thread."""
        worker, self._worker = self._worker, None
        join(worker, None if worker is None else worker.cancel)

    def _on_progress(self, text: str, fraction: float) -> None:
        if self.sender() is self._worker:
            self.progress.emit(text, fraction)

    def _finished(self) -> bool:
        """True when the sender is the current worker (which is then joined and forgotten)."""
        if self.sender() is not self._worker:
            return False
        self.shutdown()
        return True

    def _on_loaded(self, result: Any) -> None:
        if self._finished():
            self.set_engine(getattr(result, "engine", result), result)

    def _on_failed(self, message: str) -> None:
        if self._finished():
            self.reason = message
            self.unavailable.emit(message)

    def _on_cancelled(self) -> None:
        if self._finished():
            self.cancelled.emit()
