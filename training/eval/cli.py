"""``lmm-train eval --model MODEL --dataset DS``: per-task metrics of the model (tokens-only
and grounded) against the XGBoost baseline and chance, over several paraphrase seeds."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lmm_desktop.assistant.manager import CPU_PRECISIONS

    parser.add_argument("--model", type=Path, required=True, help="model artifact folder")
    parser.add_argument("--dataset", type=Path, required=True, help="dataset folder")
    parser.add_argument("--test-dataset", type=Path, default=None, metavar="TESTDS",
                        help="ask the rows of this fresh test cohort's dataset (participants "
                             "simulated with another --seed, built with the same tokenizer) "
                             "instead of the dataset's held-out split; XGBoost is still fitted "
                             "on the dataset's training split")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for evaluation.json / evaluation.md (default: the model)")
    parser.add_argument("--rescore", type=Path, default=None, metavar="EVALUATION_JSON",
                        help="ask nothing: recompute this earlier evaluation's classification "
                             "figures under the model's current label calibration, from the "
                             "uncalibrated probabilities its rows keep (after 'lmm-train "
                             "calibrate'); written to --out (default: beside it)")
    parser.add_argument("--seeds", type=int, default=3, help="paraphrase draws (default 3)")
    parser.add_argument("--max-rows-per-task", type=int, default=None,
                        help="evaluate at most this many held-out rows per task")
    parser.add_argument("--tasks", nargs="+", default=None, metavar="TASK",
                        help="evaluate only these tasks (e.g. to compare an adapter trained on "
                             "them, 'lmm-train sft --tasks', with one trained on every task)")
    variants = parser.add_mutually_exclusive_group()
    variants.add_argument("--no-grounded", action="store_true",
                          help="skip the grounded variant")
    variants.add_argument("--no-tokens", action="store_true",
                          help="skip the tokens-only variant (e.g. to add the grounded rows "
                               "to an earlier tokens-only run)")
    parser.add_argument("--no-baselines", action="store_true", help="skip XGBoost and chance")
    parser.add_argument("--label-wordings", type=int, default=None, metavar="K",
                        help="average each classification's label scores, and each "
                             "regression estimate, over K fixed wordings of the question "
                             "(default: what the model's calibration was fitted with)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--cpu-precision", default="int8-head",
                        choices=CPU_PRECISIONS,
                        help="weights on the CPU (default int8-head, as the app runs it)")
    parser.add_argument("--real-trial", action="append", default=[], metavar="FILE=ACTIVITY",
                        help="a real (not simulated) trial and its known activity id, asked "
                             "zero-shot 'what activity?' (repeatable), e.g. "
                             "walking1.mot=walking")
    parser.add_argument("--baseline-iter", type=int, default=8,
                        help="randomised-search candidates per XGBoost fit (default 8)")
    parser.add_argument("--fast-baselines", action="store_true",
                        help="smaller XGBoost search space (50-100 trees, depth 3-4) for CPUs")


def parse_real_trials(specs: list[str]) -> list[tuple[Path, str]]:
    """``FILE=ACTIVITY`` pairs, checked: the file exists and the activity is a registered label."""
    from lmm_desktop.assistant.tasks import get_task

    labels = [lab.id for lab in get_task("activity").labels]
    out = []
    for spec in specs:
        path, sep, activity = spec.rpartition("=")
        if not sep or not path:
            raise LmmError(f"--real-trial wants FILE=ACTIVITY, got {spec!r}.")
        if activity not in labels:
            raise LmmError(f"Unknown activity {activity!r} in --real-trial {spec!r}; use one "
                           f"of {', '.join(labels)}.")
        if not Path(path).is_file():
            raise LmmError(f"Real trial '{path}' does not exist.")
        out.append((Path(path), activity))
    return out


def zero_shot_activity(engine: Any, specs: list[str]) -> list[dict[str, Any]]:
    """Ask each real trial's activity; record the label, its probabilities and correctness."""
    from lmm_desktop.analysis.marker_angles import with_marker_kinematics
    from lmm_desktop.io import read_trial

    out = []
    for path, truth in parse_real_trials(specs):
        trial = with_marker_kinematics(read_trial(path))  # a marker-only trial: angles first
        ans = engine.ask(trial, "What activity is the person performing?")
        p_truth = ans.probabilities.get(truth, 0.0)
        out.append({"file": path.name, "truth": truth, "label": ans.label,
                    "p_truth": round(p_truth, 4), "flags": list(ans.flags),
                    "right_above_0_5": bool(ans.label == truth and p_truth > 0.5),
                    "probabilities": {k: round(v, 4) for k, v in ans.probabilities.items()}})
    return out


def check_calibration_disjoint(model: Path, dataset: Path, rows: list[dict[str, Any]]
                               ) -> str | None:
    """Refuse to evaluate on trials the model's label calibration was fitted on; returns a
    one-line description of the calibration (None when the model has none)."""
    from lmm_desktop.assistant.calibration import load_calibration
    from training.eval.calibrate_cli import trial_hashes

    cal = load_calibration(model)
    if cal is None:
        return None
    fitted = set(cal.fitted_on.get("trial_hashes") or [])
    if fitted:
        hashes = trial_hashes(dataset)
        shared = sorted({r["trial"] for r in rows if hashes.get(r["trial"]) in fitted})
        if shared:
            raise LmmError(f"{len(shared)} evaluation trial(s) (e.g. {shared[0]}) were used to "
                           f"fit the label calibration of '{model}'; evaluate on other "
                           "participants, or refit the calibration on another cohort.")
    where = cal.fitted_on.get("dataset", "an unrecorded dataset")
    n_tasks = {v: len(t) for v, t in cal.variants.items()}
    return (f"fitted on {where} (disjoint from these rows), tasks calibrated per variant "
            f"{n_tasks}; the model columns show calibrated (raw) macro-F1")


def fresh_test_rows(dataset: Path, test_dataset: Path) -> list[dict[str, Any]]:
    """The rows of a fresh test cohort's dataset, checked against the training dataset: the
    same motion tokenizer, and no trial whose motion codes also occur in the training data."""
    from training.eval.calibrate_cli import trial_hashes
    from training.eval.llm_eval import test_cohort_rows

    if not test_dataset.is_dir():
        raise LmmError(f"Test dataset folder '{test_dataset}' does not exist; simulate a cohort "
                       "with another --seed and build it with 'lmm-train dataset' and the same "
                       "tokenizer.")
    shas = []
    for ds in (dataset, test_dataset):
        path = ds / "manifest.json"
        if not path.is_file():
            raise LmmError(f"'{path}' does not exist; build the dataset with 'lmm-train dataset'.")
        shas.append(json.loads(path.read_text()).get("tokenizer", {}).get("sha256"))
    if shas[0] != shas[1]:
        raise LmmError(f"The test dataset '{test_dataset}' was built with another motion "
                       f"tokenizer than '{dataset}'; rebuild it with the tokenizer the model was "
                       "trained with ('lmm-train dataset --tokenizer ...').")
    seen = set(trial_hashes(dataset).values())
    shared = sorted(name for name, h in trial_hashes(test_dataset).items() if h in seen)
    if shared:
        raise LmmError(f"{len(shared)} test trial(s) (e.g. {shared[0]}) have the same motion as "
                       f"trials of '{dataset}'; a test cohort must be simulated with another "
                       "--seed.")
    return test_cohort_rows(test_dataset)


def _progress_printer(label: str, t0: float) -> Callable[[str], None]:
    """One stderr line per evaluated task, with the time since the evaluation began."""

    def show(line: str) -> None:
        print(f"[{time.perf_counter() - t0:7.0f} s] {label}: {line}", file=sys.stderr, flush=True)

    return show


def rescore(args: argparse.Namespace) -> int:
    """``--rescore``: an earlier evaluation under the model's current calibration."""
    from lmm_desktop.assistant.calibration import load_calibration
    from training.eval.llm_eval import recalibrated, to_markdown

    try:
        result = json.loads(args.rescore.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LmmError(f"Cannot read the evaluation '{args.rescore}' ({exc}).") from exc
    if not isinstance(result, dict) or not (result.get("model_runs")
                                            or result.get("grounded_runs")):
        raise LmmError(f"'{args.rescore}' is not an evaluation written by 'lmm-train eval'.")
    cal = load_calibration(args.model)
    fitted_k = cal.label_wordings if cal is not None else 1
    scored_k = int(result.get("label_wordings") or 1)
    if cal is not None and fitted_k != scored_k:
        raise LmmError(f"The evaluation's label scores average {scored_k} wording(s) per "
                       f"question, the calibration of '{args.model}' was fitted on {fitted_k}: "
                       f"rerun the evaluation with --label-wordings {fitted_k}.")
    rows = [r for key in ("model_runs", "grounded_runs") for run in result.get(key) or []
            for entry in run.values() for r in entry.get("rows") or []]
    asked_dir = Path(result.get("test_dataset") or result.get("dataset") or args.dataset)
    note = check_calibration_disjoint(args.model, asked_dir, rows) or "none (raw scores)"
    try:
        new = recalibrated(result, cal, note)
    except ValueError as exc:
        raise LmmError(f"'{args.rescore}' cannot be rescored: {exc} (it predates per-row "
                       "probabilities; evaluate again).") from exc
    new["rescored_from"] = str(args.rescore)
    out = args.out or args.rescore.parent
    out.mkdir(parents=True, exist_ok=True)
    md = to_markdown(new)
    with atomic_write(out / "evaluation.md") as fh:
        fh.write(md)
    with atomic_write(out / "evaluation.json") as fh:
        fh.write(json.dumps(new, indent=2, default=str))
    print(md)
    return 0


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.assistant.artifact import write_evaluation
    from lmm_desktop.assistant.manager import ModelManager
    from training.eval.baseline import run_baselines
    from training.eval.llm_eval import (
        _rows,
        baseline_summary,
        evaluate_engine,
        measured_reference,
        paired_grounded_vs_tokens,
        paired_vs_xgboost,
        select_rows,
        summarize_seeds,
        to_markdown,
    )

    if args.rescore is not None:
        return rescore(args)
    parse_real_trials(args.real_trial)  # refuse bad specs before any model is loaded
    if args.label_wordings is not None and not 1 <= args.label_wordings <= 16:
        raise LmmError(f"--label-wordings {args.label_wordings}: give 1-16.")
    if not args.dataset.is_dir():
        raise LmmError(f"Dataset folder '{args.dataset}' does not exist.")
    if args.test_dataset is not None:
        rows = fresh_test_rows(args.dataset, args.test_dataset)
        source = f"'{args.test_dataset}'"
    else:
        rows = _rows(args.dataset, "val")
        source = f"'{args.dataset}/val.jsonl'"
    if not rows:
        raise LmmError(f"{source} has no rows: nothing held out to evaluate.")
    if args.tasks:
        from lmm_desktop.assistant.tasks import TASKS
        from lmm_desktop.core.errors import validate_choice

        for task in args.tasks:
            validate_choice("--tasks", task, TASKS)
        rows = [r for r in rows if r["task"] in args.tasks]
        if not rows:
            raise LmmError(f"{source} has no rows of the task(s) {', '.join(args.tasks)}.")
    asked_dir = args.test_dataset or args.dataset
    calibration_note = check_calibration_disjoint(args.model, asked_dir, rows)
    t0 = time.perf_counter()
    result: dict[str, Any] = {"dataset": str(args.dataset), "n_val_rows": len(rows),
                              "max_rows_per_task": args.max_rows_per_task, "seeds": args.seeds,
                              "tasks": args.tasks or "all"}
    result["rows_per_task"] = {t: len(v) for t, v in
                               select_rows(rows, args.max_rows_per_task).items()}
    if args.test_dataset is not None:
        result["test_dataset"] = str(args.test_dataset)
        result["test_participants"] = len({r.get("participant") for r in rows})
    if calibration_note:
        result["label_calibration"] = calibration_note
    for grounded in (False, True):
        if (grounded and args.no_grounded) or (not grounded and args.no_tokens):
            continue
        loaded = ModelManager(cpu_precision=args.cpu_precision).load(
            args.model, device=args.device, grounded=grounded,
            label_wordings=args.label_wordings)
        result["label_wordings"] = loaded.engine.label_wordings
        result["value_wordings"] = loaded.engine.label_wordings  # estimates too
        key = "grounded" if grounded else "model"
        runs = [evaluate_engine(loaded.engine, rows, grounded=grounded, seed=s,
                                max_rows_per_task=args.max_rows_per_task,
                                progress=_progress_printer(
                                    f"{'grounded' if grounded else 'tokens-only'}, seed {s}", t0))
                for s in range(args.seeds)]
        result[key] = summarize_seeds(runs)
        result[f"{key}_runs"] = runs
        result["device"] = loaded.device
        result["precision"] = loaded.precision
        if args.real_trial:
            result[f"{key}_real_trials"] = zero_shot_activity(loaded.engine, args.real_trial)
    if result.get("model_runs") and result.get("grounded_runs"):
        result["paired_grounded_vs_tokens"] = paired_grounded_vs_tokens(result)
    if not args.no_baselines:
        manifest = json.loads((args.dataset / "manifest.json").read_text())
        codebook = int(manifest.get("codebook_size", 512))
        fast: dict[str, list[Any]] = {"n_estimators": [50, 100], "max_depth": [3, 4],
                                      "learning_rate": [0.1, 0.3], "subsample": [0.85, 1.0]}
        space = fast if args.fast_baselines else None
        print(f"[{time.perf_counter() - t0:7.0f} s] XGBoost and chance baselines "
              f"({args.baseline_iter} search draws per task, {args.seeds} seeds)...",
              file=sys.stderr, flush=True)
        raw = run_baselines(args.dataset, codebook, seeds=tuple(range(args.seeds)),
                            n_iter=args.baseline_iter, space=space, tasks=args.tasks,
                            test_dir=args.test_dataset)
        result["baseline_search"] = {"n_iter": args.baseline_iter,
                                     "space": space or "default (see baseline.py)"}
        result["baselines"] = baseline_summary(raw, select_rows(rows, args.max_rows_per_task))
        result["baselines_raw"] = raw
        result["paired_vs_xgboost"] = paired_vs_xgboost(result)
    meas_file = asked_dir / "measured.json"
    if meas_file.is_file():
        result["measured_reference"] = measured_reference(rows, json.loads(meas_file.read_text()))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    out = args.out or args.model
    out.mkdir(parents=True, exist_ok=True)
    md = to_markdown(result)
    with atomic_write(out / "evaluation.md") as fh:
        fh.write(md)
    if args.out is None:
        write_evaluation(args.model, result)
    else:
        with atomic_write(out / "evaluation.json") as fh:
            fh.write(json.dumps(result, indent=2, default=str))
    print(md)
    return 0
