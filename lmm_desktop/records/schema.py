"""The records database file: opening it safely (permissions, WAL, foreign keys) and migrating it.

The schema is a list of numbered migrations applied in order inside one transaction each; the
``schema_version`` table records the highest applied. Opening an up-to-date database applies
nothing, so :func:`migrate` is idempotent. A database written by a newer version of the app is
refused with a message rather than silently downgraded.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from lmm_desktop.core.errors import LmmError

DB_NAME = "records.sqlite"
FILE_MODE = 0o600
FOLDER_MODE = 0o700
BUSY_TIMEOUT_MS = 5000


class RecordsError(LmmError):
    """The records database cannot be opened, migrated or written, or a record is missing."""


_V1 = """
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    display_name TEXT NOT NULL,
    birth_date TEXT,
    sex TEXT CHECK (sex IS NULL OR sex IN ('male', 'female', 'other')),
    identifier_code TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    date TEXT,
    assessor TEXT,
    referral_question TEXT,
    walking_aid TEXT,
    path TEXT,
    created TEXT NOT NULL
);
CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    UNIQUE (session_id, name)
);
CREATE TABLE edited_events (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
    time_s REAL NOT NULL,
    source TEXT NOT NULL DEFAULT 'user' CHECK (source = 'user'),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    updated TEXT NOT NULL
);
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    task TEXT,
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    model_version TEXT,
    created TEXT NOT NULL
);
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER UNIQUE REFERENCES trials(id) ON DELETE CASCADE,
    session_id INTEGER UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    updated TEXT NOT NULL,
    CHECK ((trial_id IS NULL) <> (session_id IS NULL))
);
"""

_V2 = """
CREATE INDEX idx_sessions_patient ON sessions(patient_id);
CREATE INDEX idx_trials_session ON trials(session_id);
CREATE INDEX idx_trials_sha256 ON trials(sha256);
CREATE INDEX idx_edited_events_trial ON edited_events(trial_id);
CREATE INDEX idx_assessments_trial ON assessments(trial_id);
CREATE INDEX idx_chats_trial ON chats(trial_id);
"""

_V3 = """
ALTER TABLE sessions ADD COLUMN body_mass_kg REAL
    CHECK (body_mass_kg IS NULL OR (body_mass_kg >= 10 AND body_mass_kg <= 400));
"""
"""The body mass measured at the visit (kg): force-plate figures in body weights."""

MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1), (2, _V2), (3, _V3))
"""(version, SQL) in order; append new ones, never edit a released one."""

LATEST_VERSION = MIGRATIONS[-1][0]


def default_db_path() -> Path:
    """``data_dir()/records.sqlite``."""
    from lmm_desktop.core.paths import data_dir

    return data_dir() / DB_NAME


def _secure_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if stat.S_IMODE(folder.stat().st_mode) != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)


def _secure_files(path: Path) -> None:
    """The database and its WAL/shared-memory companions readable by the user only."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists() and stat.S_IMODE(p.stat().st_mode) != FILE_MODE:
            os.chmod(p, FILE_MODE)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database with WAL, foreign keys and 0o600 permissions.

    The connection is in autocommit mode: every write goes through an explicit transaction
    (see :meth:`~lmm_desktop.records.store.RecordStore.transaction`).

    Raises
    ------
    RecordsError
        The file cannot be created or opened (permissions, not a database, disk full).
    """
    path = Path(path)
    _secure_folder(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)  # created private, not chmod'ed
        os.close(fd)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise RecordsError(
            f"Cannot open the records database '{path}': {exc}. If the file is damaged, restore "
            "it from a backup or move it aside to start an empty one."
        ) from exc
    if str(mode).lower() != "wal":
        conn.close()
        raise RecordsError(
            f"The records database '{path}' cannot use write-ahead logging (journal mode "
            f"{mode!r}); keep it on a local disk, not a network share."
        )
    _secure_files(path)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """Highest applied migration (0 for an empty database)."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not has_table:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, *, upto: int | None = None) -> list[int]:
    """Apply the migrations not yet applied (up to ``upto``); returns the versions applied.

    Raises
    ------
    RecordsError
        The database was written by a newer version of LMM Desktop.
    """
    target = LATEST_VERSION if upto is None else upto
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise RecordsError(
            f"The records database has schema version {current}, newer than this version of "
            f"LMM Desktop reads ({LATEST_VERSION}); update the application."
        )
    applied: list[int] = []
    for version, sql in MIGRATIONS:
        if version <= current or version > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version == 1:
                conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied TEXT)")
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, datetime('now'))",
                (version,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
