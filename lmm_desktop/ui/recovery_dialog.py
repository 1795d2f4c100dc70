"""RecoveryDialog: on start, offer back the work a crashed session left in the autosave journal.

Entries written by another LMM Desktop that is still running are not offered (that window still
owns them). Restore commits the ticked entries to the records (``records.autosave.restore``);
Discard deletes every listed entry. Entries that cannot be restored (their trial was deleted from
the records meanwhile) stay in the journal and are reported.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.records.autosave import Autosave, PendingEdit, restore
from lmm_desktop.records.store import RecordStore
from lmm_desktop.ui.records_link import RecordsFailure


def _alive(pid: int | None) -> bool:
    """True when ``pid`` is another process that is still running."""
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process with that number: not ours
        return False
    return True


def left_behind(autosave: Autosave) -> list[PendingEdit]:
    """Journal entries of sessions that are no longer running (oldest first)."""
    return [e for e in autosave.pending_recovery() if not _alive(e.pid)]


class RecoveryDialog(QDialog):
    """Lists unsaved work from a crashed session; Restore or Discard it."""

    def __init__(
        self,
        entries: list[PendingEdit],
        store: RecordStore,
        autosave: Autosave,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.store, self.autosave = store, autosave
        self.entries = list(entries)
        self.restored: list[PendingEdit] = []
        self.failures: list[str] = []
        intro = QLabel(
            "LMM Desktop did not close normally last time. This work was not yet saved in the "
            "records. Tick what to restore:"
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        for entry in self.entries:
            item = QListWidgetItem(entry.describe())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(_preview(entry))
            self.list.addItem(item)
        self.restore_btn = QPushButton("Restore")
        self.restore_btn.setDefault(True)
        self.discard_btn = QPushButton("Discard all")
        self.restore_btn.clicked.connect(self.restore_checked)
        self.discard_btn.clicked.connect(self.discard_all)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.discard_btn)
        buttons.addWidget(self.restore_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.resize(560, 300)

    def checked(self) -> list[PendingEdit]:
        items = [self.list.item(i) for i in range(self.list.count())]
        return [
            e
            for e, it in zip(self.entries, items)
            if it is not None and it.checkState() == Qt.CheckState.Checked
        ]

    def restore_checked(self) -> None:
        """Commit the ticked entries to the records (the others stay in the journal)."""
        for entry in self.checked():
            try:
                restore(self.store, entry, self.autosave)
            except RecordsFailure as exc:
                self.failures.append(f"{entry.describe()}: {exc}")
                continue
            self.restored.append(entry)
        self.accept()

    def discard_all(self) -> None:
        for entry in self.entries:
            self.autosave.clear(entry.key)
        self.reject()


def _preview(entry: PendingEdit) -> str:
    p = entry.payload
    if entry.kind == "note":
        text = str(p.get("text", ""))
        return text[:300] + ("…" if len(text) > 300 else "")
    if entry.kind == "events":
        return "\n".join(
            f"{'deleted ' if e.get('deleted') else ''}{e.get('side') or ''} {e.get('label')} "
            f"at {float(e.get('time_s', 0.0)):.2f} s"
            for e in p.get("edits", [])
        )
    return "\n".join(f"{m.get('role')}: {m.get('text')}" for m in p.get("messages", []))
