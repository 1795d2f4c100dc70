"""``lmm-train simulate``: simulate a cohort and write its trials, labels and events."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.simulate.runner import SimulationConfig, simulate_cohort


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--participants",
        type=int,
        required=True,
        help="number of simulated participants (about 12 trials each)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cohort (default 0)")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="sample rate of the kinematics in Hz (default 100)",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
    parser.add_argument(
        "--unimpaired-share",
        type=float,
        default=None,
        metavar="F",
        help="share of unimpaired participants, 0-1 (default: the cohort's 0.48); lower gives "
        "more diagnoses, devices and fall histories, e.g. for a calibration cohort",
    )


def run(args: argparse.Namespace) -> int:
    cfg = SimulationConfig(
        participants=args.participants,
        out=args.out,
        seed=args.seed,
        rate_hz=args.rate,
        workers=args.workers,
        unimpaired_share=args.unimpaired_share,
    )
    summary = simulate_cohort(cfg)
    print(json.dumps({k: round(v, 3) for k, v in summary.items()}))
    return 0
