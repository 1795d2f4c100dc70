"""TransportBar: play/pause, stepping, speed, loop and the time readout of a PlaybackClock.

The media icons are drawn here in the palette's text colour (the platform's icons are dark grey,
invisible on the dark theme) and redrawn when the palette changes. While playing, the readout is
updated at most :data:`READOUT_HZ` times a second: nobody reads a number that changes 60 times a
second, and each change repaints the label.
"""

from __future__ import annotations

import time as _time

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from lmm_desktop.ui.playback import SPEEDS, PlaybackClock

READOUT_HZ = 15.0
ICON_PX = 18


def _triangle(x0: float, x1: float, s: float) -> QPolygonF:
    """A triangle pointing right (x0 < x1) or left (x0 > x1), ``s`` pixels high, centred."""
    return QPolygonF([QPointF(x0, 0.2 * s), QPointF(x1, 0.5 * s), QPointF(x0, 0.8 * s)])


def media_icon(kind: str, color: QColor, size: int = ICON_PX) -> QIcon:
    """A flat media icon: 'play', 'pause', 'start', 'end', 'prev' or 'next' in ``color``."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    s = float(size)
    bar = 0.14 * s
    shapes: dict[str, list[QPolygonF | QRectF]] = {
        "play": [_triangle(0.25 * s, 0.85 * s, s)],
        "pause": [
            QRectF(0.25 * s, 0.2 * s, 0.18 * s, 0.6 * s),
            QRectF(0.57 * s, 0.2 * s, 0.18 * s, 0.6 * s),
        ],
        "start": [QRectF(0.2 * s, 0.2 * s, bar, 0.6 * s), _triangle(0.8 * s, 0.34 * s, s)],
        "end": [_triangle(0.2 * s, 0.66 * s, s), QRectF(0.8 * s - bar, 0.2 * s, bar, 0.6 * s)],
        "prev": [_triangle(0.5 * s, 0.1 * s, s), _triangle(0.9 * s, 0.5 * s, s)],
        "next": [_triangle(0.1 * s, 0.5 * s, s), _triangle(0.5 * s, 0.9 * s, s)],
    }
    for shape in shapes[kind]:
        if isinstance(shape, QRectF):
            p.drawRect(shape)
        else:
            p.drawPolygon(shape)
    p.end()
    return QIcon(pix)


class TransportBar(QWidget):
    """Buttons and readout for the current :class:`PlaybackClock` (``set_clock``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock: PlaybackClock | None = None
        self._icons: dict[QToolButton, str] = {}
        self._last_readout = 0.0  # monotonic time of the last readout update while playing
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)

        def button(text: str, tip: str, icon: str | None = None) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            if icon is not None:
                self._icons[b] = icon
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            lay.addWidget(b)
            return b

        self.start_btn = button("Start", "Go to start (Home)", "start")
        self.back_s_btn = button("−1 s", "Back 1 second (Shift+Left)")
        self.back_btn = button("Prev", "Previous frame (Left)", "prev")
        self.play_btn = button("Play", "Play / pause (Space)", "play")
        self.fwd_btn = button("Next", "Next frame (Right)", "next")
        self.fwd_s_btn = button("+1 s", "Forward 1 second (Shift+Right)")
        self.end_btn = button("End", "Go to end (End)", "end")
        self.speed_box = QComboBox()
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}x", s)
        self.speed_box.setToolTip("Playback speed (+ / -)")
        lay.addWidget(self.speed_box)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setToolTip("Loop playback (L)")
        lay.addWidget(self.loop_box)
        lay.addStretch(1)
        self.time_label = QLabel("—")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # a fixed width: the readout changes while playing and must not re-layout the bar
        self.time_label.setFixedWidth(
            self.time_label.fontMetrics().horizontalAdvance(
                "0000.00 / 0000.00 s   frame 000000 / 000000"
            )
            + 8
        )
        lay.addWidget(self.time_label)
        self._paint_icons()

        self.start_btn.clicked.connect(lambda: self._do("go_start"))
        self.end_btn.clicked.connect(lambda: self._do("go_end"))
        self.back_btn.clicked.connect(lambda: self._do("step_frames", -1))
        self.fwd_btn.clicked.connect(lambda: self._do("step_frames", 1))
        self.back_s_btn.clicked.connect(lambda: self._do("step_seconds", -1.0))
        self.fwd_s_btn.clicked.connect(lambda: self._do("step_seconds", 1.0))
        self.play_btn.clicked.connect(lambda: self._do("toggle"))
        self.speed_box.currentIndexChanged.connect(self._on_speed_change)
        self.loop_box.toggled.connect(lambda on: self._do("set_loop", on))
        self.setEnabled(False)

    def set_clock(self, clock: PlaybackClock | None) -> None:
        if self._clock is not None:
            self._clock.disconnect(self._on_clock_change)
        self._clock = clock
        self.setEnabled(clock is not None)
        if clock is not None:
            clock.connect(self._on_clock_change)
            self._on_clock_change("state")
            self._on_clock_change("time")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.EnabledChange):
            self._paint_icons()
        super().changeEvent(event)

    def _paint_icons(self) -> None:
        """(Re)draw every button icon in the palette's text colour."""
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        playing = self._clock is not None and self._clock.playing
        for btn, kind in self._icons.items():
            if btn is self.play_btn:
                kind = "pause" if playing else "play"
            btn.setIcon(media_icon(kind, color))

    def _do(self, method: str, *args: object) -> None:
        if self._clock is not None:
            getattr(self._clock, method)(*args)

    def _on_speed_change(self, index: int) -> None:
        self._do("set_speed", SPEEDS[index])

    def _on_clock_change(self, kind: str) -> None:
        c = self._clock
        if c is None:
            return
        if kind == "state":
            self._paint_icons()
            self.play_btn.setText("Pause" if c.playing else "Play")
            self.speed_box.blockSignals(True)
            nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - c.speed))
            self.speed_box.setCurrentIndex(nearest)
            self.speed_box.blockSignals(False)
            self.loop_box.blockSignals(True)
            self.loop_box.setChecked(c.loop)
            self.loop_box.blockSignals(False)
        elif c.playing:  # throttle: a readable number, one label repaint every ~66 ms
            now = _time.monotonic()
            if now - self._last_readout < 1.0 / READOUT_HZ:
                return
            self._last_readout = now
        self.time_label.setText(
            f"{c.time:.2f} / {c.times[-1]:.2f} s   frame {c.frame + 1} / {c.n_frames}"
        )
