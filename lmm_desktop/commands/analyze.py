"""``lmm-desktop analyze PATH [--json] [--trial NAME]``: gait events, spatiotemporal parameters,
Gait Profile Score, clinical tests and data-quality flags of one trial, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lmm_desktop.analysis.clinical_norms import POPULATION_NOTE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        type=Path,
        help="trial file (.mot .sto .trc .c3d .npz .npy) or OpenCap session folder",
    )
    parser.add_argument(
        "--trial",
        metavar="NAME",
        default=None,
        help="trial of a session folder (default: the first)",
    )
    parser.add_argument(
        "--age",
        type=float,
        metavar="YEARS",
        default=None,
        help="the person's age (the timed tests' age norms; default: the trial's metadata)",
    )
    add_mass_argument(parser)
    add_sex_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def add_sex_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sex",
        choices=("female", "male", "other"),
        default=None,
        help="the person's sex (with the age, the 30-second chair stand's norm; default: the "
        "trial's metadata or the records)",
    )


def add_mass_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mass",
        type=float,
        metavar="KG",
        default=None,
        help="body mass (force-plate figures in body weights; default: the trial's metadata)",
    )


def check_mass(mass: float | None) -> None:
    """Refuse an absurd body mass with the fix."""
    if mass is not None and not 10 <= mass <= 400:
        from lmm_desktop.core.errors import InvalidValueError

        raise InvalidValueError(
            f"Invalid value for '--mass': {mass:g} kg; give the body mass in kilograms (10-400)."
        )


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    if args.age is not None and not 0 < args.age <= 120:
        from lmm_desktop.core.errors import InvalidValueError

        raise InvalidValueError(
            f"Invalid value for '--age': {args.age:g} years; give the age in years (1-120)."
        )
    check_mass(args.mass)
    trial = read_trial(args.path, trial=args.trial)
    if args.age is not None:
        trial.subject.age_years = float(args.age)
    if args.mass is not None:
        trial.subject.mass_kg = float(args.mass)
    if args.sex is not None:
        trial.subject.sex = args.sex
    result = analyze(trial).to_dict()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_text(result))
    return 0


def _num(v: Any, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _entry(e: dict[str, Any]) -> str:
    if e.get("value") is None:
        return "-"
    sd = "" if e.get("sd") is None else f" ± {e['sd']:.3g}"
    status = e.get("normative_status")
    return f"{e['value']:.3g}{sd}" + (f" ({status})" if status else "")


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [
        "  " + fmt.format(*header).rstrip(),
        "  " + "  ".join("-" * w for w in widths),
        *("  " + fmt.format(*r).rstrip() for r in rows),
    ]


_ST_ROWS = (
    ("speed_m_s", "walking speed (m/s)"),
    ("cadence_steps_min", "cadence (steps/min)"),
    ("stride_time_s", "stride time (s)"),
    ("step_length_m", "step length (m)"),
    ("stride_length_m", "stride length (m)"),
    ("stance_pct", "stance (% cycle)"),
    ("double_support_pct", "double support (% cycle)"),
    ("step_width_m", "step width (m)"),
    ("stride_time_cv_pct", "stride time variability (% CV)"),
    ("arm_swing_deg", "arm swing (deg)"),
    ("arm_swing_asymmetry_pct", "arm swing asymmetry (%)"),
)


def _spatiotemporal(st: dict[str, Any]) -> list[str]:
    rows = []
    for key, label in _ST_ROWS:
        e = st.get(key)
        if not isinstance(e, dict):
            continue
        if "left" in e:
            rows.append([label, "", _entry(e["left"]), _entry(e["right"])])
        else:
            rows.append([label, _entry(e), "", ""])
    return _table(rows, ["parameter", "both sides", "left", "right"])


def _force_plates(fp: dict[str, Any]) -> list[str]:
    """The force-plate section: contacts, stance figures per side, event timing check."""
    bw = fp.get("body_weight_n")
    unit = "BW" if bw else "N"
    out = [f"Force plates ({len(fp['contacts'])} contact(s); forces in {unit})"]
    rows = [
        [str(c["plate"]), c["side"] or "-", f"{c['start_s']:.3f}-{c['end_s']:.3f}",
         "yes" if c["clean"] else "no", c.get("reason") or ""]
        for c in fp["contacts"]
    ]
    out += _table(rows, ["plate", "foot", "contact (s)", "clean", "why not"])
    table = [
        [f"{r['label']} ({r['unit']})", *(_num(r[s], r["decimals"]) for s in ("left", "right"))]
        for r in fp.get("stance_table") or []
    ]
    if table:
        out.append("")
        out += _table(table, ["stance (clean contacts)", "left", "right"])
    from lmm_desktop.analysis.force_plates import describe_agreement

    out += [f"  {line}" for line in describe_agreement(fp.get("agreement") or {})]
    out += [f"  {n}" for n in fp.get("notes", [])]
    return out


def _active(periods: list[list[int]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in periods) or "-"


def _emg(e: dict[str, Any]) -> list[str]:
    """The EMG channels: side, muscle, envelope peak, cycles and what the checks found."""
    chans = e.get("channels") or []
    out = [f"EMG ({len(chans)} channel(s))"]
    rows = [
        [c["label"], c["side"] or "-", c["muscle"] or "-", f"{c['peak_uv']:.0f}",
         str(c["n_cycles"]), _active(c.get("active_pct") or []), ", ".join(c["problems"]) or "ok"]
        for c in chans
    ]
    out += _table(rows, ["channel", "side", "muscle", "envelope peak (uV)", "cycles",
                         "active (% cycle)", "checks"])
    out += [f"  {n}" for n in e.get("notes", [])]
    return out


def _kinetics(k: dict[str, Any]) -> list[str]:
    """Sagittal joint moment and power peaks per side against the normal mean's, or why there
    are none."""
    out = ["Joint kinetics (sagittal, over the gait cycles that start on a plate)"]
    rows = k.get("peaks") or []
    if not rows:
        return [*out, f"  not computed: {k.get('reason')}"]
    table = [
        [f"{r['label']} ({r['unit']})", _num(r["left"], 2), _num(r["right"], 2),
         f"{r['normal']:.2f}"]
        for r in rows
    ]
    out += _table(table, ["peak", "left", "right", f"normal mean ({k.get('speed_group')})"])
    out += [f"  {n}" for n in k.get("notes", [])]
    return out


def _squats(q: dict[str, Any]) -> list[str]:
    """The squat series: repetitions, means over them per side, symmetry and findings."""
    from lmm_desktop.analysis.squats import format_value, squat_rows

    out = [f"{q.get('title', 'Squats')} ({q['repetitions']} repetitions in "
           f"{q['duration_s']:.2f} s)"]
    table = []
    for r in squat_rows(q):
        label = f"{r['label']} ({r['unit']})" if r["unit"] else r["label"]
        if "value" in r:
            table.append([label, format_value(r["value"], r["decimals"]), "", "", ""])
        else:
            sym = r.get("symmetry_pct")
            table.append([label, "", format_value(r["left"], r["decimals"]),
                          format_value(r["right"], r["decimals"]),
                          "-" if sym is None else f"{sym:.0f} %"])
    out += _table(table, ["measure (mean over repetitions)", "both", "left", "right",
                          "symmetry"])
    reps = [
        [str(r["index"]), f"{r['start_s']:.2f}-{r['end_s']:.2f}", f"{r['bottom_s']:.2f}",
         _num(r["measures"].get("depth_cm"), 1),
         _num(r["measures"].get("knee_flexion_deg_l"), 0),
         _num(r["measures"].get("knee_flexion_deg_r"), 0)]
        for r in q["reps"]
    ]
    out += _table(reps, ["rep", "time (s)", "bottom (s)", "depth (cm)", "knee L (deg)",
                         "knee R (deg)"])
    out += [f"  finding: {f['message']} [{f['rule']}]" for f in q.get("findings", [])]
    if q.get("stance", "both") != "both":
        out.append("  one foot held off the floor: the stance leg's measures only; compare "
                   "with the other leg's trial for symmetry")
    elif not q.get("findings"):
        out.append("  no findings (symmetry, weight shift, knee alignment, depth consistency)")
    return out


def format_text(d: dict[str, Any]) -> str:
    """Human-readable report of an :meth:`AnalysisResult.to_dict` dictionary."""
    t = d["trial"]
    out = [
        f"Trial {t['name']}: {t['n_frames']} frames at {t['rate_hz']:g} Hz "
        f"({t['duration_s']:.2f} s); body points: {t['points_source']}",
        "",
    ]
    used = d["events_source"]
    out.append(f"Gait events ({len(d['events'])}; analysis uses: {used or 'none'})")
    if d["events"]:
        out += _table(
            [[_num(e["time_s"]), e["side"] or "-", e["label"], e["source"]] for e in d["events"]],
            ["time (s)", "side", "event", "source"],
        )
    out.append("")
    out.append("Spatiotemporal parameters")
    st = d["spatiotemporal"]
    out += _spatiotemporal(st) if st else [f"  not computed: {d['reasons'].get('spatiotemporal')}"]
    gps = d["gait_profile_score"]
    out.append("")
    if isinstance(gps, dict) and gps.get("gps_overall") is not None:
        sides = ", ".join(f"{s} {_num(v, 2)}" for s, v in gps.get("gps", {}).items())
        out.append(
            f"Gait Profile Score: {gps['gps_overall']:.2f} deg ({sides}; reference speed "
            f"group {gps.get('speed_group')})"
        )
    else:
        out.append(f"Gait Profile Score: - ({d['reasons'].get('gait_profile_score')})")
    out += ["", "Clinical tests"]
    if d["clinical_tests"]:
        rows = []
        for c in d["clinical_tests"]:
            dur = "-" if c["duration_s"] is None else f"{c['duration_s']:.2f} s"
            dur += " (edited)" if c["overridden"] else ""
            if c["test"] == "thirty_second_chair_stand":
                at_least = ">= " if (c.get("measures") or {}).get("censored") else ""
                dur = f"{at_least}{c['repetitions']} stands in {_num(c['duration_s'], 1)} s"
            phases = ", ".join(
                f"{p['name']} {p['start_s']:.2f}-{p['end_s']:.2f}" for p in c["phases"][:4]
            )
            more = f" +{len(c['phases']) - 4} more" if len(c["phases"]) > 4 else ""
            ref = c.get("reference") or {}
            vs = f"{ref['status']} ({ref['cutoff_text']})" if ref else "-"
            rows.append([c["test"], dur, vs, (phases + more) or (c["reason"] or "")])
        out += _table(rows, ["test", "result", "fall-risk cut-off", "phases (s)"])
        from lmm_desktop.analysis.clinical_tests import TestResult, components_text

        for c in d["clinical_tests"]:
            parts = components_text(TestResult(c["test"], c["duration_s"], [], "",
                                               measures=c.get("measures") or {}))
            if parts:
                out.append(f"  {c['test']}: {parts}")
        refs = [c["reference"] for c in d["clinical_tests"] if c.get("reference")]
        for ref in refs:
            out.append(f"  {ref['summary']} Source: {'; '.join(ref['sources'])}.")
        if refs:
            out.append(f"  {POPULATION_NOTE}")
    else:
        out.append("  none detected")
    if d.get("squats"):
        out += ["", *_squats(d["squats"])]
    if d.get("force_plates"):
        out += ["", *_force_plates(d["force_plates"])]
    if d.get("kinetics"):
        out += ["", *_kinetics(d["kinetics"])]
    if d.get("emg"):
        out += ["", *_emg(d["emg"])]
    out += ["", f"Data quality ({len(d['quality'])} flag(s))"]
    out += [f"  [{q['severity']}] {q['kind']}: {q['message']}" for q in d["quality"]] or [
        "  no problems found"
    ]
    skipped = {k: v for k, v in d["reasons"].items() if k.startswith("clinical_tests.")}
    if skipped:
        out += ["", "Tests not applicable"]
        out += [f"  {k.split('.', 1)[1]}: {v}" for k, v in skipped.items()]
    return "\n".join(out)
