"""Autosave journal: atomic entries, clearing on commit, recovery after a hard kill."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lmm_desktop.records import Autosave, RecordStore, restore


def test_save_update_flush_clear(tmp_path: Path) -> None:
    auto = Autosave(tmp_path / "autosave")
    key = Autosave.key_for("note", 3)
    assert key == "note:trial:3"
    path = auto.save(key, "note", {"target": "trial", "id": 3, "text": "draft"})
    assert path.name == "note_trial_3.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "autosave").stat().st_mode) == 0o700
    auto.update(key, "note", {"target": "trial", "id": 3, "text": "draft 2"})  # in memory only
    assert json.loads(path.read_text())["payload"]["text"] == "draft"
    assert auto.flush() == 1
    assert json.loads(path.read_text())["payload"]["text"] == "draft 2"
    assert auto.flush() == 0
    assert [p.key for p in auto.pending_recovery()] == [key]
    auto.clear(key)
    assert auto.pending_recovery() == []
    assert not list((tmp_path / "autosave").iterdir())  # no temporary files left behind


def test_damaged_entry_is_set_aside(tmp_path: Path) -> None:
    auto = Autosave(tmp_path)
    auto.save("chat:trial:1", "chat", {"trial_id": 1, "messages": []})
    (tmp_path / "broken.json").write_text("{not json")
    assert [p.kind for p in auto.pending_recovery()] == ["chat"]
    assert (tmp_path / "broken.damaged").exists()


def test_restore_events_and_chat(tmp_path: Path) -> None:
    auto = Autosave(tmp_path / "a")
    with RecordStore(tmp_path / "r.sqlite") as store:
        p = store.add_patient("P")
        s = store.add_session(p.id)
        t = store.add_trial(s.id, path="/w.mot", sha256="f" * 64, name="w", format="mot")
        auto.save(
            Autosave.key_for("events", t.id),
            "events",
            {
                "trial_id": t.id,
                "edits": [
                    {"label": "heel_strike", "side": "right", "time_s": 1.25, "deleted": False}
                ],
            },
        )
        auto.save(
            Autosave.key_for("chat", t.id),
            "chat",
            {
                "trial_id": t.id,
                "messages": [
                    {"role": "user", "text": "Why?"},
                    {"role": "assistant", "text": "Because."},
                ],
            },
        )
        for edit in auto.pending_recovery():
            restore(store, edit, auto)
        assert [(e.label, e.time_s) for e in store.edited_events(t.id)] == [("heel_strike", 1.25)]
        assert [m.text for m in store.chat(t.id)] == ["Why?", "Because."]
        assert auto.pending_recovery() == []


CHILD = textwrap.dedent("""
    import sys, time
    from lmm_desktop.records import Autosave, RecordStore
    store = RecordStore()
    p = store.add_patient("Grace Hopper")
    s = store.add_session(p.id)
    t = store.add_trial(s.id, path="/walk.mot", sha256="e" * 64, name="walk", format="mot")
    auto = Autosave()
    auto.save(Autosave.key_for("note", t.id), "note",
              {"target": "trial", "id": t.id, "text": "Knee hyperextension in mid-stance"})
    print("saved", t.id, flush=True)
    time.sleep(60)  # killed here, before the note is committed
    store.set_note("trial", t.id, "never reached")
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_note_survives_kill_9() -> None:
    env = dict(os.environ)  # LMM_DESKTOP_HOME points at this test's own folder
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line[:1] == ["saved"], child.stderr.read() if child.stderr else ""
        trial_id = int(line[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    with RecordStore() as store:
        assert store.note("trial", trial_id) is None  # not committed
        auto = Autosave()
        pending = auto.pending_recovery()
        assert [(p.kind, p.payload["text"]) for p in pending] == [
            ("note", "Knee hyperextension in mid-stance")
        ]
        assert "unsaved note on trial" in pending[0].describe()
        restore(store, pending[0], auto)
        assert store.note("trial", trial_id).text == "Knee hyperextension in mid-stance"  # type: ignore[union-attr]
        assert auto.pending_recovery() == []
