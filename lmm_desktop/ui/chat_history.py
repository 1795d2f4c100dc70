"""Chats about trials, kept per trial: in memory, and in the records when the trial is there.

:class:`ChatHistory` is the seam the chat panel talks to (``open``, ``begin``, ``add``,
``turns``); it keeps everything in memory for this session. :class:`RecordsChatHistory` also
writes every question and answer to the records store (``chats`` role/text rows, plus an
``assessments`` row with the answer's JSON for answers to a registered task), journals the question
being answered in the autosave folder, and restores the chat when the trial is opened again. A trial
is found in the records by its file's sha256, so renaming the file does not lose its chat.
No Qt here.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lmm_desktop.assistant import answer as A
from lmm_desktop.assistant.answer import Answer
from lmm_desktop.assistant.engine import History
from lmm_desktop.assistant.tasks import TASKS, ClinicalTask
from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Trial

if TYPE_CHECKING:
    from lmm_desktop.records.autosave import Autosave
    from lmm_desktop.records.models import ChatMessage
    from lmm_desktop.records.store import RecordStore

log = logging.getLogger(__name__)

_ANSWER_FIELDS = {f.name for f in dataclasses.fields(Answer)}


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """An :class:`Answer` back from ``Answer.to_dict()`` (unknown keys ignored)."""
    kw = {k: v for k, v in data.items() if k in _ANSWER_FIELDS}
    if kw.get("interval") is not None:
        lo, hi = kw["interval"]
        kw["interval"] = (float(lo), float(hi))
    kw.setdefault("text", "")
    return Answer(**kw)


@dataclass
class Turn:
    """One question and its answer (``answer`` is None while it is being answered)."""

    question: str
    answer: Answer | None = None
    created: str = field(default_factory=_now)


class ChatHistory:
    """Chats kept in memory for this session, keyed by a trial key (see module docstring)."""

    def __init__(self) -> None:
        self._chats: dict[str, list[Turn]] = {}

    @property
    def where(self) -> str:
        """Where a chat is kept, for the panel's tooltip."""
        return "Kept in memory until the app closes."

    def open(self, key: str, path: Path | None = None) -> list[Turn]:
        """The chat about trial ``key`` (restored from storage the first time, if stored)."""
        return self._chats.setdefault(key, [])

    def turns(self, key: str) -> list[Turn]:
        return list(self._chats.get(key, []))

    def begin(self, key: str, question: str) -> None:
        """A question is being answered (journaled by persistent histories)."""

    def abandon(self, key: str) -> None:
        """The question being answered got no answer (an error): forget its journal entry."""

    def add(self, key: str, question: str, answer: Answer) -> Turn:
        """Record a finished question and answer."""
        turn = Turn(question, answer)
        self._chats.setdefault(key, []).append(turn)
        return turn

    def engine_history(self, key: str) -> list[History]:
        """Earlier turns the model should see: answered, in scope, not stopped."""
        return [
            History(t.question, t.answer.text)
            for t in self._chats.get(key, [])
            if t.answer is not None
            and t.answer.text
            and not {A.OUT_OF_SCOPE, A.STOPPED} & set(t.answer.flags)
        ]

    def messages(self, key: str) -> list[ChatMessage]:
        """The chat as role/text messages (what the exporters take)."""
        from lmm_desktop.records.models import ChatMessage

        out: list[ChatMessage] = []
        for t in self._chats.get(key, []):
            out.append(ChatMessage("user", t.question, t.created))
            if t.answer is not None:
                out.append(ChatMessage("assistant", t.answer.text, t.created))
        return out

    def close(self) -> None:
        """Release storage (nothing to do in memory)."""


class RecordsChatHistory(ChatHistory):
    """A :class:`ChatHistory` that also saves to, and restores from, the records store.

    Parameters
    ----------
    store
        The records database; used from the thread that created it (the UI thread).
    autosave
        Journal for the question being answered (None: no journal).
    """

    def __init__(self, store: RecordStore, autosave: Autosave | None = None) -> None:
        super().__init__()
        self.store = store
        self.autosave = autosave
        self._trial_ids: dict[str, int | None] = {}

    @property
    def where(self) -> str:
        return f"Saved in the records ({self.store.path}) when the trial is in the records."

    def trial_id(self, key: str) -> int | None:
        """Records id of trial ``key`` (None when the trial is not in the records)."""
        return self._trial_ids.get(key)

    def open(self, key: str, path: Path | None = None) -> list[Turn]:
        if key not in self._trial_ids:
            self._trial_ids[key] = self._find_trial(path)
            tid = self._trial_ids[key]
            if tid is not None and not self._chats.get(key):
                self._chats[key] = self._restore(tid)
        return super().open(key, path)

    def _find_trial(self, path: Path | None) -> int | None:
        from lmm_desktop.records.importer import sha256_of

        if path is None or not Path(path).is_file():
            return None
        try:
            matches = self.store.trials_by_sha256(sha256_of(path))
        except OSError as exc:
            log.warning("cannot hash %s for the records: %s", path, exc)
            return None
        same_path = [m for m in matches if Path(m.path) == Path(path)]
        chosen = same_path or matches
        return chosen[0].id if chosen else None

    def _restore(self, trial_id: int) -> list[Turn]:
        """Turns from the ``chats`` rows, with the full answer from a matching assessment."""
        assessments = [(a.question, a.answer) for a in self.store.assessments(trial_id)]
        turns: list[Turn] = []
        for msg in self.store.chat(trial_id):
            if msg.role == "user":
                turns.append(Turn(msg.text, None, msg.created))
            elif turns and turns[-1].answer is None:
                turns[-1].answer = self._match(assessments, turns[-1].question, msg.text)
        return turns

    @staticmethod
    def _match(assessments: list[tuple[str, dict[str, Any]]], question: str, text: str) -> Answer:
        for i, (q, data) in enumerate(assessments):
            if q == question and data.get("text") == text:
                del assessments[i]
                return answer_from_dict(data)
        return Answer(text=text)

    def begin(self, key: str, question: str) -> None:
        tid = self._trial_ids.get(key)
        if tid is None or self.autosave is None:
            return
        self.autosave.save(
            self.autosave.key_for("chat", tid),
            "chat",
            {"trial_id": tid, "messages": [{"role": "user", "text": question}]},
        )

    def abandon(self, key: str) -> None:
        tid = self._trial_ids.get(key)
        if tid is not None and self.autosave is not None:
            self.autosave.clear(self.autosave.key_for("chat", tid))

    def add(self, key: str, question: str, answer: Answer) -> Turn:
        turn = super().add(key, question, answer)
        tid = self._trial_ids.get(key)
        if tid is None:
            return turn
        try:
            with self.store.transaction():
                self.store.add_chat_message(tid, "user", question)
                self.store.add_chat_message(tid, "assistant", answer.text)
                if answer.task is not None and A.STOPPED not in answer.flags:
                    self.store.add_assessment(tid, question, answer.to_dict())
        except (LmmError, sqlite3.Error) as exc:  # kept in memory; the journal keeps the question
            log.warning("the chat could not be saved in the records: %s", exc)
            return turn
        if self.autosave is not None:
            self.autosave.clear(self.autosave.key_for("chat", tid))
        return turn

    def close(self) -> None:
        self.store.close()


def default_history() -> ChatHistory:
    """Chats saved in the user's records database, or in memory when it cannot be opened."""
    try:
        from lmm_desktop.records.autosave import Autosave
        from lmm_desktop.records.store import RecordStore

        return RecordsChatHistory(RecordStore(), Autosave())
    except (LmmError, OSError, sqlite3.Error) as exc:
        log.warning("chats are kept in memory only: %s", exc)
        return ChatHistory()


# Words in a trial's name -> the task ids worth suggesting first.
_RELEVANCE = (
    (("tug", "timed", "upandgo"), ("tug_time", "activity", "impaired", "assistive_device")),
    (("fsst", "foursquare", "square"), ("fsst_time", "activity", "impaired")),
    (("balance", "tandem", "onelegstance", "sway"), ("activity", "impaired", "describe")),
    (
        ("walk", "gait", "overground"),
        ("walking_speed", "cadence", "impaired", "diagnosis", "assistive_device"),
    ),
    (("sts", "sit", "squat", "stand"), ("activity", "impaired", "describe")),
)


def ordered_tasks(trial_name: str) -> list[ClinicalTask]:
    """Every registered task, the ones that fit the trial's activity first (stable order)."""
    name = trial_name.lower().replace("_", "").replace("-", "")
    first: list[str] = []
    for words, ids in _RELEVANCE:
        if any(w in name for w in words):
            first += [i for i in ids if i not in first]
    rank = {tid: i for i, tid in enumerate(first)}
    tasks = list(TASKS.values())
    return sorted(tasks, key=lambda t: (rank.get(t.id, len(rank)), tasks.index(t)))


def trial_key(trial: Trial) -> str:
    """Key of a trial's chat: its file and its name (a session folder holds several trials)."""
    return f"{trial.provenance.path}::{trial.name}"
