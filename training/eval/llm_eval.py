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
from training.eval.metrics import (
    confusion,
    macro_f1,
    mean_sd,
    participant_bootstrap,
    pearson_r,
)


def _rows(dataset_dir: Path, split: str) -> list[dict[str, Any]]:
    path = dataset_dir / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"'{path}' does not exist; build the dataset first "
                                "(lmm-train dataset).")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def all_rows(dataset_dir: Path) -> list[dict[str, Any]]:
    """The rows of both splits (train, then val) of a dataset; a missing split is skipped."""
    rows: list[dict[str, Any]] = []
    for split in ("train", "val"):
        if (dataset_dir / f"{split}.jsonl").is_file():
            rows += _rows(dataset_dir, split)
    return rows


def test_cohort_rows(dataset_dir: Path) -> list[dict[str, Any]]:
    """Every row of a fresh test cohort's dataset (both of its splits; its participants are all
    new to the model), without augmented copies, ordered so that each task's rows take one
    participant at a time (``--max-rows-per-task`` then reaches as many participants as it
    can)."""
    rows = [r for r in all_rows(dataset_dir) if not r.get("augmented")]
    return spread_over_participants(rows)


def spread_over_participants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows reordered per task round-robin over participants (each participant's rows keep
    their order; participants in order of first appearance)."""
    out: list[dict[str, Any]] = []
    by_task: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        by_task.setdefault(r["task"], {}).setdefault(
            str(r.get("participant", r.get("trial"))), []).append(r)
    for people in by_task.values():
        queues = list(people.values())
        depth = max(len(q) for q in queues)
        out += [q[i] for i in range(depth) for q in queues if i < len(q)]
    return out


def _paraphrased(row: dict[str, Any], rng: np.random.Generator, grounded: bool) -> str:
    """The row's prompt with its question swapped for another paraphrase of the same task."""
    task = get_task(row["task"])
    prompt = row["grounded_prompt"] if grounded else row.get("tokens_prompt", row["prompt"])
    for q in task.paraphrases:
        if prompt.endswith(q):
            new_q = task.paraphrases[int(rng.integers(len(task.paraphrases)))]
            return prompt[: len(prompt) - len(q)] + new_q
    return prompt


def select_rows(rows: list[dict[str, Any]], max_rows_per_task: int | None
                ) -> dict[str, list[dict[str, Any]]]:
    """The held-out rows asked per task (the first ``max_rows_per_task`` of each, in dataset
    order, which interleaves participants); the baselines are scored on the same rows."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_task.setdefault(r["task"], []).append(r)
    if max_rows_per_task is not None:
        by_task = {t: v[:max_rows_per_task] for t, v in by_task.items()}
    return dict(sorted(by_task.items()))


def evaluate_engine(engine: Any, rows: list[dict[str, Any]], *, grounded: bool = False,
                    seed: int = 0, max_rows_per_task: int | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Metrics of one engine on ``rows`` (one paraphrase draw given by ``seed``);
    ``progress`` receives one line per finished task (its metric, rows and time per row).

    Classification is scored as the engine answers: with the model's label calibration when it
    has one, and then also without it (``macro_f1_raw``, from the same forward passes)."""
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for task_id, task_rows in select_rows(rows, max_rows_per_task).items():
        task = TASKS[task_id]
        if task.kind == "description":
            continue
        truths, preds, raw_preds, lat = [], [], [], []
        said_preds: list[float | None] = []
        raw_probs: list[dict[str, float]] = []
        groups: list[str] = []
        calibrated = False
        for r in task_rows:
            msgs = [{"role": "user", "content": _paraphrased(r, rng, grounded)}]
            t0 = time.perf_counter()
            if task.kind == "classification":
                ans = engine.ask_messages(msgs, task_id, generate=False)
                preds.append(max(ans.probabilities, key=ans.probabilities.__getitem__))
                raw = ans.raw_probabilities or ans.probabilities
                raw_preds.append(max(raw, key=raw.__getitem__))
                raw_probs.append({k: round(float(v), 5) for k, v in raw.items()})
                calibrated = calibrated or ans.calibrated
            else:  # scored as the app answers: the weighted mean over candidate values
                ans = engine.ask_messages(msgs, task_id, generate=True, intervals=True,
                                          max_new_tokens=10)
                preds.append(ans.value)
                said = task.parse_answer(ans.text)
                said_preds.append(ans.value if said is None else float(said))
            lat.append(time.perf_counter() - t0)
            truths.append(r["truth"])
            groups.append(str(r.get("participant", r.get("trial"))))
        if task.kind == "classification":
            labels = [lab.id for lab in task.labels]
            out[task_id] = {"macro_f1": macro_f1(truths, preds), "n": len(truths),
                            "confusion": confusion(truths, preds, labels),
                            "calibrated": calibrated,
                            "mean_latency_s": float(np.mean(lat))}
            if calibrated:
                out[task_id].update(macro_f1_raw=macro_f1(truths, raw_preds),
                                    confusion_raw=confusion(truths, raw_preds, labels))
        else:
            truth_f = [float(t) for t in truths]
            out[task_id] = {**pearson_r(truth_f, preds),
                            "pearson_r_generated": pearson_r(truth_f, said_preds)["pearson_r"],
                            "mean_latency_s": float(np.mean(lat))}
        out[task_id]["by_participant"] = participant_bootstrap(
            truths, preds, groups, _metric_fn(task.kind), seed=seed)
        # Per row, for paired comparisons (e.g. against XGBoost on the same trials); with the
        # uncalibrated label probabilities (a calibration can be re-fitted without re-asking)
        # or the number the model generated.
        per_row = [{"trial": r["trial"], "participant": g, "truth": t, "pred": p}
                   for r, g, t, p in zip(task_rows, groups, truths, preds, strict=True)]
        for row, extra in zip(per_row, raw_probs or said_preds, strict=False):
            row["raw_probabilities" if raw_probs else "generated"] = extra
        out[task_id]["rows"] = per_row
        if progress is not None:
            metric = "macro_f1" if task.kind == "classification" else "pearson_r"
            value = out[task_id].get(metric)
            shown = "n/a" if value is None else f"{value:.3f}"
            ci = out[task_id]["by_participant"].get("ci95")
            if ci is not None:
                shown += (f" [95% {ci[0]:.2f}-{ci[1]:.2f} over "
                          f"{out[task_id]['by_participant']['n_participants']} participants]")
            if out[task_id].get("macro_f1_raw") is not None:
                shown += f" (raw {out[task_id]['macro_f1_raw']:.3f})"
            progress(f"{task_id}: {metric} {shown} ({len(truths)} rows, "
                     f"{np.mean(lat):.2f} s/row)")
    return out


def recalibrated(result: dict[str, Any], calibration: Any, note: str) -> dict[str, Any]:
    """``result`` with its classification figures recomputed under another label calibration
    (:class:`~lmm_desktop.assistant.calibration.LabelCalibration`, None: raw) from the uncalibrated
    probabilities every row keeps: what a rerun with that calibration would report (the raw
    scores do not depend on it), without asking the model again. Regression is unchanged."""
    import copy

    out = copy.deepcopy(result)
    for key, grounded in (("model", False), ("grounded", True)):
        runs = out.get(f"{key}_runs") or []
        for s, run in enumerate(runs):
            for task_id, entry in run.items():
                task = TASKS[task_id]
                rows = entry.get("rows") or []
                if task.kind != "classification" or not rows:
                    continue
                if any("raw_probabilities" not in r for r in rows):
                    raise ValueError(f"{key} run {s}, {task_id}: rows without raw "
                                     "probabilities cannot be recalibrated")
                labels = [lab.id for lab in task.labels]
                cal = (None if calibration is None
                       else calibration.for_variant(grounded).get(task_id))
                truths = [r["truth"] for r in rows]
                raw_preds, preds = [], []
                for r in rows:
                    loglik = np.log(np.clip([r["raw_probabilities"][lab] for lab in labels],
                                            1e-300, None))
                    raw_preds.append(labels[int(np.argmax(loglik))])
                    scores = loglik if cal is None else cal.apply(labels, loglik)
                    preds.append(labels[int(np.argmax(scores))])
                    r["pred"] = preds[-1]
                entry.update(macro_f1=macro_f1(truths, preds), calibrated=cal is not None,
                             confusion=confusion(truths, preds, labels))
                entry.pop("macro_f1_raw", None)
                entry.pop("confusion_raw", None)
                if cal is not None:
                    entry.update(macro_f1_raw=macro_f1(truths, raw_preds),
                                 confusion_raw=confusion(truths, raw_preds, labels))
                entry["by_participant"] = participant_bootstrap(
                    truths, preds, [r["participant"] for r in rows], _metric_fn(task.kind),
                    seed=s)
        if runs:
            out[key] = summarize_seeds(runs)
    out["label_calibration"] = note
    if out.get("baselines_raw"):
        out["paired_vs_xgboost"] = paired_vs_xgboost(out)
    if out.get("model_runs") and out.get("grounded_runs"):
        out["paired_grounded_vs_tokens"] = paired_grounded_vs_tokens(out)
    return out


def _metric_fn(kind: str) -> Callable[[list[Any], list[Any]], float | None]:
    if kind == "classification":
        return lambda t, p: macro_f1(t, p)
    return lambda t, p: pearson_r([float(v) for v in t], p)["pearson_r"]


def paired_difference(rows: list[dict[str, Any]], other_pred_by_trial: dict[str, Any],
                      kind: str, *, seed: int = 0) -> dict[str, Any] | None:
    """The model's metric minus another predictor's (e.g. XGBoost's) on the same trials, with
    a 95 % interval from resampling whole participants (both scored on each resample)."""
    rows = [r for r in rows if r["trial"] in other_pred_by_trial]
    if not rows:
        return None
    metric = _metric_fn(kind)

    def diff(truth: list[Any], pairs: list[Any]) -> float | None:
        a = metric(truth, [x[0] for x in pairs])
        b = metric(truth, [x[1] for x in pairs])
        return None if a is None or b is None else a - b

    truth = [r["truth"] for r in rows]
    pairs = [(r["pred"], other_pred_by_trial[r["trial"]]) for r in rows]
    boot = participant_bootstrap(truth, pairs, [r["participant"] for r in rows], diff,
                                 seed=seed)
    return {"difference": diff(truth, pairs), "n_rows": len(rows), **boot}


def paired_vs_xgboost(result: dict[str, Any]) -> dict[str, Any]:
    """Per variant and task: model minus XGBoost on the rows the model was asked, per seed
    (paraphrase draw i paired with XGBoost seed i)."""
    out: dict[str, Any] = {}
    raw = result.get("baselines_raw", {})
    for key in ("model", "grounded"):
        for s, run in enumerate(result.get(f"{key}_runs", [])):
            for task_id, entry in run.items():
                fits = [f for f in raw.get(task_id, {}).get("xgboost", []) if "skipped" not in f]
                if not fits or "rows" not in entry:
                    continue
                fit = fits[min(s, len(fits) - 1)]
                d = paired_difference(entry["rows"], fit.get("pred_by_trial") or {},
                                      TASKS[task_id].kind, seed=s)
                if d is not None:
                    out.setdefault(key, {}).setdefault(task_id, []).append(d)
    return out


def paired_grounded_vs_tokens(result: dict[str, Any]) -> dict[str, Any]:
    """Per task: the grounded prompt's metric minus the tokens-only prompt's on the same trials,
    per paraphrase draw, with a 95 % interval from resampling whole participants. This is the
    test of "the grounded variant is at least as good as the tokens-only one"."""
    out: dict[str, Any] = {}
    for tok_run, gr_run in zip(result.get("model_runs", []), result.get("grounded_runs", []),
                               strict=False):
        for task_id, entry in gr_run.items():
            other = tok_run.get(task_id) or {}
            if "rows" not in entry or "rows" not in other:
                continue
            tokens_pred = {r["trial"]: r["pred"] for r in other["rows"]}
            d = paired_difference(entry["rows"], tokens_pred, TASKS[task_id].kind,
                                  seed=len(out.get(task_id, [])))
            if d is not None:
                out.setdefault(task_id, []).append(d)
    return out


def summarize_seeds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± SD over seeds of the headline metric of each task."""
    tasks = sorted({t for run in runs for t in run})
    out: dict[str, Any] = {}
    for t in tasks:
        key = "macro_f1" if "macro_f1" in runs[0].get(t, {}) else "pearson_r"
        out[t] = {"metric": key, **mean_sd([run.get(t, {}).get(key) for run in runs])}
        if any(run.get(t, {}).get("calibrated") for run in runs):
            out[t]["raw"] = mean_sd([run.get(t, {}).get("macro_f1_raw") for run in runs])
        if key == "pearson_r":
            out[t]["mae"] = mean_sd([run.get(t, {}).get("mae") for run in runs])
            if any(run.get(t, {}).get("pearson_r_generated") is not None for run in runs):
                out[t]["generated"] = mean_sd([run.get(t, {}).get("pearson_r_generated")
                                               for run in runs])
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
    """The evaluation as a Markdown table (model vs grounded vs XGBoost vs chance). With a label
    calibration the model columns show "calibrated (raw)"; "XGBoost, same rows" is the baseline
    scored on exactly the rows the model was asked."""
    lines = ["| task | metric | model (tokens) | model (grounded) | XGBoost, same rows | "
             "XGBoost, all held-out | chance | analysis (measured) |",
             "|---|---|---|---|---|---|---|---|"]

    def fmt(d: dict[str, Any] | None) -> str:
        if not d or d.get("mean") is None:
            return "n/a"
        text = f"{d['mean']:.3f} ± {d['sd']:.3f}"
        raw = d.get("raw")
        if raw and raw.get("mean") is not None:
            text += f" (raw {raw['mean']:.3f})"
        said = d.get("generated")
        if said and said.get("mean") is not None:
            text += f" (words {said['mean']:.3f})"
        return text

    tokens, grounded_all = result.get("model", {}), result.get("grounded", {})
    for task_id in sorted({*tokens, *grounded_all}):  # either variant may have been skipped
        summ, grounded = tokens.get(task_id), grounded_all.get(task_id)
        metric = (summ or grounded or {}).get("metric", "")
        base = result.get("baselines", {}).get(task_id, {})
        meas = result.get("measured_reference", {}).get(task_id, {}).get("pearson_r")
        lines.append(f"| {task_id} | {metric} | {fmt(summ)} | {fmt(grounded)} | "
                     f"{fmt(base.get('xgboost_same_rows'))} | {fmt(base.get('xgboost'))} | "
                     f"{fmt(base.get('chance'))} | {'n/a' if meas is None else f'{meas:.3f}'} |")
    def diff_text(d: dict[str, Any] | None) -> str:
        if not d or d.get("difference") is None:
            return "n/a"
        ci = d.get("ci95")
        return f"{d['difference']:+.3f}" + (f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "")

    paired = result.get("paired_vs_xgboost") or {}
    if paired:
        lines += ["", "Model minus XGBoost on the same rows (95 % interval over resampled "
                      "participants; first paraphrase draw):", "",
                  "| task | tokens | grounded |", "|---|---|---|"]
        for task_id in sorted({t for v in paired.values() for t in v}):
            cells = [diff_text((paired.get(k, {}).get(task_id) or [None])[0])
                     for k in ("model", "grounded")]
            lines.append(f"| {task_id} | {cells[0]} | {cells[1]} |")
    versus = result.get("paired_grounded_vs_tokens") or {}
    if versus:
        lines += ["", "Grounded minus tokens-only on the same rows (95 % interval over resampled "
                      "participants, per paraphrase draw):", "",
                  "| task | difference per draw |", "|---|---|"]
        for task_id in sorted(versus):
            lines.append(f"| {task_id} | "
                         f"{'; '.join(diff_text(d) for d in versus[task_id])} |")
    if result.get("test_dataset"):
        lines += ["", f"Rows asked: the fresh test cohort '{result['test_dataset']}' "
                      f"({result.get('test_participants', '?')} participants, none of them in "
                      "the training data); XGBoost fitted on the training split."]
    cal = result.get("label_calibration")
    if cal:
        lines += ["", f"Label calibration: {cal}."]
    if int(result.get("label_wordings") or 1) > 1:
        lines += ["", f"Classification: each answer's label probabilities average the model's "
                      f"scores over {result['label_wordings']} fixed wordings of the question "
                      "(whatever the drawn paraphrase), as the app answers."]
    if any("generated" in summ for key in ("model", "grounded")
           for summ in result.get(key, {}).values()):
        over = (f", averaged over the same {result['value_wordings']} fixed wordings"
                if int(result.get("value_wordings") or 1) > 1 else "")
        lines += ["", "Regression: the model's estimate is the mean of its distribution over "
                      f"candidate values{over}, as the app shows it; \"words\" is r of the "
                      "number the model generated greedily (for the drawn paraphrase)."]
    for key, title in (("model", "tokens"), ("grounded", "grounded")):
        real = result.get(f"{key}_real_trials")
        if real:
            lines += ["", f"Zero-shot activity on real (not simulated) trials, {title} prompt:", "",
                      "| trial | truth | answer | P(truth) |", "|---|---|---|---|"]
            lines += [f"| {r['file']} | {r['truth']} | {r['label'] or 'abstained'} | "
                      f"{r['p_truth']:.2f} |" for r in real]
    return "\n".join(lines) + "\n"


def baseline_summary(raw: dict[str, Any],
                     asked: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Mean ± SD of XGBoost and chance over seeds; with ``asked`` (the rows the model was asked
    per task) also XGBoost scored on exactly those rows."""
    from training.eval.baseline import score_on_trials

    out: dict[str, Any] = {}
    for task_id, d in raw.items():
        entry: dict[str, Any] = {}
        for kind in ("xgboost", "chance"):
            runs = [r for r in d[kind] if "skipped" not in r]
            key = "macro_f1" if TASKS[task_id].kind == "classification" else "pearson_r"
            entry[kind] = {"metric": key, **mean_sd([r.get(key) for r in runs])}
        if asked and task_id in asked:
            truth = {r["trial"]: r["truth"] for r in asked[task_id]}
            runs = [r for r in d["xgboost"] if "skipped" not in r]
            scored = [score_on_trials(TASKS[task_id], r, truth) for r in runs]
            key = entry["xgboost"]["metric"]
            entry["xgboost_same_rows"] = {
                "metric": key, "n_rows": len(truth),
                **mean_sd([s.get(key) if s else None for s in scored])}
        out[task_id] = entry
    return out
