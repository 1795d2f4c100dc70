"""Records store: CRUD, WAL, foreign keys, permissions, migrations, OpenCap import."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from lmm_desktop.core.errors import InvalidValueError, LmmError
from lmm_desktop.core.trial import Event
from lmm_desktop.records import (
    LATEST_VERSION,
    EditedEvent,
    RecordsError,
    RecordStore,
    apply_edits,
    import_opencap_session,
    sha256_of,
)
from lmm_desktop.records.schema import connect, migrate, schema_version


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    with RecordStore(tmp_path / "db" / "records.sqlite") as s:
        yield s


def _trial(store: RecordStore) -> int:
    p = store.add_patient("Ada Lovelace", birth_date="1815-12-10", sex="female")
    s = store.add_session(p.id, date="2026-11-20", assessor="Dr B", walking_aid="none")
    return store.add_trial(s.id, path="/x/walk.mot", sha256="ab" * 32, name="walk", format="mot").id


def test_default_location_wal_and_permissions() -> None:
    from lmm_desktop.core.paths import data_dir

    with RecordStore() as s:
        assert s.path == data_dir() / "records.sqlite"
        s.add_patient("A B")
        assert s.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert stat.S_IMODE(s.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(s.path.parent.stat().st_mode) == 0o700
        wal = s.path.with_name("records.sqlite-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_patient_session_trial_crud(store: RecordStore) -> None:
    p = store.add_patient("  Ada Lovelace ", birth_date="1815-12-10", sex="female")
    assert p.display_name == "Ada Lovelace" and p.identifier_code.startswith("P-")
    assert len(p.identifier_code) == 8
    assert store.find_patient("ada lovelace") == p
    p2 = store.update_patient(p.id, birth_date="1815-12-11")
    assert p2.birth_date == "1815-12-11" and p2.identifier_code == p.identifier_code
    s = store.add_session(
        p.id,
        date="2026-11-20",
        assessor="Dr B",
        referral_question="Falls?",
        walking_aid="cane",
        path="/data/s1",
    )
    assert store.sessions(p.id) == [s]
    assert store.update_session(s.id, walking_aid="walker").walking_aid == "walker"
    t = store.add_trial(s.id, path="/data/s1/walk.mot", sha256="0" * 64, name="walk", format="mot")
    assert store.trials(s.id) == [t]
    assert store.trials_by_sha256("0" * 64) == [t]
    with pytest.raises(sqlite3.IntegrityError):  # one name per session
        store.add_trial(s.id, path="/other.mot", sha256="1" * 64, name="walk", format="mot")
    with pytest.raises(InvalidValueError, match="Allowed values are 'male', 'female', 'other'"):
        store.add_patient("X", sex="m")
    with pytest.raises(RecordsError, match="No patient with id 999"):
        store.add_session(999)
    store.delete_patient(p.id)  # cascades
    assert store.trials_by_sha256("0" * 64) == []
    assert store.connection.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_events_assessments_chats_notes(store: RecordStore) -> None:
    tid = _trial(store)
    edits = [
        EditedEvent("heel_strike", "left", 0.57, deleted=True),
        EditedEvent("heel_strike", "left", 0.60),
    ]
    store.set_edited_events(tid, edits)
    assert store.edited_events(tid) == edits
    detected = [
        Event("heel_strike", "left", 0.57, "detected"),
        Event("toe_off", "right", 0.8, "detected"),
    ]
    seen = apply_edits(detected, store.edited_events(tid))
    assert [(e.label, e.time_s, e.source) for e in seen] == [
        ("heel_strike", 0.60, "user"),
        ("toe_off", 0.8, "detected"),
    ]
    with pytest.raises(sqlite3.IntegrityError):  # edited events are always 'user'
        store.connection.execute(
            "INSERT INTO edited_events (trial_id, label, time_s, source, updated) "
            "VALUES (?, 'x', 1, 'detected', 'now')",
            (tid,),
        )
    answer = {
        "text": "Stroke.",
        "task": "diagnosis",
        "label": "stroke",
        "probabilities": {"stroke": 0.7, "parkinsons": 0.3},
        "model_version": "m@1",
    }
    a = store.add_assessment(tid, "What is the most likely diagnosis?", answer)
    assert store.assessments(tid) == [a]
    assert a.answer["probabilities"] == {"stroke": 0.7, "parkinsons": 0.3}
    assert a.model_version == "m@1" and a.task == "diagnosis"
    store.add_chat_message(tid, "user", "Is the gait impaired?")
    store.add_chat_message(tid, "assistant", "Yes.")
    assert [(m.role, m.text) for m in store.chat(tid)] == [
        ("user", "Is the gait impaired?"),
        ("assistant", "Yes."),
    ]
    store.set_note("trial", tid, "first")
    store.set_note("trial", tid, "second")  # replaces
    assert store.note("trial", tid).text == "second"  # type: ignore[union-attr]
    assert store.connection.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 1
    assert store.note("session", 1) is None


def test_failed_transaction_leaves_nothing(store: RecordStore) -> None:
    tid = _trial(store)
    store.set_edited_events(tid, [EditedEvent("toe_off", "left", 1.0)])
    with pytest.raises(RuntimeError), store.transaction():
        store.set_edited_events(tid, [])
        raise RuntimeError("crash in the middle")
    assert store.edited_events(tid) == [EditedEvent("toe_off", "left", 1.0)]


def test_migrations_idempotent_and_stepwise(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    conn = connect(path)
    assert migrate(conn, upto=1) == [1]
    assert schema_version(conn) == 1
    conn.close()
    with RecordStore(path) as s:  # opening migrates the rest
        assert schema_version(s.connection) == LATEST_VERSION
        assert migrate(s.connection) == []
        names = {r[0] for r in s.connection.execute("SELECT name FROM sqlite_master")}
        assert "idx_trials_sha256" in names
    with RecordStore(path) as s:
        n = s.connection.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert n == LATEST_VERSION
        s.connection.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(RecordsError, match="newer than this version"):
        RecordStore(path)


def test_concurrent_reader_while_writing(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    writer = RecordStore(path)
    pid = writer.add_patient("W").id
    counts: list[int] = []

    def read() -> None:
        with RecordStore(path) as reader:
            counts.append(len(reader.patients()))

    with writer.transaction():
        writer.add_session(pid)
        t = threading.Thread(target=read)
        t.start()
        t.join(5)  # a WAL reader is not blocked by the open write transaction
    assert counts == [1]
    writer.close()


def test_import_opencap_session(
    store: RecordStore, opencap_session: Path, fixtures_dir: Path
) -> None:
    p = store.add_patient("Subject One")
    session, trials = import_opencap_session(
        store, p.id, opencap_session, assessor="Dr B", date="2026-11-20"
    )
    assert [t.name for t in trials] == ["squats1_videoAndMocap", "walking1_videoAndMocap"]
    assert all(t.format == "opencap" for t in trials)
    walk = trials[1]
    assert walk.sha256 == sha256_of(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")
    assert len(walk.sha256) == 64
    assert Path(walk.path).name == "walking1_videoAndMocap.mot"
    assert session.date == "2026-11-20" and session.path == str(opencap_session.resolve())
    assert store.patient(p.id).sex == "female"  # from gender_mf: f
    assert store.trials(session.id) == trials


def test_import_rejects_non_session(store: RecordStore, tmp_path: Path) -> None:
    from lmm_desktop.core.errors import TrialReadError

    p = store.add_patient("X")
    with pytest.raises(TrialReadError, match="not an OpenCap session folder"):
        import_opencap_session(store, p.id, tmp_path)
    assert store.sessions(p.id) == []


def test_age_on_a_date_from_the_birth_date() -> None:
    from lmm_desktop.records.models import age_on

    assert age_on("1950-03-01", "2026-11-20") == pytest.approx(76.72, abs=0.01)
    assert age_on("1950-03-01", "1950-03-01") == 0.0
    for born, on in (
        (None, "2026-01-01"),
        ("", None),
        ("01/03/1950", "2026-11-20"),  # not ISO: unknown, never guessed
        ("1950-03-01", "next week"),
        ("2030-01-01", "2026-11-20"),  # born after the session
        ("1800-01-01", "2026-11-20"),  # absurd
    ):
        assert age_on(born, on) is None


def test_move_trial_keeps_its_notes_edits_and_chat(store: RecordStore) -> None:
    a = store.add_patient("A")
    b = store.add_patient("B")
    sa, sb = store.add_session(a.id), store.add_session(b.id)
    t = store.add_trial(sa.id, path="/x.mot", sha256="0" * 64, name="x", format="mot")
    store.set_note("trial", t.id, "note")
    store.add_chat_message(t.id, "user", "hello")
    moved = store.move_trial(t.id, sb.id)
    assert moved.session_id == sb.id and store.trials(sa.id) == []
    assert store.note("trial", t.id).text == "note"  # type: ignore[union-attr]
    assert [m.text for m in store.chat(t.id)] == ["hello"]
    with pytest.raises(LmmError):
        store.move_trial(t.id, 9999)
    assert store.trial(t.id).session_id == sb.id  # unchanged by the refused move


def test_iso_date_reads_year_first_spellings_only() -> None:
    from lmm_desktop.records.models import iso_date

    assert iso_date("1950-03-01") == iso_date(" 1950/3/1 ") == iso_date("1950.03.01")
    assert iso_date("1950-03-01") == "1950-03-01"
    for bad in ("01/03/1950", "03-01-1950", "1950-02-30", "1950-3", "", "yesterday"):
        assert iso_date(bad) is None, bad


def test_a_session_keeps_its_data_and_gains_a_body_mass(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    conn = connect(path)
    migrate(conn, upto=2)  # a database from before the body mass
    conn.execute("INSERT INTO patients (display_name, identifier_code, created) "
                 "VALUES ('A', 'P-1', 'now')")
    conn.execute("INSERT INTO sessions (patient_id, date, assessor, created) "
                 "VALUES (1, '2026-01-02', 'Dr B', 'now')")
    conn.close()
    with RecordStore(path) as s:
        sess = s.session(1)
        assert (sess.date, sess.assessor, sess.body_mass_kg) == ("2026-01-02", "Dr B", None)
        assert s.update_session(1, body_mass_kg=71.5).body_mass_kg == 71.5
        with pytest.raises(sqlite3.IntegrityError):  # an absurd mass never lands
            s.update_session(1, body_mass_kg=1000.0)
        assert s.session(1).body_mass_kg == 71.5
