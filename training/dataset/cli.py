"""``lmm-train dataset --data DIR --tokenizer TOK --out DS``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="labelled trial folder")
    parser.add_argument("--tokenizer", type=Path, required=True, help="tokenizer artifact folder")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of paraphrases and order")
    parser.add_argument("--questions-per-task", type=int, default=1,
                        help="paraphrases drawn per trial and task")
    parser.add_argument("--max-tokens", type=int, default=900,
                        help="longest motion segment in a prompt")
    parser.add_argument("--grounded-fraction", type=float, default=0.5,
                        help="fraction of training prompts that carry the measured metrics")
    parser.add_argument("--measured", type=Path, default=None,
                        help="JSON of analysis measurements per trial file (from an earlier "
                        "build's measured.json) instead of re-running the analysis")
    parser.add_argument("--no-measure", action="store_true",
                        help="skip running the analysis (no grounded prompts)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from training.dataset.build import DatasetConfig, build_dataset

    for p, what in ((args.data, "Data folder"), (args.tokenizer, "Tokenizer folder")):
        if not p.is_dir():
            raise LmmError(f"{what} '{p}' does not exist.")
    cfg = DatasetConfig(seed=args.seed, questions_per_task=args.questions_per_task,
                        max_tokens=args.max_tokens, grounded_fraction=args.grounded_fraction,
                        measure=not args.no_measure)
    measured = json.loads(args.measured.read_text()) if args.measured is not None else None
    manifest = build_dataset(args.data, args.tokenizer, args.out, cfg, progress=not args.quiet,
                             measured=measured)
    print(json.dumps({"n_pairs": manifest["n_pairs"], "n_trials": manifest["n_trials"],
                      "per_task": manifest["per_task"]}, indent=2))
    return 0
