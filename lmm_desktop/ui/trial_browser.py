"""TrialBrowser: sessions and their trials; a click opens a trial.

A session is an OpenCap session folder (its trials come from :func:`lmm_desktop.io.open_session`)
or any folder of trial files (each readable file is a trial, e.g. the demo folder). Opening a
single file shows its folder as the session, so its neighbours are one click away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from lmm_desktop.core.errors import LmmError
from lmm_desktop.io import READ_SUFFIXES


@dataclass(frozen=True)
class TrialRef:
    """Where a trial is: a file, or a session folder plus the trial's name."""

    path: Path
    trial: str | None = None

    @property
    def label(self) -> str:
        return self.trial or self.path.stem


def is_opencap_session(folder: Path) -> bool:
    """True for a folder laid out like an OpenCap session."""
    return (folder / "OpenSimData").is_dir() or (folder / "sessionMetadata.yaml").is_file()


def session_trials(folder: Path) -> list[TrialRef]:
    """The trials of a session folder (OpenCap layout, or any folder of trial files)."""
    if is_opencap_session(folder):
        from lmm_desktop.io import open_session

        session = open_session(folder)
        names = getattr(session, "trial_names", None) or getattr(session, "trials", [])
        return [TrialRef(folder, str(getattr(n, "name", n))) for n in names]
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READ_SUFFIXES)
    return [TrialRef(p) for p in files]


class TrialBrowser(QWidget):
    """Tree of session -> trials; emits ``trial_selected(TrialRef)``."""

    trial_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Session / trial"])
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.itemClicked.connect(self._on_item_activated)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tree)
        self._current: TrialRef | None = None

    def show_path(self, path: Path, current: TrialRef | None = None) -> list[TrialRef]:
        """List the session that ``path`` belongs to; returns its trials."""
        folder = path if path.is_dir() else path.parent
        self.tree.clear()
        top = QTreeWidgetItem([folder.name or str(folder)])
        top.setToolTip(0, str(folder))
        top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        self.tree.addTopLevelItem(top)
        try:
            refs = session_trials(folder)
        except (LmmError, OSError) as exc:
            err = QTreeWidgetItem([f"Cannot list this folder: {exc}"])
            top.addChild(err)
            top.setExpanded(True)
            return []
        if not path.is_dir() and TrialRef(path) not in refs:
            refs.append(TrialRef(path))
        for ref in refs:
            item = QTreeWidgetItem([ref.label])
            item.setData(0, Qt.ItemDataRole.UserRole, ref)
            item.setToolTip(0, str(ref.path) + (f" : {ref.trial}" if ref.trial else ""))
            top.addChild(item)
        top.setExpanded(True)
        self.mark_current(current)
        return refs

    def mark_current(self, ref: TrialRef | None) -> None:
        """Show ``ref`` in bold (the trial on screen)."""
        self._current = ref
        top = self.tree.topLevelItem(0)
        if top is None:
            return
        for k in range(top.childCount()):
            item = top.child(k)
            if item is None:
                continue
            font = QFont(item.font(0))
            on = item.data(0, Qt.ItemDataRole.UserRole) == ref
            font.setBold(on)
            item.setFont(0, font)
            if on:
                self.tree.setCurrentItem(item)

    def refs(self) -> list[TrialRef]:
        top = self.tree.topLevelItem(0)
        if top is None:
            return []
        children = [top.child(k) for k in range(top.childCount())]
        refs = [c.data(0, Qt.ItemDataRole.UserRole) for c in children if c is not None]
        return [r for r in refs if isinstance(r, TrialRef)]

    def _on_item_activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        ref = item.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(ref, TrialRef) and ref != self._current:
            self.trial_selected.emit(ref)
