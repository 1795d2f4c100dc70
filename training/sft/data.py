"""SFT examples: JSONL rows -> chat-formatted token ids and labels.

A dataset folder holds ``*.jsonl`` files of rows ``{"id", "participant", "task", "prompt",
"answer", "split"}``; the prompt already contains the motion segment text written by
:class:`lmm_desktop.motion.codec.MotionTokenCodec`. An optional ``dataset.json`` beside them may
name ``task_registry_version`` and ``tokenizer_artifact`` (a folder), recorded in the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.assistant.chat_template import render, training_messages
from lmm_desktop.core.errors import LmmError
from lmm_desktop.motion.codec import END

REQUIRED_KEYS = ("id", "participant", "task", "prompt", "answer", "split")


class SFTDataError(LmmError):
    """The fine-tuning dataset is missing or has malformed rows."""


@dataclass
class Example:
    """One tokenized training example."""

    id: str
    input_ids: list[int]
    labels: list[int]  # -100 where the loss is off


def read_rows(dataset: Path, split: str = "train") -> list[dict[str, Any]]:
    """Rows of ``split`` from a ``.jsonl`` file or every ``*.jsonl`` in a folder (sorted)."""
    files = [dataset] if dataset.is_file() else sorted(dataset.glob("*.jsonl"))
    if not files:
        raise SFTDataError(
            f"No fine-tuning data in '{dataset}': expected .jsonl files built by "
            "'lmm-train dataset'."
        )
    rows = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SFTDataError(
                        f"Cannot read '{f}' (line {lineno}): {exc.msg}; expected "
                        "one JSON object per line."
                    ) from exc
                missing = [k for k in REQUIRED_KEYS if k not in row]
                if missing:
                    raise SFTDataError(
                        f"Cannot read '{f}' (line {lineno}): missing {missing}; "
                        f"expected the keys {list(REQUIRED_KEYS)}."
                    )
                if row["split"] == split:
                    rows.append(row)
    if not rows:
        raise SFTDataError(f"'{dataset}' has no rows with split '{split}'.")
    return rows


def read_manifest(dataset: Path) -> dict[str, Any]:
    """The optional ``dataset.json`` beside the rows ({} when absent)."""
    folder = dataset if dataset.is_dir() else dataset.parent
    path = folder / "dataset.json"
    if not path.is_file():
        return {}
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SFTDataError(f"Cannot read '{path}' (line {exc.lineno}): {exc.msg}.") from exc
    return data


def subset(rows: list[dict[str, Any]], max_rows: int, seed: int) -> list[dict[str, Any]]:
    """A seeded random subset of at most ``max_rows`` rows (all rows when ``max_rows`` is 0)."""
    if max_rows <= 0 or max_rows >= len(rows):
        return rows
    pick = np.random.default_rng(seed).choice(len(rows), size=max_rows, replace=False)
    return [rows[i] for i in sorted(pick)]


def tokenize_row(
    tokenizer: Any, row: dict[str, Any], *, max_length: int, loss_on_prompt: bool
) -> Example:
    """Chat-format one row and tokenize it; labels copy the ids (prompt masked if asked)."""
    msgs = training_messages(str(row["prompt"]), str(row["answer"]))
    full = render(tokenizer, msgs)
    # the template writes <bos> itself, so the tokenizer must not add another
    ids = tokenizer(full, add_special_tokens=False)["input_ids"][:max_length]
    labels = list(ids)
    if not loss_on_prompt:
        prompt = render(tokenizer, msgs[:-1], add_generation_prompt=True)
        n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        labels[:n_prompt] = [-100] * min(n_prompt, len(labels))
    return Example(str(row["id"]), list(ids), labels)


def _split_prompt(prompt: str) -> tuple[str, str]:
    """(motion segment, the text after it) of a dataset prompt."""
    head, sep, tail = prompt.partition(END)
    if not sep:
        return "", prompt.strip()
    return head + sep, tail.strip()


SUMMARY_TASKS = ("describe",)
"""Tasks whose answer restates other answers; always the last turn of a packed conversation."""


def conversations(
    rows: list[dict[str, Any]], *, max_turns: int, grounded_fraction: float, seed: int
) -> list[dict[str, Any]]:
    """Multi-turn examples: the rows of each trial (``trial`` key) in a seeded random order, cut
    into conversations of at most ``max_turns`` questions (:data:`SUMMARY_TASKS` last). The
    first turn carries the motion segment (and, for a grounded conversation, the measured
    metrics); later turns only the question. Returns ``{"id", "trial", "variant", "messages"}``
    dicts in a seeded order.
    """
    rng = np.random.default_rng([seed, 0xC0])
    by_trial: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_trial.setdefault(str(r.get("trial", r["id"])), []).append(r)
    out: list[dict[str, Any]] = []
    for trial in sorted(by_trial):
        group = by_trial[trial]
        order = rng.permutation(len(group))
        # the description repeats the trial's figures (speed, cadence, test times): asked last,
        # so no later answer can be copied from it instead of read from the motion
        order = np.array(sorted(order, key=lambda i: group[i]["task"] in SUMMARY_TASKS))
        for start in range(0, len(group), max_turns):
            part = [group[i] for i in order[start : start + max_turns]]
            first = part[0]
            if grounded_fraction >= 0.0 and first.get("grounded_prompt"):
                grounded = bool(rng.random() < grounded_fraction)
                opening = first["grounded_prompt"] if grounded else first["tokens_prompt"]
            else:
                grounded = first.get("variant") == "grounded"
                opening = first["prompt"]
            msgs = [
                {"role": "user", "content": opening},
                {"role": "assistant", "content": str(first["answer"])},
            ]
            for r in part[1:]:
                question = _split_prompt(str(r.get("tokens_prompt") or r["prompt"]))[1]
                msgs += [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": str(r["answer"])},
                ]
            out.append(
                {
                    "id": "+".join(str(r["id"]) for r in part),
                    "trial": trial,
                    "variant": "grounded" if grounded else "tokens",
                    "messages": msgs,
                }
            )
    return [out[i] for i in rng.permutation(len(out))]


def tokenize_conversation(
    tokenizer: Any, conv: dict[str, Any], *, max_length: int, loss_on_prompt: bool
) -> Example:
    """Chat-format a multi-turn conversation; without ``loss_on_prompt`` only the answers count."""
    msgs = conv["messages"]
    full = render(tokenizer, msgs)
    ids = tokenizer(full, add_special_tokens=False)["input_ids"][:max_length]
    labels = list(ids)
    if not loss_on_prompt:
        for k in range(0, len(msgs), 2):  # mask each user turn and the model-turn header
            lo = (
                len(tokenizer(render(tokenizer, msgs[:k]), add_special_tokens=False)["input_ids"])
                if k
                else 0
            )
            hi = len(
                tokenizer(
                    render(tokenizer, msgs[: k + 1], add_generation_prompt=True),
                    add_special_tokens=False,
                )["input_ids"]
            )
            labels[lo:hi] = [-100] * len(labels[lo:hi])
    return Example(str(conv["id"]), list(ids), labels[: len(ids)])


def collate(batch: list[Example], pad_id: int) -> dict[str, Any]:
    """Right-padded tensors: input_ids, attention_mask, labels (-100 on padding)."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(batch), width), dtype=torch.long)  # (B, T)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)  # (B, T)
    for i, e in enumerate(batch):
        n = len(e.input_ids)
        ids[i, :n] = torch.tensor(e.input_ids)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(e.labels)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def batch_order(
    n_examples: int,
    batch_size: int,
    epoch: int,
    seed: int,
    lengths: list[int] | None = None,
    pool: int = 64,
) -> list[list[int]]:
    """The micro-batches of one epoch: a seeded shuffle, so a resumed run sees the same order.

    With ``lengths``, examples of similar length share a batch (less padding): the shuffled
    examples are cut into pools of ``pool`` batches, each pool is sorted by length and split
    into batches, and the batches are shuffled again.
    """
    rng = np.random.default_rng([seed, epoch])
    perm = rng.permutation(n_examples)
    if lengths is None:
        return [perm[i : i + batch_size].tolist() for i in range(0, n_examples, batch_size)]
    batches: list[list[int]] = []
    span = batch_size * pool
    for start in range(0, n_examples, span):
        chunk = sorted(perm[start : start + span].tolist(), key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]
