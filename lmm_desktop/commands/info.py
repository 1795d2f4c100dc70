"""``lmm-desktop info PATH [--json]``: what a trial file or session folder contains."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.trial import Trial


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="trial file (.mot .sto .trc .c3d .npz .npy) or "
                        "OpenCap session folder")
    parser.add_argument("--rate", type=float, default=None,
                        help="frame rate in Hz for files that store none (a bare .npy vector)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def trial_summary(trial: Trial) -> dict[str, Any]:
    """The ``info`` fields of one trial (a stable, documented JSON shape)."""
    kin = trial.kinematics
    out: dict[str, Any] = {
        "name": trial.name,
        "format": trial.provenance.format,
        "path": None if trial.provenance.path is None else str(trial.provenance.path),
        "n_frames": trial.n_frames,
        "rate_hz": round(float(trial.rate_hz), 6),
        "duration_s": round(trial.duration_s, 6),
        "source_coordinates": [] if trial.source is None else list(trial.source.names),
        "model": trial.provenance.model_name,
        "missing_canonical": None if kin is None else kin.missing,
        "n_markers": 0 if trial.markers is None else len(trial.markers.labels),
        "events": [e.to_dict() for e in trial.events],
        "subject": trial.subject.to_dict(),
        "simulated": trial.provenance.simulated,
        "videos": [str(v) for v in trial.provenance.video_paths],
    }
    outputs = trial.metadata.get("model_outputs")
    if outputs:
        out["model_outputs"] = outputs
    if trial.analog is not None:
        from lmm_desktop.analysis.emg import is_emg

        a = trial.analog
        out["analog_channels"] = {
            "count": len(a.labels),
            "rate_hz": a.rate_hz,
            "emg": [lab for lab, u in zip(a.labels, a.units, strict=True) if is_emg(lab, u)],
        }
    if trial.force_plates:
        out["force_plates"] = [
            {
                "number": p.number,
                "type": p.plate_type,
                "rate_hz": p.rate_hz,
                "peak_vertical_n": round(float(p.vertical.max()), 1),
                "size_m": [
                    round(float(np.linalg.norm(p.corners[0] - p.corners[1])), 3),
                    round(float(np.linalg.norm(p.corners[0] - p.corners[3])), 3),
                ],
            }
            for p in trial.force_plates
        ]
    if trial.markers is not None and (kin is None or kin.from_markers):
        out["joint_angles"] = (
            "computed from the markers when the trial is opened or analysed (pelvis, hips, "
            "knees, ankles)"
            if kin is None
            else "the file's model angles; the pelvis and missing leg angles from the markers "
            "when the trial is opened or analysed"
        )
    warnings = trial.metadata.get("warnings")
    if warnings:
        out["warnings"] = list(warnings)  # type: ignore[call-overload]
    if kin is not None and kin.notes:
        out["notes"] = list(kin.notes)
    return out


def collect(path: Path, *, rate_hz: float | None = None) -> dict[str, Any]:
    """Summary of a file, or of every trial of a session folder (key ``trials``)."""
    from lmm_desktop.io import open_session, read_trial

    if path.is_dir():
        session = open_session(path)
        trials = [trial_summary(session.read(name)) for name in session.trial_names]
        return {
            "format": "opencap-session",
            "path": str(path),
            "subject": session.subject.to_dict(),
            "model": None if session.model_path is None else str(session.model_path),
            "trials": trials,
        }
    return trial_summary(read_trial(path, rate_hz=rate_hz))


def _print_text(info: dict[str, Any]) -> None:
    if "trials" in info:
        print(f"OpenCap session: {info['path']}")
        print(f"  subject: {_fmt_subject(info['subject'])}")
        print(f"  model:   {info['model']}")
        for t in info["trials"]:
            print()
            _print_trial(t, indent="  ")
        return
    _print_trial(info, indent="")


def _fmt_subject(subject: dict[str, Any]) -> str:
    if not subject:
        return "unknown"
    return ", ".join(f"{k}={v}" for k, v in subject.items())


def _print_trial(t: dict[str, Any], indent: str) -> None:
    print(f"{indent}{t['name']}  [{t['format']}{', SIMULATED' if t.get('simulated') else ''}]")
    print(f"{indent}  frames: {t['n_frames']} at {t['rate_hz']:g} Hz ({t['duration_s']:.3f} s)")
    if t["source_coordinates"]:
        print(f"{indent}  coordinates: {len(t['source_coordinates'])} (model: {t['model']})")
    if t["missing_canonical"] is not None:
        miss = t["missing_canonical"]
        print(f"{indent}  canonical joints missing: {', '.join(miss) if miss else 'none'}")
    print(f"{indent}  markers: {t['n_markers']}")
    for group, names in (t.get("model_outputs") or {}).items():
        print(f"{indent}  model outputs ({group.lower()}): {', '.join(names)}")
    if t.get("joint_angles"):
        print(f"{indent}  joint angles: {t['joint_angles']}")
    if t.get("analog_channels"):
        ac = t["analog_channels"]
        emg = ac["emg"]
        print(
            f"{indent}  analog channels: {ac['count']} at {ac['rate_hz']:g} Hz"
            + (f" ({len(emg)} EMG: {', '.join(emg[:6])}{' ...' if len(emg) > 6 else ''})"
               if emg else "")
        )
    for fp in t.get("force_plates", []):
        w, h = fp["size_m"]
        print(
            f"{indent}  force plate {fp['number']}: type {fp['type']}, {w:.2f} x {h:.2f} m, "
            f"{fp['rate_hz']:g} Hz, peak vertical {fp['peak_vertical_n']:.0f} N"
        )
    print(f"{indent}  events: {len(t['events'])}")
    for e in t["events"][:12]:
        print(f"{indent}    {e['time_s']:8.3f} s  {e['side'] or '-':5s}  {e['label']}")
    if len(t["events"]) > 12:
        print(f"{indent}    ... {len(t['events']) - 12} more")
    print(f"{indent}  subject: {_fmt_subject(t['subject'])}")
    for w in t.get("warnings", []):
        print(f"{indent}  warning: {w}")


def run(args: argparse.Namespace) -> int:
    info = collect(args.path, rate_hz=args.rate)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        _print_text(info)
    return 0
