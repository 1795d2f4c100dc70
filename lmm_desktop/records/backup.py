"""Back up and restore the records database (patients, sessions, trials, notes, edited events,
assessments, chats).

- :func:`backup_records` copies the database with SQLite's online backup (consistent while the
  app is open and writing), checks the copy's integrity, and only then moves it into place
  (atomic rename, readable by the user only). A failed backup leaves no half-written file.
- :func:`check_backup` reads a backup without changing it: that it is an LMM Desktop records
  database, its schema version (an older one is brought up to date when restored; a newer one
  is refused), SQLite's integrity check, and what it holds.
- :func:`restore_records` first keeps the current records aside (a backup of them named
  ``records-before-restore-<time>.sqlite`` next to the database), then copies the backup *into*
  the database through the same online backup, so connections that are open (the app's) read
  the restored records, and brings an older schema up to date. Nothing is lost: the records
  that were replaced are in the file it names.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from lmm_desktop.records.schema import (
    FILE_MODE,
    LATEST_VERSION,
    RecordsError,
    connect,
    default_db_path,
    migrate,
    schema_version,
)

TABLES = ("patients", "sessions", "trials", "edited_events", "assessments", "chats", "notes")
"""The tables a records database holds (and whose rows a backup counts)."""


@dataclass(frozen=True)
class BackupInfo:
    """What a records database or backup holds."""

    path: Path
    schema_version: int
    counts: dict[str, int]

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['patients']} patient(s), {c['sessions']} session(s), {c['trials']} trial(s), "
            f"{c['notes']} note(s), {c['edited_events']} edited event(s), "
            f"{c['assessments']} assistant answer(s), {c['chats']} chat message(s)"
        )


def _inspect(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    try:
        version = schema_version(conn)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise RecordsError(f"'{path}' is not an LMM Desktop records backup ({exc}).") from exc
    missing = [t for t in TABLES if t not in names]
    if version == 0 or "schema_version" not in names or (missing and version >= 1):
        raise RecordsError(
            f"'{path}' is not an LMM Desktop records backup (no "
            f"{'schema version' if version == 0 else ', '.join(missing)} table)."
        )
    if version > LATEST_VERSION:
        raise RecordsError(
            f"The backup '{path}' was written by a newer LMM Desktop (records schema {version}; "
            f"this version reads up to {LATEST_VERSION}); update the application to restore it."
        )
    ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if str(ok).lower() != "ok":
        raise RecordsError(f"The backup '{path}' is damaged (SQLite integrity check: {ok}).")
    counts = {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}
    return BackupInfo(path, version, counts)


def check_backup(path: str | Path) -> BackupInfo:
    """Read a backup file (without changing it) and say what it holds.

    Raises
    ------
    RecordsError
        Missing, empty, not an LMM Desktop records database, from a newer version, or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordsError(f"No backup file at '{path}'.")
    if path.stat().st_size == 0:
        raise RecordsError(f"The backup '{path}' is empty (0 bytes).")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RecordsError(f"Cannot read the backup '{path}': {exc}.") from exc
    try:
        return _inspect(conn, path)
    except sqlite3.DatabaseError as exc:
        raise RecordsError(
            f"'{path}' is not an LMM Desktop records backup, or it is damaged ({exc})."
        ) from exc
    finally:
        conn.close()


def _copy(src: sqlite3.Connection, out: Path) -> None:
    """Online backup of ``src`` into a new file ``out`` (created private)."""
    fd = os.open(out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
        # one self-contained file: no -wal / -shm companions beside the backup
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()


def backup_records(out: str | Path, db: str | Path | None = None) -> BackupInfo:
    """Copy the records database ``db`` (the user's by default) to ``out``.

    The copy is made beside ``out`` under a temporary name, checked, then renamed into place,
    so ``out`` is either the old file or a complete backup.

    Raises
    ------
    RecordsError
        No database, ``out`` is the database itself or not writable, or the copy failed.
    """
    db = Path(db) if db is not None else default_db_path()
    out = Path(out)
    if not db.is_file():
        raise RecordsError(f"No records database at '{db}' to back up.")
    if out.exists() and out.resolve() == db.resolve():
        raise RecordsError("Choose another file for the backup than the records database itself.")
    if not out.parent.is_dir():
        raise RecordsError(f"The folder '{out.parent}' does not exist; choose another place.")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    src = connect(db)
    try:
        _copy(src, tmp)
        info = check_backup(tmp)
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as exc:
        raise RecordsError(f"Cannot write the backup '{out}': {exc}.") from exc
    finally:
        src.close()
        if tmp.exists():
            tmp.unlink()
    return BackupInfo(out, info.schema_version, info.counts)


def restore_records(
    backup: str | Path, db: str | Path | None = None
) -> tuple[BackupInfo, Path | None]:
    """Replace the records in ``db`` (the user's by default) with those of ``backup``.

    Returns what was restored and where the replaced records were kept (None when there were
    none to keep).

    Raises
    ------
    RecordsError
        The backup is not a usable records backup (nothing is changed), or the database cannot
        be written.
    """
    db = Path(db) if db is not None else default_db_path()
    check_backup(backup)
    if db.exists() and Path(backup).resolve() == db.resolve():
        raise RecordsError("The backup is the records database itself; choose a backup file.")
    kept: Path | None = None
    if db.is_file() and db.stat().st_size > 0:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = db.with_name(f"records-before-restore-{stamp}.sqlite")
        n = 1
        while kept.exists():
            n += 1
            kept = db.with_name(f"records-before-restore-{stamp}-{n}.sqlite")
        backup_records(kept, db)
    dst = connect(db)
    src = sqlite3.connect(f"file:{Path(backup)}?mode=ro", uri=True)
    try:
        src.backup(dst)
        migrate(dst)  # an older backup's schema brought up to date
        restored = _inspect(dst, db)
    except sqlite3.Error as exc:
        raise RecordsError(
            f"Cannot restore the records into '{db}': {exc}."
            + (f" The records before the restore are in '{kept}'." if kept else "")
        ) from exc
    finally:
        src.close()
        dst.close()
    return BackupInfo(Path(backup), restored.schema_version, restored.counts), kept


__all__ = ["TABLES", "BackupInfo", "backup_records", "check_backup", "restore_records"]
