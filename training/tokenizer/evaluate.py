"""Tokenizer evaluation: per-joint reconstruction RMSE (degrees), codebook usage, perplexity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.canonical import CANONICAL_JOINTS
from lmm_desktop.motion.tokenizer import MotionTokenizer
from training.tokenizer.data import load_angles, read_labels


def evaluate_tokenizer(tok: MotionTokenizer, data_dir: Path,
                       participants: set[str] | None = None) -> dict[str, Any]:
    """Evaluate on the trials of ``participants`` (all when None) in ``data_dir``."""
    from lmm_desktop.core.canonical import Kinematics

    records = read_labels(data_dir)
    if participants is not None:
        records = [r for r in records if r.participant in participants]
    sq = np.zeros(len(CANONICAL_JOINTS))
    cnt = np.zeros(len(CANONICAL_JOINTS))
    counts = np.zeros(tok.config.codebook_size)
    for _rec, angles, t, present in load_angles(records):
        kin = Kinematics(angles=angles, present=present,
                         pelvis_rotation=np.zeros((angles.shape[0], 3)),
                         pelvis_translation=np.zeros((angles.shape[0], 3)))
        res = tok.tokenize(kin, t)
        for j, name in enumerate(CANONICAL_JOINTS):
            if name in res.rmse_per_joint:
                sq[j] += res.rmse_per_joint[name] ** 2
                cnt[j] += 1
        counts += np.bincount(res.codes, minlength=tok.config.codebook_size)
    return summarize(sq, cnt, counts, n_trials=len(records))


def summarize(sq: np.ndarray, cnt: np.ndarray, counts: np.ndarray,
              n_trials: int) -> dict[str, Any]:
    per_joint = {name: float(np.sqrt(sq[j] / cnt[j]))
                 for j, name in enumerate(CANONICAL_JOINTS) if cnt[j] > 0}
    probs = counts / max(1.0, counts.sum())
    nz = probs[probs > 0]
    return {
        "n_trials": n_trials,
        "rmse_deg_mean_over_joints": float(np.mean(list(per_joint.values())))
        if per_joint else None,
        "rmse_deg_per_joint": {k: round(v, 3) for k, v in per_joint.items()},
        "codebook_usage": float((counts > 0).mean()),
        "perplexity": float(np.exp(-(nz * np.log(nz)).sum())) if nz.size else 0.0,
    }


def evaluate_on_files(tok: MotionTokenizer, paths: list[Path]) -> dict[str, Any]:
    """RMSE on individual trial files (e.g. real OpenCap fixtures, not simulated)."""
    from lmm_desktop.io import read_trial

    out: dict[str, Any] = {}
    for p in paths:
        trial = read_trial(p)
        if trial.kinematics is None:
            continue
        res = tok.tokenize(trial.kinematics, trial.time)
        out[p.name] = {"rmse_deg": round(res.rmse_deg, 3), "n_tokens": int(res.codes.size)}
    return out
