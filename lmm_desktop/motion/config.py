"""Typed configuration of the motion tokenizer (VQ-VAE)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from lmm_desktop.core.canonical import CANONICAL_JOINTS


@dataclass
class TokenizerConfig:
    """Architecture and input conventions of the BiomechGPT/T2M-GPT motion VQ-VAE."""

    n_joints: int = len(CANONICAL_JOINTS)
    """Input channels: the 34 canonical joint angles (pelvis pose left out, as in the paper)."""
    frame_rate_hz: float = 30.0
    """Every trial is resampled to this rate before encoding."""
    codebook_size: int = 512
    """Number of codes K (BiomechGPT: 512)."""
    code_dim: int = 512
    """Dimension of each code vector (BiomechGPT: 512)."""
    width: int = 256
    """Channels of the convolutional encoder/decoder."""
    down_t: int = 2
    """Number of stride-2 downsampling stages: the temporal downsampling factor is 2**down_t."""
    depth: int = 3
    """Residual blocks per stage."""
    dilation_growth: int = 3
    """Dilation growth rate inside a stage's residual blocks."""
    ema_decay: float = 0.99
    """EMA decay of the codebook updates."""
    commitment: float = 0.02
    """Weight beta of the commitment loss."""
    dead_code_threshold: float = 0.1
    """Codes whose EMA usage (assignments per training step) falls below this count are reset to
    random encoder outputs. Keep it well below the mean usage, batch x window / downsampling /
    codebook size (T2M-GPT: 1.0 against a mean of 8); at the mean, half the codebook is reset at
    every step and never settles."""

    def __post_init__(self) -> None:
        checks = {
            "n_joints": self.n_joints > 0,
            "frame_rate_hz": self.frame_rate_hz > 0,
            "codebook_size": self.codebook_size >= 2,
            "code_dim": self.code_dim > 0,
            "width": self.width > 0,
            "down_t": 0 <= self.down_t <= 5,
            "depth": self.depth >= 1,
            "dilation_growth": self.dilation_growth >= 1,
            "ema_decay": 0.0 < self.ema_decay < 1.0,
            "commitment": self.commitment >= 0.0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"Invalid value for {name!r} in the tokenizer config: "
                                 f"{getattr(self, name)!r}")

    @property
    def downsampling(self) -> int:
        """Frames per motion token."""
        return 2**self.down_t

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenizerConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown tokenizer config keys: {sorted(unknown)}")
        return cls(**data)
