"""VideoPanel: the trial's camera videos (QtMultimedia), kept in step with the playback cursor.

Only created when ``trial.provenance.video_paths`` is not empty. The player is paused and seeked to
the cursor time; it never drives the clock.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget


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

    def _on_error(self, _err: QMediaPlayer.Error, text: str) -> None:
        self.message.setText(f"The video cannot be played: {text}")

    def seek(self, t: float) -> None:
        """Show the video frame at trial time ``t`` seconds."""
        self.player.setPosition(max(round((t - self.offset_s) * 1000), 0))

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
