"""``lmm-train calibrate --model MODEL --data CAL_DS``: fit the model's label calibration.

CAL_DS is a dataset (``lmm-train dataset``) of participants the model was not trained on and the
evaluation will not use; a freshly simulated cohort is the natural choice
(``lmm-train simulate --seed S`` with a seed of its own, and the sample rate and simulator
version of the training cohort: the calibration corrects the model for the data it will see).
Every row of both its splits is used, except augmented copies. Writes ``calibration.json`` into
the model folder (atomically), with the cross-validated effect per task; ``lmm-train eval``
then reports raw and calibrated figures and refuses an evaluation dataset that shares trials
with the calibration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lmm_desktop.assistant.manager import CPU_PRECISIONS

    parser.add_argument("--model", type=Path, required=True, help="model artifact folder")
    parser.add_argument("--data", type=Path, required=True, nargs="+", metavar="CAL_DS",
                        help="calibration dataset folder(s) (participants unseen in training "
                             "and not used by the evaluation); several are pooled, e.g. a "
                             "cohort like the training one and one rich in rare labels "
                             "('lmm-train simulate --unimpaired-share 0.2')")
    parser.add_argument("--training-dataset", type=Path, default=None,
                        help="the dataset the model was trained on: refuse calibration rows "
                             "whose motion is in it")
    parser.add_argument("--max-rows-per-task", type=int, default=250,
                        help="calibration rows per task, rare labels first (default 250)")
    parser.add_argument("--tasks", nargs="+", default=None, metavar="TASK",
                        help="calibrate only these classification tasks (default: all); the "
                             "other tasks of an existing calibration.json are kept")
    parser.add_argument("--no-grounded", action="store_true",
                        help="calibrate only the tokens-only prompt variant")
    parser.add_argument("--seed", type=int, default=1000,
                        help="seed of the row choice and paraphrase draws (default 1000)")
    parser.add_argument("--label-wordings", type=int, default=None, metavar="K",
                        help="average each question's label scores over K wordings (the app "
                             "then answers the same way; default: the model manager's "
                             "default)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--cpu-precision", default="int8-head", choices=CPU_PRECISIONS,
                        help="weights on the CPU (default int8-head, as the app runs it)")


MIN_DISTINCT_CODES = 8


def trial_hashes(dataset_dir: Path) -> dict[str, str]:
    """Trial file name -> short content hash of its motion codes (``codes.npz``), for trials
    whose codes identify them: a near-static trial (quiet standing, fewer than
    :data:`MIN_DISTINCT_CODES` distinct codes) tokenizes alike for different people and is left
    out, so it cannot count as a shared trial."""
    path = dataset_dir / "codes.npz"
    if not path.is_file():
        raise LmmError(f"'{path}' does not exist; build the dataset with 'lmm-train dataset'.")
    out = {}
    with np.load(path) as z:
        for name in z.files:
            codes = z[name]
            if len(np.unique(codes)) < MIN_DISTINCT_CODES:
                continue
            data = np.ascontiguousarray(codes).astype("<i4").tobytes()
            out[name] = hashlib.blake2b(data, digest_size=8).hexdigest()
    return out


def _keep_other_tasks(path: Path, result: dict[str, Any], tasks: list[str]) -> None:
    """Carry the tasks not recalibrated now over from the existing calibration (when it is one
    this version reads), so ``--tasks`` refits some tasks and keeps the rest."""
    from lmm_desktop.assistant.calibration import parse_calibration
    from lmm_desktop.core.errors import ModelLoadError

    try:
        data = json.loads(path.read_text())
        old = parse_calibration(data, str(path))
    except (OSError, ValueError, ModelLoadError):  # none, unreadable or not one we read
        return
    old_report = data.get("report", {})
    for variant, entries in old.variants.items():
        if variant not in result["variants"]:
            continue
        for task_id, cal in entries.items():
            if task_id not in tasks:
                result["variants"][variant][task_id] = {"temperature": cal.temperature,
                                                        "offsets": cal.offsets}
        for task_id, entry in old_report.get(variant, {}).items():
            if task_id not in tasks:
                result["report"][variant][task_id] = {**entry, "kept_from_earlier_fit": True}
    result["fitted_on"]["earlier_fit"] = old.fitted_on.get("dataset")
    hashes = set(result["fitted_on"]["trial_hashes"]) | set(
        old.fitted_on.get("trial_hashes") or [])
    result["fitted_on"]["trial_hashes"] = sorted(hashes)


def pooled_rows(folders: list[Path]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows of every calibration dataset (both splits) and their trials' motion hashes.
    With several datasets, participant ids are prefixed by the dataset's position (each cohort
    numbers its people from S0001, and different people must stay different groups in the
    cross-validation); two datasets sharing a trial are refused."""
    from training.eval.llm_eval import all_rows

    rows: list[dict[str, Any]] = []
    hashes: dict[str, str] = {}
    owner: dict[str, Path] = {}
    for i, folder in enumerate(folders):
        mine = all_rows(folder)
        if not mine:
            raise LmmError(f"'{folder}' has no rows (train.jsonl / val.jsonl).")
        if len(folders) > 1:
            mine = [{**r, "participant": f"{i}:{r.get('participant', r['trial'])}"}
                    for r in mine]
        rows += mine
        for name, h in trial_hashes(folder).items():
            if owner.get(h, folder) != folder:  # within one cohort a motion may recur
                raise LmmError(f"Calibration datasets '{owner[h]}' and '{folder}' share a trial "
                               f"(e.g. {name}); simulate each with its own --seed.")
            owner.setdefault(h, folder)
            hashes[f"{i}:{name}" if len(folders) > 1 else name] = h
    return rows, hashes


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.assistant.calibration import CALIBRATION_FILE, parse_calibration
    from lmm_desktop.assistant.manager import DEFAULT_LABEL_WORDINGS, ModelManager
    from lmm_desktop.assistant.tasks import TASKS
    from lmm_desktop.core.errors import ModelLoadError, validate_choice
    from training.eval.calibrate import calibrate_task, collect_label_scores, stratified_rows

    if not args.model.is_dir():
        raise LmmError(f"Model folder '{args.model}' does not exist.")
    for folder in args.data:
        if not folder.is_dir():
            raise LmmError(f"Calibration dataset folder '{folder}' does not exist; build one "
                           "with 'lmm-train simulate' and 'lmm-train dataset'.")
    if len(set(map(Path.resolve, args.data))) < len(args.data):
        raise LmmError("The same calibration dataset was given twice; give each once.")
    if args.label_wordings is not None and not 1 <= args.label_wordings <= 16:
        raise LmmError(f"--label-wordings {args.label_wordings}: give 1-16.")
    if args.max_rows_per_task < 20:
        raise LmmError(f"--max-rows-per-task {args.max_rows_per_task} is too few to fit a "
                       "calibration; use at least 20 (default 250).")
    wordings = args.label_wordings or DEFAULT_LABEL_WORDINGS
    existing = args.model / CALIBRATION_FILE
    if args.tasks and existing.is_file():
        try:
            old_k = parse_calibration(json.loads(existing.read_text())).label_wordings
        except (OSError, ValueError, ModelLoadError):
            old_k = wordings  # unreadable: nothing will be kept from it anyway
        if old_k != wordings:
            raise LmmError(f"The model's calibration was fitted with {old_k} wording(s) per "
                           f"question, this fit would use {wordings}: the tasks kept from it "
                           "would not match. Refit every task (leave out --tasks) or give "
                           f"--label-wordings {old_k}.")
    classification = [t.id for t in TASKS.values() if t.kind == "classification"]
    for task in args.tasks or []:
        validate_choice("--tasks", task, classification)
    tasks = args.tasks or classification
    rows, hashes = pooled_rows(args.data)
    if args.training_dataset is not None:
        seen = set(trial_hashes(args.training_dataset).values())
        shared = sorted(name for name, h in hashes.items() if h in seen)
        if shared:
            raise LmmError(f"{len(shared)} calibration trial(s) (e.g. {shared[0]}) have the same "
                           f"motion as trials in the training dataset '{args.training_dataset}'. "
                           "Calibrate on participants the model never saw, e.g. a cohort "
                           "simulated with another --seed.")
    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "format_version": 1,
        "method": "temperature + label offsets, class-balanced log-loss",
        "fitted_on": {"dataset": " + ".join(map(str, args.data)),
                      "datasets": [str(d) for d in args.data], "n_rows_available": len(rows),
                      "max_rows_per_task": args.max_rows_per_task, "seed": args.seed,
                      "trial_hashes": sorted(set(hashes.values()))},
        "variants": {},
        "report": {},
    }
    variants = [False] if args.no_grounded else [False, True]
    for grounded in variants:
        variant = "grounded" if grounded else "tokens"
        loaded = ModelManager(cpu_precision=args.cpu_precision).load(
            args.model, device=args.device, grounded=grounded, label_calibration=False,
            label_wordings=wordings)
        result["label_wordings"] = loaded.engine.label_wordings
        result["fitted_on"].update(device=loaded.device, precision=loaded.precision)
        result["variants"][variant] = {}
        result["report"][variant] = {}
        for task_id in tasks:
            # Augmented copies (crops, other capture models) are training material, not what
            # the app is asked about.
            task_rows = [r for r in rows if r["task"] == task_id and not r.get("augmented")
                         and (not grounded or r.get("grounded_prompt"))]
            if not task_rows:
                result["report"][variant][task_id] = {"adopted": False,
                                                      "why": "no rows of this task"}
                continue
            chosen = stratified_rows(task_rows, args.max_rows_per_task, args.seed)
            labels = [lab.id for lab in TASKS[task_id].labels]
            loglik, truths, groups = collect_label_scores(loaded.engine, chosen, task_id,
                                                          grounded=grounded, seed=args.seed)
            entry = calibrate_task(loglik, truths, groups, labels)
            result["report"][variant][task_id] = entry
            if entry.get("adopted"):
                result["variants"][variant][task_id] = {"temperature": entry["temperature"],
                                                        "offsets": entry["offsets"]}
            cv = entry.get("cross_validation", {})
            shown = (f"macro-F1 {cv['raw_macro_f1']:.3f} -> {cv['calibrated_macro_f1']:.3f} "
                     f"out of sample" if cv else entry.get("why", ""))
            print(f"[{time.perf_counter() - t0:7.0f} s] {variant}, {task_id}: {len(chosen)} rows, "
                  f"{shown}, {'adopted' if entry.get('adopted') else 'not adopted'}",
                  file=sys.stderr, flush=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    if args.tasks:
        _keep_other_tasks(args.model / CALIBRATION_FILE, result, tasks)
    parse_calibration(result)  # what is written must load
    with atomic_write(args.model / CALIBRATION_FILE) as fh:
        fh.write(json.dumps(result, indent=2))
    print(json.dumps({v: {t: {k: e.get(k) for k in ("adopted", "temperature", "offsets")}
                          for t, e in rep.items()} for v, rep in result["report"].items()},
                     indent=2))
    return 0
