"""PlaybackClock: wall-clock driven time, speed, loop, region of interest (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmm_desktop.core.errors import InvalidValueError
from lmm_desktop.ui.playback import MAX_SPEED, MIN_SPEED, PlaybackClock


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def clock(duration: float = 4.0, rate: float = 100.0) -> tuple[PlaybackClock, FakeWall]:
    wall = FakeWall()
    times = np.arange(round(duration * rate) + 1) / rate
    return PlaybackClock(times, clock=wall), wall


def test_tick_advances_by_wall_time_times_speed() -> None:
    c, wall = clock()
    c.play()
    wall.now += 0.5
    c.tick()
    assert c.time == pytest.approx(0.5)
    assert c.frame == 50
    c.set_speed(0.5)
    wall.now += 1.0
    c.tick()
    assert c.time == pytest.approx(1.0)


def test_a_slow_frame_skips_frames_instead_of_slowing_down() -> None:
    c, wall = clock()
    c.play()
    wall.now += 0.37  # one UI frame that took 370 ms
    c.tick()
    assert c.frame == 37  # 36 frames skipped, the clock kept real time


def test_loop_wraps_and_no_loop_stops_at_the_end() -> None:
    c, wall = clock(duration=1.0)
    c.play()
    wall.now += 1.25
    c.tick()
    assert c.time == pytest.approx(0.25)
    assert c.playing
    c.set_loop(False)
    wall.now += 2.0
    c.tick()
    assert c.time == pytest.approx(1.0)
    assert not c.playing


def test_region_of_interest_bounds_playback_and_home_end() -> None:
    c, wall = clock()
    c.set_roi(1.0, 2.0)
    assert c.time == pytest.approx(1.0)  # jumped inside the region
    c.play()
    wall.now += 1.5
    c.tick()
    assert 1.0 <= c.time <= 2.0
    c.go_end()
    assert c.time == pytest.approx(2.0)
    c.go_start()
    assert c.time == pytest.approx(1.0)
    c.set_roi(None)
    c.go_end()
    assert c.time == pytest.approx(4.0)
    with pytest.raises(InvalidValueError, match="region of interest"):
        c.set_roi(2.0, 2.0)


def test_speed_steps_and_clamps() -> None:
    c, _ = clock()
    for _ in range(10):
        c.faster()
    assert c.speed == MAX_SPEED
    for _ in range(20):
        c.slower()
    assert c.speed == MIN_SPEED
    c.set_speed(7.0)
    assert c.speed == MAX_SPEED


def test_frame_and_second_steps_pause_and_clamp() -> None:
    c, _ = clock()
    c.play()
    c.step_frames(3)
    assert not c.playing and c.frame == 3
    c.step_seconds(-10)
    assert c.frame == 0
    c.step_seconds(1.0)
    assert c.frame == 100


def test_listeners_hear_time_and_state() -> None:
    c, wall = clock()
    heard: list[str] = []
    c.connect(heard.append)
    c.play()
    wall.now += 0.1
    c.tick()
    c.pause()
    assert heard == ["state", "time", "state"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 0.5), min_size=1, max_size=30), st.sampled_from([0.1, 1.0, 2.0]))
def test_time_always_inside_the_trial(steps: list[float], speed: float) -> None:
    c, wall = clock(duration=1.0)
    c.set_speed(speed)
    c.play()
    for dt in steps:
        wall.now += dt
        c.tick()
        assert 0.0 <= c.time <= 1.0
        assert c.times[c.frame] <= c.time + 1e-9
