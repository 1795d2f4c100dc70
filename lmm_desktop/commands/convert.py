"""``lmm-desktop convert PATH -o OUT``: write canonical kinematics as .mot, .csv or .npz."""

from __future__ import annotations

import argparse
from pathlib import Path

from lmm_desktop.core.errors import TrialWriteError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="trial file or OpenCap session folder")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="output file: .mot (OpenSim), .csv, or .npz (41-element BiomechGPT "
                        "vector)")
    parser.add_argument("--trial", help="trial name inside a session folder (default: first)")
    parser.add_argument("--rate", type=float, default=None,
                        help="frame rate in Hz for files that store none (a bare .npy vector)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.io import WRITE_SUFFIXES, read_trial, write_trial

    out: Path = args.output
    if out.suffix.lower() not in WRITE_SUFFIXES:
        raise TrialWriteError(
            f"Cannot write '{out}': the output type '{out.suffix or '(none)'}' is not supported; "
            f"use one of {', '.join(WRITE_SUFFIXES)}."
        )
    if out.exists() and not args.force:
        raise TrialWriteError(f"'{out}' already exists; pass --force to overwrite it.")
    if out.resolve() == Path(args.path).resolve():
        raise TrialWriteError(f"'{out}' is the input file; choose another output name.")
    trial = read_trial(args.path, trial=args.trial, rate_hz=args.rate)
    note = ""
    if trial.kinematics is not None and trial.kinematics.from_markers:  # a .c3d's model angles
        from lmm_desktop.analysis.marker_angles import with_marker_kinematics

        with_marker_kinematics(trial)  # their pelvis and missing legs from the markers
        note = f"; {trial.kinematics.notes[0]}" if trial.kinematics.notes else ""
    if trial.kinematics is None:
        from lmm_desktop.analysis.marker_angles import NOTE, with_marker_kinematics

        with_marker_kinematics(trial)
        if trial.kinematics is None:
            raise TrialWriteError(
                f"Cannot convert '{args.path}': it holds marker trajectories only, and no "
                "pelvis (left and right ASIS and PSIS) and leg markers were found under a known "
                "name to compute joint angles from. Run inverse kinematics with an OpenSim "
                "model of the marker set first."
            )
        note = f"; {NOTE}"
    written = write_trial(trial, out)
    print(f"wrote {written} ({trial.n_frames} frames, {trial.rate_hz:g} Hz{note})")
    return 0
