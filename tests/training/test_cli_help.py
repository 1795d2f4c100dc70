"""Every ``lmm-train`` command prints readable help (argparse %-formats help strings)."""

from __future__ import annotations

import pytest

from training.cli import _available, build_parser


@pytest.mark.parametrize("command", sorted(_available()))
def test_every_command_help_is_readable(command: str) -> None:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command")
    text = sub.choices[command].format_help()  # type: ignore[attr-defined]
    assert "option_strings" not in text  # a stray "%" swallows argparse's own parameters
    assert "usage:" in text


def test_sft_help_keeps_a_percent_sign() -> None:
    parser = build_parser("sft")
    sub = next(a for a in parser._actions if a.dest == "command")
    text = " ".join(sub.choices["sft"].format_help().split())  # type: ignore[attr-defined]
    assert "~30% slower" in text
