"""``lmm-train eval --model MODEL --dataset DS``: per-task metrics of the model (tokens-only
and grounded) against the XGBoost baseline and chance, over several paraphrase seeds."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True, help="model artifact folder")
    parser.add_argument("--dataset", type=Path, required=True, help="dataset folder")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for evaluation.json / evaluation.md (default: the model)")
    parser.add_argument("--seeds", type=int, default=3, help="paraphrase draws (default 3)")
    parser.add_argument("--max-rows-per-task", type=int, default=None,
                        help="evaluate at most this many held-out rows per task")
    parser.add_argument("--no-grounded", action="store_true", help="skip the grounded variant")
    parser.add_argument("--no-baselines", action="store_true", help="skip XGBoost and chance")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--cpu-precision", default="int8-head",
                        choices=("int8-head", "int8", "float32", "bfloat16"),
                        help="weights on the CPU (default int8-head, as the app runs it)")
    parser.add_argument("--baseline-iter", type=int, default=8,
                        help="randomised-search candidates per XGBoost fit (default 8)")
    parser.add_argument("--fast-baselines", action="store_true",
                        help="smaller XGBoost search space (50-100 trees, depth 3-4) for CPUs")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.assistant.artifact import write_evaluation
    from lmm_desktop.assistant.manager import ModelManager
    from training.eval.baseline import run_baselines
    from training.eval.llm_eval import (
        _rows,
        baseline_summary,
        evaluate_engine,
        measured_reference,
        summarize_seeds,
        to_markdown,
    )

    if not args.dataset.is_dir():
        raise LmmError(f"Dataset folder '{args.dataset}' does not exist.")
    rows = _rows(args.dataset, "val")
    if not rows:
        raise LmmError(f"'{args.dataset}/val.jsonl' has no rows: nothing held out to evaluate.")
    t0 = time.perf_counter()
    result: dict[str, Any] = {"dataset": str(args.dataset), "n_val_rows": len(rows)}
    for grounded in (False, True):
        if grounded and args.no_grounded:
            continue
        loaded = ModelManager(cpu_precision=args.cpu_precision).load(
            args.model, device=args.device, grounded=grounded)
        runs = [evaluate_engine(loaded.engine, rows, grounded=grounded, seed=s,
                                max_rows_per_task=args.max_rows_per_task)
                for s in range(args.seeds)]
        key = "grounded" if grounded else "model"
        result[key] = summarize_seeds(runs)
        result[f"{key}_runs"] = runs
        result["device"] = loaded.device
        result["precision"] = loaded.precision
    if not args.no_baselines:
        manifest = json.loads((args.dataset / "manifest.json").read_text())
        codebook = int(manifest.get("codebook_size", 512))
        fast: dict[str, list[Any]] = {"n_estimators": [50, 100], "max_depth": [3, 4],
                                      "learning_rate": [0.1, 0.3], "subsample": [0.85, 1.0]}
        space = fast if args.fast_baselines else None
        raw = run_baselines(args.dataset, codebook, seeds=tuple(range(args.seeds)),
                            n_iter=args.baseline_iter, space=space)
        result["baseline_search"] = {"n_iter": args.baseline_iter,
                                     "space": space or "default (see baseline.py)"}
        result["baselines"] = baseline_summary(raw)
        result["baselines_raw"] = raw
    meas_file = args.dataset / "measured.json"
    if meas_file.is_file():
        result["measured_reference"] = measured_reference(rows, json.loads(meas_file.read_text()))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    out = args.out or args.model
    out.mkdir(parents=True, exist_ok=True)
    md = to_markdown(result)
    (out / "evaluation.md").write_text(md)
    if args.out is None:
        write_evaluation(args.model, result)
    else:
        (out / "evaluation.json").write_text(json.dumps(result, indent=2, default=str))
    print(md)
    return 0
