"""The simulator's Plug-in-Gait pelvis offset equals the built-in model's landmark geometry."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.canonical import Kinematics
from training.simulate.curves import PELVIS_FRAME_OFFSET_DEG


@pytest.mark.parametrize("height", [1.5, 1.7, 1.95])
def test_offset_matches_builtin_landmarks(height: float) -> None:
    kin = Kinematics.empty(1)
    kin.angles[:] = 0.0
    kin.present[:] = True
    kin.pelvis_rotation[:] = 0.0
    kin.pelvis_translation[:] = 0.0
    kin.pelvis_present = True
    pts = builtin_forward_kinematics(kin, np.zeros(1), height_m=height)
    d = ((pts.point("asis_r") + pts.point("asis_l")) - (pts.point("psis_r") + pts.point("psis_l")))
    anterior_tilt = np.degrees(np.arctan2(-d[0, 1], d[0, 0]))
    assert anterior_tilt == pytest.approx(PELVIS_FRAME_OFFSET_DEG, abs=0.1)
