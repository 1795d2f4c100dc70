"""``lmm-train eval --model MODEL --dataset DS``: the paper's evaluation, honestly measured.

Per task on the held-out participants: macro-F1 and a confusion matrix for classification (the
label with the highest model probability, scored per label), Pearson r and MAE for regression
(the number the model writes); tokens-only and grounded prompts; the XGBoost token-histogram
baseline and chance on the same split; the analysis' measured values as the reference for speed,
cadence, TUG and FSST where the dataset carries them. JSON and Markdown outputs.

"Seeds" here are repeated draws of the evaluation paraphrases (the paper retrained three adapters;
doing that is a GPU job and is recorded as owed when only one adapter exists).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.assistant.tasks import TASKS, get_task
from training.eval.metrics import confusion, macro_f1, mean_sd, pearson_r


def _rows(dataset_dir: Path, split: str) -> list[dict[str, Any]]:
    path = dataset_dir / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"'{path}' does not exist; build the dataset first "
                                "(lmm-train dataset).")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _paraphrased(row: dict[str, Any], rng: np.random.Generator, grounded: bool) -> str:
    """The row's prompt with its question swapped for another paraphrase of the same task."""
    task = get_task(row["task"])
    prompt = row["grounded_prompt"] if grounded else row.get("tokens_prompt", row["prompt"])
    for q in task.paraphrases:
        if prompt.endswith(q):
            new_q = task.paraphrases[int(rng.integers(len(task.paraphrases)))]
            return prompt[: len(prompt) - len(q)] + new_q
    return prompt


def evaluate_engine(engine: Any, rows: list[dict[str, Any]], *, grounded: bool = False,
                    seed: int = 0, max_rows_per_task: int | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Metrics of one engine on ``rows`` (one paraphrase draw given by ``seed``);
    ``progress`` receives one line per finished task (its metric, rows and time per row)."""
    rng = np.random.default_rng(seed)
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_task.setdefault(r["task"], []).append(r)
    out: dict[str, Any] = {}
    for task_id, task_rows in sorted(by_task.items()):
        task = TASKS[task_id]
        if task.kind == "description":
            continue
        if max_rows_per_task is not None:
            task_rows = task_rows[:max_rows_per_task]
        truths, preds, lat = [], [], []
        for r in task_rows:
            msgs = [{"role": "user", "content": _paraphrased(r, rng, grounded)}]
            t0 = time.perf_counter()
            if task.kind == "classification":
                ans = engine.ask_messages(msgs, task_id, generate=False)
                preds.append(max(ans.probabilities, key=ans.probabilities.__getitem__))
            else:
                ans = engine.ask_messages(msgs, task_id, generate=True, max_new_tokens=10)
                preds.append(ans.value)
            lat.append(time.perf_counter() - t0)
            truths.append(r["truth"])
        if task.kind == "classification":
            out[task_id] = {"macro_f1": macro_f1(truths, preds), "n": len(truths),
                            "confusion": confusion(truths, preds, [lab.id for lab in task.labels]),
                            "mean_latency_s": float(np.mean(lat))}
        else:
            out[task_id] = {**pearson_r([float(t) for t in truths], preds),
                            "mean_latency_s": float(np.mean(lat))}
        if progress is not None:
            metric = "macro_f1" if task.kind == "classification" else "pearson_r"
            value = out[task_id].get(metric)
            shown = "n/a" if value is None else f"{value:.3f}"
            progress(f"{task_id}: {metric} {shown} ({len(truths)} rows, "
                     f"{np.mean(lat):.2f} s/row)")
    return out


def summarize_seeds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± SD over seeds of the headline metric of each task."""
    tasks = sorted({t for run in runs for t in run})
    out: dict[str, Any] = {}
    for t in tasks:
        key = "macro_f1" if "macro_f1" in runs[0].get(t, {}) else "pearson_r"
        out[t] = {"metric": key, **mean_sd([run.get(t, {}).get(key) for run in runs])}
        if key == "pearson_r":
            out[t]["mae"] = mean_sd([run.get(t, {}).get("mae") for run in runs])
    return out


def measured_reference(rows: list[dict[str, Any]], measured: dict[str, dict[str, float]]
                       ) -> dict[str, Any]:
    """How well the analysis itself measures the regression targets (the reference)."""
    keys = {"walking_speed": "spatiotemporal.speed_m_s",
            "cadence": "spatiotemporal.cadence_steps_min",
            "tug_time": "clinical_tests.tug.duration_s",
            "fsst_time": "clinical_tests.fsst.duration_s"}
    out: dict[str, Any] = {}
    for task_id, key in keys.items():
        pairs = [(float(r["truth"]), measured.get(r["trial"], {}).get(key))
                 for r in rows if r["task"] == task_id]
        if pairs:
            out[task_id] = pearson_r([p[0] for p in pairs], [p[1] for p in pairs])
    return out


def to_markdown(result: dict[str, Any]) -> str:
    """The evaluation as a Markdown table (model vs grounded vs XGBoost vs chance)."""
    lines = ["| task | metric | model (tokens) | model (grounded) | XGBoost | chance | "
             "analysis (measured) |", "|---|---|---|---|---|---|---|"]

    def fmt(d: dict[str, Any] | None) -> str:
        if not d or d.get("mean") is None:
            return "n/a"
        return f"{d['mean']:.3f} ± {d['sd']:.3f}"

    for task_id, summ in result.get("model", {}).items():
        grounded = result.get("grounded", {}).get(task_id)
        base = result.get("baselines", {}).get(task_id, {})
        meas = result.get("measured_reference", {}).get(task_id, {}).get("pearson_r")
        lines.append(f"| {task_id} | {summ['metric']} | {fmt(summ)} | {fmt(grounded)} | "
                     f"{fmt(base.get('xgboost'))} | {fmt(base.get('chance'))} | "
                     f"{'n/a' if meas is None else f'{meas:.3f}'} |")
    for key, title in (("model", "tokens"), ("grounded", "grounded")):
        real = result.get(f"{key}_real_trials")
        if real:
            lines += ["", f"Zero-shot activity on real (not simulated) trials, {title} prompt:", "",
                      "| trial | truth | answer | P(truth) |", "|---|---|---|---|"]
            lines += [f"| {r['file']} | {r['truth']} | {r['label'] or 'abstained'} | "
                      f"{r['p_truth']:.2f} |" for r in real]
    return "\n".join(lines) + "\n"


def baseline_summary(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task_id, d in raw.items():
        entry: dict[str, Any] = {}
        for kind in ("xgboost", "chance"):
            runs = [r for r in d[kind] if "skipped" not in r]
            key = "macro_f1" if runs and "macro_f1" in runs[0] else "pearson_r"
            entry[kind] = {"metric": key, **mean_sd([r.get(key) for r in runs])}
        out[task_id] = entry
    return out
