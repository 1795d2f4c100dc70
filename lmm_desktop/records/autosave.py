"""Autosave journal for work not yet committed to the records: notes being typed, events being
edited, chats in progress.

Each piece of work has a key (``note:trial:12``); every change is written atomically to
``data_dir()/autosave/<key>.json``, so a crash loses at most the change being typed. Committing
the work to the database clears its entry. On the next start :meth:`Autosave.pending_recovery`
lists what was left behind and :func:`restore` commits a chosen entry to the records.

Debouncing: the UI may call :meth:`Autosave.update` on every keystroke (it only marks the entry
dirty, in memory) and :meth:`Autosave.flush` from a timer; :meth:`Autosave.save` does both.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.records.models import EditedEvent
from lmm_desktop.records.schema import FOLDER_MODE, RecordsError
from lmm_desktop.records.store import RecordStore, now_iso

log = logging.getLogger(__name__)

Kind = Literal["note", "events", "chat"]
KINDS: tuple[str, ...] = ("note", "events", "chat")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class PendingEdit:
    """Unsaved work found in the journal.

    ``payload`` by kind: ``note`` ``{target: 'trial'|'session', id, text}``; ``events``
    ``{trial_id, edits: [{label, side, time_s, deleted}]}``; ``chat`` ``{trial_id, messages:
    [{role, text}]}`` (the messages not yet in the database).
    """

    key: str
    kind: Kind
    payload: dict[str, Any]
    saved_at: str
    path: Path
    pid: int | None = None

    def describe(self) -> str:
        """One line for the recovery dialog."""
        p = self.payload
        if self.kind == "note":
            return (
                f"unsaved note on {p.get('target')} {p.get('id')} ({len(p.get('text', ''))} "
                f"characters, {self.saved_at})"
            )
        if self.kind == "events":
            return (
                f"unsaved event edits on trial {p.get('trial_id')} "
                f"({len(p.get('edits', []))} edits, {self.saved_at})"
            )
        return (
            f"unsaved chat on trial {p.get('trial_id')} "
            f"({len(p.get('messages', []))} messages, {self.saved_at})"
        )


@dataclass
class Autosave:
    """The journal folder (``data_dir()/autosave`` by default)."""

    root: Path | None = None
    _dirty: dict[str, tuple[Kind, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.root is None:
            from lmm_desktop.core.paths import data_dir

            self.root = data_dir() / "autosave"
        self.root = Path(self.root)
        self.root.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        os.chmod(self.root, FOLDER_MODE)

    @staticmethod
    def key_for(kind: Kind, target_id: int, target: str = "trial") -> str:
        """The conventional key: ``note:trial:12``, ``events:trial:12``, ``chat:trial:12``."""
        return f"{kind}:{target}:{target_id}"

    def path_for(self, key: str) -> Path:
        assert self.root is not None
        return self.root / (_SAFE.sub("_", key) + ".json")

    # ------------------------------------------------------------------ writing
    def update(self, key: str, kind: Kind, payload: dict[str, Any]) -> None:
        """Record the latest state of ``key`` in memory (cheap; call on every change)."""
        if kind not in KINDS:
            raise RecordsError(f"Invalid autosave kind {kind!r}; allowed: {', '.join(KINDS)}.")
        self._dirty[key] = (kind, payload)

    def flush(self) -> int:
        """Write every dirty entry to disk atomically; returns how many were written."""
        n = 0
        while self._dirty:
            key, (kind, payload) = self._dirty.popitem()
            self._write(key, kind, payload)
            n += 1
        return n

    def save(self, key: str, kind: Kind, payload: dict[str, Any]) -> Path:
        """Write one entry now (update + write); returns its file."""
        self.update(key, kind, payload)
        self._dirty.pop(key)
        return self._write(key, kind, payload)

    def _write(self, key: str, kind: Kind, payload: dict[str, Any]) -> Path:
        path = self.path_for(key)
        doc = {
            "key": key,
            "kind": kind,
            "payload": payload,
            "saved_at": now_iso(),
            "pid": os.getpid(),
        }
        with atomic_write(path) as fh:
            json.dump(doc, fh)
        os.chmod(path, 0o600)
        return path

    def clear(self, key: str) -> None:
        """Forget ``key`` (its work was committed or discarded)."""
        self._dirty.pop(key, None)
        self.path_for(key).unlink(missing_ok=True)

    # ------------------------------------------------------------------ recovery
    def pending_recovery(self) -> list[PendingEdit]:
        """Entries left on disk (oldest first). A damaged file is renamed ``*.damaged`` and
        logged, so it does not block the others."""
        assert self.root is not None
        out: list[PendingEdit] = []
        for path in sorted(self.root.glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                out.append(
                    PendingEdit(
                        doc["key"],
                        doc["kind"],
                        dict(doc["payload"]),
                        doc["saved_at"],
                        path,
                        doc.get("pid"),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                damaged = path.with_suffix(".damaged")
                log.warning(
                    "autosave entry %s cannot be read (%s); moved to %s", path, exc, damaged
                )
                os.replace(path, damaged)
        return sorted(out, key=lambda e: (e.saved_at, e.key))


def restore(store: RecordStore, edit: PendingEdit, autosave: Autosave) -> None:
    """Commit a recovered entry to the records, then clear it from the journal.

    Raises
    ------
    RecordsError
        The trial or session it belongs to is no longer in the records (the entry is kept).
    """
    p = edit.payload
    with store.transaction():
        if edit.kind == "note":
            store.set_note(p["target"], int(p["id"]), str(p["text"]))
        elif edit.kind == "events":
            edits = [
                EditedEvent(
                    e["label"], e.get("side"), float(e["time_s"]), bool(e.get("deleted", False))
                )
                for e in p["edits"]
            ]
            store.set_edited_events(int(p["trial_id"]), edits)
        else:
            for m in p["messages"]:
                store.add_chat_message(int(p["trial_id"]), m["role"], str(m["text"]))
    autosave.clear(edit.key)
