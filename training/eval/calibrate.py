"""Fitting a label calibration (see :mod:`lmm_desktop.assistant.calibration`).

Per classification task and prompt variant, one temperature ``T >= 1`` and one offset per label
``b`` map the model's raw label log-likelihoods ``L`` to ``L / T + b``. They minimise the
class-balanced log-loss (every label weighs the same, whatever its frequency: the macro-F1
the evaluation reports weighs labels the same too) plus a small L2 penalty on ``b``, on rows of
participants the model never saw in training and that the evaluation does not use.

A fit is adopted only when it helps out of sample: a participant-grouped k-fold
cross-validation on the calibration rows compares macro-F1 and balanced log-loss of the raw and
calibrated probabilities; a task whose calibration does not improve the balanced log-loss and
keep macro-F1 keeps its raw probabilities (recorded, with the numbers, in ``calibration.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from training.eval.metrics import macro_f1

MIN_ROWS_PER_LABEL = 3
MIN_TEMPERATURE = 1.0
"""A calibration may soften the model's probabilities and shift them between labels, never
sharpen them: fitted on simulated participants, a temperature below 1 would make the model more
sure of itself on real patients, who are outside what it was trained and calibrated on (seen on
the real OpenCap walking trial: a false "impaired" went from 65 % to 85 %)."""


@dataclass
class Fit:
    temperature: float
    offsets: np.ndarray  # (K,)

    def scores(self, loglik: np.ndarray) -> np.ndarray:
        return loglik / self.temperature + self.offsets[None, :]


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _weights(y: np.ndarray, k: int) -> np.ndarray:
    """Per-row weights making every present label weigh the same (summing to 1)."""
    counts = np.bincount(y, minlength=k).astype(float)
    present = int((counts > 0).sum())
    return 1.0 / (present * counts[y])


def balanced_log_loss(scores: np.ndarray, y: np.ndarray) -> float:
    """Class-balanced mean negative log-probability of the true label."""
    logp = _log_softmax(scores)
    w = _weights(y, scores.shape[1])
    return float(-(w * logp[np.arange(len(y)), y]).sum())


def fit_calibration(loglik: np.ndarray, y: np.ndarray, *, l2: float = 1e-3) -> Fit:
    """Temperature and label offsets minimising the balanced log-loss of ``loglik`` ``(n, K)``
    (raw label log-likelihoods or log-probabilities) against label indices ``y`` ``(n,)``."""
    from scipy.optimize import minimize

    loglik = np.asarray(loglik, dtype=float)
    y = np.asarray(y, dtype=int)
    n, k = loglik.shape
    w = _weights(y, k)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    # Centre each row: log-softmax is unchanged by a per-row shift, and it keeps L/T finite.
    centred = loglik - loglik.max(axis=1, keepdims=True)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        log_t, b = theta[0], theta[1:]
        t = float(np.exp(log_t))
        z = centred / t + b[None, :]
        logp = _log_softmax(z)
        loss = -(w * logp[np.arange(n), y]).sum() + l2 * float(b @ b)
        resid = w[:, None] * (np.exp(logp) - onehot)  # d loss / d z
        grad_b = resid.sum(axis=0) + 2 * l2 * b
        grad_log_t = float((resid * (-centred / t)).sum())
        return float(loss), np.concatenate([[grad_log_t], grad_b])

    theta0 = np.zeros(k + 1)
    res = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                   bounds=[(np.log(MIN_TEMPERATURE), np.log(20.0))] + [(-50.0, 50.0)] * k)
    b = res.x[1:] - res.x[1:].mean()  # only differences between labels matter
    return Fit(temperature=float(np.exp(res.x[0])), offsets=b)


def grouped_folds(groups: Sequence[str], k: int, seed: int = 0) -> list[np.ndarray]:
    """``k`` folds of row indices with every group (participant) in exactly one fold."""
    uniq = sorted(set(groups))
    rng = np.random.default_rng(seed)
    order = [uniq[i] for i in rng.permutation(len(uniq))]
    fold_of = {g: i % k for i, g in enumerate(order)}
    idx = np.arange(len(groups))
    return [idx[np.array([fold_of[g] == f for g in groups])] for f in range(k)]


def cross_validate(loglik: np.ndarray, y: np.ndarray, groups: Sequence[str], labels: list[str],
                   *, folds: int = 5, l2: float = 1e-3) -> dict[str, float]:
    """Out-of-sample macro-F1 and balanced log-loss, raw vs calibrated (participant-grouped)."""
    n_groups = len(set(groups))
    k = max(2, min(folds, n_groups))
    cal_scores = np.zeros_like(loglik, dtype=float)
    for test in grouped_folds(groups, k):
        train = np.setdiff1d(np.arange(len(y)), test)
        if len(test) == 0:
            continue
        fit = fit_calibration(loglik[train], y[train], l2=l2)
        cal_scores[test] = fit.scores(loglik[test] - loglik[test].max(axis=1, keepdims=True))
    truth = [labels[i] for i in y]
    raw_pred = [labels[i] for i in loglik.argmax(axis=1)]
    cal_pred = [labels[i] for i in cal_scores.argmax(axis=1)]
    return {"folds": k,
            "raw_macro_f1": macro_f1(truth, raw_pred, labels),
            "calibrated_macro_f1": macro_f1(truth, cal_pred, labels),
            "raw_balanced_log_loss": balanced_log_loss(loglik, y),
            "calibrated_balanced_log_loss": balanced_log_loss(cal_scores, y)}


def calibrate_task(loglik: np.ndarray, truths: Sequence[str], groups: Sequence[str],
                   labels: list[str], *, l2: float = 1e-3) -> dict[str, Any]:
    """Fit one task; returns the JSON entry (temperature, offsets, cross-validation, adopted)."""
    y = np.array([labels.index(t) for t in truths], dtype=int)
    counts = np.bincount(y, minlength=len(labels))
    missing = [lab for lab, c in zip(labels, counts, strict=True) if c < MIN_ROWS_PER_LABEL]
    entry: dict[str, Any] = {"n_rows": len(y), "n_participants": len(set(groups)),
                             "rows_per_label": {lab: int(c) for lab, c in
                                                zip(labels, counts, strict=True)}}
    if missing:
        entry.update(adopted=False, why=f"fewer than {MIN_ROWS_PER_LABEL} calibration rows of "
                     f"{', '.join(missing)}")
        return entry
    cv = cross_validate(loglik, y, groups, labels, l2=l2)
    fit = fit_calibration(loglik, y, l2=l2)
    helps = (cv["calibrated_balanced_log_loss"] < cv["raw_balanced_log_loss"]
             and cv["calibrated_macro_f1"] >= cv["raw_macro_f1"])
    entry.update(cross_validation=cv, temperature=round(fit.temperature, 4),
                 offsets={lab: round(float(v), 4) for lab, v in
                          zip(labels, fit.offsets, strict=True)},
                 adopted=bool(helps))
    if not helps:
        entry["why"] = ("out of sample it did not both lower the balanced log-loss and keep "
                        "macro-F1")
    return entry


def stratified_rows(rows: list[dict[str, Any]], n: int | None, seed: int) -> list[dict[str, Any]]:
    """Up to ``n`` rows, each label given an equal share first (rare labels fully), then the
    rest; deterministic for a seed. Within a label the rows take one participant at a time
    (participants in random order), so a share reaches as many people as it can: a person's
    trials are much alike, and the calibration must hold for people it has not seen."""
    if n is None or len(rows) <= n:
        return list(rows)
    rng = np.random.default_rng(seed)

    def spread(group: list[dict[str, Any]]) -> list[dict[str, Any]]:
        people: dict[str, list[dict[str, Any]]] = {}
        for r in [group[i] for i in rng.permutation(len(group))]:
            people.setdefault(str(r.get("participant", id(r))), []).append(r)
        queues = [people[k] for k in sorted(people)]
        queues = [queues[i] for i in rng.permutation(len(queues))]
        depth = max(len(q) for q in queues)
        return [q[i] for i in range(depth) for q in queues if i < len(q)]

    by_label: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_label.setdefault(str(r["truth"]), []).append(r)
    by_label = {lab: spread(by_label[lab]) for lab in sorted(by_label)}
    share = max(1, n // len(by_label))
    chosen = [r for lab in by_label for r in by_label[lab][:share]]
    rest = spread([r for lab in by_label for r in by_label[lab][share:]])
    return chosen + rest[: max(0, n - len(chosen))]


def collect_label_scores(engine: Any, rows: list[dict[str, Any]], task_id: str, *,
                         grounded: bool, seed: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Raw label log-probabilities ``(n, K)`` of ``engine`` (loaded without calibration) on the
    rows of one task, with their truths and participants."""
    from lmm_desktop.assistant.tasks import get_task
    from training.eval.llm_eval import _paraphrased

    task = get_task(task_id)
    labels = [lab.id for lab in task.labels]
    rng = np.random.default_rng(seed)
    out = np.zeros((len(rows), len(labels)))
    for i, r in enumerate(rows):
        msgs = [{"role": "user", "content": _paraphrased(r, rng, grounded)}]
        ans = engine.ask_messages(msgs, task_id, generate=False)
        probs = ans.raw_probabilities or ans.probabilities
        out[i] = np.log(np.clip([probs[lab] for lab in labels], 1e-300, None))
    return out, [str(r["truth"]) for r in rows], [str(r["participant"]) for r in rows]
