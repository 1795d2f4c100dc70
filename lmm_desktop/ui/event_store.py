"""EventStore: the trial's events as the user edits them, with undo/redo (QUndoStack).

Every edit is a command on the stack, so Ctrl+Z / Ctrl+Shift+Z walk through additions, moves and
deletions. Moved or added events get ``source='user'`` so the timeline draws them apart from the
file's and the detector's. ``events_changed`` fires after every change (including undo/redo) with
the new list, sorted by time; the main window recomputes the metrics from it.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from lmm_desktop.core.trial import Event


def describe(event: Event) -> str:
    """'left heel strike at 1.23 s'."""
    side = f"{event.side} " if event.side else ""
    return f"{side}{event.label.replace('_', ' ')} at {event.time_s:.2f} s"


class EventStore(QObject):
    """Editable list of events with an undo stack."""

    events_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: list[Event] = []
        self.undo_stack = QUndoStack(self)

    @property
    def events(self) -> list[Event]:
        return list(self._events)

    def reset(self, events: list[Event]) -> None:
        """Replace every event (a new trial); clears the undo history; no ``events_changed``."""
        self._events = sorted(events, key=lambda e: e.time_s)
        self.undo_stack.clear()

    @property
    def edited(self) -> bool:
        """True when the events differ from the last :meth:`reset`."""
        return not self.undo_stack.isClean()

    # -- edits (each one undoable) -----------------------------------------------------------
    def add(self, label: str, side: str | None, time_s: float) -> Event:
        """Add a user event; returns it."""
        ev = Event(
            label=label,
            side=side,
            time_s=round(float(time_s), 4),  # type: ignore[arg-type]
            source="user",
        )
        self.undo_stack.push(_Swap(self, None, ev, f"Add {describe(ev)}"))
        return ev

    def move(self, event: Event, time_s: float) -> Event:
        """Move ``event`` to ``time_s`` (it becomes a user event); returns the moved event."""
        new = replace(event, time_s=round(float(time_s), 4), source="user")
        self.undo_stack.push(_Swap(self, event, new, f"Move {describe(event)}"))
        return new

    def delete(self, event: Event) -> None:
        """Delete ``event``."""
        self.undo_stack.push(_Swap(self, event, None, f"Delete {describe(event)}"))

    def _swap(self, old: Event | None, new: Event | None) -> None:
        if old is not None:
            self._events.remove(old)
        if new is not None:
            self._events.append(new)
        self._events.sort(key=lambda e: e.time_s)
        self.events_changed.emit(list(self._events))


class _Swap(QUndoCommand):
    """Replace ``old`` by ``new`` (either may be None: add / delete)."""

    def __init__(self, store: EventStore, old: Event | None, new: Event | None, text: str) -> None:
        super().__init__(text)
        self._store, self._old, self._new = store, old, new

    def redo(self) -> None:
        self._store._swap(self._old, self._new)

    def undo(self) -> None:
        self._store._swap(self._new, self._old)
