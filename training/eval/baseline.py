"""The paper's non-LLM baseline: a normalised histogram of motion tokens per trial fed to one
XGBoost model per task (randomised search, 3-fold CV on the training split, F1 for
classification), and chance by shuffling the training labels before fitting."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.assistant.tasks import TASKS, ClinicalTask
from training.eval.metrics import confusion, macro_f1, pearson_r


def token_histogram(codes: np.ndarray, codebook_size: int) -> np.ndarray:
    """``(codebook_size,)`` normalised counts of each code in a trial."""
    h = np.bincount(np.asarray(codes, dtype=np.int64), minlength=codebook_size).astype(float)
    return h / max(1.0, h.sum())


@dataclass
class TaskData:
    x_train: np.ndarray
    y_train: list[Any]
    x_val: np.ndarray
    y_val: list[Any]
    val_trials: list[str] = field(default_factory=list)
    """Trial of each held-out example (for scoring on the rows the model was asked)."""


def task_data(rows: list[dict[str, Any]], codes: dict[str, np.ndarray], task: ClinicalTask,
              codebook_size: int, val_codes: dict[str, np.ndarray] | None = None) -> TaskData:
    """One example per (trial, task) from dataset rows (paraphrase duplicates collapsed);
    ``val_codes`` holds the held-out trials' codes when they come from another dataset (a fresh
    test cohort, whose trial names may repeat the training cohort's)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if r["task"] == task.id:
            seen.setdefault((r["split"], r["trial"]), r)
    xs: dict[str, list[np.ndarray]] = {"train": [], "val": []}
    ys: dict[str, list[Any]] = {"train": [], "val": []}
    val_trials: list[str] = []
    for (split, trial), r in sorted(seen.items()):
        source = val_codes if split == "val" and val_codes is not None else codes
        xs[split].append(token_histogram(source[trial], codebook_size))
        ys[split].append(r["truth"])
        if split == "val":
            val_trials.append(trial)
    empty = np.zeros((0, codebook_size))
    return TaskData(np.array(xs["train"]) if xs["train"] else empty, ys["train"],
                    np.array(xs["val"]) if xs["val"] else empty, ys["val"], val_trials)


def _search_space() -> dict[str, list[Any]]:
    return {"n_estimators": [50, 100, 200, 400], "max_depth": [2, 3, 4, 6],
            "learning_rate": [0.03, 0.1, 0.3], "subsample": [0.7, 0.85, 1.0],
            "colsample_bytree": [0.5, 0.8, 1.0], "min_child_weight": [1, 3]}


def fit_xgb(task: ClinicalTask, data: TaskData, *, seed: int = 0, n_iter: int = 8,
            shuffle_labels: bool = False,
            space: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    """Fit (with randomised search) and score one task; ``shuffle_labels`` gives chance."""
    from sklearn.model_selection import RandomizedSearchCV
    from xgboost import XGBClassifier, XGBRegressor

    rng = np.random.default_rng(seed)
    y_train = list(data.y_train)
    if shuffle_labels:
        y_train = [y_train[i] for i in rng.permutation(len(y_train))]
    if len(y_train) < 6 or not data.y_val:
        return {"skipped": f"too few examples (train {len(y_train)}, val {len(data.y_val)})"}
    if task.kind == "classification":
        classes = sorted(set(y_train) | set(data.y_val))
        if len(set(y_train)) < 2:
            return {"skipped": "only one class in the training split"}
        y_idx = np.array([classes.index(y) for y in y_train])
        present = sorted(set(y_idx.tolist()))
        remap = {c: i for i, c in enumerate(present)}
        est = XGBClassifier(random_state=seed, n_jobs=2, tree_method="hist", verbosity=0)
        folds = max(2, min(3, int(np.bincount(y_idx).max())))
        search = RandomizedSearchCV(est, space or _search_space(), n_iter=n_iter, cv=folds,
                                    scoring="f1_macro", random_state=seed, n_jobs=1)
        search.fit(data.x_train, np.array([remap[i] for i in y_idx]))
        pred = [classes[present[int(i)]] for i in search.predict(data.x_val)]
        return {"macro_f1": macro_f1(data.y_val, pred),
                "confusion": confusion(data.y_val, pred, [lab.id for lab in task.labels]),
                "best_params": search.best_params_, "n_train": len(y_train),
                "n_val": len(data.y_val),
                "pred_by_trial": _by_trial(data, pred)}
    est_r = XGBRegressor(random_state=seed, n_jobs=2, tree_method="hist", verbosity=0)
    search = RandomizedSearchCV(est_r, space or _search_space(), n_iter=n_iter, cv=3,
                                scoring="neg_mean_absolute_error", random_state=seed, n_jobs=1)
    search.fit(data.x_train, np.array(y_train, dtype=float))
    pred_r = [float(v) for v in search.predict(data.x_val)]
    return {**pearson_r([float(v) for v in data.y_val], pred_r),
            "best_params": search.best_params_, "n_train": len(y_train),
            "pred_by_trial": _by_trial(data, pred_r)}


def _by_trial(data: TaskData, pred: list[Any]) -> dict[str, Any]:
    if len(data.val_trials) != len(pred):
        return {}
    return dict(zip(data.val_trials, pred, strict=True))


def score_on_trials(task: ClinicalTask, fit: dict[str, Any],
                    truth_by_trial: dict[str, Any]) -> dict[str, Any] | None:
    """A fitted baseline's metric on exactly the given held-out trials (the rows the language
    model was asked), so the two are compared on the same rows; None when it was skipped."""
    preds = fit.get("pred_by_trial")
    if not preds:
        return None
    trials = [t for t in truth_by_trial if t in preds]
    if not trials:
        return None
    truth = [truth_by_trial[t] for t in trials]
    pred = [preds[t] for t in trials]
    if task.kind == "classification":
        return {"macro_f1": macro_f1(truth, pred), "n": len(trials)}
    return pearson_r([float(v) for v in truth], [float(v) for v in pred])


def run_baselines(dataset_dir: Path, codebook_size: int, *, seeds: tuple[int, ...] = (0, 1, 2),
                  n_iter: int = 8, space: dict[str, list[Any]] | None = None,
                  tasks: list[str] | None = None,
                  test_dir: Path | None = None) -> dict[str, Any]:
    """XGBoost and chance for every classification/regression task (or only ``tasks``), over
    ``seeds``: fitted on the dataset's training split and scored on its held-out split, or,
    with ``test_dir``, on every row of that fresh test cohort's dataset."""
    from training.eval.llm_eval import _rows, all_rows, test_cohort_rows

    val_codes = None
    if test_dir is None:
        rows = all_rows(dataset_dir)
    else:
        rows = _rows(dataset_dir, "train") + [{**r, "split": "val"}
                                              for r in test_cohort_rows(test_dir)]
        with np.load(test_dir / "codes.npz") as z:
            val_codes = {k: z[k] for k in z.files}
    with np.load(dataset_dir / "codes.npz") as z:
        codes = {k: z[k] for k in z.files}
    out: dict[str, Any] = {}
    for task in TASKS.values():
        if task.kind == "description" or (tasks and task.id not in tasks):
            continue
        data = task_data(rows, codes, task, codebook_size, val_codes)
        out[task.id] = {
            "xgboost": [fit_xgb(task, data, seed=s, n_iter=n_iter, space=space) for s in seeds],
            "chance": [fit_xgb(task, data, seed=s, n_iter=n_iter, shuffle_labels=True,
                               space=space) for s in seeds],
        }
    return out
