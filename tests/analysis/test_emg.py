"""EMG envelopes: a synthetic burst found where it is, the checks, labels, and a real file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.emg import analyze_emg, is_emg, side_and_muscle
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.trial import HEEL_STRIKE, AnalogChannels, Event
from lmm_desktop.io.c3d import read_c3d


def _channels(rate: float = 2000.0, seconds: float = 4.0) -> AnalogChannels:
    """L_TA bursting 50 ms after each left heel strike (every 1 s) for 150 ms; a flat channel;
    one of pure 50 Hz hum; a force-like channel in newtons."""
    rng = np.random.default_rng(0)
    t = np.arange(0, seconds, 1 / rate)
    phase = t % 1.0
    burst = ((phase >= 0.05) & (phase < 0.20)).astype(float)
    ta = rng.normal(0, 1, len(t)) * (5e-6 + 200e-6 * burst)  # volts
    flat = np.zeros(len(t))
    hum = 100e-6 * np.sin(2 * np.pi * 50 * t) + rng.normal(0, 2e-6, len(t))
    force = 700 + rng.normal(0, 1, len(t))
    values = np.column_stack([ta, flat, hum, force])
    return AnalogChannels(["L_TA", "EMG 2", "R Soleus", "Fz"], ["V", "V", "V", "N"], rate, t,
                          values)


def test_burst_timing_over_the_cycle_and_checks() -> None:
    events = [Event(HEEL_STRIKE, "left", float(k), "detected") for k in range(4)]
    res = analyze_emg(_channels(), events)
    assert res is not None
    by = {c.label: c for c in res.channels}
    assert set(by) == {"L_TA", "EMG 2", "R Soleus"}  # the force channel is not EMG
    ta = by["L_TA"]
    assert (ta.side, ta.muscle) == ("left", "tibialis anterior")
    assert ta.cycle_mean is not None and ta.n_cycles == 3
    # the envelope peaks inside the burst (5-20 % of the cycle), at 100 % of the peak
    peak_at = int(np.argmax(ta.cycle_mean))
    assert 5 <= peak_at <= 22
    assert ta.cycle_mean[60] < 15  # quiet outside it
    # active around the burst (5-20 % of the cycle), widened a little by the 6 Hz envelope
    ((on, off),) = ta.active
    assert 0 <= on <= 7 and 18 <= off <= 30
    assert ta.to_dict()["active_pct"] == [[on, off]]
    assert 100e-6 < ta.peak_v < 300e-6
    assert by["EMG 2"].problems == ["flat signal (no electrode contact?)"]
    assert "mains interference at 50 Hz" in by["R Soleus"].problems
    assert ta.problems == []
    assert by["R Soleus"].cycle_mean is None  # no right heel strike given


@pytest.mark.parametrize(
    ("label", "side", "muscle"),
    [
        ("L_TA", "left", "tibialis anterior"),
        ("RGastroc", "right", "gastrocnemius"),
        ("Right Vastus Lateralis VL", "right", "vastus lateralis"),
        ("EMG 3", None, None),
        ("Sync", None, None),
    ],
)
def test_labels_give_side_and_muscle(label: str, side: str | None, muscle: str | None) -> None:
    assert side_and_muscle(label) == (side, muscle)


def test_only_volt_channels_named_emg_or_a_muscle_are_emg() -> None:
    assert is_emg("EMG 1", "V") and is_emg("L_TA", "mV")
    assert not is_emg("Sync", "V") and not is_emg("L_TA", "N") and not is_emg("FP1_FZ", "V")


def test_qualisys_emg_channels_are_read_beside_the_plates(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "Qualisys.c3d")
    assert trial.analog is not None
    assert trial.analog.values.shape == (3400, 57)  # 69 channels less the plates' 12
    assert not any(lab.startswith("Amti") for lab in trial.analog.labels)
    result = analyze(trial)
    assert result.emg is not None
    assert [c.label for c in result.emg.channels] == [f"EMG {k}" for k in range(1, 17)]
    assert all(c.side is None and c.cycle_mean is None for c in result.emg.channels)
    assert all(10e-6 < c.peak_v < 5e-3 for c in result.emg.channels)  # microvolts to mV
    assert result.to_dict()["emg"]["channels"][0]["label"] == "EMG 1"
