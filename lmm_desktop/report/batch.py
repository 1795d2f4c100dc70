"""Many trials, one table: every trial of some files and folders analysed, one row each.

For a lab's study: the key measures of each trial side by side for a spreadsheet or a
statistics package (:data:`COLUMNS`, fixed order, empty where a measure does not apply). A
trial that cannot be read or analysed keeps its row with the reason in ``error``, so the table
still says what was tried. Folders are searched recursively for trial files; an OpenCap session
folder (with ``sessionMetadata.yaml`` or ``OpenSimData``) counts as its trials.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import LmmError
from lmm_desktop.io.sessions import TrialRef, is_opencap_session, session_trials

#: (column, unit or '') in the order written
COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", ""), ("trial", ""), ("error", ""),
    ("frames", ""), ("rate_hz", "Hz"), ("duration_s", "s"), ("simulated", ""),
    ("events_source", ""), ("n_strides", ""),
    ("speed_m_s", "m/s"), ("cadence_steps_min", "steps/min"), ("stride_time_s", "s"),
    ("step_length_left_m", "m"), ("step_length_right_m", "m"),
    ("stride_length_left_m", "m"), ("stride_length_right_m", "m"), ("step_width_m", "m"),
    ("stance_left_pct", "%"), ("stance_right_pct", "%"), ("double_support_pct", "%"),
    ("step_length_symmetry_pct", "%"), ("stride_time_cv_pct", "%"),
    ("arm_swing_left_deg", "deg"), ("arm_swing_right_deg", "deg"),
    ("arm_swing_asymmetry_pct", "%"),
    ("gps_deg", "deg"), ("gps_left_deg", "deg"), ("gps_right_deg", "deg"),
    ("tug_s", "s"), ("fsst_s", "s"), ("sts5_s", "s"), ("chair_stand_30s_stands", ""),
    ("one_leg_stance_s", "s"), ("tandem_stance_s", "s"), ("functional_reach_cm", "cm"),
    ("arm_curl_30s_curls", ""), ("step_test_2min_steps", ""),
    ("walking_test_speed_m_s", "m/s"), ("walk_4m_s", "s"), ("sts_power_w_kg", "W/kg"),
    ("sway_ellipse95_cm2", "cm2"), ("sway_path_velocity_mm_s", "mm/s"),
    ("jumps", ""), ("jump_height_flight_cm", "cm"), ("jump_height_pelvis_cm", "cm"),
    ("jump_landing_symmetry_pct", "%"), ("jump_rsi", ""), ("jump_contact_s", "s"),
    ("squat_reps", ""), ("squat_depth_cm", "cm"), ("squat_knee_flexion_left_deg", "deg"),
    ("squat_knee_flexion_right_deg", "deg"), ("squat_knee_symmetry_pct", "%"),
    ("quality_warnings", ""), ("quality_kinds", ""),
)

_TESTS = {"timed_up_and_go": "tug_s", "four_square_step_test": "fsst_s",
          "five_times_sit_to_stand": "sts5_s", "one_leg_stance": "one_leg_stance_s",
          "four_stage_balance": "tandem_stance_s"}


def find_trials(paths: list[Path]) -> tuple[list[TrialRef], list[str]]:
    """The trials under ``paths`` (files, folders searched recursively, session folders) and a
    note for each path that gave none."""
    from lmm_desktop.io import READ_SUFFIXES

    out: list[TrialRef] = []
    notes: list[str] = []

    def session(folder: Path) -> None:
        try:
            out.extend(session_trials(folder))
        except LmmError as exc:
            out.append(TrialRef(folder))  # its row says why
            notes.append(f"{folder}: {exc}")

    def walk(folder: Path) -> Iterator[Path]:
        for p in sorted(folder.iterdir()):
            if p.name.startswith("."):
                continue
            yield p

    def visit(folder: Path) -> None:
        if is_opencap_session(folder):
            session(folder)
            return
        for p in walk(folder):
            if p.is_dir():
                visit(p)
            elif p.suffix.lower() in READ_SUFFIXES:
                out.append(TrialRef(p))

    for p in paths:
        before = len(out)
        if not p.exists():
            notes.append(f"{p}: does not exist")
        elif p.is_dir():
            visit(p)
        else:
            out.append(TrialRef(p))
        if len(out) == before and p.exists():
            notes.append(f"{p}: no trial files found")
    return out, notes


def _value(entry: Any, side: str | None = None) -> float | None:
    if not isinstance(entry, dict):
        return None
    if side is not None:
        entry = entry.get(side)
        if not isinstance(entry, dict):
            return None
    v = entry.get("value")
    return None if v is None else float(v)


def row_of(d: dict[str, Any]) -> dict[str, Any]:
    """The table row of one :meth:`AnalysisResult.to_dict`."""
    t = d["trial"]
    st = d.get("spatiotemporal") or {}
    gps = d.get("gait_profile_score") or {}
    row: dict[str, Any] = {
        "trial": t["name"], "frames": t["n_frames"], "rate_hz": t["rate_hz"],
        "duration_s": t["duration_s"], "events_source": d.get("events_source"),
    }
    if st:
        n = st.get("n_strides") or {}
        row["n_strides"] = sum(n.values()) if isinstance(n, dict) else None
        for key in ("speed_m_s", "cadence_steps_min", "stride_time_s", "step_width_m",
                    "double_support_pct", "step_length_symmetry_pct", "stride_time_cv_pct",
                    "arm_swing_asymmetry_pct"):
            row[key] = _value(st.get(key))
        for key, pattern in (("step_length_m", "step_length_{}_m"),
                             ("stride_length_m", "stride_length_{}_m"),
                             ("stance_pct", "stance_{}_pct"),
                             ("arm_swing_deg", "arm_swing_{}_deg")):
            for side in ("left", "right"):
                row[pattern.format(side)] = _value(st.get(key), side)
    if gps:
        row["gps_deg"] = gps.get("gps_overall")
        sides = gps.get("gps") or {}
        row["gps_left_deg"], row["gps_right_deg"] = sides.get("left"), sides.get("right")
    for c in d.get("clinical_tests") or []:
        test_col = _TESTS.get(c["test"])
        if test_col and c.get("duration_s") is not None:
            row[test_col] = c["duration_s"]
        if c["test"] == "thirty_second_chair_stand":
            row["chair_stand_30s_stands"] = c.get("repetitions")
        if c["test"] == "arm_curl_30s":
            row["arm_curl_30s_curls"] = c.get("repetitions")
        if c["test"] == "two_minute_step_test":
            row["step_test_2min_steps"] = c.get("repetitions")
        if c["test"] == "functional_reach":
            row["functional_reach_cm"] = (c.get("measures") or {}).get("reach_cm")
        if c["test"] == "standing_balance":
            m = c.get("measures") or {}
            row["sway_ellipse95_cm2"] = m.get("ellipse95_cm2")
            row["sway_path_velocity_mm_s"] = m.get("path_velocity_mm_s")
        if c["test"] == "walking_speed":
            row["walking_test_speed_m_s"] = (c.get("measures") or {}).get("speed_m_s")
            row["walk_4m_s"] = (c.get("measures") or {}).get("walk_4m_s")
        if c["test"] in ("thirty_second_chair_stand", "five_times_sit_to_stand"):
            power = (c.get("measures") or {}).get("sts_power_w_kg")
            first = row.get("sts_power_w_kg") is None
            if power is not None and (first or c["test"] == "thirty_second_chair_stand"):
                row["sts_power_w_kg"] = power  # the 30-s test's (its cut-offs) before the 5xSTS's
    jumps = d.get("jumps")
    if jumps:
        row["jumps"] = jumps["n_jumps"]
        row["jump_height_flight_cm"] = jumps.get("best_height_flight_cm")
        row["jump_height_pelvis_cm"] = jumps.get("best_height_pelvis_cm")
        row["jump_landing_symmetry_pct"] = jumps.get("landing_symmetry_pct")
        row["jump_rsi"] = jumps.get("best_rsi")
        row["jump_contact_s"] = jumps.get("mean_contact_s")
    sq = d.get("squats")
    if sq:
        summ = sq.get("summary") or {}
        row["squat_reps"] = sq["repetitions"]
        row["squat_depth_cm"] = (summ.get("depth_cm") or {}).get("mean")
        for side, s in (("left", "l"), ("right", "r")):
            row[f"squat_knee_flexion_{side}_deg"] = (
                summ.get(f"knee_flexion_deg_{s}") or {}).get("mean")
        row["squat_knee_symmetry_pct"] = (sq.get("symmetry_pct") or {}).get("knee_flexion_deg")
    warnings = [q for q in d.get("quality") or [] if q.get("severity") != "info"]
    row["quality_warnings"] = len(warnings)
    row["quality_kinds"] = ";".join(sorted({q["kind"] for q in warnings}))
    return row


def analyse_target(target: TrialRef, *, quick: bool = False,
                   keep_tests: bool = False) -> dict[str, Any]:
    """The row of one trial; a trial that cannot be read or analysed gets its ``error``.

    ``quick``: joint angles are posed with the built-in model rather than the trial's own
    OpenSim model (a glance at a folder, not the measurement of record). ``keep_tests``: the
    row also holds the clinical tests' dicts under ``"clinical_tests"`` (not a table column),
    for the batteries read across trials."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    base: dict[str, Any] = {"file": str(target.path), "trial": target.trial or ""}
    try:
        trial = read_trial(target.path, trial=target.trial)
        points = None
        if quick and trial.kinematics is not None and not trial.kinematics.from_markers:
            from lmm_desktop.biomech.fk import builtin_forward_kinematics

            points = builtin_forward_kinematics(trial.kinematics, trial.time,
                                                height_m=trial.subject.height_m)
        d = analyze(trial, points=points).to_dict()
        row = row_of(d)
        if keep_tests:
            row["clinical_tests"] = list(d.get("clinical_tests") or [])
        row["simulated"] = "yes" if trial.provenance.simulated else "no"
    except LmmError as exc:
        return {**base, "error": str(exc)}
    return {**base, **row, "error": ""}


def analyse_all(
    targets: list[TrialRef],
    progress: Callable[[int, int, TrialRef], None] | None = None,
    keep_tests: bool = False,
) -> list[dict[str, Any]]:
    """Each target's row, in order (``progress(done, total, target)`` after each;
    ``keep_tests``: see :func:`analyse_target`)."""
    rows = []
    for k, t in enumerate(targets, start=1):
        rows.append(analyse_target(t, keep_tests=keep_tests))
        if progress is not None:
            progress(k, len(targets), t)
    return rows


def summary_text(row: dict[str, Any]) -> tuple[str, str]:
    """A trial's result in a few words for a list of trials, and a longer tooltip."""
    if row.get("error"):
        return "cannot be analysed", str(row["error"])

    def num(key: str, fmt: str) -> str | None:
        v = row.get(key)
        return None if v in (None, "") else fmt.format(float(v))

    parts = [
        num("tug_s", "TUG {:.1f} s"), num("fsst_s", "FSST {:.1f} s"),
        num("chair_stand_30s_stands", "30s chair stand {:.0f}"),
        num("sts5_s", "5xSTS {:.1f} s"), num("tandem_stance_s", "tandem {:.1f} s"),
        num("one_leg_stance_s", "one leg {:.1f} s"), num("functional_reach_cm", "reach {:.0f} cm"),
        num("arm_curl_30s_curls", "arm curls {:.0f}"),
        num("step_test_2min_steps", "2-min steps {:.0f}"),
        None if not row.get("squat_reps") else f"squats x{row['squat_reps']}",
        num("jump_height_flight_cm", "jumps, best {:.0f} cm"),
        num("sway_ellipse95_cm2", "sway {:.1f} cm²"),
    ]
    shown = [p for p in parts if p]
    if not shown:  # a walk (a test's own walking speed would only crowd it)
        walk = num("walking_test_speed_m_s", "walk {:.2f} m/s") or num(
            "speed_m_s", "walk {:.2f} m/s")
        shown += [walk] if walk else []
    tip = [f"{c}: {_cell(row.get(c))}" for c in (
        "speed_m_s", "cadence_steps_min", "gps_deg", "tug_s", "fsst_s", "sts5_s",
        "chair_stand_30s_stands", "tandem_stance_s", "functional_reach_cm", "arm_curl_30s_curls",
        "step_test_2min_steps",
        "one_leg_stance_s", "squat_reps", "squat_knee_symmetry_pct", "jumps",
        "jump_height_flight_cm", "sway_ellipse95_cm2") if row.get(c) not in (None, "")]
    if row.get("quality_warnings"):
        tip.append(f"quality warnings: {row['quality_warnings']} ({row.get('quality_kinds')})")
        shown.append("⚠")
    return (" · ".join(shown) or "no test found"), "\n".join(tip)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def write_table(rows: list[dict[str, Any]], out: str | Path) -> Path:
    """Write the rows as CSV (columns of :data:`COLUMNS`; a header row, then one per trial),
    atomically."""
    out = Path(out)
    with atomic_write(out, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c for c, _ in COLUMNS])
        for r in rows:
            w.writerow([_cell(r.get(c)) for c, _ in COLUMNS])
    return out


def write_batteries_beside(targets: list[TrialRef], rows: list[dict[str, Any]],
                           table: Path) -> tuple[Path, int] | None:
    """The batteries table (one row per person with an SPPB or a STEADI screen) beside the
    trial table, from rows analysed with ``keep_tests``; its path and rows, or None (and no
    file) when no person has one."""
    from lmm_desktop.report.batteries import batteries_path, battery_rows, write_batteries

    people = battery_rows([(t, r.get("clinical_tests") or [])
                           for t, r in zip(targets, rows, strict=False)])
    if not people:
        return None
    return write_batteries(people, batteries_path(Path(table))), len(people)


__all__ = ["COLUMNS", "analyse_all", "analyse_target", "find_trials", "row_of",
           "summary_text", "write_batteries_beside", "write_table"]
