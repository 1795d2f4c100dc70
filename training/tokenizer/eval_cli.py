"""``lmm-train tokenizer-eval``: see :func:`training.tokenizer.cli.run_eval`."""

from __future__ import annotations

from training.tokenizer.cli import add_eval_arguments as add_arguments
from training.tokenizer.cli import run_eval as run

__all__ = ["add_arguments", "run"]
