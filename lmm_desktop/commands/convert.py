"""``lmm-desktop convert PATH -o OUT``: write canonical kinematics as .mot, .csv or .npz."""

from __future__ import annotations

import argparse
from pathlib import Path

from lmm_desktop.core.errors import TrialWriteError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="trial file or OpenCap session folder")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file: .mot (OpenSim), .csv, .npz (41-element BiomechGPT "
                        "vector) or .c3d (markers, angles, events, force plates, analog); "
                        "optional with --grf")
    parser.add_argument("--trial", help="trial name inside a session folder (default: first)")
    parser.add_argument("--rate", type=float, default=None,
                        help="frame rate in Hz for files that store none (a bare .npy vector)")
    parser.add_argument("--grf", type=Path, default=None, metavar="GRF.mot",
                        help="also write the force plates' ground reactions per foot as an "
                        "OpenSim external-loads .mot (a .c3d with force plates)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.io import WRITE_SUFFIXES, read_trial, write_trial

    out: Path | None = args.output
    grf: Path | None = args.grf
    if out is None and grf is None:
        raise TrialWriteError("Nothing to write: give -o OUT (kinematics) and/or --grf GRF.mot.")
    if grf is not None:
        _check_grf_name(grf, out, Path(args.path), args.force)
    if out is None:
        assert grf is not None
        trial = read_trial(args.path, trial=args.trial, rate_hz=args.rate)
        _require_plates(trial, grf, args.path)
        _write_grf(trial, grf)
        return 0
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
    if grf is not None:
        _require_plates(trial, grf, args.path)
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
    if grf is not None:
        _write_grf(trial, grf)
    return 0


def _check_grf_name(grf: Path, out: Path | None, source: Path, force: bool) -> None:
    if grf.suffix.lower() != ".mot":
        raise TrialWriteError(f"Cannot write '{grf}': the ground reactions go to a .mot file.")
    if grf.exists() and not force:
        raise TrialWriteError(f"'{grf}' already exists; pass --force to overwrite it.")
    taken = [source.resolve()] + ([] if out is None else [out.resolve()])
    if grf.resolve() in taken:
        raise TrialWriteError(
            f"'{grf}' is the input or the kinematics output; choose another name."
        )


def _require_plates(trial: object, grf: Path, source: object) -> None:
    if not getattr(trial, "force_plates", None):
        raise TrialWriteError(
            f"Cannot write '{grf}': '{source}' has no force plates (only a .c3d file with a "
            "FORCE_PLATFORM group has them)."
        )


def _write_grf(trial: object, path: Path) -> None:
    from lmm_desktop.analysis.markers import lab_rotation
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.core.trial import Trial
    from lmm_desktop.io.grf_mot import write_grf_mot

    assert isinstance(trial, Trial)
    fp = analyze(trial).force_plates
    contacts = [] if fp is None else [(c.plate, c.start_s, c.end_s, c.side) for c in fp.contacts]
    written, unmatched = write_grf_mot(trial, path, contacts, lab_rotation(trial.markers))
    plates = trial.force_plates
    note = f"; {unmatched} contact(s) with no foot left out" if unmatched else ""
    print(
        f"wrote {written} ({plates[0].n_samples} samples at {plates[0].rate_hz:g} Hz, "
        f"{len(contacts) - unmatched} foot contact(s) from {len(plates)} plate(s){note})"
    )
