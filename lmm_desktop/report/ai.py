"""AI findings for a report: ask the assistant the registered questions about each trial.

Everything here is optional: the model manager, the model artifact and torch are imported and
loaded lazily, and whatever is missing becomes the reason shown in the report ("AI findings not
available: ..."), never an error that stops the report.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Trial

log = logging.getLogger(__name__)

WALKING_TASKS = ("impaired", "diagnosis", "assistive_device", "walking_speed", "cadence")
TEST_TASKS = {"timed_up_and_go": "tug_time", "four_square_step_test": "fsst_time"}


def questions_for(tests_found: Sequence[str], walking: bool) -> list[tuple[str, str]]:
    """``(task id, question)`` pairs worth asking about a trial: the walking tasks when it holds
    gait cycles, and the timed tests it contains. Questions are the registry's suggestions."""
    from lmm_desktop.assistant.tasks import TASKS

    ids = list(WALKING_TASKS) if walking else ["impaired"]
    ids += [TEST_TASKS[t] for t in tests_found if t in TEST_TASKS]
    return [(t, TASKS[t].suggested) for t in ids if t in TASKS]


@dataclass
class AiSource:
    """A loaded assistant, or the reason there is none."""

    engine: Any = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def ask(
        self,
        trial: Trial,
        questions: Sequence[tuple[str, str]],
        *,
        stop: threading.Event | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
        """Answers as ``(question, Answer.to_dict())``, or the reason there are none (or not
        all). ``stop`` ends the asking, the answer being generated included; ``progress`` hears
        (questions answered, questions in all) before each question."""
        if self.engine is None:
            return [], self.reason
        stop = stop or threading.Event()
        out: list[tuple[str, dict[str, Any]]] = []
        for k, (_task, question) in enumerate(questions):
            if stop.is_set():
                return out, "asking was stopped before every question was answered"
            if progress is not None:
                progress(k, len(questions))
            try:
                answer = self.engine.ask(trial, question, stop=stop)
            except LmmError as exc:
                return out, f"the assistant could not answer ({exc})"
            if not stop.is_set():
                out.append((question, answer.to_dict()))
        return out, None


def load_assistant() -> AiSource:
    """The default assistant model through the model manager, or why it is not available."""
    try:
        from lmm_desktop.assistant.manager import ModelManager
    except ImportError as exc:
        return AiSource(reason=f"the assistant is not installed in this build ({exc})")
    try:
        manager = ModelManager()
        usable = [m for m in manager.models() if m.problem is None]
        if not usable:
            problems = "; ".join((m.problem or "").rstrip(". ") for m in manager.models())
            return AiSource(reason=f"no usable assistant model ({problems})")
        loaded = manager.load(usable[0].folder)
    except ImportError as exc:  # torch / transformers / peft missing
        return AiSource(reason=f"the assistant needs a package that is not installed ({exc})")
    except LmmError as exc:
        return AiSource(reason=str(exc))
    return AiSource(engine=loaded.engine, notes=list(loaded.notes))
