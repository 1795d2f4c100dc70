"""Sample rate from time stamps: rounded times, irregular steps, real rates that are not whole."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.io._text import rate_from_time


def test_rounded_time_stamps_give_the_true_rate() -> None:
    t = np.round(np.arange(488) / 60.0, 4)  # steps alternate 0.0166 / 0.0167
    assert rate_from_time(t) == 60.0


def test_video_rate_is_not_snapped() -> None:
    t = np.arange(300) / 29.97
    assert rate_from_time(t) == pytest.approx(29.97, abs=1e-6)


def test_irregular_steps_use_the_median() -> None:
    t = np.concatenate([np.arange(100) / 100.0, 1.0 + np.arange(1, 4) * 0.5])
    assert rate_from_time(t) == pytest.approx(100.0)


def test_single_frame_has_no_rate() -> None:
    assert rate_from_time(np.array([0.0])) is None
