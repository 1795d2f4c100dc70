"""TransportBar: play/pause, stepping, speed, loop and the time readout of a PlaybackClock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QWidget,
)

from lmm_desktop.ui.playback import SPEEDS, PlaybackClock


class TransportBar(QWidget):
    """Buttons and readout for the current :class:`PlaybackClock` (``set_clock``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock: PlaybackClock | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)

        style = self.style()

        def button(text: str, tip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            if icon is not None:
                b.setIcon(style.standardIcon(icon))
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            lay.addWidget(b)
            return b

        self.start_btn = button(
            "Start", "Go to start (Home)", QStyle.StandardPixmap.SP_MediaSkipBackward
        )
        self.back_s_btn = button("−1 s", "Back 1 second (Shift+Left)")
        self.back_btn = button(
            "Prev", "Previous frame (Left)", QStyle.StandardPixmap.SP_MediaSeekBackward
        )
        self.play_btn = button("Play", "Play / pause (Space)", QStyle.StandardPixmap.SP_MediaPlay)
        self.fwd_btn = button(
            "Next", "Next frame (Right)", QStyle.StandardPixmap.SP_MediaSeekForward
        )
        self.fwd_s_btn = button("+1 s", "Forward 1 second (Shift+Right)")
        self.end_btn = button("End", "Go to end (End)", QStyle.StandardPixmap.SP_MediaSkipForward)
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
        # a fixed width: the readout changes every frame and must not re-layout the bar
        self.time_label.setFixedWidth(
            self.time_label.fontMetrics().horizontalAdvance(
                "0000.00 / 0000.00 s   frame 000000/000000   0.25x"
            )
            + 8
        )
        lay.addWidget(self.time_label)

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
            icon = (
                QStyle.StandardPixmap.SP_MediaPause
                if c.playing
                else QStyle.StandardPixmap.SP_MediaPlay
            )
            self.play_btn.setIcon(self.style().standardIcon(icon))
            self.play_btn.setText("Pause" if c.playing else "Play")
            self.speed_box.blockSignals(True)
            nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - c.speed))
            self.speed_box.setCurrentIndex(nearest)
            self.speed_box.blockSignals(False)
            self.loop_box.blockSignals(True)
            self.loop_box.setChecked(c.loop)
            self.loop_box.blockSignals(False)
        self.time_label.setText(
            f"{c.time:6.2f} / {c.times[-1]:.2f} s   frame {c.frame + 1}/{c.n_frames}   {c.speed:g}x"
        )
