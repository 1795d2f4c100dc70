"""TrialRecords: what links the window's open trial to the records store.

It finds the open trial in the records (by its file's sha256, so a renamed file keeps its records),
adds it under an 'Unfiled' patient the first time the clinician writes something about it, and
keeps the clinician's edited gait events: every edit goes to the autosave journal first, then to
the ``edited_events`` table as a difference against the file/detected events (deleted ones and the
user's own), so reopening the trial rebuilds exactly what the clinician saw.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.trial import Event, Trial
from lmm_desktop.records.autosave import Autosave
from lmm_desktop.records.importer import sha256_of
from lmm_desktop.records.models import EditedEvent, TrialRecord, age_on, apply_edits
from lmm_desktop.records.store import RecordStore

log = logging.getLogger(__name__)

UNFILED = "Unfiled"
_TOL_S = 1e-6


def trial_file(trial: Trial) -> Path | None:
    """The file holding ``trial`` (None for a trial made in memory)."""
    path = trial.provenance.path
    return Path(path) if path is not None and Path(path).is_file() else None


def edits_between(base: list[Event], current: list[Event]) -> list[EditedEvent]:
    """The edits that turn ``base`` (file/detected events) into ``current`` (what the user sees).

    A base event missing from ``current`` becomes a deletion; an event of ``current`` that is not
    in ``base`` (added or moved by the user) becomes a user event.
    """

    def same(a: Event, b: Event) -> bool:
        return (
            a.label == b.label
            and a.side == b.side
            and a.source == b.source
            and abs(a.time_s - b.time_s) <= _TOL_S
        )

    deleted = [
        EditedEvent(e.label, e.side, float(e.time_s), True)
        for e in base
        if not any(same(e, c) for c in current)
    ]
    added = [
        EditedEvent(e.label, e.side, float(e.time_s), False)
        for e in current
        if not any(same(e, b) for b in base)
    ]
    return sorted(deleted + added, key=lambda e: (e.time_s, e.deleted))


class TrialRecords:
    """The records side of the open trial (UI thread only: the store is not thread-safe).

    Parameters
    ----------
    store, autosave
        The records database and the autosave journal (the user's by default).
    """

    def __init__(self, store: RecordStore | None = None, autosave: Autosave | None = None) -> None:
        self.store = store if store is not None else RecordStore()
        self.autosave = autosave if autosave is not None else Autosave()
        self.trial: Trial | None = None
        self.trial_id: int | None = None
        self.base_events: list[Event] = []

    def close(self) -> None:
        self.store.close()

    # -- which trial -------------------------------------------------------------------------
    def find(self, trial: Trial) -> int | None:
        """Records id of ``trial`` (same content hash, preferring the same path), or None."""
        path = trial_file(trial)
        if path is None:
            return None
        matches = self.store.trials_by_sha256(sha256_of(path))
        same_name = [m for m in matches if m.name == trial.name] or matches
        same_path = [m for m in same_name if Path(m.path).resolve() == path.resolve()]
        chosen = same_path or same_name
        return chosen[0].id if chosen else None

    def set_trial(self, trial: Trial | None, base_events: list[Event]) -> int | None:
        """Make ``trial`` the open one; returns its records id (None: not in the records)."""
        self.trial, self.base_events = trial, list(base_events)
        try:
            self.trial_id = None if trial is None else self.find(trial)
        except OSError as exc:
            log.warning("cannot hash the trial file for the records: %s", exc)
            self.trial_id = None
        return self.trial_id

    def ensure_trial(self) -> tuple[int | None, bool]:
        """Records id of the open trial, adding it under 'Unfiled' when needed.

        Returns
        -------
        (id, added)
            ``id`` None when the trial has no file to point at; ``added`` True when it was just
            added to the records.
        """
        if self.trial_id is not None or self.trial is None:
            return self.trial_id, False
        path = trial_file(self.trial)
        if path is None:
            return None, False
        rec = self._add_unfiled(self.trial, path)
        self.trial_id = rec.id
        return rec.id, True

    def _add_unfiled(self, trial: Trial, path: Path) -> TrialRecord:
        patient = self.store.find_patient(UNFILED) or self.store.add_patient(UNFILED)
        sessions = self.store.sessions(patient.id)
        with self.store.transaction():
            session = sessions[0] if sessions else self.store.add_session(patient.id)
            return self.store.add_trial(
                session.id,
                path=path.resolve(),
                sha256=sha256_of(path),
                name=trial.name,
                format=trial.provenance.format,
            )

    def patient_age_years(self) -> float | None:
        """Age of the open trial's patient on its session's date (from the birth date in the
        records); None when the trial is not filed or no birth date is known."""
        if self.trial_id is None:
            return None
        rec = self.store.trial(self.trial_id)
        session = self.store.session(rec.session_id)
        return age_on(self.store.patient(session.patient_id).birth_date, session.date)

    def patient_sex(self) -> str | None:
        """The sex recorded for the open trial's patient ('female', 'male', 'other'), or None
        when the trial is not filed or none is recorded."""
        if self.trial_id is None:
            return None
        rec = self.store.trial(self.trial_id)
        return self.store.patient(self.store.session(rec.session_id).patient_id).sex or None

    def session_mass_kg(self) -> float | None:
        """The body mass recorded for the open trial's session, or None."""
        if self.trial_id is None:
            return None
        return self.store.session(self.store.trial(self.trial_id).session_id).body_mass_kg

    def save_session_mass(self, mass_kg: float) -> bool:
        """Record the body mass on the open trial's session (filing the trial under 'Unfiled'
        first when it is not in the records: returns True then)."""
        trial_id, added = self.ensure_trial()
        if trial_id is None:
            return False
        session_id = self.store.trial(trial_id).session_id
        self.store.update_session(session_id, body_mass_kg=float(mass_kg))
        return added

    # -- edited events -----------------------------------------------------------------------
    def saved_view(self) -> list[Event] | None:
        """The events as the clinician left them (None when they never edited this trial)."""
        if self.trial_id is None:
            return None
        edits = self.store.edited_events(self.trial_id)
        return apply_edits(self.base_events, edits) if edits else None

    def save_events(self, events: list[Event]) -> bool:
        """Journal, then commit, the user's ``events`` as edits of the base events.

        Returns True when the trial was just added to the records under 'Unfiled'.
        Raises LmmError or sqlite3.Error when the records cannot be written (the journal keeps
        the edits for recovery).
        """
        trial_id, added = self.ensure_trial()
        if trial_id is None:
            return False
        edits = edits_between(self.base_events, events)
        key = Autosave.key_for("events", trial_id)
        payload = {"trial_id": trial_id, "edits": [e.to_dict() for e in edits]}
        self.autosave.save(key, "events", payload)
        self.store.set_edited_events(trial_id, edits)
        self.autosave.clear(key)
        return added


RecordsFailure = (LmmError, sqlite3.Error, OSError)
