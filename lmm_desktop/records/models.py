"""Plain records as the store returns them (no database handles inside)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from lmm_desktop.core.trial import Event

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Patient:
    """A person assessed. ``identifier_code`` replaces the name and birth date in
    de-identified exports."""

    id: int
    display_name: str
    birth_date: str | None
    sex: str | None
    identifier_code: str
    created: str


def iso_date(text: str) -> str | None:
    """``text`` as an ISO date (YYYY-MM-DD), also from YYYY/MM/DD or YYYY.MM.DD; None when it
    is not a date in year-month-day order (day-first and month-first spellings are ambiguous
    and are not guessed)."""
    text = text.strip()
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return None


def age_on(birth_date: str | None, on: str | None = None) -> float | None:
    """Age in years on the ISO date ``on`` (today when None) of someone born on ``birth_date``
    (ISO); None when a date cannot be read or the age is absurd (negative, over 120)."""
    if not birth_date:
        return None
    try:
        born = date.fromisoformat(birth_date.strip())
        day = date.fromisoformat(on.strip()) if on else date.today()
    except ValueError:
        return None
    years = (day - born).days / 365.25
    return years if 0 <= years <= 120 else None


@dataclass(frozen=True)
class SessionRecord:
    """One assessment visit of a patient."""

    id: int
    patient_id: int
    date: str | None
    assessor: str | None
    referral_question: str | None
    walking_aid: str | None
    path: str | None
    created: str
    body_mass_kg: float | None = None


@dataclass(frozen=True)
class TrialRecord:
    """One recorded trial of a session: where its file is and its content hash."""

    id: int
    session_id: int
    path: str
    sha256: str
    name: str
    format: str


@dataclass(frozen=True)
class EditedEvent:
    """A user's edit of the gait events: an added/moved event, or (``deleted``) the removal of a
    file or detected event at that label, side and time."""

    label: str
    side: str | None
    time_s: float
    deleted: bool = False

    def to_event(self) -> Event:
        return Event(self.label, self.side, float(self.time_s), "user")  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "side": self.side,
            "time_s": self.time_s,
            "deleted": self.deleted,
        }


@dataclass(frozen=True)
class Assessment:
    """A stored assistant answer about a trial (``answer`` is ``Answer.to_dict()``)."""

    id: int
    trial_id: int
    task: str | None
    question: str
    answer: dict[str, Any]
    model_version: str | None
    created: str

    @staticmethod
    def encode(answer: dict[str, Any]) -> str:
        return json.dumps(answer, sort_keys=True)


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat about a trial."""

    role: Role
    text: str
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "created": self.created}


@dataclass(frozen=True)
class Note:
    """A clinician's free-text note on a trial or a session."""

    target: Literal["trial", "session"]
    target_id: int
    text: str
    updated: str


def apply_edits(
    events: list[Event], edits: list[EditedEvent], *, tol_s: float = 1e-3
) -> list[Event]:
    """The event list the user sees: file/detected ``events`` minus deleted ones, plus user ones.

    A deletion matches an event of the same label and side within ``tol_s`` seconds.
    """
    deleted = [e for e in edits if e.deleted]
    kept = [
        e
        for e in events
        if not any(
            d.label == e.label and d.side == e.side and abs(d.time_s - e.time_s) <= tol_s
            for d in deleted
        )
    ]
    kept += [e.to_event() for e in edits if not e.deleted]
    return sorted(kept, key=lambda e: e.time_s)
