"""Records: the SQLite store of patients, sessions, trials, edited events, assessments, chats and
notes; the autosave journal and crash recovery."""

from __future__ import annotations

from lmm_desktop.records.autosave import Autosave, PendingEdit, restore
from lmm_desktop.records.importer import import_opencap_session, import_trial_file, sha256_of
from lmm_desktop.records.models import (
    Assessment,
    ChatMessage,
    EditedEvent,
    Note,
    Patient,
    SessionRecord,
    TrialRecord,
    apply_edits,
)
from lmm_desktop.records.schema import LATEST_VERSION, RecordsError
from lmm_desktop.records.store import RecordStore

__all__ = [
    "LATEST_VERSION",
    "Assessment",
    "Autosave",
    "ChatMessage",
    "EditedEvent",
    "Note",
    "Patient",
    "PendingEdit",
    "RecordStore",
    "RecordsError",
    "SessionRecord",
    "TrialRecord",
    "apply_edits",
    "import_opencap_session",
    "import_trial_file",
    "restore",
    "sha256_of",
]
