"""``lmm-desktop ask PATH "QUESTION" [--json] [--model DIR]``: one answer from the local model,
streamed to the terminal (or as JSON with probabilities, measurement and flags)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lmm_desktop.assistant.manager import CPU_PRECISIONS

    parser.add_argument("path", type=Path, help="trial file or OpenCap session folder")
    parser.add_argument("question", help="the question, in your words")
    parser.add_argument("--trial", help="trial name inside a session folder (default: first)")
    parser.add_argument("--model", type=Path, default=None,
                        help="model artifact folder (default: the bundled model)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument("--precision", default="int8-head",
                        choices=CPU_PRECISIONS,
                        help="weights on the CPU (default int8-head: float32 with an int8 output "
                             "head, ~1.5x faster generation)")
    parser.add_argument("--grounded", action="store_true",
                        help="give the model the measured metrics in the prompt")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.analysis.marker_angles import with_marker_kinematics
    from lmm_desktop.assistant.manager import ModelManager
    from lmm_desktop.assistant.tasks import show_value
    from lmm_desktop.io import read_trial

    # a marker-only trial: its lower-body angles from the markers, as the app does
    trial = with_marker_kinematics(read_trial(args.path, trial=args.trial))
    loaded = ModelManager(cpu_precision=args.precision).load(args.model, device=args.device,
                                                             grounded=args.grounded)
    stream = None if args.json else (lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))
    ans = loaded.engine.ask(trial, args.question, on_token=stream)
    if args.json:
        print(json.dumps({**ans.to_dict(), "model": loaded.status()}))
        return 0
    print()
    if ans.probabilities:
        ranked = ", ".join(f"{k} {v:.0%}" for k, v in ans.differential[:4])
        notes = [f"over {ans.wordings} wordings of the question"] if ans.wordings > 1 else []
        notes += ["calibrated for equally likely answers"] if ans.calibrated else []
        print(f"  probabilities{' (' + ', '.join(notes) + ')' if notes else ''}: {ranked}")
    if ans.value is not None:
        lo, hi = ans.interval or (ans.value, ans.value)
        over = f", over {ans.wordings} wordings of the question" if ans.wordings > 1 else ""
        how = (f" (average over the values the model considered{over})" if ans.interval
               else "")
        print(f"  estimate{how}: {show_value(ans.task, ans.value, ans.unit)} (80% interval "
              f"{show_value(ans.task, lo, None)}-{show_value(ans.task, hi, ans.unit)})")
    if ans.measured is not None:
        print(f"  measured by the analysis: {show_value(ans.task, ans.measured, ans.unit)}")
    if ans.flags:
        print(f"  flags: {', '.join(ans.flags)}")
    print(f"  AI estimate, not a diagnosis. {loaded.status()}; {ans.latency_s:.2f} s")
    return 0
