"""Shipped training configuration files (each one is loaded by a test)."""

from __future__ import annotations

from pathlib import Path

from training.tokenizer.train import TokenizerTrainConfig

CONFIG_DIR = Path(__file__).resolve().parent


def load_shipped(name: str) -> TokenizerTrainConfig:
    """A shipped tokenizer training config by name (``tokenizer_default``)."""
    return TokenizerTrainConfig.from_file(CONFIG_DIR / f"{name}.yaml")
