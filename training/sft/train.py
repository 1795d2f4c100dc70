"""LoRA / QLoRA supervised fine-tuning of the base model on motion-token question/answer rows.

``lmm-train sft --data DATASET --out OUT``: extends the vocabulary with the motion tokens, trains
LoRA on the projections plus the new embedding rows only, checkpoints every ``save_every`` steps
(resume with ``--resume``), and writes the model artifact to ``OUT/model`` and a summary with the
measured tokens/s to ``OUT/training_summary.json``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmm_desktop.assistant.artifact import (
    ADAPTER_DIR,
    extend_vocabulary,
    init_motion_embeddings,
    save_model_artifact,
)
from lmm_desktop.assistant.base_model import (
    load_base_model,
    resolve_device,
    resolve_quantize,
)
from lmm_desktop.assistant.chat_template import GEMMA_CHAT_TEMPLATE
from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import LmmError, ModelLoadError
from lmm_desktop.motion.codec import MotionTokenCodec
from training.sft.config import SFTConfig, lora_config, resolve_mixed_precision
from training.sft.data import (
    Example,
    batch_order,
    collate,
    conversations,
    read_manifest,
    read_rows,
    subset,
    tokenize_conversation,
    tokenize_row,
)

# settings a resumed run must share with its checkpoint (others, e.g. save_every, may change)
_RESUME_KEYS = (
    "lora_rank",
    "lora_alpha",
    "target_modules",
    "codebook_size",
    "batch_size",
    "grad_accum",
    "seed",
    "max_train_rows",
    "max_length",
    "chat_template",
    "loss_on_prompt",
    "motion_embedding_init",
    "group_by_length",
    "pack_turns",
    "grounded_fraction",
    "tasks",
)


@dataclass
class SFTResult:
    """What a training run leaves in memory: the summary, the peft model and its tokenizer."""

    summary: dict[str, Any]
    model: Any
    tokenizer: Any


def train_sft(
    dataset_dir: Path,
    out_dir: Path,
    cfg: SFTConfig,
    *,
    base: str | Path | None = None,
    resume: bool = False,
    tokenizer_artifact: Path | None = None,
    progress: bool = True,
    cache_root: Path | None = None,
    base_tokenizer: Path | None = None,
) -> dict[str, Any]:
    """Fine-tune and save the model artifact; return the training summary.

    Parameters
    ----------
    dataset_dir
        A folder of ``*.jsonl`` rows (or one ``.jsonl`` file); only ``split == 'train'`` is used.
    out_dir
        Receives ``checkpoints/``, ``model/`` (the artifact) and ``training_summary.json``.
    cfg
        The settings (:class:`SFTConfig`).
    base
        Base model: ``None`` for the bundled Gemma 3 270M, or a local model folder / .gguf.
    resume
        Continue from the latest checkpoint in ``out_dir/checkpoints``.
    tokenizer_artifact
        Motion tokenizer folder to record (default: ``tokenizer_artifact`` in ``dataset.json``).
    base_tokenizer
        With a ``.gguf`` base: the folder whose ``tokenizer.json`` replaces the one rebuilt from
        the GGUF (for machines whose transformers builds it wrongly).
    """
    return fit_sft(
        dataset_dir,
        out_dir,
        cfg,
        base=base,
        resume=resume,
        tokenizer_artifact=tokenizer_artifact,
        progress=progress,
        cache_root=cache_root,
        base_tokenizer=base_tokenizer,
    ).summary


def fit_sft(
    dataset_dir: Path,
    out_dir: Path,
    cfg: SFTConfig,
    *,
    base: str | Path | None = None,
    resume: bool = False,
    tokenizer_artifact: Path | None = None,
    progress: bool = True,
    cache_root: Path | None = None,
    base_tokenizer: Path | None = None,
) -> SFTResult:
    """:func:`train_sft`, also returning the trained model and tokenizer in memory."""
    import torch
    from peft import get_peft_model

    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    device = resolve_device(cfg.device)
    quant = resolve_quantize(cfg.quantize, device)
    rows = read_rows(Path(dataset_dir), "train")
    if cfg.tasks:
        rows = [r for r in rows if r.get("task") in cfg.tasks]
        if not rows:
            raise LmmError(
                f"'{dataset_dir}' has no training rows of the task(s) {', '.join(cfg.tasks)}."
            )
    factors = cfg.oversample_factors()
    missing = sorted(t for t in factors if not any(r.get("task") == t for r in rows))
    if missing:
        raise LmmError(
            f"'{dataset_dir}' has no training rows of the oversampled task(s) "
            f"{', '.join(missing)}; drop them from --oversample."
        )
    rows = [r for r in rows for _ in range(factors.get(str(r.get("task")), 1))]
    convs: list[dict[str, Any]] = []
    if cfg.pack_turns > 1:
        convs = subset(
            conversations(
                rows,
                max_turns=cfg.pack_turns,
                grounded_fraction=cfg.grounded_fraction,
                seed=cfg.seed,
            ),
            cfg.max_train_rows,
            cfg.seed,
        )
    else:
        rows = subset(rows, cfg.max_train_rows, cfg.seed)
    manifest = read_manifest(Path(dataset_dir))

    torch.manual_seed(cfg.seed)  # the new embedding rows and the LoRA init
    loaded = load_base_model(
        base,
        device=device,
        quantize=cfg.quantize,
        dtype=cfg.dtype,
        cache_root=cache_root,
        tokenizer_dir=base_tokenizer,
    )
    tokenizer, model = loaded.tokenizer, loaded.model
    template = GEMMA_CHAT_TEMPLATE if cfg.chat_template == "gemma" else None
    vocab = extend_vocabulary(
        tokenizer,
        model,
        MotionTokenCodec(cfg.codebook_size).tokens,
        codebook_size=cfg.codebook_size,
        chat_template=template,
    )
    tok_art = tokenizer_artifact or manifest.get("tokenizer_artifact")
    init = cfg.motion_embedding_init
    if init == "auto":
        has_book = bool(tok_art) and Path(str(tok_art), "weights.safetensors").is_file()
        init = "codebook" if has_book else "random"
    if init == "codebook":
        init_motion_embeddings(
            model, tokenizer, _codebook(Path(tok_art) if tok_art else None), seed=cfg.seed
        )
    if quant == "nf4":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=cfg.gradient_checkpointing
        )
    elif cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    peft_model = get_peft_model(model, lora_config(cfg, vocab.ids))
    if convs:
        examples = [
            tokenize_conversation(
                tokenizer, c, max_length=cfg.max_length, loss_on_prompt=cfg.loss_on_prompt
            )
            for c in convs
        ]
    else:
        examples = [
            tokenize_row(tokenizer, r, max_length=cfg.max_length, loss_on_prompt=cfg.loss_on_prompt)
            for r in rows
        ]
    started_from = init_trainable(peft_model, Path(cfg.init_from)) if cfg.init_from else None
    autocast = resolve_mixed_precision(cfg, device) and quant == "none"
    loop = _TrainLoop(
        peft_model, examples, cfg, int(tokenizer.pad_token_id), device, autocast=autocast
    )
    ckpt_dir = Path(out_dir) / "checkpoints"
    resumed_from = loop.load_checkpoint(ckpt_dir) if resume else 0
    loop.run(ckpt_dir, progress=progress)

    peft_model.eval()
    n_trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    summary = {
        "base_model": loaded.ref.to_dict(),
        "base_load_seconds": round(loaded.load_seconds, 2),
        "device": device,
        "device_name": torch.cuda.get_device_name(device) if device.startswith("cuda") else None,
        "quantize": quant,
        "mixed_precision": "bf16 autocast" if autocast else "none",
        "motion_embedding_init": init,
        "train_rows": len(examples),
        "train_answers": sum(len(c["messages"]) // 2 for c in convs) if convs else len(examples),
        "grounded_examples": sum(c["variant"] == "grounded" for c in convs)
        if convs
        else sum(r.get("variant") == "grounded" for r in rows),
        "init_from": _lineage(Path(started_from)) if started_from else None,
        "steps": loop.step,
        "total_steps": loop.total_steps,
        "planned_steps": loop.planned_steps,
        "time_budget_s": cfg.max_train_seconds or None,
        "resumed_from": resumed_from,
        "epochs_done": round(loop.step * cfg.grad_accum / loop.batches_per_epoch, 3),
        "tokens": loop.tokens,
        "train_seconds": round(loop.seconds, 2),
        "tokens_per_s": round(loop.tokens / loop.seconds, 1) if loop.seconds else None,
        "final_loss": loop.history[-1]["loss"] if loop.history else None,
        "history": loop.history[-50:],
        "trainable_parameters": n_trainable,
        "added_tokens": len(vocab.added),
        "config": cfg.to_dict(),
    }
    artifact = save_model_artifact(
        Path(out_dir) / "model",
        model=peft_model,
        tokenizer=tokenizer,
        base=loaded.ref,
        vocab=vocab,
        tokenizer_artifact=Path(tok_art) if tok_art else None,
        task_registry_version=manifest.get("task_registry_version") or _registry_version(),
        training=summary,
    )
    summary["artifact"] = str(artifact)
    with atomic_write(Path(out_dir) / "training_summary.json") as fh:
        json.dump(summary, fh, indent=2)
    return SFTResult(summary, peft_model, tokenizer)


def init_trainable(model: Any, source: Path) -> str:
    """Copy the trainable weights (LoRA, motion-token rows) of an earlier run into ``model``.

    ``source`` is a run's output folder (its latest checkpoint) or a checkpoint file. Returns the
    checkpoint used. Every trainable tensor must be found with the same shape, so a run with a
    different base, rank or codebook is refused with the difference named.
    """
    import torch

    ckpt = source
    if source.is_dir():
        found = sorted((source / "checkpoints").glob("step_*.pt")) or sorted(
            source.glob("step_*.pt")
        )
        if not found:
            for folder in (source, source / "model"):
                if (folder / ADAPTER_DIR / "adapter_model.safetensors").is_file():
                    return _init_from_artifact(model, folder)
            raise ModelLoadError(
                f"No checkpoint to start from in '{source}': expected checkpoints/step_*.pt "
                "written by 'lmm-train sft', or a model folder (adapter/ and artifact.json, "
                "e.g. resources/models/default)."
            )
        ckpt = found[-1]
    if not ckpt.is_file():
        raise ModelLoadError(f"Cannot start from '{source}': no such checkpoint or run folder.")
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    saved = state.get("trainable") if isinstance(state, dict) else None
    if not isinstance(saved, dict):
        raise ModelLoadError(f"'{ckpt}' is not an 'lmm-train sft' checkpoint (no trainable state).")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    missing = sorted(set(params) - set(saved))
    wrong = sorted(n for n in params if n in saved and saved[n].shape != params[n].shape)
    if missing or wrong:
        what = (
            f"{len(missing)} weights missing (e.g. {missing[0]})"
            if missing
            else f"shape of {wrong[0]}: {tuple(saved[wrong[0]].shape)} there, "
            f"{tuple(params[wrong[0]].shape)} here"
        )
        raise ModelLoadError(
            f"Cannot start from '{ckpt}': it was trained with other settings ({what}); use the "
            "same base model, LoRA rank, target modules and codebook size."
        )
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(saved[name])
    return str(ckpt)


def _init_from_artifact(model: Any, folder: Path) -> str:
    """Copy a saved model's LoRA weights and motion-token rows into ``model``.

    ``folder`` is a model artifact (``adapter/`` saved by peft, as shipped in
    ``resources/models/default``), so a lab can continue the default model on its own trials.
    Every trainable tensor must be in the adapter with the same shape.
    """
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    path = folder / ADAPTER_DIR / "adapter_model.safetensors"
    try:
        saved = load_file(str(path))
    except Exception as exc:  # truncated or not a safetensors file
        raise ModelLoadError(f"Cannot read the adapter '{path}': {exc}") from exc
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    try:
        result = set_peft_model_state_dict(model, saved)
    except RuntimeError as exc:  # a shape differs
        first = str(exc).strip().splitlines()[-1].strip()
        raise ModelLoadError(
            f"Cannot start from '{folder}': it was trained with other settings ({first}); use "
            "the same base model, LoRA rank, target modules and codebook size."
        ) from exc
    # peft reports every key of the model it did not find (under the model's own names, so a
    # renamed key shows here too); only the trainable ones matter
    not_found = set(getattr(result, "missing_keys", ()) or ())
    missing = sorted(n for n in params if n in not_found)
    if missing:
        raise ModelLoadError(
            f"Cannot start from '{folder}': it was trained with other settings ({len(missing)} "
            f"weights missing, e.g. {missing[0]}); use the same base model, LoRA rank, target "
            "modules and codebook size."
        )
    return str(folder)


def _lineage(ckpt: Path) -> dict[str, Any]:
    """What the run a checkpoint came from did (for the summary and the model card)."""
    earlier = {}
    # a checkpoint file sits in RUN/checkpoints/; a model folder holds its run's summary (the
    # shipped one) or is RUN/model
    near = (ckpt, ckpt.parent) if ckpt.is_dir() else (ckpt.parent.parent, ckpt.parent)
    for summary in (folder / "training_summary.json" for folder in near):
        if summary.is_file():
            earlier = json.loads(summary.read_text())
            break
    keep = (
        "steps",
        "tokens",
        "train_rows",
        "train_answers",
        "tokens_per_s",
        "train_seconds",
        "grounded_examples",
        "init_from",
        "device",
        "device_name",
    )
    conf = earlier.get("config", {})
    return {
        "checkpoint": str(ckpt),
        **{k: earlier[k] for k in keep if k in earlier},
        "config": {
            k: conf[k]
            for k in (
                "learning_rate",
                "batch_size",
                "max_train_rows",
                "pack_turns",
                "grounded_fraction",
                "max_length",
                "tasks",
                "oversample",
                "loss_on_prompt",
            )
            if k in conf
        },
    }


def _codebook(folder: Path | None) -> Any:
    """The ``(K, D)`` codebook of the motion tokenizer artifact in ``folder``."""
    if folder is None or not (folder / "weights.safetensors").is_file():
        raise ModelLoadError(
            "motion_embedding_init 'codebook' needs the motion tokenizer the dataset was built "
            f"with, but none was found ({folder}); pass --tokenizer-artifact DIR or use "
            "--motion-embedding-init random."
        )
    from safetensors.numpy import load_file

    return load_file(str(folder / "weights.safetensors"))["quantizer.codebook"]


def _registry_version() -> str | None:
    from lmm_desktop.assistant import tasks

    return getattr(tasks, "REGISTRY_VERSION", None)


class _TrainLoop:
    """Optimizer, schedule, data order and checkpoints of one run (resumable by step)."""

    def __init__(
        self,
        model: Any,
        examples: list[Example],
        cfg: SFTConfig,
        pad_id: int,
        device: str,
        *,
        autocast: bool = False,
    ) -> None:
        import torch

        self.model, self.examples, self.cfg = model, examples, cfg
        self.autocast = autocast
        self.pad_id, self.device = pad_id, device
        self.batches_per_epoch = math.ceil(len(examples) / cfg.batch_size)
        self.total_steps = cfg.max_steps or max(
            1, math.ceil(cfg.epochs * self.batches_per_epoch / cfg.grad_accum)
        )
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(
            self.params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay
        )

        def lr_factor(s: int) -> float:
            warm = math.ceil(cfg.warmup_ratio * self.total_steps)
            if s < warm:
                return (s + 1) / warm
            return max(0.0, (self.total_steps - s) / max(1, self.total_steps - warm))

        # lr_factor reads self.total_steps when called, so a time budget that cuts the run
        # shortens the decay with it
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lr_factor)
        self.planned_steps = self.total_steps
        self.step, self.tokens, self.seconds = 0, 0, 0.0
        self.first_step_seconds = 0.0
        self._marks: list[tuple[int, float]] = []  # (step, seconds) at the budget checks
        self.history: list[dict[str, Any]] = []
        self._orders: dict[int, list[list[int]]] = {}

    def _micro_batch(self, index: int) -> dict[str, Any]:
        epoch, pos = divmod(index, self.batches_per_epoch)
        if epoch not in self._orders:
            lengths = [len(e.input_ids) for e in self.examples]
            self._orders = {
                epoch: batch_order(
                    len(self.examples),
                    self.cfg.batch_size,
                    epoch,
                    self.cfg.seed,
                    lengths if self.cfg.group_by_length else None,
                )
            }
        batch = collate([self.examples[i] for i in self._orders[epoch][pos]], self.pad_id)
        return {k: v.to(self.device) for k, v in batch.items()}

    def run(self, ckpt_dir: Path, *, progress: bool) -> None:
        import torch
        from tqdm import tqdm

        cfg = self.cfg
        self.model.train()
        bar = tqdm(
            total=self.total_steps, initial=self.step, disable=not progress, desc="sft", unit="step"
        )
        while self.step < self.total_steps:
            t0 = time.perf_counter()
            loss_sum = 0.0
            for micro in range(cfg.grad_accum):
                batch = self._micro_batch(self.step * cfg.grad_accum + micro)
                with torch.autocast(
                    device_type="cuda" if self.device.startswith("cuda") else "cpu",
                    dtype=torch.bfloat16,
                    enabled=self.autocast,
                ):
                    loss = self.model(**batch).loss / cfg.grad_accum
                loss.backward()
                loss_sum += float(loss.detach())
                self.tokens += int(batch["attention_mask"].sum())
            if cfg.max_grad_norm:
                torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)
            self.opt.step()
            self.sched.step()
            self.opt.zero_grad(set_to_none=True)
            self.seconds += time.perf_counter() - t0
            self.step += 1
            if self.step == 1:
                self.first_step_seconds = self.seconds  # compilation/allocation warm-up
            budget = cfg.max_train_seconds
            if budget and (self.step % 20 == 0 or self.seconds >= budget):
                self.fit_time_budget(budget)
                bar.total = self.total_steps
            if self.step % cfg.log_every == 0 or self.step == self.total_steps:
                self.history.append(
                    {
                        "step": self.step,
                        "loss": round(loss_sum, 5),
                        "lr": self.sched.get_last_lr()[0],
                    }
                )
            bar.set_postfix(loss=f"{loss_sum:.4f}", tok_s=f"{self.tokens / self.seconds:.0f}")
            bar.update(1)
            if self.step % cfg.save_every == 0 or self.step == self.total_steps:
                self.save_checkpoint(ckpt_dir)
        bar.close()

    def fit_time_budget(self, budget_s: float) -> None:
        """Set ``total_steps`` so the run ends within ``budget_s`` seconds of step time.

        The rate is that of the recent steps (up to the last 100): the first steps of a GPU run
        are several times slower (kernel selection, the allocator growing for each new sequence
        length), so a rate that counted them would cut the run far short. Re-checked as the run
        goes; never past the planned steps, never before the current one.
        """
        self._marks.append((self.step, self.seconds))
        while len(self._marks) > 2 and self._marks[1][0] <= self.step - 100:
            self._marks.pop(0)
        step0, sec0 = self._marks[0]
        if self.step <= step0:
            if self.step <= 1:
                return
            step0, sec0 = 1, self.first_step_seconds
        per_step = (self.seconds - sec0) / (self.step - step0)
        if per_step <= 0:
            return
        fit = self.step + int(max(0.0, budget_s - self.seconds) / per_step)
        self.total_steps = max(self.step, min(self.planned_steps, fit))

    def _trainable_state(self) -> dict[str, Any]:
        return {
            n: p.detach().cpu().clone() for n, p in self.model.named_parameters() if p.requires_grad
        }

    def save_checkpoint(self, folder: Path) -> Path:
        import torch

        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"step_{self.step:07d}.pt"
        tmp = folder / f".{path.name}.tmp"
        torch.save(
            {
                "step": self.step,
                "trainable": self._trainable_state(),
                "opt": self.opt.state_dict(),
                "sched": self.sched.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "tokens": self.tokens,
                "seconds": self.seconds,
                "first_step_seconds": self.first_step_seconds,
                "total_steps": self.total_steps,
                "history": self.history,
                "config": self.cfg.to_dict(),
            },
            tmp,
        )
        tmp.replace(path)
        for old in sorted(folder.glob("step_*.pt"))[:-2]:  # keep the last two
            old.unlink()
        return path

    def load_checkpoint(self, folder: Path) -> int:
        """Restore the latest checkpoint in ``folder``; return its step (0 when none)."""
        import torch

        ckpts = sorted(folder.glob("step_*.pt"))
        if not ckpts:
            return 0
        state = torch.load(ckpts[-1], map_location="cpu", weights_only=False)
        saved, now = state["config"], self.cfg.to_dict()
        default = SFTConfig().to_dict()  # keys older checkpoints did not record
        saved = {k: saved.get(k, default.get(k)) for k in _RESUME_KEYS}
        changed = [k for k in _RESUME_KEYS if saved.get(k) != now.get(k)]
        if changed:
            raise ModelLoadError(
                f"The checkpoint '{ckpts[-1]}' was written with different settings ("
                + ", ".join(f"{k}: {saved.get(k)!r} then, {now.get(k)!r} now" for k in changed)
                + "); resume with the same settings or start again without --resume."
            )
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, value in state["trainable"].items():
                params[name].copy_(value)
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        torch.set_rng_state(state["torch_rng"])
        self.step, self.tokens = int(state["step"]), int(state["tokens"])
        self.seconds, self.history = float(state["seconds"]), list(state["history"])
        self.first_step_seconds = float(state.get("first_step_seconds", 0.0))
        if self.cfg.max_train_seconds:  # keep the budget's cut; otherwise the settings decide
            self.total_steps = min(self.planned_steps, int(state.get("total_steps", 0)) or 10**9)
        return self.step
