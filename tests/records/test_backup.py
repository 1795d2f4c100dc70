"""Backing up and restoring the records: consistent while open, atomic, checked, reversible."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from lmm_desktop.records import RecordsError, RecordStore
from lmm_desktop.records.backup import backup_records, check_backup, restore_records
from lmm_desktop.records.schema import migrate


def _fill(store: RecordStore, name: str = "Ada Lovelace") -> int:
    p = store.add_patient(name, birth_date="1940-12-10")
    s = store.add_session(p.id, date="2026-12-01", assessor="Dr Ruth")
    t = store.add_trial(s.id, path="/data/walk.mot", sha256="ab" * 32, name="walk", format="mot")
    store.set_note("trial", t.id, "Slow turn; uses a cane outdoors.")
    store.add_chat_message(t.id, "user", "How fast does she walk?")
    return t.id


def test_backup_while_open_then_restore_after_changes(tmp_path: Path) -> None:
    db = tmp_path / "records.sqlite"
    store = RecordStore(db)
    tid = _fill(store)
    out = tmp_path / "backup.sqlite"
    info = backup_records(out, db)  # the store stays open and in WAL mode
    assert info.counts["patients"] == 1 and info.counts["notes"] == 1
    assert info.counts["chats"] == 1 and "1 patient(s)" in info.summary()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # patient data: the user's only
    assert not list(tmp_path.glob(".backup.sqlite*.tmp"))  # nothing half-written left
    assert not (tmp_path / "backup.sqlite-wal").exists()  # one self-contained file
    # the records change after the backup: a second patient, the note rewritten
    store.add_patient("Grace Hopper")
    store.set_note("trial", tid, "Rewritten by mistake")
    restored, kept = restore_records(out, db)
    assert restored.counts["patients"] == 1
    # the open connection reads the restored records
    assert [p.display_name for p in store.patients()] == ["Ada Lovelace"]
    note = store.note("trial", tid)
    assert note is not None and note.text == "Slow turn; uses a cane outdoors."
    # and nothing is lost: the replaced records were kept aside
    assert kept is not None and kept.name.startswith("records-before-restore-")
    with RecordStore(kept) as before:
        assert {p.display_name for p in before.patients()} == {"Ada Lovelace", "Grace Hopper"}
    store.close()


def test_an_older_backup_is_brought_up_to_date(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old)
    conn.isolation_level = None
    migrate(conn, upto=2)  # a backup from before the body mass column
    conn.execute("INSERT INTO patients (display_name, identifier_code, created) "
                 "VALUES ('Old Patient', 'P-OLD001', '2026-01-01')")
    conn.close()
    assert check_backup(old).schema_version == 2
    db = tmp_path / "records.sqlite"
    restored, kept = restore_records(old, db)
    assert kept is None  # there was no database yet
    with RecordStore(db) as store:
        assert [p.identifier_code for p in store.patients()] == ["P-OLD001"]
        s = store.add_session(store.patients()[0].id)
        assert store.update_session(s.id, body_mass_kg=70.0).body_mass_kg == 70.0
    assert restored.schema_version == 3


def test_bad_backups_are_refused_and_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "records.sqlite"
    with RecordStore(db) as store:
        _fill(store)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all " * 100)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.sqlite"
    backup_records(newer, db)
    with sqlite3.connect(newer) as c:
        c.execute("INSERT INTO schema_version (version, applied) VALUES (99, 'future')")
    truncated = tmp_path / "truncated.sqlite"
    backup_records(truncated, db)
    truncated.write_bytes(truncated.read_bytes()[:2048])
    cases = [
        (tmp_path / "missing.sqlite", "No backup file"),
        (empty, "empty"),
        (text, "not an LMM Desktop records backup"),
        (other, "not an LMM Desktop records backup"),
        (newer, "newer LMM Desktop"),
        (truncated, "malformed|damaged"),  # cut short: SQLite sees a malformed image
    ]
    for path, words in cases:
        with pytest.raises(RecordsError, match=words):
            restore_records(path, db)
    with RecordStore(db) as store:  # untouched
        assert [p.display_name for p in store.patients()] == ["Ada Lovelace"]
    assert not list(tmp_path.glob("records-before-restore-*"))  # nothing was replaced


def test_backup_errors_say_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "records.sqlite"
    with pytest.raises(RecordsError, match="No records database"):
        backup_records(tmp_path / "b.sqlite", db)
    RecordStore(db).close()
    with pytest.raises(RecordsError, match="another file"):
        backup_records(db, db)
    with pytest.raises(RecordsError, match="does not exist"):
        backup_records(tmp_path / "nowhere" / "b.sqlite", db)
    good = tmp_path / "b.sqlite"
    good.write_text("the previous backup")  # replaced only by a complete new one
    backup_records(good, db)
    assert check_backup(good).counts["patients"] == 0
