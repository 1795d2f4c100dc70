"""Typed settings of the supervised fine-tuning (BiomechGPT section 3.3 defaults).

LoRA rank 32, alpha 32, dropout 0.1 on every attention and MLP projection, learning rate 2e-4,
1.2 epochs, sequences up to 1024 tokens, loss on the prompt tokens too (they carry the new motion
tokens), 4-bit NF4 base on CUDA (QLoRA). A JSON or YAML file may set any field; flags override it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lmm_desktop.assistant.base_model import DTYPE_CHOICES, QUANTIZE_CHOICES, bnb_config

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CHAT_TEMPLATE_CHOICES = ("gemma", "base")
MIXED_PRECISION_CHOICES = ("auto", "bf16", "none")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


@dataclass
class SFTConfig:
    """LoRA / QLoRA fine-tuning settings."""

    lora_rank: int = 32
    """LoRA rank r."""
    lora_alpha: int = 32
    """LoRA scaling alpha (the update is scaled by alpha / r)."""
    lora_dropout: float = 0.1
    """Dropout on the LoRA input, in [0, 1)."""
    target_modules: tuple[str, ...] = LORA_TARGETS
    """Linear layers that get a LoRA adapter."""
    learning_rate: float = 2e-4
    """AdamW peak learning rate."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    warmup_ratio: float = 0.03
    """Fraction of the optimizer steps with a linear warm-up (then linear decay to zero)."""
    epochs: float = 1.2
    """Passes over the training rows (fractional: 1.2 = one pass and a fifth)."""
    max_steps: int = 0
    """Stop after this many optimizer steps (0: derived from ``epochs``)."""
    max_length: int = 1024
    """Longest sequence in tokens; longer examples are truncated from the end."""
    batch_size: int = 4
    """Examples per micro-batch."""
    grad_accum: int = 1
    """Micro-batches per optimizer step (effective batch = batch_size x grad_accum)."""
    group_by_length: bool = True
    """Batch examples of similar length together (less padding, more real tokens per second)."""
    max_grad_norm: float = 1.0
    """Gradient clipping norm (0: off)."""
    loss_on_prompt: bool = True
    """Include the prompt tokens in the loss (BiomechGPT does: they hold the motion tokens)."""
    chat_template: str = "gemma"
    """'gemma': always the Gemma turn format; 'base': the base's own template if it has one."""
    codebook_size: int = 512
    """Motion codebook size K; K code tokens and two sentinels are added to the vocabulary."""
    quantize: str = "auto"
    """'nf4' (QLoRA, bitsandbytes), 'none', or 'auto' (NF4 on CUDA, none on CPU)."""
    dtype: str = "auto"
    """Weights dtype when not quantized: 'auto' (bfloat16 on CUDA, float32 on CPU), 'float32',
    'bfloat16', 'float16'."""
    device: str = "auto"
    """'auto', 'cpu', 'cuda' or 'cuda:N'."""
    motion_embedding_init: str = "auto"
    """How the new motion-token embedding rows start: 'codebook' (each code's VQ-VAE vector
    through a fixed orthonormal projection, scaled to the vocabulary's row norm; needs the
    tokenizer artifact), 'random' (the model's initialiser), or 'auto' (codebook when the dataset
    names its tokenizer artifact, random otherwise; the summary records which)."""
    mixed_precision: str = "auto"
    """Compute in bfloat16 under autocast while the weights and optimizer stay float32: 'bf16',
    'none', or 'auto' (bf16 on CUDA and on CPUs that multiply bfloat16 natively, AVX512-BF16/AMX,
    where it measured 4x the float32 tokens/s; none elsewhere)."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass (less memory, ~30% slower)."""
    seed: int = 0
    """Seed of the row subset, the shuffling, dropout and the new embedding rows."""
    max_train_rows: int = 0
    """Use at most this many training examples (rows, or conversations with ``pack_turns`` > 1),
    a seeded random subset (0: all); for CPU runs."""
    tasks: tuple[str, ...] = ()
    """Train only on these tasks' rows (task ids of the registry; empty: every task). For the
    paper's multi-task transfer comparison: an adapter trained on a subset against one trained
    on all tasks, evaluated on the same subset (``lmm-train eval --tasks``)."""
    oversample: tuple[str, ...] = ()
    """Repeat the rows of some tasks within an epoch, as ``TASK=N`` (N from 1 to 20), e.g.
    ``diagnosis=3 assistive_device=2``: the tasks the model under-fits after the paper's recipe
    get N times the steps without retraining the rest longer. One question per example only."""
    pack_turns: int = 1
    """Questions per training example. 1: one question per example (the paper's rows). N > 1:
    up to N questions about the same trial in one multi-turn conversation, the motion tokens
    given once in the first turn (the first question drawn at random), so a step trains on N
    answers for little more than the cost of one; evaluation and the app still ask one."""
    grounded_fraction: float = -1.0
    """With ``pack_turns`` > 1: fraction of conversations whose first turn carries the measured
    metrics (from the rows' ``grounded_prompt``); -1 keeps the first row's own variant."""
    init_from: str = ""
    """Start the LoRA weights and motion-token rows from an earlier run (its output folder or a
    checkpoint ``.pt`` with the same base, rank and codebook); optimizer and schedule start
    fresh. Continues a model on new data or for more steps across sessions."""
    max_train_seconds: float = 0.0
    """Time budget of the optimizer steps in seconds (0: none). Every 20 steps the run projects
    its duration from the recent steps' rate; when it would overrun, the number of steps is cut to
    fit (never past the planned steps) and the learning-rate decay ends there. The summary records
    the planned and the trained steps. For leased GPUs and overnight CPU runs."""
    save_every: int = 100
    """Optimizer steps between checkpoints (the last step is always saved)."""
    log_every: int = 10
    """Optimizer steps between loss records in the summary."""
    num_threads: int = 0
    """torch CPU threads (0: torch's default)."""

    def __post_init__(self) -> None:
        self.target_modules = tuple(self.target_modules)
        self.tasks = tuple(self.tasks)
        from lmm_desktop.assistant.tasks import TASKS

        for task in self.tasks:
            _choice("tasks", task, tuple(TASKS))
        self.oversample = tuple(self.oversample)
        for task in self.oversample_factors():
            _choice("oversample", task, tuple(TASKS))
        for name in (
            "lora_rank",
            "lora_alpha",
            "max_length",
            "batch_size",
            "grad_accum",
            "codebook_size",
            "save_every",
            "log_every",
        ):
            if int(getattr(self, name)) <= 0:
                raise ValueError(
                    f"Invalid value for '{_flag(name)}': must be positive, got "
                    f"{getattr(self, name)}."
                )
        if not self.max_train_seconds >= 0:
            raise ValueError(
                "Invalid value for '--max-train-seconds': must be 0 (no budget) or more, got "
                f"{self.max_train_seconds}."
            )
        for name in ("max_steps", "max_train_rows", "num_threads"):
            if int(getattr(self, name)) < 0:
                raise ValueError(
                    f"Invalid value for '{_flag(name)}': must be 0 or more, got "
                    f"{getattr(self, name)}."
                )
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ValueError(
                f"Invalid value for '--lora-dropout': must be in [0, 1), got {self.lora_dropout}."
            )
        if not self.learning_rate > 0:
            raise ValueError(
                f"Invalid value for '--learning-rate': must be positive, got {self.learning_rate}."
            )
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(
                f"Invalid value for '--warmup-ratio': must be in [0, 1), got {self.warmup_ratio}."
            )
        if not self.epochs > 0 and self.max_steps == 0:
            raise ValueError(
                f"Invalid value for '--epochs': must be positive (or set "
                f"--max-steps), got {self.epochs}."
            )
        if self.pack_turns < 1:
            raise ValueError(
                f"Invalid value for '--pack-turns': must be at least 1, got {self.pack_turns}."
            )
        if not (self.grounded_fraction == -1.0 or 0.0 <= self.grounded_fraction <= 1.0):
            raise ValueError(
                "Invalid value for '--grounded-fraction': must be in [0, 1] (or -1 to keep "
                f"each row's variant), got {self.grounded_fraction}."
            )
        if not self.target_modules:
            raise ValueError("Invalid value for '--target-modules': name at least one layer.")
        _choice("quantize", self.quantize, QUANTIZE_CHOICES)
        _choice("dtype", self.dtype, DTYPE_CHOICES)
        _choice("chat_template", self.chat_template, CHAT_TEMPLATE_CHOICES)
        _choice("mixed_precision", self.mixed_precision, MIXED_PRECISION_CHOICES)
        _choice("motion_embedding_init", self.motion_embedding_init, ("auto", "codebook", "random"))
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ValueError(
                f"Invalid value for '--device'. Allowed values are 'auto', 'cpu', "
                f"'cuda', 'cuda:N', but got {self.device!r}."
            )

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> SFTConfig:
        """Settings from a JSON/YAML file, then ``overrides`` (``None`` values are ignored)."""
        from training.config_files import config_data

        return cls(**config_data(cls, path, overrides))

    def oversample_factors(self) -> dict[str, int]:
        """``oversample`` as {task: N}; a malformed entry is refused with the expected form."""
        factors: dict[str, int] = {}
        for item in self.oversample:
            task, sep, times = str(item).partition("=")
            if not sep or not times.strip().isdigit() or not 1 <= int(times) <= 20:
                raise ValueError(
                    f"Invalid value for '{_flag('oversample')}': {item!r}. Give TASK=N with N "
                    "from 1 to 20, e.g. 'diagnosis=3'."
                )
            factors[task.strip()] = int(times)
        if factors and self.pack_turns > 1:
            raise ValueError(
                f"'{_flag('oversample')}' repeats single questions; it cannot be combined with "
                f"'{_flag('pack_turns')}' {self.pack_turns} (use 1)."
            )
        return factors

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        d["tasks"] = list(self.tasks)
        d["oversample"] = list(self.oversample)
        return d


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        opts = ", ".join(repr(a) for a in allowed)
        raise ValueError(
            f"Invalid value for '{_flag(name)}'. Allowed values are {opts}, but got {value!r}."
        )


def quantization_config(cfg: SFTConfig, device: str | None = None) -> Any:
    """The BitsAndBytesConfig for QLoRA, or ``None`` when quantization is off.

    ``device`` is the resolved device (default: ``cfg.device``, 'auto' meaning CUDA if present).
    """
    from lmm_desktop.assistant.base_model import resolve_device

    return bnb_config(cfg.quantize, device or resolve_device(cfg.device))


def resolve_mixed_precision(cfg: SFTConfig, device: str) -> bool:
    """Whether to train under bfloat16 autocast on the resolved ``device``."""
    if cfg.mixed_precision != "auto":
        return cfg.mixed_precision == "bf16"
    if device.startswith("cuda"):
        return True
    from lmm_desktop.assistant.base_model import fast_cpu_bf16

    return fast_cpu_bf16()


def lora_config(cfg: SFTConfig, new_token_ids: list[int]) -> Any:
    """peft LoraConfig: LoRA on the projections plus trainable rows for the new token ids only."""
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_rank,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=list(cfg.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
        trainable_token_indices={"embed_tokens": list(new_token_ids)},
    )
