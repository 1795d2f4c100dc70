"""The playback clock: current time, play/pause, speed, loop and region of interest.

A plain Python model (no Qt), in the napari way: views subscribe with :meth:`PlaybackClock.connect`
and are told when the time or the state changes. Playback is driven by wall-clock time: each
:meth:`PlaybackClock.tick` advances by ``elapsed * speed``, so a slow frame makes the view skip
frames, it never slows the clock down.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.errors import InvalidValueError

SPEEDS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]

Listener = Callable[[str], None]


class PlaybackClock:
    """Time model of one trial.

    Parameters
    ----------
    times
        ``(n_frames,)`` frame times in seconds, strictly increasing.
    clock
        Source of wall-clock seconds (injectable for tests).

    Listeners receive a single word: ``'time'`` (the current time changed) or ``'state'`` (play,
    speed, loop or region of interest changed).
    """

    def __init__(
        self, times: NDArray[np.float64], *, clock: Callable[[], float] = _time.monotonic
    ) -> None:
        if times.ndim != 1 or times.shape[0] < 1:
            raise InvalidValueError("The trial has no frames to play.")
        self._times = np.asarray(times, dtype=float)  # (n_frames,), seconds
        self._clock = clock
        self._t = float(self._times[0])
        self._playing = False
        self._speed = 1.0
        self._loop = True
        self._roi: tuple[float, float] | None = None
        self._last_wall: float | None = None
        self._listeners: list[Listener] = []

    # -- observers ---------------------------------------------------------------------------
    def connect(self, listener: Listener) -> None:
        """Call ``listener(kind)`` on every change."""
        self._listeners.append(listener)

    def disconnect(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, kind: str) -> None:
        for listener in list(self._listeners):
            listener(kind)

    # -- read-only state ---------------------------------------------------------------------
    @property
    def times(self) -> NDArray[np.float64]:
        return self._times

    @property
    def time(self) -> float:
        """Current time, seconds."""
        return self._t

    @property
    def frame(self) -> int:
        """Index of the frame shown at the current time (the last frame at or before it)."""
        i = int(np.searchsorted(self._times, self._t + 1e-9, side="right")) - 1
        return min(max(i, 0), self._times.shape[0] - 1)

    @property
    def n_frames(self) -> int:
        return int(self._times.shape[0])

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> bool:
        return self._loop

    @property
    def roi(self) -> tuple[float, float] | None:
        return self._roi

    @property
    def bounds(self) -> tuple[float, float]:
        """Playback range: the region of interest when set, else the whole trial."""
        if self._roi is not None:
            return self._roi
        return float(self._times[0]), float(self._times[-1])

    # -- commands ----------------------------------------------------------------------------
    def seek(self, t: float) -> None:
        """Jump to time ``t`` (clamped to the trial)."""
        t = float(np.clip(t, self._times[0], self._times[-1]))
        if t != self._t:
            self._t = t
            self._emit("time")

    def seek_frame(self, index: int) -> None:
        """Jump to frame ``index`` (clamped)."""
        index = min(max(int(index), 0), self.n_frames - 1)
        self.seek(float(self._times[index]))

    def step_frames(self, n: int) -> None:
        """Move ``n`` frames forward (negative: backward); pauses playback."""
        self.pause()
        self.seek_frame(self.frame + n)

    def step_seconds(self, dt: float) -> None:
        """Move ``dt`` seconds (negative: backward)."""
        self.seek(self._t + dt)

    def go_start(self) -> None:
        self.seek(self.bounds[0])

    def go_end(self) -> None:
        self.seek(self.bounds[1])

    def play(self) -> None:
        if self._playing:
            return
        lo, hi = self.bounds
        if self._t >= hi - 1e-9 or self._t < lo:
            self.seek(lo)
        self._playing = True
        self._last_wall = self._clock()
        self._emit("state")

    def pause(self) -> None:
        if self._playing:
            self._playing = False
            self._last_wall = None
            self._emit("state")

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float) -> None:
        """Set the playback speed (clamped to 0.1x-2x)."""
        speed = float(np.clip(speed, MIN_SPEED, MAX_SPEED))
        if speed != self._speed:
            self._speed = speed
            self._emit("state")

    def faster(self) -> None:
        """Next speed up in :data:`SPEEDS`."""
        higher = [s for s in SPEEDS if s > self._speed + 1e-9]
        self.set_speed(higher[0] if higher else MAX_SPEED)

    def slower(self) -> None:
        """Next speed down in :data:`SPEEDS`."""
        lower = [s for s in SPEEDS if s < self._speed - 1e-9]
        self.set_speed(lower[-1] if lower else MIN_SPEED)

    def set_loop(self, loop: bool) -> None:
        if bool(loop) != self._loop:
            self._loop = bool(loop)
            self._emit("state")

    def set_roi(self, start: float | None, end: float | None = None) -> None:
        """Restrict playback to ``[start, end]`` seconds; ``None`` clears it."""
        if start is None or end is None:
            roi = None
        else:
            lo, hi = sorted((float(start), float(end)))
            lo = float(max(lo, self._times[0]))
            hi = float(min(hi, self._times[-1]))
            if hi - lo <= 0:
                raise InvalidValueError(
                    f"The region of interest {start:.2f}-{end:.2f} s is empty; choose a start "
                    "before the end, inside the trial."
                )
            roi = (lo, hi)
        self._roi = roi
        self._emit("state")
        if roi is not None and not (roi[0] <= self._t <= roi[1]):
            self.seek(roi[0])

    def tick(self) -> None:
        """Advance by the wall-clock time since the last tick times the speed (when playing)."""
        if not self._playing:
            return
        now = self._clock()
        last = now if self._last_wall is None else self._last_wall
        self._last_wall = now
        t = self._t + (now - last) * self._speed
        lo, hi = self.bounds
        if t > hi:
            if self._loop:
                span = hi - lo
                t = lo + ((t - hi) % span if span > 0 else 0.0)
            else:
                t = hi
                self.seek(t)
                self.pause()
                return
        self.seek(t)
