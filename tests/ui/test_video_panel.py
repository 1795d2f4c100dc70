"""The video panel on a real (generated) MJPEG video: shown with the trial, on the cursor's frame
while paused, playing along with the trial (same speed, re-seeked when it drifts), and a clear
message for a file it cannot play."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtMultimedia import QMediaPlayer

from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.video_panel import DRIFT_S
from tests.ui.conftest import show_synthetic
from tests.ui.mjpeg import colour_video


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return colour_video(tmp_path / "Cam0.avi", seconds=3.0)


def _loaded(panel) -> bool:  # type: ignore[no-untyped-def]
    return panel.player.mediaStatus() in (
        QMediaPlayer.MediaStatus.LoadedMedia,
        QMediaPlayer.MediaStatus.BufferedMedia,
        QMediaPlayer.MediaStatus.EndOfMedia,
    )


def test_video_follows_the_cursor_and_plays_along(qtbot, window: MainWindow, video: Path) -> None:
    show_synthetic(window, duration_s=4.0)
    window._set_video([video])
    panel = window.video
    assert panel is not None and window.video_dock.isVisible()
    qtbot.waitUntil(lambda: _loaded(panel), timeout=10000)
    assert panel.player.duration() == pytest.approx(3000, abs=40)
    clock = window.clock
    assert clock is not None
    clock.seek(1.2)  # paused: the frame at the cursor
    qtbot.waitUntil(lambda: abs(panel.player.position() - 1200) <= 40, timeout=5000)
    assert panel.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    clock.set_speed(0.5)
    clock.toggle()  # play: the video plays along at the clock's speed
    qtbot.waitUntil(
        lambda: panel.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState,
        timeout=5000,
    )
    assert panel.player.playbackRate() == pytest.approx(0.5)
    qtbot.wait(600)
    lag_s = abs(panel.player.position() / 1000 - clock.time)
    assert lag_s <= DRIFT_S + 0.1, f"video {lag_s:.2f} s away from the cursor"
    clock.toggle()  # pause: the video stops on the cursor's frame
    qtbot.waitUntil(
        lambda: panel.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState,
        timeout=5000,
    )
    qtbot.waitUntil(
        lambda: abs(panel.player.position() - round(clock.time * 1000)) <= 40, timeout=5000
    )
    clock.seek(3.8)  # past the video's end: its last frame, no error
    qtbot.wait(200)
    assert panel.player.position() <= panel.player.duration()
    assert panel.message.text() == ""


def test_a_video_that_cannot_be_played_says_so(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    bad = tmp_path / "Cam1.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    show_synthetic(window)
    window._set_video([bad])
    panel = window.video
    assert panel is not None
    qtbot.waitUntil(lambda: panel.message.text() != "", timeout=10000)
    assert panel.message.text().startswith("The video cannot be played")
    window.clock.seek(1.0)  # type: ignore[union-attr]  # seeking a broken video is harmless
