"""The motion VQ-VAE (T2M-GPT / BiomechGPT): 1D conv encoder, EMA codebook with dead-code reset,
symmetric decoder. Importing this module imports torch; the app imports it lazily.

Shapes: B batch, T frames, J joints (34), C width, D code dim, K codebook size, t = T / 2**down_t.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lmm_desktop.motion.config import TokenizerConfig


class ResBlock1D(nn.Module):
    """Pre-activation residual block with a dilated 3-tap convolution."""

    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv1d(width, width, 1)

    def forward(self, x: Tensor) -> Tensor:  # (B, C, T) -> (B, C, T)
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


def _stage(width: int, depth: int, growth: int, reverse: bool) -> nn.Sequential:
    dilations = [growth**i for i in range(depth)]
    if reverse:
        dilations = dilations[::-1]
    return nn.Sequential(*(ResBlock1D(width, d) for d in dilations))


class Encoder(nn.Module):
    def __init__(self, cfg: TokenizerConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(cfg.n_joints, cfg.width, 3, padding=1), nn.ReLU()]
        for _ in range(cfg.down_t):
            layers.append(nn.Conv1d(cfg.width, cfg.width, 4, stride=2, padding=1))
            layers.append(_stage(cfg.width, cfg.depth, cfg.dilation_growth, reverse=False))
        layers.append(nn.Conv1d(cfg.width, cfg.code_dim, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:  # (B, J, T) -> (B, D, t)
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, cfg: TokenizerConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(cfg.code_dim, cfg.width, 3, padding=1), nn.ReLU()]
        for _ in range(cfg.down_t):
            layers.append(_stage(cfg.width, cfg.depth, cfg.dilation_growth, reverse=True))
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers.append(nn.Conv1d(cfg.width, cfg.width, 3, padding=1))
        layers += [nn.Conv1d(cfg.width, cfg.width, 3, padding=1), nn.ReLU(),
                   nn.Conv1d(cfg.width, cfg.n_joints, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:  # (B, D, t) -> (B, J, T)
        return self.net(z)


class EMAQuantizer(nn.Module):
    """Nearest-code quantizer whose codebook follows an exponential moving average of the
    encoder outputs assigned to it; codes that fall out of use are reset to random recent
    encoder outputs (dead-code reset). Gradients pass straight through."""

    codebook: Tensor  # (K, D)
    ema_sum: Tensor  # (K, D)
    ema_count: Tensor  # (K,)
    initialized: Tensor  # () bool

    def __init__(self, cfg: TokenizerConfig) -> None:
        super().__init__()
        self.k = cfg.codebook_size
        self.decay = cfg.ema_decay
        self.threshold = cfg.dead_code_threshold
        self.register_buffer("codebook", torch.zeros(cfg.codebook_size, cfg.code_dim))
        self.register_buffer("ema_sum", torch.zeros(cfg.codebook_size, cfg.code_dim))
        self.register_buffer("ema_count", torch.zeros(cfg.codebook_size))
        self.register_buffer("initialized", torch.tensor(False))

    def _init_from(self, flat: Tensor) -> None:  # flat: (N, D)
        idx = torch.randint(0, flat.shape[0], (self.k,), device=flat.device)
        self.codebook.copy_(flat[idx])
        self.ema_sum.copy_(flat[idx])
        self.ema_count.fill_(1.0)
        self.initialized.fill_(True)

    def nearest(self, flat: Tensor) -> Tensor:  # (N, D) -> (N,) code indices
        dist = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t()
                + self.codebook.pow(2).sum(1)[None, :])  # (N, K)
        return dist.argmin(dim=1)

    @torch.no_grad()
    def _ema_update(self, flat: Tensor, codes: Tensor) -> None:
        onehot = F.one_hot(codes, self.k).type(flat.dtype)  # (N, K)
        count = onehot.sum(0)  # (K,)
        self.ema_count.mul_(self.decay).add_(count, alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.t() @ flat, alpha=1 - self.decay)
        usable = (self.ema_count >= self.threshold).unsqueeze(1)  # (K, 1)
        fresh = flat[torch.randint(0, flat.shape[0], (self.k,), device=flat.device)]  # (K, D)
        updated = self.ema_sum / self.ema_count.clamp(min=1e-5).unsqueeze(1)
        self.codebook.copy_(torch.where(usable, updated, fresh))
        # Reset the statistics of dead codes so they start again from their new vector.
        self.ema_sum.copy_(torch.where(usable, self.ema_sum, fresh))
        self.ema_count.copy_(torch.where(usable.squeeze(1), self.ema_count,
                                         torch.ones_like(self.ema_count)))

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """z: (B, D, t) -> quantized (B, D, t), codes (B, t), commitment loss, perplexity."""
        b, d, t = z.shape
        flat = z.permute(0, 2, 1).reshape(b * t, d)  # (B*t, D)
        if self.training and not bool(self.initialized):
            self._init_from(flat.detach())
        codes = self.nearest(flat)  # (B*t,)
        if self.training:
            self._ema_update(flat.detach(), codes)
        q = self.codebook[codes]  # (B*t, D)
        commit = F.mse_loss(flat, q.detach())
        probs = F.one_hot(codes, self.k).float().mean(0)  # (K,)
        perplexity = torch.exp(-(probs * torch.log(probs + 1e-10)).sum())
        q = flat + (q - flat).detach()  # straight-through estimator
        return q.reshape(b, t, d).permute(0, 2, 1), codes.reshape(b, t), commit, perplexity


class MotionVQVAE(nn.Module):
    """Encoder -> EMA quantizer -> decoder over normalised joint angles."""

    def __init__(self, cfg: TokenizerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.quantizer = EMAQuantizer(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """x: (B, T, J) normalised angles, T a multiple of the downsampling factor."""
        z = self.encoder(x.permute(0, 2, 1))  # (B, D, t)
        q, codes, commit, perplexity = self.quantizer(z)
        recon = self.decoder(q).permute(0, 2, 1)  # (B, T, J)
        return {"recon": recon, "codes": codes, "commit": commit, "perplexity": perplexity}

    @torch.no_grad()
    def encode(self, x: Tensor) -> Tensor:  # (B, T, J) -> (B, t) codes
        z = self.encoder(x.permute(0, 2, 1))  # (B, D, t)
        b, d, t = z.shape
        return self.quantizer.nearest(z.permute(0, 2, 1).reshape(b * t, d)).reshape(b, t)

    @torch.no_grad()
    def decode(self, codes: Tensor) -> Tensor:  # (B, t) -> (B, T, J)
        q = self.quantizer.codebook[codes].permute(0, 2, 1)  # (B, D, t)
        return self.decoder(q).permute(0, 2, 1)

    def loss(self, x: Tensor, mask: Tensor | None = None,
             joint_weights: Tensor | None = None) -> dict[str, Tensor]:
        """Reconstruction (smooth L1 over present joints, optionally weighted per joint) +
        beta * commitment. ``joint_weights`` (J,) e.g. each joint's standard deviation in degrees
        over the mean one, so that the loss follows the error in degrees rather than in z."""
        out = self.forward(x)
        err = F.smooth_l1_loss(out["recon"], x, reduction="none")  # (B, T, J)
        if joint_weights is not None:
            err = err * joint_weights.to(err.dtype)
        if mask is not None:  # (B, T, J) bool: frames/joints that were really measured
            m = mask.type(err.dtype)
            recon = (err * m).sum() / m.sum().clamp(min=1.0)
        else:
            recon = err.mean()
        total = recon + self.cfg.commitment * out["commit"]
        return {**out, "loss": total, "recon_loss": recon}
