"""Train the motion VQ-VAE: ``lmm-train tokenizer --data DIR --out OUT [--config FILE]``.

Participant-level 90/10 split (saved as ``split.json`` and reused by dataset building), random
windows from the training trials, AdamW, periodic checkpoints with resume, a progress bar, and an
evaluation on the held-out participants (per-joint RMSE in degrees, codebook usage, perplexity).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.motion.config import TokenizerConfig
from lmm_desktop.motion.normalization import NormStats, prepare
from training.tokenizer.data import (
    DataError,
    PreparedTrial,
    load_angles,
    participant_split,
    read_labels,
    save_split,
)


@dataclass
class TokenizerTrainConfig:
    """Training settings (a JSON or YAML file may set any of these, plus ``model`` for the
    architecture; command-line flags override the file)."""

    steps: int = 3000
    """Optimizer steps."""
    batch_size: int = 64
    """Windows per step."""
    window_frames: int = 64
    """Window length in frames at the tokenizer rate (a multiple of the downsampling)."""
    lr: float = 2e-4
    """AdamW learning rate (after a linear warm-up)."""
    warmup_steps: int = 200
    """Linear learning-rate warm-up."""
    cosine_decay: bool = True
    """Cosine decay of the learning rate after the warm-up, down to 10 % of ``lr``."""
    val_fraction: float = 0.1
    """Fraction of participants held out."""
    seed: int = 0
    """Seed of the split, the windows and the initialisation."""
    device: str = "cpu"
    """'cpu', 'cuda' or 'cuda:N'."""
    checkpoint_every: int = 500
    """Steps between checkpoints."""
    num_threads: int = 0
    """torch CPU threads (0: torch's default)."""
    loss_weighting: str = "degrees"
    """'degrees': each joint's reconstruction loss is weighted by its standard deviation (over
    the mean one), so training minimises the error in degrees that the evaluation reports;
    'z': every joint weighs the same in z-scores (joints with a wide range are under-weighted)."""
    model: TokenizerConfig = field(default_factory=TokenizerConfig)
    """The VQ-VAE architecture."""

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = TokenizerConfig.from_dict(self.model)
        for name in ("steps", "batch_size", "window_frames", "checkpoint_every"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Invalid value for '--{name.replace('_', '-')}': must be "
                                 f"positive, got {getattr(self, name)}.")
        if self.window_frames % self.model.downsampling:
            raise ValueError(f"Invalid value for '--window-frames': must be a multiple of the "
                             f"downsampling factor {self.model.downsampling}, got "
                             f"{self.window_frames}.")
        if not 0.0 < self.val_fraction < 0.5:
            raise ValueError(f"Invalid value for '--val-fraction': must be in (0, 0.5), got "
                             f"{self.val_fraction}.")
        if self.loss_weighting not in ("degrees", "z"):
            raise ValueError(f"Invalid value for 'loss_weighting'. Allowed values are 'degrees', "
                             f"'z', but got {self.loss_weighting!r}.")
        if not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"Invalid value for '--device'. Allowed values are 'cpu', 'cuda', "
                             f"'cuda:N', but got {self.device!r}.")

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> TokenizerTrainConfig:
        """Settings from a JSON/YAML file, then ``overrides`` (``None`` values are ignored)."""
        from training.config_files import config_data

        return cls(**config_data(cls, path, overrides))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_trials(loaded: list[tuple[Any, np.ndarray, np.ndarray, np.ndarray]],
                   cfg: TokenizerConfig, stats: NormStats) -> list[PreparedTrial]:
    """Model inputs of already-read trials (see :func:`load_angles`)."""
    out = []
    for rec, angles, t, present in loaded:
        x, mask, _ = prepare(angles, t, present, stats, cfg.frame_rate_hz, cfg.downsampling)
        out.append(PreparedTrial(rec.participant, rec.file, x, mask, angles, t, present))
    return out


def learning_rate(cfg: TokenizerTrainConfig, step: int) -> float:
    """Linear warm-up, then (optionally) cosine decay to 10 % of the peak."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if not cfg.cosine_decay:
        return cfg.lr
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.lr * (0.1 + 0.45 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def _windows(trials: list[PreparedTrial], n: int, length: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random windows ``(n, length, 34)`` and their masks; short trials are edge-padded."""
    xs = np.empty((n, length, trials[0].x.shape[1]), dtype=np.float32)
    ms = np.zeros((n, length, trials[0].x.shape[1]), dtype=bool)
    picks = rng.integers(0, len(trials), size=n)
    for i, k in enumerate(picks):
        x, m = trials[k].x, trials[k].mask
        if x.shape[0] >= length:
            s = int(rng.integers(0, x.shape[0] - length + 1))
            xs[i], ms[i] = x[s:s + length], m[s:s + length]
        else:
            pad = length - x.shape[0]
            xs[i] = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)])
            ms[i, : x.shape[0]] = m
    return xs, ms


def train_tokenizer(data_dir: Path, out_dir: Path, cfg: TokenizerTrainConfig, *,
                    resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Train, checkpoint, evaluate and save the tokenizer artifact in ``out_dir``.

    Returns the evaluation dictionary (also written to ``out_dir/evaluation.json``).
    """
    import torch
    from tqdm import tqdm

    from lmm_desktop.motion.tokenizer import MotionTokenizer
    from lmm_desktop.motion.vqvae import MotionVQVAE
    from training.tokenizer.evaluate import evaluate_tokenizer

    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    device = torch.device(cfg.device)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = read_labels(data_dir)
    train_ids, val_ids = participant_split([r.participant for r in records],
                                           val_fraction=cfg.val_fraction, seed=cfg.seed)
    if not train_ids:
        raise DataError(f"'{data_dir}' has no training participants.")
    save_split(out_dir / "split.json", train_ids, val_ids, cfg.seed, cfg.val_fraction)
    keep = set(train_ids)
    loaded = load_angles([r for r in records if r.participant in keep])
    stats = NormStats.fit([angles for _, angles, _, _ in loaded])
    trials = prepare_trials(loaded, cfg.model, stats)
    del loaded

    torch.manual_seed(cfg.seed)
    model = MotionVQVAE(cfg.model).to(device)
    weights = None
    if cfg.loss_weighting == "degrees":
        weights = torch.as_tensor(stats.std / stats.std.mean(), dtype=torch.float32,
                                  device=device)  # (34,)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99), weight_decay=0.0)
    rng = np.random.default_rng(cfg.seed)
    step = 0
    ckpt_dir = out_dir / "checkpoints"
    if resume:
        step = _load_latest(ckpt_dir, model, opt, rng)
    history: list[dict[str, float]] = []
    t0 = time.perf_counter()
    model.train()
    bar = tqdm(total=cfg.steps, initial=step, disable=not progress, desc="tokenizer",
               unit="step")
    while step < cfg.steps:
        lr = learning_rate(cfg, step)
        for g in opt.param_groups:
            g["lr"] = lr
        xs, ms = _windows(trials, cfg.batch_size, cfg.window_frames, rng)
        x = torch.from_numpy(xs).to(device)  # (B, T, 34)
        m = torch.from_numpy(ms).to(device)
        out = model.loss(x, m, weights)
        opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        opt.step()
        step += 1
        if step % 25 == 0 or step == cfg.steps:
            rec = {"step": step, "loss": out["loss"].item(), "recon": out["recon_loss"].item(),
                   "perplexity": out["perplexity"].item()}
            history.append(rec)
            bar.set_postfix(loss=f"{rec['loss']:.4f}", ppl=f"{rec['perplexity']:.0f}")
        bar.update(1)
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            _save_checkpoint(ckpt_dir, step, model, opt, rng, cfg)
    bar.close()
    train_s = time.perf_counter() - t0
    model.eval()
    tok = MotionTokenizer(cfg.model, stats, model.cpu(), device="cpu")
    evaluation = evaluate_tokenizer(tok, data_dir, set(val_ids))
    evaluation.update({"train_seconds": round(train_s, 2), "steps": step,
                       "train_participants": len(train_ids), "val_participants": len(val_ids),
                       "history": history[-20:], "train_config": cfg.to_dict()})
    tok.save(out_dir, evaluation=evaluation)
    return evaluation


def _save_checkpoint(folder: Path, step: int, model: Any, opt: Any,
                     rng: np.random.Generator, cfg: TokenizerTrainConfig) -> Path:
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:07d}.pt"
    tmp = folder / f".{path.name}.tmp"
    torch.save({"step": step, "model": model.state_dict(), "opt": opt.state_dict(),
                "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                "config": cfg.to_dict()}, tmp)
    tmp.replace(path)
    for old in sorted(folder.glob("step_*.pt"))[:-2]:  # keep the last two
        old.unlink()
    return path


def _load_latest(folder: Path, model: Any, opt: Any, rng: np.random.Generator) -> int:
    import torch

    ckpts = sorted(folder.glob("step_*.pt"))
    if not ckpts:
        return 0
    state = torch.load(ckpts[-1], map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    rng.bit_generator.state = state["rng"]
    torch.set_rng_state(state["torch_rng"])
    return int(state["step"])


def write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_write(path) as fh:
        json.dump(data, fh, indent=2)
