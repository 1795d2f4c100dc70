"""Dataset augmentation: OpenCap-style missing joints and short clips keep labels honest."""

from __future__ import annotations

import numpy as np

from lmm_desktop.core.canonical import JOINT_INDEX, N_JOINTS, Kinematics
from training.dataset.build import _OPENCAP_MISSING, augment


def _kin(n: int = 600) -> tuple[Kinematics, np.ndarray]:
    t = np.arange(n) / 100.0
    kin = Kinematics(angles=np.ones((n, N_JOINTS)), present=np.ones(N_JOINTS, bool),
                     pelvis_rotation=np.zeros((n, 3)), pelvis_translation=np.zeros((n, 3)))
    return kin, t


def test_tug_is_never_cropped_but_loses_opencap_joints() -> None:
    kin, t = _kin()
    for seed in range(20):
        out, _time, what = augment(kin, t, {"activity": "tug"}, np.random.default_rng(seed))
        assert "crop" not in what and out.n_frames == kin.n_frames
        assert what == "opencap_joints"
        assert not out.present[[JOINT_INDEX[j] for j in _OPENCAP_MISSING]].any()
        assert np.isnan(out.angles[:, JOINT_INDEX["neck_extension"]]).all()
        assert kin.present.all()  # the original is untouched


def test_walking_clips_are_short_and_start_at_zero() -> None:
    kin, t = _kin()
    seen_crop = False
    for seed in range(20):
        out, time, what = augment(kin, t, {"activity": "walking"}, np.random.default_rng(seed))
        if "crop" in what:
            seen_crop = True
            assert 1.4 <= time[-1] <= 4.0 and time[0] == 0.0
            assert out.angles.shape[0] == time.shape[0]
    assert seen_crop
