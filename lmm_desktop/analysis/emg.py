"""Surface EMG from a trial's analog channels: linear envelopes and their timing over the cycle.

The channels taken as EMG are those whose label names EMG or a leg muscle (``EMG 3``,
``L_TA``, ``R Gastrocnemius``...) recorded in volts. Each is processed as gait laboratories do
(SENIAM-style linear envelope): the offset removed, band-passed 20-450 Hz (2nd-order Butterworth,
zero lag; high-passed at 20 Hz when the sampling is too slow for 450), full-wave rectified,
averaged over blocks to about 200 Hz and low-passed at 6 Hz (zero lag).
A channel whose label says its side (``L``/``R``/``Left``/``Right`` first) is also averaged over
that side's gait cycles, in % of the channel's peak in the trial, and its activity periods read
from that mean (above 25 % of its own peak).

Checks per channel: a flat line (no electrode signal: SD under 2 µV) and mains interference (more
than a third of the power within 2 Hz of 50 or 60 Hz) are reported, not hidden.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt, welch

from lmm_desktop.analysis._signal import lowpass
from lmm_desktop.core.trial import HEEL_STRIKE, AnalogChannels, Event, Side

ENVELOPE_HZ = 6.0
BAND_HZ = (20.0, 450.0)
OUT_RATE_HZ = 100.0
FLAT_V = 2e-6
ACTIVE_FRACTION = 0.25
"""A muscle counts as active where its mean envelope exceeds this share of its peak."""
MUSCLES = {
    "ta": "tibialis anterior", "tibant": "tibialis anterior", "tibialis": "tibialis anterior",
    "gas": "gastrocnemius", "gastroc": "gastrocnemius", "gm": "gastrocnemius medialis",
    "gl": "gastrocnemius lateralis", "sol": "soleus", "soleus": "soleus",
    "rf": "rectus femoris", "rectus": "rectus femoris", "vl": "vastus lateralis",
    "vm": "vastus medialis", "vas": "vastus", "bf": "biceps femoris", "biceps": "biceps femoris",
    "st": "semitendinosus", "semi": "semitendinosus", "ham": "hamstrings",
    "gmed": "gluteus medius", "gmax": "gluteus maximus", "glut": "gluteus",
    "add": "adductors", "pl": "peroneus longus", "per": "peroneus",
}
_SIDE = re.compile(r"^(left|right|l|r)(?=[\s_\-.:]|[A-Z])", re.IGNORECASE)
_VOLTS = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6}


@dataclass
class EmgChannel:
    """One EMG channel: its envelope (V) on ``time`` at 100 Hz, its side and muscle when the
    label says, its mean envelope over that side's cycles (``(101,)`` % of the trial's peak),
    and what the checks found."""

    label: str
    side: Side | None
    muscle: str | None
    time: NDArray[np.float64]
    envelope: NDArray[np.float64]
    peak_v: float
    cycle_mean: NDArray[np.float64] | None = None
    n_cycles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[tuple[int, int]]:
        """When the mean envelope is above :data:`ACTIVE_FRACTION` of its own peak over the
        cycle: ``(on %, off %)`` periods (one may wrap from the end of the cycle to its start
        and is then given as two)."""
        if self.cycle_mean is None or not np.isfinite(self.cycle_mean).any():
            return []
        y = self.cycle_mean
        on = y >= ACTIVE_FRACTION * float(np.nanmax(y))
        edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
        return [(int(a), int(b - 1)) for a, b in zip(edges[::2], edges[1::2], strict=True)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "side": self.side,
            "muscle": self.muscle,
            "peak_uv": round(self.peak_v * 1e6, 1),
            "n_cycles": self.n_cycles,
            "active_pct": [list(p) for p in self.active],
            "problems": list(self.problems),
        }


@dataclass
class EmgResult:
    channels: list[EmgChannel]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"channels": [c.to_dict() for c in self.channels], "notes": list(self.notes)}


def side_and_muscle(label: str) -> tuple[Side | None, str | None]:
    """``'L_TA'`` -> ('left', 'tibialis anterior'); ``'EMG 3'`` -> (None, None)."""
    text = label.strip()
    side: Side | None = None
    m = _SIDE.match(text)
    if m:
        side = "left" if m.group(1).lower().startswith("l") else "right"
        text = text[m.end():]
    words = [w for w in re.split(r"[\s_\-.:]+", text.lower()) if w]
    muscle = next((MUSCLES[w] for w in words if w in MUSCLES), None)
    if muscle is None:
        low = text.lower()
        muscle = next((name for key, name in MUSCLES.items() if len(key) > 3 and key in low), None)
    return side, muscle


def is_emg(label: str, unit: str) -> bool:
    """Whether a channel is EMG: recorded in volts and named EMG or a muscle."""
    if unit.strip().lower() not in _VOLTS:
        return False
    if "emg" in label.lower():
        return True
    return side_and_muscle(label)[1] is not None


def analyze_emg(analog: AnalogChannels | None, events: list[Event]) -> EmgResult | None:
    """Envelopes of every EMG channel, with their mean over the cycles of their side; None when
    the trial holds no EMG."""
    if analog is None:
        return None
    idx = [k for k, (lab, u) in enumerate(zip(analog.labels, analog.units, strict=True))
           if is_emg(lab, u)]
    if not idx:
        return None
    rate = analog.rate_hz
    out_t = np.arange(analog.time[0], analog.time[-1], 1.0 / OUT_RATE_HZ)
    if rate >= 2.2 * BAND_HZ[1]:
        sos = butter(2, [BAND_HZ[0], BAND_HZ[1]], btype="bandpass", fs=rate, output="sos")
        band = "20-450 Hz"
    else:
        sos = butter(2, BAND_HZ[0], btype="highpass", fs=rate, output="sos")
        band = "high-pass 20 Hz"
    # every channel at once: the filters run along time for the whole (n, k) block
    scale = np.array([_VOLTS[analog.units[k].strip().lower()] for k in idx])
    x = analog.values[:, idx] * scale  # (n, k) volts
    x = np.nan_to_num(x - np.nanmean(x, axis=0))
    problems = _checks(x, rate)
    filtered = sosfiltfilt(sos, x, axis=0) if len(x) > 60 else x
    # rectified, averaged over blocks to ~200 Hz (far above the 6 Hz envelope), then low-passed
    step = max(1, int(rate // 200))
    m = (len(filtered) // step) * step
    if m >= step * 16:
        rect = np.abs(filtered[:m]).reshape(-1, step, filtered.shape[1]).mean(axis=1)
        t_env = analog.time[:m].reshape(-1, step).mean(axis=1)
        env_all = lowpass(rect, rate / step, ENVELOPE_HZ)  # (n / step, k)
    else:
        t_env, env_all = analog.time, lowpass(np.abs(filtered), rate, ENVELOPE_HZ)
    channels = []
    for j, k in enumerate(idx):
        label = analog.labels[k]
        env = np.interp(out_t, t_env, env_all[:, j])
        side, muscle = side_and_muscle(label)
        ch = EmgChannel(label, side, muscle, out_t, env, float(env.max()), problems=problems[j])
        if side is not None:
            ch.cycle_mean, ch.n_cycles = _cycle_mean(ch, events)
        channels.append(ch)
    notes = [
        f"EMG: {len(channels)} channel(s); linear envelopes (offset removed, {band}, rectified, "
        f"{ENVELOPE_HZ:g} Hz low-pass)"
    ]
    unsided = [c.label for c in channels if c.side is None]
    if unsided:
        notes.append(
            "EMG channels without a side in their label are shown over time only: "
            + ", ".join(unsided[:6]) + (" ..." if len(unsided) > 6 else "")
        )
    return EmgResult(channels, notes)


def _checks(x: NDArray[np.float64], rate: float) -> list[list[str]]:
    """Per channel of ``(n, k)`` volts: a flat line, mains interference."""
    out: list[list[str]] = [[] for _ in range(x.shape[1])]
    sd = np.std(x, axis=0)
    share: dict[float, NDArray[np.float64]] = {}
    if len(x) >= 256:
        f, pxx = welch(x, fs=rate, nperseg=min(len(x), 1024), axis=0)  # (n_f, k)
        total = pxx.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            for mains in (50.0, 60.0):
                near = (f > mains - 2) & (f < mains + 2)
                share[mains] = pxx[near].sum(axis=0) / total
    for j in range(x.shape[1]):
        if float(sd[j]) < FLAT_V:
            out[j].append("flat signal (no electrode contact?)")
            continue
        for mains, frac in share.items():
            if float(frac[j]) > 1 / 3:
                out[j].append(f"mains interference at {mains:.0f} Hz")
    return out


def _cycle_mean(ch: EmgChannel, events: list[Event]) -> tuple[NDArray[np.float64] | None, int]:
    strikes = sorted(e.time_s for e in events if e.label == HEEL_STRIKE and e.side == ch.side)
    pct = np.linspace(0.0, 1.0, 101)
    cycles = []
    for a, b in itertools.pairwise(strikes):
        if b <= a or a < ch.time[0] or b > ch.time[-1] or b - a > 2.5:
            continue
        cycles.append(np.interp(a + pct * (b - a), ch.time, ch.envelope))
    if not cycles or ch.peak_v <= 0:
        return None, 0
    return 100.0 * np.mean(cycles, axis=0) / ch.peak_v, len(cycles)


__all__ = ["EmgChannel", "EmgResult", "analyze_emg", "is_emg", "side_and_muscle"]
