"""Metrics used in the BiomechGPT evaluation: macro-F1 and confusion matrices for classification,
Pearson r and MAE for regression; mean ± SD over seeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def macro_f1(truth: Sequence[str], pred: Sequence[str | None],
             labels: Sequence[str] | None = None) -> float:
    """Macro-averaged F1 over the labels present in ``truth`` (an unparseable prediction, None,
    counts as wrong)."""
    labs = list(labels) if labels is not None else sorted(set(truth))
    labs = [lab for lab in labs if lab in set(truth)]
    if not labs:
        return float("nan")
    f1s = []
    for lab in labs:
        tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(truth, pred, strict=True) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(truth, pred, strict=True) if t == lab and p != lab)
        denom = 2 * tp + fp + fn
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def confusion(truth: Sequence[str], pred: Sequence[str | None],
              labels: Sequence[str]) -> dict[str, Any]:
    """Confusion matrix (rows truth, columns prediction, plus an 'unparsed' column)."""
    cols = [*labels, "unparsed"]
    labels = list(labels)
    mat = np.zeros((len(labels), len(cols)), dtype=int)
    for t, p in zip(truth, pred, strict=True):
        if t not in labels:
            continue
        j = labels.index(p) if p is not None and p in labels else len(labels)
        mat[labels.index(t), j] += 1
    return {"labels": list(labels), "columns": cols, "matrix": mat.tolist()}


def pearson_r(truth: Sequence[float], pred: Sequence[float | None]) -> dict[str, Any]:
    """Pearson r and MAE over the parseable predictions (and how many were not)."""
    pairs = [(float(t), float(p)) for t, p in zip(truth, pred, strict=True)
             if p is not None and np.isfinite(p)]
    out: dict[str, Any] = {"n": len(truth), "n_parsed": len(pairs)}
    if len(pairs) < 3:
        out.update({"pearson_r": None, "mae": None})
        return out
    t, p = np.array(pairs).T
    r = float(np.corrcoef(t, p)[0, 1]) if t.std() > 0 and p.std() > 0 else 0.0
    out.update({"pearson_r": r, "mae": float(np.mean(np.abs(t - p)))})
    return out


def mean_sd(values: Sequence[float | None]) -> dict[str, float | None]:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return {"mean": None, "sd": None, "n": 0}  # type: ignore[dict-item]
    return {"mean": float(np.mean(vals)), "sd": float(np.std(vals, ddof=1)) if len(vals) > 1
            else 0.0, "n": len(vals)}  # type: ignore[dict-item]


def participant_bootstrap(truth: Sequence[Any], pred: Sequence[Any], groups: Sequence[str],
                          metric: Callable[[list[Any], list[Any]], float | None], *,
                          n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """95 % interval of ``metric(truth, pred)`` when whole participants are resampled.

    A participant's trials are alike, so the participants, not the rows, are the independent
    units; this interval is wider than a row bootstrap and says how much a figure from a few
    dozen held-out participants can move."""
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    keys = sorted(by_group)
    out: dict[str, Any] = {"n_participants": len(keys), "ci95": None}
    if len(keys) < 3:
        return out
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = [i for k in rng.choice(len(keys), len(keys)) for i in by_group[keys[int(k)]]]
        v = metric([truth[i] for i in idx], [pred[i] for i in idx])
        if v is not None and np.isfinite(v):
            values.append(v)
    if len(values) >= n_boot // 2:
        out["ci95"] = [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
    return out
