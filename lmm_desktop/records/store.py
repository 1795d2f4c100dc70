"""The records store: patients, sessions, trials, edited events, assessments, chats and notes.

One :class:`RecordStore` per thread (SQLite connections are not shared across threads); with WAL,
readers in other threads or processes never block the writer. Every write is one transaction.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from lmm_desktop.core.errors import validate_choice
from lmm_desktop.records.models import (
    Assessment,
    ChatMessage,
    EditedEvent,
    Note,
    Patient,
    SessionRecord,
    TrialRecord,
)
from lmm_desktop.records.schema import RecordsError, connect, default_db_path, migrate

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely


def now_iso() -> str:
    """UTC time stamp, seconds precision (ISO 8601)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_identifier_code() -> str:
    """A random de-identification code such as ``P-7KQ2MX``."""
    return "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


class RecordStore:
    """The SQLite records database (see module docstring).

    Parameters
    ----------
    path
        Database file; ``data_dir()/records.sqlite`` by default.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self._conn = connect(self.path)
        migrate(self._conn)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` .. ``COMMIT``, rolled back on error)."""
        conn = self._conn
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _one(self, sql: str, args: Sequence[Any], what: str) -> sqlite3.Row:
        row = self._conn.execute(sql, args).fetchone()
        if row is None:
            raise RecordsError(f"No {what} in the records database '{self.path}'.")
        return row

    # ------------------------------------------------------------------ patients
    def add_patient(
        self,
        display_name: str,
        *,
        birth_date: str | None = None,
        sex: str | None = None,
        identifier_code: str | None = None,
    ) -> Patient:
        """Create a patient; a random identifier code is made when none is given."""
        if not display_name.strip():
            raise RecordsError("A patient needs a display name.")
        if sex is not None:
            validate_choice("sex", sex, ("male", "female", "other"))
        code = identifier_code or new_identifier_code()
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO patients (display_name, birth_date, sex, identifier_code, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (display_name.strip(), birth_date, sex, code, now_iso()),
            )
        return self.patient(int(cur.lastrowid or 0))

    def patient(self, patient_id: int) -> Patient:
        row = self._one(
            "SELECT * FROM patients WHERE id = ?", (patient_id,), f"patient with id {patient_id}"
        )
        return Patient(**dict(row))

    def patients(self) -> list[Patient]:
        rows = self._conn.execute("SELECT * FROM patients ORDER BY display_name, id")
        return [Patient(**dict(r)) for r in rows]

    def find_patient(self, display_name: str) -> Patient | None:
        """The first patient with exactly this display name (case-insensitive), or None."""
        row = self._conn.execute(
            "SELECT * FROM patients WHERE display_name = ? COLLATE NOCASE ORDER BY id LIMIT 1",
            (display_name.strip(),),
        ).fetchone()
        return None if row is None else Patient(**dict(row))

    def update_patient(self, patient_id: int, **fields: Any) -> Patient:
        """Change ``display_name``, ``birth_date`` or ``sex``."""
        return self._update(
            "patients", patient_id, fields, ("display_name", "birth_date", "sex"), self.patient
        )

    def delete_patient(self, patient_id: int) -> None:
        """Delete a patient with all their sessions, trials and what hangs off them."""
        with self.transaction() as c:
            c.execute("DELETE FROM patients WHERE id = ?", (patient_id,))

    # ------------------------------------------------------------------ sessions
    def add_session(
        self,
        patient_id: int,
        *,
        date: str | None = None,
        assessor: str | None = None,
        referral_question: str | None = None,
        walking_aid: str | None = None,
        path: str | Path | None = None,
    ) -> SessionRecord:
        self.patient(patient_id)  # clear message instead of a foreign-key error
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO sessions (patient_id, date, assessor, referral_question, walking_aid,"
                " path, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    patient_id,
                    date,
                    assessor,
                    referral_question,
                    walking_aid,
                    None if path is None else str(path),
                    now_iso(),
                ),
            )
        return self.session(int(cur.lastrowid or 0))

    def session(self, session_id: int) -> SessionRecord:
        row = self._one(
            "SELECT * FROM sessions WHERE id = ?", (session_id,), f"session with id {session_id}"
        )
        return SessionRecord(**dict(row))

    def sessions(self, patient_id: int) -> list[SessionRecord]:
        rows = self._conn.execute(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY date, id", (patient_id,)
        )
        return [SessionRecord(**dict(r)) for r in rows]

    def update_session(self, session_id: int, **fields: Any) -> SessionRecord:
        """Change ``date``, ``assessor``, ``referral_question``, ``walking_aid``, ``path`` or
        ``body_mass_kg``."""
        return self._update(
            "sessions",
            session_id,
            fields,
            ("date", "assessor", "referral_question", "walking_aid", "path", "body_mass_kg"),
            self.session,
        )

    # ------------------------------------------------------------------ trials
    def add_trial(
        self, session_id: int, *, path: str | Path, sha256: str, name: str, format: str
    ) -> TrialRecord:
        self.session(session_id)
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO trials (session_id, path, sha256, name, format) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, str(path), sha256, name, format),
            )
        return self.trial(int(cur.lastrowid or 0))

    def trial(self, trial_id: int) -> TrialRecord:
        row = self._one(
            "SELECT * FROM trials WHERE id = ?", (trial_id,), f"trial with id {trial_id}"
        )
        return TrialRecord(**dict(row))

    def trials(self, session_id: int) -> list[TrialRecord]:
        rows = self._conn.execute(
            "SELECT * FROM trials WHERE session_id = ? ORDER BY name", (session_id,)
        )
        return [TrialRecord(**dict(r)) for r in rows]

    def move_trial(self, trial_id: int, session_id: int) -> TrialRecord:
        """File trial ``trial_id`` under session ``session_id`` (its notes, edited events,
        assessments and chat go with it: they hang on the trial)."""
        self.trial(trial_id)
        self.session(session_id)
        with self.transaction() as c:
            c.execute("UPDATE trials SET session_id = ? WHERE id = ?", (session_id, trial_id))
        return self.trial(trial_id)

    def trials_by_sha256(self, sha256: str) -> list[TrialRecord]:
        """Trials whose file content has this hash (finds a file's records after a rename)."""
        rows = self._conn.execute("SELECT * FROM trials WHERE sha256 = ? ORDER BY id", (sha256,))
        return [TrialRecord(**dict(r)) for r in rows]

    # ------------------------------------------------------------------ edited events
    def set_edited_events(self, trial_id: int, edits: Sequence[EditedEvent]) -> None:
        """Replace the trial's edited events with ``edits`` (one transaction)."""
        self.trial(trial_id)
        stamp = now_iso()
        with self.transaction() as c:
            c.execute("DELETE FROM edited_events WHERE trial_id = ?", (trial_id,))
            c.executemany(
                "INSERT INTO edited_events (trial_id, label, side, time_s, source, deleted, "
                "updated) VALUES (?, ?, ?, ?, 'user', ?, ?)",
                [
                    (trial_id, e.label, e.side, float(e.time_s), int(e.deleted), stamp)
                    for e in edits
                ],
            )

    def edited_events(self, trial_id: int) -> list[EditedEvent]:
        rows = self._conn.execute(
            "SELECT label, side, time_s, deleted FROM edited_events WHERE trial_id = ? "
            "ORDER BY time_s, id",
            (trial_id,),
        )
        return [EditedEvent(r["label"], r["side"], r["time_s"], bool(r["deleted"])) for r in rows]

    # ------------------------------------------------------------------ assessments
    def add_assessment(self, trial_id: int, question: str, answer: dict[str, Any]) -> Assessment:
        """Store an assistant answer (``Answer.to_dict()``) about a trial."""
        self.trial(trial_id)
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO assessments (trial_id, task, question, answer_json, model_version,"
                " created) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    trial_id,
                    answer.get("task"),
                    question,
                    Assessment.encode(answer),
                    answer.get("model_version"),
                    now_iso(),
                ),
            )
        return self._assessment(int(cur.lastrowid or 0))

    def _assessment(self, assessment_id: int) -> Assessment:
        row = self._one(
            "SELECT * FROM assessments WHERE id = ?",
            (assessment_id,),
            f"assessment with id {assessment_id}",
        )
        return _assessment_from(row)

    def assessments(self, trial_id: int) -> list[Assessment]:
        rows = self._conn.execute(
            "SELECT * FROM assessments WHERE trial_id = ? ORDER BY created, id", (trial_id,)
        )
        return [_assessment_from(r) for r in rows]

    # ------------------------------------------------------------------ chats
    def add_chat_message(
        self, trial_id: int, role: Literal["user", "assistant"], text: str
    ) -> ChatMessage:
        validate_choice("role", role, ("user", "assistant"))
        self.trial(trial_id)
        stamp = now_iso()
        with self.transaction() as c:
            c.execute(
                "INSERT INTO chats (trial_id, role, text, created) VALUES (?, ?, ?, ?)",
                (trial_id, role, text, stamp),
            )
        return ChatMessage(role, text, stamp)

    def chat(self, trial_id: int) -> list[ChatMessage]:
        rows = self._conn.execute(
            "SELECT role, text, created FROM chats WHERE trial_id = ? ORDER BY id", (trial_id,)
        )
        return [ChatMessage(r["role"], r["text"], r["created"]) for r in rows]

    # ------------------------------------------------------------------ notes
    def set_note(self, target: Literal["trial", "session"], target_id: int, text: str) -> Note:
        """Create or replace the clinician's note on a trial or a session."""
        validate_choice("target", target, ("trial", "session"))
        (self.trial if target == "trial" else self.session)(target_id)
        column = f"{target}_id"
        stamp = now_iso()
        with self.transaction() as c:
            c.execute(
                f"INSERT INTO notes ({column}, text, updated) VALUES (?, ?, ?) "
                f"ON CONFLICT({column}) DO UPDATE SET text = excluded.text, "
                "updated = excluded.updated",
                (target_id, text, stamp),
            )
        return Note(target, target_id, text, stamp)

    def note(self, target: Literal["trial", "session"], target_id: int) -> Note | None:
        validate_choice("target", target, ("trial", "session"))
        row = self._conn.execute(
            f"SELECT text, updated FROM notes WHERE {target}_id = ?", (target_id,)
        ).fetchone()
        return None if row is None else Note(target, target_id, row["text"], row["updated"])

    # ------------------------------------------------------------------ helpers
    def _update(
        self, table: str, row_id: int, fields: dict[str, Any], allowed: tuple[str, ...], get: Any
    ) -> Any:
        for key in fields:
            validate_choice("field", key, allowed)
        get(row_id)
        if fields:
            sets = ", ".join(f"{k} = ?" for k in fields)
            with self.transaction() as c:
                c.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*fields.values(), row_id))
        return get(row_id)


def _assessment_from(row: sqlite3.Row) -> Assessment:
    return Assessment(
        id=row["id"],
        trial_id=row["trial_id"],
        task=row["task"],
        question=row["question"],
        answer=json.loads(row["answer_json"]),
        model_version=row["model_version"],
        created=row["created"],
    )
