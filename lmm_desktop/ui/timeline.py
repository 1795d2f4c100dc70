"""Timeline: time axis, region of interest, playback cursor, the editable gait events and the
timed test's phases.

Events sit in two rows (right on top, left below) in the side colours. A trial with a timed
test (TUG, FSST, five-times sit-to-stand) gets a third row with the test's phases as coloured
blocks; right-click sets the test's start or end by hand (user events ``test_start`` /
``test_end``, undoable and saved like any edited event; the analysis re-times the test from
them). The glyph tells where an event came from: a filled triangle for the file's, a hollow
circle for the detector's, a diamond for the user's. Click to seek (drag to scrub), drag an event
to move it, right-click for "Add left heel strike here" and friends, Del deletes the selected
event. The widget only asks; the :class:`~lmm_desktop.ui.event_store.EventStore` does the edits
(and keeps them undoable).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from lmm_desktop.analysis.clinical_tests import TEST_END, TEST_START
from lmm_desktop.core.style import PHASE_COLOURS
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event
from lmm_desktop.ui.event_store import describe
from lmm_desktop.ui.theme import LEFT_COLOR, LIGHT, RIGHT_COLOR, Theme

_AXIS_H = 20
_ROW_H = 22
_PAD = 12
_GUTTER = 40  # left margin holding the 'Right' / 'Left' row labels
_PICK_PX = 7
_GLYPH_R = 6.0  # half-size of an event glyph, pixels
_HELP = (
    "Click: seek. Drag an event: move it. Right-click: add or delete events, set a timed "
    "test's start or end by hand, set the region of interest. Del: delete the selected event. "
    "HS = heel strike, TO = toe off; ▼ from the file, ○ detected, ● timed by a force plate, "
    "◆ edited by you."
)
_VCENTER = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_SHORT = {HEEL_STRIKE: "HS", TOE_OFF: "TO", TEST_START: "start", TEST_END: "end"}
TEST_LABELS = (TEST_START, TEST_END)


def nice_step(span: float, max_ticks: int) -> float:
    """A 1-2-5 tick step giving at most ``max_ticks`` ticks over ``span`` seconds."""
    raw = span / max(max_ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def short_label(event: Event) -> str:
    """The text beside an event glyph: 'HS', 'TO', or the first letters of another label."""
    return _SHORT.get(event.label, event.label[:6])


def label_room(
    placed: list[tuple[float, Event]],
    x_of: Callable[[float], float],
    text_width: Callable[[str], int],
) -> list[tuple[Event, float, bool]]:
    """``(event, time, labelled)`` in time order: an event's text is drawn only when it ends
    before the next glyph of its row, so labels never overlap on long trials (the glyph, its
    colour and the tooltip still tell what it is)."""
    out: list[tuple[Event, float, bool]] = []
    by_row: dict[str | None, list[tuple[float, Event]]] = {}
    for t, ev in sorted(placed, key=lambda te: te[0]):
        by_row.setdefault("test" if ev.label in TEST_LABELS else ev.side, []).append((t, ev))
    for row in by_row.values():
        for k, (t, ev) in enumerate(row):
            end = x_of(t) + _GLYPH_R + 4 + text_width(short_label(ev))
            room = k + 1 == len(row) or end < x_of(row[k + 1][0]) - _GLYPH_R - 2
            out.append((ev, t, room))
    return sorted(out, key=lambda etl: etl[1])


class Timeline(QWidget):
    """The trial's time axis with events, cursor and region of interest."""

    seek_requested = Signal(float)
    add_requested = Signal(str, str, float)  # label, side, time s
    move_requested = Signal(object, float)  # Event, new time s
    delete_requested = Signal(object)  # Event
    roi_requested = Signal(object)  # (start, end) seconds or None

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._theme = theme
        self._t0, self._t1 = 0.0, 1.0
        self._cursor = 0.0
        self._events: list[Event] = []
        self._roi: tuple[float, float] | None = None
        self._selected: Event | None = None
        self._drag: Event | None = None
        self._drag_t: float | None = None
        self._scrubbing = False
        self._layer: QPixmap | None = None
        self._test_name: str | None = None
        self._phases: list[tuple[str, float, float]] = []
        self._hand_timed = True
        self._end_by_hand = True
        self._fit_height()
        # the whole widget is painted from the cached layer: Qt need not clear it first, and a
        # cursor move repaints two thin strips (no parent background, no full repaint)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMouseTracking(True)
        self.setToolTip(_HELP)

    # -- model -> view -----------------------------------------------------------------------
    def set_range(self, t0: float, t1: float) -> None:
        self._t0, self._t1 = float(t0), float(max(t1, t0 + 1e-6))
        self.update()

    def set_test(
        self, name: str | None, phases: list[tuple[str, float, float]], hand_timed: bool = True,
        end_by_hand: bool = True,
    ) -> None:
        """The trial's timed test (short name) and its ``(name, start, end)`` phases, seconds;
        ``None`` and ``[]`` when it has none. ``hand_timed``: its start and end can be set by
        hand (not a squat series, whose phases are its repetitions); ``end_by_hand`` False: only
        its start (a 30-second chair stand lasts 30 s from it)."""
        self._test_name, self._phases = name, list(phases)
        self._hand_timed = hand_timed
        self._end_by_hand = end_by_hand
        self._fit_height()
        self.update()

    @property
    def test_row(self) -> bool:
        """True when the third row (the test's phases, hand-set start and end) is shown."""
        return self._test_name is not None or any(e.label in TEST_LABELS for e in self._events)

    def _fit_height(self) -> None:
        self.setFixedHeight(_AXIS_H + (3 if self.test_row else 2) * _ROW_H + 8)

    def phase_at(self, pos: QPointF) -> tuple[str, float, float] | None:
        """The test phase drawn at ``pos``, if any."""
        if not self.test_row or abs(pos.y() - (_AXIS_H + 2.5 * _ROW_H)) > _ROW_H / 2:
            return None
        t = self.t_of(pos.x())
        return next((ph for ph in self._phases if ph[1] <= t <= ph[2]), None)

    def set_events(self, events: list[Event]) -> None:
        self._events = list(events)
        self._fit_height()
        if self._selected not in self._events:
            self._selected = None
        self.update()

    def set_cursor(self, t: float) -> None:
        old, self._cursor = self._cursor, float(t)
        self._update_cursor(old)

    def set_roi(self, roi: tuple[float, float] | None) -> None:
        self._roi = roi
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    @property
    def selected_event(self) -> Event | None:
        return self._selected

    def select(self, event: Event | None) -> None:
        self._selected = event
        self.update()

    # -- geometry ----------------------------------------------------------------------------
    def x_of(self, t: float) -> float:
        """Widget x (pixels) of time ``t`` seconds."""
        w = max(self.width() - _GUTTER - _PAD, 1)
        return _GUTTER + (t - self._t0) / (self._t1 - self._t0) * w

    def t_of(self, x: float) -> float:
        """Time (seconds, clamped to the trial) at widget x."""
        w = max(self.width() - _GUTTER - _PAD, 1)
        t = self._t0 + (x - _GUTTER) / w * (self._t1 - self._t0)
        return min(max(t, self._t0), self._t1)

    def y_of(self, event: Event) -> float:
        row = 2 if event.label in TEST_LABELS else (0 if event.side == "right" else 1)
        return _AXIS_H + row * _ROW_H + _ROW_H / 2

    def event_at(self, pos: QPointF) -> Event | None:
        """The event drawn nearest ``pos`` (within a few pixels), if any."""
        best, best_d = None, float(_PICK_PX)
        for ev in self._events:
            d = abs(self.x_of(ev.time_s) - pos.x())
            if d <= best_d and abs(self.y_of(ev) - pos.y()) <= _ROW_H / 2 + 2:
                best, best_d = ev, d
        return best

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        # the static layer (axis, region, events) is cached: while playing only the cursor moves
        ratio = self.devicePixelRatioF()
        if self._layer is None or self._layer.size() != self.size() * ratio:
            self._layer = self._paint_layer(ratio)
        p = QPainter(self)
        p.drawPixmap(0, 0, self._layer)
        x = self.x_of(self._cursor)
        p.setPen(QPen(QColor(self._theme.cursor), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def update(self) -> None:  # type: ignore[override]
        """Repaint everything (the cursor alone uses :meth:`_update_cursor`)."""
        self._layer = None
        super().update()

    def _update_cursor(self, old_t: float) -> None:
        for t in (old_t, self._cursor):
            x = int(self.x_of(t))
            super().update(x - 3, 0, 7, self.height())

    def _paint_layer(self, ratio: float) -> QPixmap:
        th = self._theme
        layer = QPixmap(self.size() * ratio)
        layer.setDevicePixelRatio(ratio)
        layer.fill(QColor(th.base))
        p = QPainter(layer)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        if self._roi is not None:
            c = QColor(th.roi)
            c.setAlpha(45)
            x0, x1 = self.x_of(self._roi[0]), self.x_of(self._roi[1])
            p.fillRect(QRectF(x0, 0, x1 - x0, h), c)
        self._paint_axis(p)
        p.setPen(QPen(QColor(th.mid), 1, Qt.PenStyle.DotLine))
        p.drawLine(
            QPointF(_GUTTER, _AXIS_H + _ROW_H), QPointF(self.width() - _PAD, _AXIS_H + _ROW_H)
        )
        bold = QFont(p.font())
        bold.setBold(True)
        p.setFont(bold)
        for row, (text, color) in enumerate((("Right", RIGHT_COLOR), ("Left", LEFT_COLOR))):
            p.setPen(QColor(color))
            p.drawText(QRectF(2, _AXIS_H + row * _ROW_H, _GUTTER - 6, _ROW_H), _VCENTER, text)
        if self.test_row:
            p.setPen(QColor(th.text))
            name = self._test_name or "Test"
            room = _GUTTER - 4
            while p.fontMetrics().horizontalAdvance(name) > room and bold.pointSizeF() > 6:
                bold.setPointSizeF(bold.pointSizeF() - 0.5)  # 'Squats' shrinks to fit
                p.setFont(bold)
            p.drawText(QRectF(2, _AXIS_H + 2 * _ROW_H, room + 2, _ROW_H), _VCENTER, name)
        p.setFont(self.font())
        if self.test_row:
            self._paint_phases(p)
        placed = [
            (self._drag_t if (ev is self._drag and self._drag_t is not None) else ev.time_s, ev)
            for ev in self._events
        ]
        for ev, t, labelled in label_room(placed, self.x_of, p.fontMetrics().horizontalAdvance):
            self._paint_event(p, ev, t, labelled)
        p.end()
        return layer

    def _paint_phases(self, p: QPainter) -> None:
        """The test's phases as coloured blocks in the third row, named where they fit."""
        th = self._theme
        y = _AXIS_H + 2 * _ROW_H
        p.setPen(QPen(QColor(th.mid), 1, Qt.PenStyle.DotLine))
        p.drawLine(QPointF(_GUTTER, y), QPointF(self.width() - _PAD, y))
        metrics = p.fontMetrics()
        kinds = [name.rstrip("0123456789 ") for name, _a, _b in self._phases]
        by_kind = len(set(kinds)) > 1 and all(a != b for a, b in itertools.pairwise(kinds))
        order = list(dict.fromkeys(kinds))
        for k, (name, a, b) in enumerate(self._phases):
            x0, x1 = self.x_of(a), self.x_of(b)
            rect = QRectF(x0, y + 4, max(x1 - x0, 1.0), _ROW_H - 8)
            # one colour per kind of phase (every lowering alike) when neighbours still differ
            at = order.index(kinds[k]) if by_kind else k
            colour = QColor(PHASE_COLOURS[at % len(PHASE_COLOURS)])
            colour.setAlpha(200)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(colour))
            p.drawRoundedRect(rect, 3, 3)
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(rect.width()) - 4)
            if len(text) > 2:
                p.setPen(QColor("#ffffff"))
                p.drawText(rect.adjusted(2, 0, -2, 0), Qt.AlignmentFlag.AlignCenter, text)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_axis(self, p: QPainter) -> None:
        th = self._theme
        p.setPen(QColor(th.text))
        span = self._t1 - self._t0
        step = nice_step(span, max(self.width() // 70, 2))
        t = math.ceil(self._t0 / step) * step
        while t <= self._t1 + 1e-9:
            x = self.x_of(t)
            p.drawLine(QPointF(x, _AXIS_H - 5), QPointF(x, _AXIS_H))
            label = f"{t:g}"
            half = p.fontMetrics().horizontalAdvance(label) / 2
            p.drawText(QPointF(x - half, _AXIS_H - 7), label)
            t += step
        p.setPen(QColor(th.mid))
        p.drawLine(QPointF(_GUTTER, _AXIS_H), QPointF(self.width() - _PAD, _AXIS_H))
        p.drawText(QPointF(2, _AXIS_H - 7), "s")

    def _paint_event(self, p: QPainter, ev: Event, t: float, labelled: bool = True) -> None:
        color = QColor(LEFT_COLOR if ev.side == "left" else RIGHT_COLOR)
        if ev.side is None:
            color = QColor(self._theme.text)
        x, y = self.x_of(t), self.y_of(ev)
        r = _GLYPH_R
        pen = QPen(color, 2.5 if ev is self._selected else 1.5)
        p.setPen(pen)
        p.drawLine(QPointF(x, y - _ROW_H / 2 + 1), QPointF(x, y + _ROW_H / 2 - 1))
        if ev is self._selected:
            p.setPen(QPen(QColor(self._theme.cursor), 2))
        if ev.source == "detected" and ev.raw_label == "force plate":
            # timed by a force plate: a filled circle (the reference timing)
            p.setBrush(QBrush(color))
            p.drawEllipse(QPointF(x, y), r - 1, r - 1)
        elif ev.source == "detected":
            p.setBrush(QBrush(QColor(self._theme.base)))
            p.drawEllipse(QPointF(x, y), r - 1, r - 1)
        elif ev.source == "user":
            p.setBrush(QBrush(color))
            p.drawPolygon(
                QPolygonF(
                    [QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]
                )
            )
        else:
            p.setBrush(QBrush(color))
            p.drawPolygon(
                QPolygonF(
                    [QPointF(x - r, y - r + 1), QPointF(x + r, y - r + 1), QPointF(x, y + r - 1)]
                )
            )
        p.setPen(QColor(self._theme.text))
        if labelled:
            p.drawText(QPointF(x + r + 2, y + 4), short_label(ev))

    # -- interaction -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        ev = self.event_at(event.position())
        self._selected = ev
        if ev is not None:
            self._drag, self._drag_t = ev, ev.time_s
        else:
            self._scrubbing = True
            self.seek_requested.emit(self.t_of(event.position().x()))
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag_t = self.t_of(event.position().x())
            self.update()
        elif self._scrubbing:
            self.seek_requested.emit(self.t_of(event.position().x()))
        else:  # hovering: name the event (or test phase) under the pointer in full
            ev = self.event_at(event.position())
            phase = self.phase_at(event.position())
            if ev is not None:
                how = "force plate" if ev.raw_label == "force plate" else ev.source
                self.setToolTip(f"{describe(ev).capitalize()} ({how})")
            elif phase is not None:
                name, a, b = phase
                self.setToolTip(
                    f"{self._test_name}: {name}, {a:.2f}–{b:.2f} s ({b - a:.2f} s). Right-click "
                    "to set the test's start or end by hand."
                )
            else:
                self.setToolTip(_HELP)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, t = self._drag, self._drag_t
        self._drag, self._drag_t, self._scrubbing = None, None, False
        if drag is not None and t is not None and abs(t - drag.time_s) > 1e-6:
            self.move_requested.emit(drag, t)
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected:
            ev, self._selected = self._selected, None
            self.delete_requested.emit(ev)
            return
        super().keyPressEvent(event)

    def context_menu(self, pos: QPointF) -> QMenu:
        """The right-click menu for widget position ``pos`` (built, not shown; tests use it)."""
        t = self.t_of(pos.x())
        menu = QMenu(self)
        for side in ("left", "right"):
            for label in (HEEL_STRIKE, TOE_OFF):
                act = menu.addAction(f"Add {side} {label.replace('_', ' ')} here ({t:.2f} s)")
                act.triggered.connect(
                    lambda _=False, lb=label, sd=side: self.add_requested.emit(lb, sd, t)
                )
        ev = self.event_at(pos)
        if ev is not None:
            menu.addSeparator()
            act = menu.addAction(f"Delete this {ev.label.replace('_', ' ')}")
            act.triggered.connect(lambda _=False: self.delete_requested.emit(ev))
        self._add_test_actions(menu, t)
        menu.addSeparator()
        start = menu.addAction("Start region of interest here")
        start.triggered.connect(
            lambda _=False: self.roi_requested.emit((t, self._roi[1] if self._roi else self._t1))
        )
        end = menu.addAction("End region of interest here")
        end.triggered.connect(
            lambda _=False: self.roi_requested.emit((self._roi[0] if self._roi else self._t0, t))
        )
        if self._roi is not None:
            clear = menu.addAction("Clear region of interest")
            clear.triggered.connect(lambda _=False: self.roi_requested.emit(None))
        return menu

    def _add_test_actions(self, menu: QMenu, t: float) -> None:
        """'Start / End the TUG here' (moving an earlier hand-set mark), and 'Use the detected
        timing' once the test was timed by hand."""
        marks = [e for e in self._events if e.label in TEST_LABELS]
        if (self._test_name is None or not self._hand_timed) and not marks:
            return
        name = self._test_name or "test"
        menu.addSeparator()
        for label, verb in ((TEST_START, "Start"), (TEST_END, "End")):
            if label == TEST_END and not self._end_by_hand:
                continue
            act = menu.addAction(f"{verb} the {name} here ({t:.2f} s)")
            old = next((e for e in marks if e.label == label), None)
            if old is None:
                act.triggered.connect(
                    lambda _=False, lb=label: self.add_requested.emit(lb, "", t)
                )
            else:
                act.triggered.connect(lambda _=False, ev=old: self.move_requested.emit(ev, t))
        if marks:
            act = menu.addAction(f"Use the detected {name} timing")

            def forget(_: bool = False) -> None:
                for ev in marks:
                    self.delete_requested.emit(ev)

            act.triggered.connect(forget)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.context_menu(QPointF(event.pos())).exec(event.globalPos())
