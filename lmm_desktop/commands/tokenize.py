"""``lmm-desktop tokenize PATH [--json] [--tokenizer DIR]``: the motion codes of a trial, their
rate, and how well they reconstruct it (RMSE in degrees)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmm_desktop.core.errors import LmmError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="trial file or OpenCap session folder")
    parser.add_argument("--trial", help="trial name inside a session folder (default: first)")
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="tokenizer artifact folder (default: the bundled one)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.analysis.marker_angles import with_marker_kinematics
    from lmm_desktop.io import read_trial
    from lmm_desktop.motion.tokenizer import MotionTokenizer

    trial = with_marker_kinematics(read_trial(args.path, trial=args.trial))
    if trial.kinematics is None:
        raise LmmError(f"Cannot tokenize '{args.path}': it holds marker trajectories only, and no "
                       "pelvis (left and right ASIS and PSIS) and leg markers under a known name "
                       "to compute joint angles from; motion tokens are made from joint angles.")
    tok = MotionTokenizer.load(args.tokenizer)
    res = tok.tokenize(trial.kinematics, trial.time)
    out = {"trial": trial.name, "n_frames": trial.n_frames, "rate_hz": trial.rate_hz,
           **res.to_dict(), "codebook_size": tok.config.codebook_size,
           "missing_joints": trial.kinematics.missing}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{trial.name}: {out['n_tokens']} motion tokens at {res.token_rate_hz:g} tokens/s")
    print(f"reconstruction RMSE: {res.rmse_deg:.2f} deg (mean over "
          f"{len(res.rmse_per_joint)} measured joints)")
    worst = sorted(res.rmse_per_joint.items(), key=lambda kv: -kv[1])[:5]
    print("largest errors: " + ", ".join(f"{k} {v:.1f} deg" for k, v in worst))
    print("codes: " + " ".join(str(c) for c in res.codes[:64]) +
          (" ..." if res.codes.size > 64 else ""))
    return 0
