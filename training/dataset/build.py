"""``lmm-train dataset --data DIR --tokenizer TOK --out DS``: tokenize every trial once and write
prompt/answer pairs for every task that applies, with the tokenizer's participant-level split.

Output folder: ``train.jsonl`` and ``val.jsonl`` (rows ``{id, participant, trial, task, prompt,
answer, truth, split, grounded_prompt}``, tasks interleaved), ``codes.npz`` (motion codes per
trial), ``manifest.json`` (counts per task and split, registry version, tokenizer reference).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.assistant.grounding import measured_sentence
from lmm_desktop.assistant.tasks import REGISTRY_VERSION, TASKS, ClinicalTask
from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.motion.codec import motion_segment
from training.tokenizer.data import TrialRecord, load_split, participant_split, read_labels

CONDITION_DIAGNOSIS = {
    "unimpaired": "none", "stroke": "stroke", "transtibial": "lower_limb_prosthesis",
    "transfemoral": "lower_limb_prosthesis", "incomplete_sci": "spinal_cord_injury",
    "sci": "spinal_cord_injury", "tbi": "traumatic_brain_injury",
    "parkinsons": "parkinsons_disease",
}


@dataclass
class DatasetConfig:
    """Dataset building settings."""

    seed: int = 0
    """Seed of the paraphrase draws and of the interleaving."""
    questions_per_task: int = 1
    """Paraphrases drawn per trial and task (the paper used one per trial and task)."""
    max_tokens: int = 900
    """Longest motion segment (tokens); longer trials keep their central part."""
    val_fraction: float = 0.1
    """Used only when the tokenizer has no split.json."""
    grounded_fraction: float = 0.5
    """Fraction of training rows whose prompt carries the measured metrics (so one adapter
    answers both tokens-only and grounded prompts); held-out rows keep both variants."""
    measure: bool = True
    """Run the gait/clinical analysis on every trial for the grounded prompts (the measured
    values, never the ground truth)."""
    augment_fraction: float = 0.5
    """Fraction of training trials that also appear augmented the way real recordings differ
    from the simulator: the joints OpenCap's model lacks (neck, wrists) marked missing, and
    short clips of walking, standing, squats and sit-to-stand."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.grounded_fraction <= 1.0:
            raise ValueError("Invalid value for '--grounded-fraction': must be in [0, 1].")
        if self.questions_per_task < 1:
            raise ValueError("Invalid value for '--questions-per-task': must be at least 1.")
        if self.max_tokens < 8:
            raise ValueError("Invalid value for '--max-tokens': must be at least 8.")


def complete_row(row: dict[str, str]) -> dict[str, str]:
    """Derive ``impaired`` and ``diagnosis`` from ``condition`` when the table lacks them."""
    out = dict(row)
    cond = out.get("condition", "")
    if not out.get("diagnosis"):
        out["diagnosis"] = CONDITION_DIAGNOSIS.get(cond, "")
    if not out.get("impaired"):
        out["impaired"] = "no" if cond in ("unimpaired", "") else "yes"
    return out


_MEASURED_COLUMNS = {"speed_m_s": "spatiotemporal.speed_m_s",
                     "cadence_steps_min": "spatiotemporal.cadence_steps_min",
                     "tug_s": "clinical_tests.tug.duration_s",
                     "fsst_s": "clinical_tests.fsst.duration_s",
                     "sts5_s": "clinical_tests.sts5.duration_s"}


CROP_SAFE_TASKS = ("activity", "impaired", "diagnosis", "assistive_device", "fall_history",
                   "walking_speed", "cadence")
"""Tasks whose answer still holds for a short clip of the trial (not test durations)."""
_CROPPABLE = ("walking", "walking_fast", "standing", "squats", "sts5")
_OPENCAP_MISSING = ("neck_extension", "neck_bending", "neck_rotation", "wrist_flex_r",
                    "wrist_dev_r", "wrist_flex_l", "wrist_dev_l")


def augment(kin: Any, time: np.ndarray, row: dict[str, str],
            rng: np.random.Generator) -> tuple[Any, np.ndarray, str]:
    """A copy of a trial as a real recording might show it: OpenCap-style missing joints and,
    for activities that stay recognisable, a 1.5-4 s clip. Returns (kinematics, time, what)."""
    from lmm_desktop.core.canonical import JOINT_INDEX, Kinematics

    what = []
    start, stop = 0, kin.n_frames
    rate = (kin.n_frames - 1) / max(1e-9, float(time[-1] - time[0]))
    if row.get("activity") in _CROPPABLE and rng.random() < 0.6:
        length = int(rng.uniform(1.5, 4.0) * rate)
        if length < kin.n_frames:
            start = int(rng.integers(0, kin.n_frames - length))
            stop = start + length
            what.append("crop")
    angles = kin.angles[start:stop].copy()  # (n, 34), degrees
    present = kin.present.copy()
    if rng.random() < 0.7 or not what:
        for name in _OPENCAP_MISSING:
            angles[:, JOINT_INDEX[name]] = np.nan
            present[JOINT_INDEX[name]] = False
        what.append("opencap_joints")
    out = Kinematics(angles=angles, present=present,
                     pelvis_rotation=kin.pelvis_rotation[start:stop],
                     pelvis_translation=kin.pelvis_translation[start:stop])
    return out, time[start:stop] - time[start], "+".join(what)


def _measure(trial: Any) -> dict[str, float]:
    """What the analysis measures on a trial (empty when it cannot)."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.assistant.grounding import flatten_analysis
    from lmm_desktop.core.errors import LmmError

    try:
        return flatten_analysis(analyze(trial).to_dict())
    except LmmError:
        return {}


def _split_of(records: list[TrialRecord], tokenizer_dir: Path,
              cfg: DatasetConfig) -> dict[str, str]:
    split_file = tokenizer_dir / "split.json"
    pids = sorted({r.participant for r in records})
    if split_file.is_file():
        train, val = load_split(split_file)
        known = set(train) | set(val)
        extra = [p for p in pids if p not in known]
        t2, v2 = participant_split(extra, val_fraction=cfg.val_fraction, seed=cfg.seed)
        train, val = train + t2, val + v2
    else:
        train, val = participant_split(pids, val_fraction=cfg.val_fraction, seed=cfg.seed)
    return {**{p: "train" for p in train}, **{p: "val" for p in val}}


def _rows_for_trial(rec: TrialRecord, row: dict[str, str], motion: str, split: str,
                    grounded: str, rng: np.random.Generator, cfg: DatasetConfig,
                    tasks: list[ClinicalTask]) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        truth = task.truth(row)
        if truth is None:
            continue
        answer = task.format_answer(truth)
        for q in rng.choice(len(task.paraphrases), size=cfg.questions_per_task, replace=False):
            question = task.paraphrases[int(q)]
            rid = hashlib.sha1(f"{rec.file.name}|{task.id}|{question}".encode()).hexdigest()[:12]
            plain = f"{motion} {question}"
            with_meas = f"{motion} {grounded} {question}".replace("  ", " ")
            use_grounded = (split == "train" and bool(grounded)
                            and rng.random() < cfg.grounded_fraction)
            out.append({
                "id": rid, "participant": rec.participant, "trial": rec.file.name,
                "task": task.id, "prompt": with_meas if use_grounded else plain,
                "answer": answer, "truth": truth, "split": split,
                "variant": "grounded" if use_grounded else "tokens",
                "tokens_prompt": plain, "grounded_prompt": with_meas,
            })
    return out


def build_dataset(data_dir: Path, tokenizer_dir: Path, out_dir: Path,
                  cfg: DatasetConfig | None = None, *, progress: bool = True,
                  measured: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Tokenize the trials of ``data_dir`` and write the dataset; returns the manifest.

    ``measured`` maps a trial file name to the analysis' measurements for the grounded variant;
    when omitted, the simulator's labels table columns ``measured_*`` are used if present.
    """
    from tqdm import tqdm

    from lmm_desktop.io import read_trial
    from lmm_desktop.motion.tokenizer import MotionTokenizer

    cfg = cfg or DatasetConfig()
    tok = MotionTokenizer.load(tokenizer_dir)
    codec = tok.codec
    records = read_labels(data_dir)
    split_of = _split_of(records, tokenizer_dir, cfg)
    rng = np.random.default_rng(cfg.seed)
    tasks = [t for t in TASKS.values() if t.kind != "description" or t.column]
    rows: list[dict[str, Any]] = []
    codes_store: dict[str, np.ndarray] = {}
    measured_all: dict[str, dict[str, float]] = {}
    for rec in tqdm(records, disable=not progress, desc="dataset", unit="trial"):
        trial = read_trial(rec.file)
        if trial.kinematics is None:
            continue
        codes = tok.encode(trial.kinematics, trial.time)
        codes_store[rec.file.name] = codes
        row = complete_row(rec.row)
        if measured is None and cfg.measure:
            measured_all[rec.file.name] = _measure(trial)
        meas = (measured or measured_all).get(rec.file.name) or {
            _MEASURED_COLUMNS[k.removeprefix("measured_")]: float(v) for k, v in row.items()
            if k.removeprefix("measured_") in _MEASURED_COLUMNS and k.startswith("measured_")
            and v not in ("", "nan")}
        split = split_of.get(rec.participant, "train")
        rows += _rows_for_trial(rec, row, motion_segment(codes, codec, cfg.max_tokens),
                                split, measured_sentence(meas), rng, cfg, tasks)
        if split == "train" and rng.random() < cfg.augment_fraction:
            aug_kin, aug_time, what = augment(trial.kinematics, trial.time, row, rng)
            aug_codes = tok.encode(aug_kin, aug_time)
            key = f"{rec.file.name}#{what}"
            codes_store[key] = aug_codes
            cropped = "crop" in what
            aug_tasks = [t for t in tasks if not cropped or t.id in CROP_SAFE_TASKS]
            aug_rows = _rows_for_trial(rec, row, motion_segment(aug_codes, codec, cfg.max_tokens),
                                       split, "" if cropped else measured_sentence(meas), rng,
                                       cfg, aug_tasks)
            for r in aug_rows:
                r["trial"], r["id"], r["augmented"] = key, r["id"] + "a", what
            rows += aug_rows
    order = rng.permutation(len(rows))  # interleave tasks
    rows = [rows[i] for i in order]
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        with atomic_write(out_dir / f"{split}.jsonl") as fh:
            for r in rows:
                if r["split"] == split:
                    fh.write(json.dumps(r) + "\n")
    tmp = out_dir / ".codes.npz.tmp.npz"
    np.savez_compressed(tmp, **codes_store)  # type: ignore[arg-type]
    tmp.replace(out_dir / "codes.npz")
    manifest = _manifest(rows, tok_dir=tokenizer_dir, n_trials=len(codes_store), cfg=cfg,
                         codebook_size=tok.config.codebook_size)
    with atomic_write(out_dir / "manifest.json") as fh:
        json.dump(manifest, fh, indent=2)
    with atomic_write(out_dir / "measured.json") as fh:
        json.dump(measured if measured is not None else measured_all, fh)
    with atomic_write(out_dir / "dataset.json") as fh:  # what `lmm-train sft` records
        json.dump({"task_registry_version": REGISTRY_VERSION,
                   "tokenizer_artifact": str(tokenizer_dir.resolve())}, fh, indent=2)
    return manifest


def _manifest(rows: list[dict[str, Any]], *, tok_dir: Path, n_trials: int,
              cfg: DatasetConfig, codebook_size: int) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    parts: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        counts.setdefault(r["task"], {"train": 0, "val": 0})[r["split"]] += 1
        parts.setdefault(r["task"], {"train": set(), "val": set()})[r["split"]].add(
            r["participant"])
    weights = tok_dir / "weights.safetensors"
    return {
        "registry_version": REGISTRY_VERSION,
        "tokenizer": {"path": str(tok_dir.resolve()),
                      "sha256": hashlib.sha256(weights.read_bytes()).hexdigest()
                      if weights.is_file() else None},
        "n_trials": n_trials,
        "n_pairs": len(rows),
        "codebook_size": codebook_size,
        "per_task": {t: {"train_pairs": c["train"], "val_pairs": c["val"],
                         "train_participants": len(parts[t]["train"]),
                         "val_participants": len(parts[t]["val"])}
                     for t, c in sorted(counts.items())},
        "config": {"seed": cfg.seed, "questions_per_task": cfg.questions_per_task,
                   "max_tokens": cfg.max_tokens},
    }
