"""The motion tokenizer as the app and the training code use it: a saved artifact folder plus
``encode`` / ``decode`` / ``reconstruction_rmse`` on canonical kinematics.

Artifact folder (a **contract**): ``tokenizer.json`` (format version, config, frame rate,
codebook size, downsampling factor, coordinate list), ``stats.json`` (normalisation),
``weights.safetensors`` and optionally ``evaluation.json``. torch is imported lazily.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.resources import resources_dir
from lmm_desktop.motion.codec import MotionTokenCodec
from lmm_desktop.motion.config import TokenizerConfig
from lmm_desktop.motion.normalization import NormStats, denormalize, prepare

if TYPE_CHECKING:
    from lmm_desktop.motion.vqvae import MotionVQVAE

FORMAT_VERSION = 1
DEFAULT_TOKENIZER_DIR = resources_dir() / "models" / "tokenizer"
"""The shipped tokenizer, as located at import time (:meth:`MotionTokenizer.load` looks again)."""


@dataclass
class TokenizeResult:
    """Codes of one trial, their rate, and how well they reconstruct it."""

    codes: NDArray[np.int64]  # (n_tokens,)
    token_rate_hz: float
    rmse_deg: float  # mean over present joints of the per-joint RMSE
    rmse_per_joint: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"codes": self.codes.tolist(), "n_tokens": int(self.codes.shape[0]),
                "token_rate_hz": self.token_rate_hz, "rmse_deg": round(self.rmse_deg, 4),
                "rmse_per_joint_deg": {k: round(v, 4) for k, v in self.rmse_per_joint.items()}}


class MotionTokenizer:
    """A trained VQ-VAE with its normalisation statistics."""

    def __init__(self, config: TokenizerConfig, stats: NormStats, model: MotionVQVAE,
                 device: str = "cpu") -> None:
        self.config = config
        self.stats = stats
        self.model = model.eval()
        self.device = device
        self.codec = MotionTokenCodec(config.codebook_size)

    @property
    def token_rate_hz(self) -> float:
        return self.config.frame_rate_hz / self.config.downsampling

    # ---------------------------------------------------------------- save / load
    def save(self, folder: str | Path, evaluation: dict[str, Any] | None = None) -> Path:
        from safetensors.torch import save_file

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "config": self.config.to_dict(),
            "frame_rate_hz": self.config.frame_rate_hz,
            "codebook_size": self.config.codebook_size,
            "downsampling": self.config.downsampling,
            "coordinates": list(CANONICAL_JOINTS),
        }
        with atomic_write(out / "tokenizer.json") as fh:
            json.dump(meta, fh, indent=2)
        with atomic_write(out / "stats.json") as fh:
            json.dump(self.stats.to_dict(), fh, indent=2)
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        tmp = out / ".weights.safetensors.tmp"
        save_file(state, str(tmp))
        tmp.replace(out / "weights.safetensors")
        if evaluation is not None:
            with atomic_write(out / "evaluation.json") as fh:
                json.dump(evaluation, fh, indent=2)
        return out

    @classmethod
    def load(cls, folder: str | Path | None = None, *, device: str = "cpu") -> MotionTokenizer:
        """Load a tokenizer artifact (default: the one shipped in resources/models/tokenizer)."""
        import torch
        from safetensors.torch import load_file

        from lmm_desktop.motion.vqvae import MotionVQVAE

        path = Path(folder) if folder is not None else resources_dir() / "models" / "tokenizer"
        meta_path = path / "tokenizer.json"
        if not meta_path.is_file():
            raise ModelLoadError(f"No motion tokenizer in '{path}': expected tokenizer.json, "
                                 "stats.json and weights.safetensors (train one with "
                                 "`lmm-train tokenizer`).")
        try:
            meta = json.loads(meta_path.read_text())
            if meta.get("format_version") != FORMAT_VERSION:
                raise ModelLoadError(f"The tokenizer in '{path}' has format version "
                                     f"{meta.get('format_version')}; this app reads version "
                                     f"{FORMAT_VERSION}.")
            if meta.get("coordinates") != list(CANONICAL_JOINTS):
                raise ModelLoadError(f"The tokenizer in '{path}' was trained on another joint "
                                     "list than the canonical 34 joints.")
            cfg = TokenizerConfig.from_dict(meta["config"])
            stats = NormStats.from_dict(json.loads((path / "stats.json").read_text()))
            model = MotionVQVAE(cfg)
            model.load_state_dict(load_file(str(path / "weights.safetensors")))
        except ModelLoadError:
            raise
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(f"The motion tokenizer in '{path}' cannot be loaded: {exc}") \
                from exc
        model.to(torch.device(device))
        return cls(cfg, stats, model, device=device)

    # ---------------------------------------------------------------- use
    def _input(self, kin: Kinematics, time: NDArray[np.float64]) -> tuple[Any, Any, int]:
        import torch

        x, mask, n_real = prepare(kin.angles, time, kin.present, self.stats,
                                  self.config.frame_rate_hz, self.config.downsampling)
        xt = torch.from_numpy(x)[None].to(self.device)  # (1, T, 34)
        return xt, mask, n_real

    def encode(self, kin: Kinematics, time: NDArray[np.float64]) -> NDArray[np.int64]:
        """Codes ``(T / downsampling,)`` of canonical kinematics sampled at ``time``."""
        import torch

        xt, _, _ = self._input(kin, time)
        with torch.inference_mode():
            return self.model.encode(xt)[0].cpu().numpy().astype(np.int64)

    def decode(self, codes: NDArray[np.int64]) -> NDArray[np.float64]:
        """Joint angles ``(n_codes * downsampling, 34)`` in degrees at the tokenizer's rate."""
        import torch

        ct = torch.as_tensor(np.asarray(codes, dtype=np.int64))[None].to(self.device)
        with torch.inference_mode():
            z = self.model.decode(ct)[0].cpu().numpy()
        return denormalize(z, self.stats)

    def tokenize(self, kin: Kinematics, time: NDArray[np.float64]) -> TokenizeResult:
        """Codes plus the reconstruction RMSE (degrees) over measured frames and joints."""
        import torch

        xt, mask, n_real = self._input(kin, time)
        with torch.inference_mode():
            codes = self.model.encode(xt)  # (1, t)
            z = self.model.decode(codes)[0].cpu().numpy()  # (T, 34)
        truth = denormalize(xt[0].cpu().numpy(), self.stats)[:n_real]
        recon = denormalize(z, self.stats)[:n_real]
        m = mask[:n_real]
        per_joint: dict[str, float] = {}
        for j, name in enumerate(CANONICAL_JOINTS):
            if m[:, j].any():
                err = recon[m[:, j], j] - truth[m[:, j], j]
                per_joint[name] = float(np.sqrt(np.mean(err**2)))
        rmse = float(np.mean(list(per_joint.values()))) if per_joint else float("nan")
        return TokenizeResult(codes=codes[0].cpu().numpy().astype(np.int64),
                              token_rate_hz=self.token_rate_hz, rmse_deg=rmse,
                              rmse_per_joint=per_joint)
