"""The VQ-VAE module: shapes, straight-through gradients, EMA codebook and dead-code reset,
save/load of the tokenizer artifact with identical codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lmm_desktop.core.canonical import N_JOINTS, Kinematics  # noqa: E402
from lmm_desktop.motion.config import TokenizerConfig  # noqa: E402
from lmm_desktop.motion.normalization import NormStats, fill_gaps, prepare, resample  # noqa: E402
from lmm_desktop.motion.tokenizer import MotionTokenizer  # noqa: E402
from lmm_desktop.motion.vqvae import MotionVQVAE  # noqa: E402

TINY = TokenizerConfig(codebook_size=16, code_dim=8, width=16, depth=1, down_t=2)


def _walk(n: int = 200, rate: float = 100.0) -> tuple[Kinematics, np.ndarray]:
    t = np.arange(n) / rate
    angles = np.zeros((n, N_JOINTS))
    for j in range(N_JOINTS):
        angles[:, j] = 20 * np.sin(2 * np.pi * (1.0 + 0.05 * j) * t + j)
    kin = Kinematics(angles=angles, present=np.ones(N_JOINTS, bool),
                     pelvis_rotation=np.zeros((n, 3)), pelvis_translation=np.zeros((n, 3)))
    return kin, t


def test_shapes_and_codes() -> None:
    model = MotionVQVAE(TINY)
    x = torch.randn(3, 32, N_JOINTS)  # (B, T, J)
    out = model(x)
    assert out["recon"].shape == (3, 32, N_JOINTS)
    assert out["codes"].shape == (3, 8)
    assert int(out["codes"].max()) < TINY.codebook_size
    model.eval()
    codes = model.encode(x)
    assert codes.shape == (3, 8)
    assert model.decode(codes).shape == (3, 32, N_JOINTS)


def test_straight_through_reaches_encoder() -> None:
    model = MotionVQVAE(TINY)
    loss = model.loss(torch.randn(2, 16, N_JOINTS))["loss"]
    loss.backward()
    grad = model.encoder.net[0].weight.grad
    assert grad is not None and float(grad.abs().sum()) > 0


def test_ema_moves_codebook_and_resets_dead_codes() -> None:
    torch.manual_seed(0)
    model = MotionVQVAE(TINY)
    model.train()
    model(torch.randn(4, 32, N_JOINTS))
    before = model.quantizer.codebook.clone()
    model.quantizer.ema_count[:4] = 0.0  # pretend four codes died
    model(torch.randn(4, 32, N_JOINTS))
    after = model.quantizer.codebook
    assert not torch.allclose(before, after)
    assert bool((model.quantizer.ema_count[:4] >= 1.0 - 1e-6).all())


def test_eval_mode_does_not_update_codebook() -> None:
    model = MotionVQVAE(TINY)
    model.train()
    model(torch.randn(2, 16, N_JOINTS))
    model.eval()
    before = model.quantizer.codebook.clone()
    model(torch.randn(2, 16, N_JOINTS))
    assert torch.equal(before, model.quantizer.codebook)


def test_prepare_resamples_pads_and_masks() -> None:
    kin, t = _walk(101, 100.0)  # 1.0 s at 100 Hz
    kin.angles[10:20, 3] = np.nan
    present = kin.present.copy()
    present[5] = False
    stats = NormStats(mean=np.zeros(N_JOINTS), std=np.ones(N_JOINTS) * 10)
    x, mask, n_real = prepare(kin.angles, t, present, stats, 30.0, 4)
    assert n_real == 31  # 0..1 s at 30 Hz
    assert x.shape == (32, N_JOINTS) and x.dtype == np.float32
    assert not mask[:, 5].any() and (x[:, 5] == 0).all()
    assert not mask[3:6, 3].all()  # the gap is not "measured"
    assert np.isfinite(x).all()


def test_resample_and_fill_gaps_keep_values() -> None:
    t = np.arange(0, 1.0001, 0.01)
    v = np.stack([t * 10, np.where((t > 0.3) & (t < 0.4), np.nan, 1.0)], axis=1)
    nt, nv = resample(t, v, 50.0)
    np.testing.assert_allclose(nv[:, 0], nt * 10, atol=1e-9)
    assert np.isnan(nv[:, 1]).any()
    filled, measured = fill_gaps(nv)
    assert np.isfinite(filled).all() and not measured[:, 1].all()
    np.testing.assert_allclose(filled[:, 1], 1.0)


def test_artifact_save_load_identical_codes(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = MotionVQVAE(TINY)
    model.train()
    model(torch.randn(4, 32, N_JOINTS))  # initialise the codebook
    stats = NormStats(mean=np.zeros(N_JOINTS), std=np.full(N_JOINTS, 15.0))
    tok = MotionTokenizer(TINY, stats, model)
    kin, t = _walk()
    res = tok.tokenize(kin, t)
    tok.save(tmp_path / "tok", evaluation={"rmse": res.rmse_deg})
    again = MotionTokenizer.load(tmp_path / "tok")
    np.testing.assert_array_equal(again.encode(kin, t), res.codes)
    assert again.config == TINY
    assert np.isfinite(res.rmse_deg) and len(res.rmse_per_joint) == N_JOINTS
    assert res.token_rate_hz == pytest.approx(7.5)


def test_load_missing_artifact_explains(tmp_path: Path) -> None:
    from lmm_desktop.core.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="lmm-train tokenizer"):
        MotionTokenizer.load(tmp_path)


def test_joint_weights_scale_each_joints_reconstruction_loss() -> None:
    import torch

    from lmm_desktop.motion.config import TokenizerConfig
    from lmm_desktop.motion.vqvae import MotionVQVAE

    torch.manual_seed(0)
    model = MotionVQVAE(TokenizerConfig(codebook_size=16, code_dim=8, width=16, depth=1))
    model.eval()
    x = torch.randn(2, 16, 34)
    plain = model.loss(x)["recon_loss"]
    doubled = model.loss(x, joint_weights=torch.full((34,), 2.0))["recon_loss"]
    assert float(doubled) == pytest.approx(2 * float(plain), rel=1e-5)
    only_first = torch.zeros(34)
    only_first[0] = 34.0  # the whole loss on joint 0
    err0 = torch.nn.functional.smooth_l1_loss(model(x)["recon"][..., 0], x[..., 0])
    got = model.loss(x, joint_weights=only_first)["recon_loss"]
    assert float(got) == pytest.approx(float(err0), rel=1e-5)


def test_train_config_loss_weighting_choices() -> None:
    from training.tokenizer.train import TokenizerTrainConfig

    assert TokenizerTrainConfig().loss_weighting == "degrees"
    with pytest.raises(ValueError, match="loss_weighting"):
        TokenizerTrainConfig(loss_weighting="metres")
