"""``lmm-train sft``: LoRA/QLoRA fine-tuning of the base model on a motion question/answer dataset.

``training/cli.py`` wires this module as a subcommand through :func:`add_arguments` and
:func:`run`. Every :class:`SFTConfig` field is a flag; a ``--config`` JSON/YAML file sets defaults
that flags override.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import MISSING, fields
from pathlib import Path

from lmm_desktop.core.errors import InvalidValueError
from training.sft.config import SFTConfig

_HELP = {f.name: f.name.replace("_", " ") for f in fields(SFTConfig)}


def _field_docs() -> dict[str, str]:
    """Field docstrings of SFTConfig (the string under each field) for the flag help."""
    import ast
    import inspect

    import training.sft.config as mod

    tree = ast.parse(inspect.getsource(mod))
    docs: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "SFTConfig":
            body = node.body
            for a, b in itertools.pairwise(body):
                if (
                    isinstance(a, ast.AnnAssign)
                    and isinstance(a.target, ast.Name)
                    and isinstance(b, ast.Expr)
                    and isinstance(b.value, ast.Constant)
                ):
                    docs[a.target.id] = " ".join(str(b.value.value).split())
    return docs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``sft`` flags to ``parser``."""
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        help="dataset folder of *.jsonl rows (from 'lmm-train dataset')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder: checkpoints/, model/ (the artifact), summary",
    )
    parser.add_argument(
        "--base",
        default=None,
        help="local base model folder or .gguf (default: bundled Gemma 3 270M)",
    )
    parser.add_argument(
        "--base-tokenizer",
        type=Path,
        default=None,
        help="with a .gguf base: folder whose tokenizer.json replaces the one rebuilt from the "
        "GGUF (transformers 5.17 rebuilds Gemma 3's without merges)",
    )
    parser.add_argument("--config", type=Path, default=None, help="JSON or YAML settings file")
    parser.add_argument(
        "--tokenizer-artifact",
        type=Path,
        default=None,
        help="motion tokenizer folder to record in the model artifact",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from the latest checkpoint in OUT/checkpoints",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    docs = _field_docs()
    for f in fields(SFTConfig):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        # argparse %-formats help strings: a literal "%" in a docstring must be doubled
        text = docs.get(f.name, _HELP[f.name]).replace("%", "%%")
        help_ = f"{text} (default: {default})"
        if f.type in ("bool", bool):
            parser.add_argument(
                flag, dest=f.name, default=None, action=argparse.BooleanOptionalAction, help=help_
            )
        elif f.name in ("target_modules", "tasks", "oversample"):
            parser.add_argument(flag, dest=f.name, default=None, nargs="+", help=help_)
        else:
            kind = {"int": int, "float": float}.get(str(f.type), str)
            parser.add_argument(flag, dest=f.name, type=kind, default=None, help=help_)


def run(args: argparse.Namespace) -> int:
    """Build the settings, train, print the summary's headline numbers; 0 on success."""
    from training.sft.train import train_sft

    overrides = {f.name: getattr(args, f.name, None) for f in fields(SFTConfig)}
    try:
        if args.config is not None:
            cfg = SFTConfig.from_file(args.config, **overrides)
        else:
            cfg = SFTConfig(**{k: v for k, v in overrides.items() if v is not None})
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(str(exc)) from exc
    summary = train_sft(
        args.data,
        args.out,
        cfg,
        base=args.base,
        resume=args.resume,
        tokenizer_artifact=args.tokenizer_artifact,
        progress=not args.no_progress,
        base_tokenizer=args.base_tokenizer,
    )
    keys = (
        "artifact",
        "steps",
        "train_rows",
        "tokens",
        "tokens_per_s",
        "train_seconds",
        "final_loss",
        "device",
        "quantize",
    )
    print(json.dumps({k: summary.get(k) for k in keys}, indent=2))
    return 0
