"""``lmm-train``: build the training data and models of the motion-language assistant.

Each subcommand is a module exposing ``add_arguments(parser)`` and ``run(args) -> int``, listed in
:data:`COMMANDS`; only the module of the subcommand used is imported (keeps ``--help`` fast and
torch out of the simulator). Add a subcommand by adding one entry. User errors (:class:`LmmError`,
invalid values) print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from lmm_desktop.core.errors import LmmError

#: subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": (
        "training.simulate.command",
        "simulate a cohort of participants and their clinical trials (SIMULATED data)",
    ),
    "demo": (
        "training.simulate.demo",
        "write the small set of simulated demo trials shipped in resources/demo",
    ),
    "tokenizer": (
        "training.tokenizer.cli",
        "train the motion tokenizer (VQ-VAE) on a labelled trial folder",
    ),
    "tokenizer-eval": (
        "training.tokenizer.eval_cli",
        "evaluate a motion tokenizer (RMSE per joint, codebook usage, perplexity)",
    ),
    "dataset": (
        "training.dataset.cli",
        "tokenize trials and build the question/answer dataset",
    ),
    "eval": (
        "training.eval.cli",
        "evaluate a model: per-task F1 / Pearson r vs XGBoost and chance",
    ),
    "calibrate": (
        "training.eval.calibrate_cli",
        "fit a model's label calibration on held-out participants (calibration.json)",
    ),
    "sft": (
        "training.sft.cli",
        "fine-tune the language model with (Q)LoRA on a dataset",
    ),
}

EXIT_OK = 0
EXIT_USER_ERROR = 2


def _available() -> dict[str, tuple[str, str]]:
    return {
        name: spec
        for name, spec in COMMANDS.items()
        if importlib.util.find_spec(spec[0]) is not None
    }


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only ``command``'s module is imported."""
    parser = argparse.ArgumentParser(
        prog="lmm-train",
        description="Build training data (simulated cohorts), tokenizers and adapters for the "
        "LMM Desktop motion-language assistant.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in _available().items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.add_arguments(sp)
            sp.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lmm-train`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(first if first in _available() else None)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args._module.run(args))
    except (LmmError, ValueError) as exc:
        print(f"lmm-train {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"lmm-train {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
