"""``lmm-train tokenizer`` (train) and ``lmm-train tokenizer-eval`` (evaluate) subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True,
                        help="folder with trial files and labels.csv (e.g. from `simulate`)")
    parser.add_argument("--out", type=Path, required=True, help="tokenizer artifact folder")
    parser.add_argument("--config", type=Path, default=None,
                        help="JSON/YAML file with TokenizerTrainConfig fields (and `model`)")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=None, help="windows per step")
    parser.add_argument("--lr", type=float, default=None, help="learning rate")
    parser.add_argument("--device", default=None, help="cpu (default), cuda or cuda:N")
    parser.add_argument("--seed", type=int, default=None, help="seed of split and training")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from training.tokenizer.train import TokenizerTrainConfig, train_tokenizer

    overrides = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
                 "device": args.device, "seed": args.seed}
    if args.config is not None:
        if not args.config.is_file():
            raise LmmError(f"Config file '{args.config}' does not exist.")
        cfg = TokenizerTrainConfig.from_file(args.config, **overrides)
    else:
        cfg = TokenizerTrainConfig(**{k: v for k, v in overrides.items() if v is not None})
    if not args.data.is_dir():
        raise LmmError(f"Data folder '{args.data}' does not exist.")
    ev = train_tokenizer(args.data, args.out, cfg, resume=args.resume, progress=not args.quiet)
    print(json.dumps({k: ev[k] for k in ("rmse_deg_mean_over_joints", "codebook_usage",
                                         "perplexity", "val_participants", "train_seconds")}))
    return 0


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokenizer", type=Path, required=True, help="tokenizer artifact folder")
    parser.add_argument("--data", type=Path, default=None,
                        help="labelled data folder; evaluates the held-out participants of the "
                        "tokenizer's split.json")
    parser.add_argument("--files", type=Path, nargs="*", default=[],
                        help="trial files to evaluate one by one (e.g. real OpenCap trials)")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")


def run_eval(args: argparse.Namespace) -> int:
    from lmm_desktop.motion.tokenizer import MotionTokenizer
    from training.tokenizer.data import load_split
    from training.tokenizer.evaluate import evaluate_on_files, evaluate_tokenizer
    from training.tokenizer.train import write_json

    tok = MotionTokenizer.load(args.tokenizer)
    result: dict[str, object] = {}
    if args.data is not None:
        split = args.tokenizer / "split.json"
        val = set(load_split(split)[1]) if split.is_file() else None
        result["held_out"] = evaluate_tokenizer(tok, args.data, val)
    if args.files:
        result["files"] = evaluate_on_files(tok, list(args.files))
    if not result:
        raise LmmError("Nothing to evaluate: give --data and/or --files.")
    print(json.dumps(result, indent=2))
    if args.out is not None:
        write_json(args.out, result)
    return 0
