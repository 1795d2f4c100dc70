"""VideoPanel: the trial's camera videos (QtMultimedia), kept in step with the playback cursor.

Only created when ``trial.provenance.video_paths`` is not empty. The clock drives, the video
follows (:meth:`VideoPanel.follow`): while the trial plays, the video plays along at the same
speed and is re-seeked only when it drifts more than :data:`DRIFT_S` from the cursor (seeking
every frame would stutter); while paused it shows the frame at the cursor. Past the video's end
it holds its last frame.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

DRIFT_S = 0.15
"""Largest lag or lead (seconds) of a playing video behind the cursor before it is re-seeked."""


class VideoPanel(QWidget):
    """One video at a time (pick the camera), seeked to the shared cursor."""

    def __init__(self, paths: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paths = list(paths)
        self.camera_box = QComboBox()
        for p in self._paths:
            self.camera_box.addItem(p.parent.name + "/" + p.name, str(p))
        self.video = QVideoWidget()
        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.video)
        self.player.errorOccurred.connect(self._on_error)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.camera_box)
        lay.addWidget(self.video, 1)
        lay.addWidget(self.message)
        self.camera_box.currentIndexChanged.connect(self._on_camera_change)
        self.offset_s = 0.0
        if self._paths:
            self._on_camera_change(0)

    def _on_camera_change(self, index: int) -> None:
        self.player.setSource(QUrl.fromLocalFile(str(self._paths[index])))
        self.player.pause()
        self.message.setText("")

    def _on_error(self, _err: QMediaPlayer.Error, text: str) -> None:
        self.message.setText(f"The video cannot be played: {text}")

    def _target_ms(self, t: float) -> int:
        ms = max(round((t - self.offset_s) * 1000), 0)
        duration = self.player.duration()
        return min(ms, duration) if duration > 0 else ms

    def seek(self, t: float) -> None:
        """Show the video frame at trial time ``t`` seconds."""
        self.player.setPosition(self._target_ms(t))

    def follow(self, t: float, playing: bool, speed: float = 1.0) -> None:
        """Keep the video at trial time ``t``: playing along at ``speed`` while the clock plays,
        paused on the cursor's frame otherwise."""
        target = self._target_ms(t)
        state = self.player.playbackState()
        duration = self.player.duration()
        if playing and not (duration > 0 and target >= duration):
            if abs(self.player.playbackRate() - speed) > 1e-6:
                self.player.setPlaybackRate(speed)
            if state != QMediaPlayer.PlaybackState.PlayingState:
                self.player.setPosition(target)
                self.player.play()
            elif abs(self.player.position() - target) > DRIFT_S * 1000:
                self.player.setPosition(target)
            return
        if state == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        if abs(self.player.position() - target) > 1:
            self.player.setPosition(target)

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
