"""The test batteries read across a session's trials, one line per person, for the Trials list.

The CDC STEADI screen (:mod:`lmm_desktop.analysis.steadi`) and the Short Physical Performance
Battery (:mod:`lmm_desktop.analysis.sppb`) add up tests recorded as separate trials. The Trials
list shows a folder; whose trials belong together:

- an OpenCap session folder is one person's session: all its trials;
- in any other folder, trials whose file names share the part before the first underscore
  (``S0048_tug_01``, ``S0048_walking_01``: participant ``S0048``) and at least two of them; a
  file with no such partner is no battery's (a folder of unrelated files mixes people).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmm_desktop.io.sessions import TrialRef


@dataclass(frozen=True)
class BatteryLine:
    """One person's batteries: ``text`` for the list, ``tooltip`` with every part."""

    group: str
    text: str
    tooltip: str


BATTERY_COLUMNS = (
    "folder", "person", "trials", "sppb_total", "sppb_balance", "sppb_gait", "sppb_chair",
    "sppb_gait_4m_s", "sppb_gait_timed", "sppb_summary", "steadi", "steadi_tug_s",
    "steadi_chair_stands", "steadi_tandem_s",
)
"""The columns of the batteries table ``lmm-desktop batch`` writes beside its trial table."""


def _folder(ref: TrialRef) -> Path:
    """The folder a trial belongs to: an OpenCap session's folder, a file's parent."""
    return ref.path if ref.trial is not None else ref.path.parent


def person_of(ref: TrialRef) -> str | None:
    """Whose trial ``ref`` is within its folder ('' for an OpenCap session's trials, the file
    name's participant prefix otherwise, None when the name has none)."""
    if ref.trial is not None:
        return ""
    stem = ref.path.stem
    head, sep, _rest = stem.partition("_")
    return head if sep and head else None


def session_batteries(
    trials: Sequence[tuple[TrialRef, Sequence[Mapping[str, Any]]]],
) -> list[BatteryLine]:
    """The STEADI screen and the SPPB per person of ``trials`` (each with its clinical tests
    as :meth:`TestResult.to_dict` gives them, with their references); a person with neither
    battery gets no line."""
    from lmm_desktop.analysis.sppb import sppb_score
    from lmm_desktop.analysis.steadi import screen_short, screen_summary, steadi_screen

    out = []
    for (_folder_path, who), tests in _people(trials).items():
        parts, tip = [], []
        sppb = sppb_score(tests)
        if sppb is not None:
            parts.append(f"SPPB {sppb.short()}")
            tip.append(sppb.summary())
            tip += [f"  {p.title}: {p.value}{f' ({p.trial})' if p.trial else ''}"
                    f"{'' if p.points is None else f', {p.points} / 4'}"
                    f"{f'; {p.note}' if p.note else ''}" for p in sppb.parts]
        screen = steadi_screen(tests)
        if screen:
            parts.append(f"STEADI: {screen_short(screen)}")
            tip.append("CDC STEADI: " + screen_summary(screen))
            tip += [f"  {i.title}: {i.value}{f' ({i.trial})' if i.trial else ''}"
                    f"{f'; {i.note}' if i.note else ''}" for i in screen]
        if parts:
            name = who or "This session"
            out.append(BatteryLine(who, f"{name}: " + " · ".join(parts), "\n".join(tip)))
    return out


def _people(trials: Sequence[tuple[TrialRef, Sequence[Mapping[str, Any]]]]
            ) -> dict[tuple[Path, str], list[tuple[str | None, Mapping[str, Any]]]]:
    """The trials' tests grouped by person, (folder, person) -> (trial label, test dict);
    a file-name participant needs two trials or more in its folder."""
    groups: dict[tuple[Path, str], list[tuple[str | None, Mapping[str, Any]]]] = {}
    counts: dict[tuple[Path, str], int] = {}
    for ref, trial_tests in trials:
        who = person_of(ref)
        if who is None:
            continue
        key = (_folder(ref), who)
        counts[key] = counts.get(key, 0) + 1
        groups.setdefault(key, []).extend((ref.label, t) for t in trial_tests)
    return {k: v for k, v in groups.items() if not k[1] or counts[k] >= 2}


def battery_rows(
    trials: Sequence[tuple[TrialRef, Sequence[Mapping[str, Any]]]],
) -> list[dict[str, Any]]:
    """One row per person with a battery (:data:`BATTERY_COLUMNS`): the SPPB's parts and
    total, and the STEADI tests' results, for a study's table."""
    from lmm_desktop.analysis.sppb import sppb_score
    from lmm_desktop.analysis.steadi import screen_short, steadi_screen

    counts: dict[tuple[Path, str], int] = {}
    for ref, _t in trials:
        who = person_of(ref)
        if who is not None:
            counts[(_folder(ref), who)] = counts.get((_folder(ref), who), 0) + 1
    out = []
    for (folder, who), tests in _people(trials).items():
        sppb = sppb_score(tests)
        screen = steadi_screen(tests)
        if sppb is None and not screen:
            continue
        row: dict[str, Any] = {"folder": str(folder), "person": who or folder.name,
                               "trials": counts[(folder, who)]}
        if sppb is not None:
            parts = {p.name: p for p in sppb.parts}
            row.update(sppb_total=sppb.total, sppb_balance=parts["balance"].points,
                       sppb_gait=parts["gait"].points, sppb_chair=parts["chair"].points,
                       sppb_summary=sppb.summary())
            gait = _gait_test(tests)
            if gait is not None:
                row["sppb_gait_4m_s"], row["sppb_gait_timed"] = gait
        if screen:
            row["steadi"] = screen_short(screen)
            row.update(_steadi_values(tests))
        out.append(row)
    return out


def _gait_test(tests: Sequence[tuple[str | None, Mapping[str, Any]]]
               ) -> tuple[float, str] | None:
    """The SPPB's 4-m time (s) and whether it was timed from a standing start ('yes') or
    estimated from the steady speed ('no'), as :func:`sppb_score` chose it."""
    walks = [(t.get("measures") or {}) for _l, t in tests if t.get("test") == "walking_speed"]
    timed = [float(m["walk_4m_s"]) for m in walks if m.get("walk_4m_s")]
    if timed:
        return round(min(timed), 3), "yes"
    speeds = [float(m["speed_m_s"]) for m in walks if m.get("speed_m_s")]
    return (round(4.0 / max(speeds), 3), "no") if speeds else None


def _steadi_values(tests: Sequence[tuple[str | None, Mapping[str, Any]]]) -> dict[str, Any]:
    """The best TUG time, the most complete-window chair stands and the longest tandem."""
    out: dict[str, Any] = {}
    tug = [float(t["duration_s"]) for _l, t in tests
           if t.get("test") == "timed_up_and_go" and t.get("duration_s")]
    stands = [int(t.get("repetitions") or 0) for _l, t in tests
              if t.get("test") == "thirty_second_chair_stand"
              and not (t.get("measures") or {}).get("censored")]
    tandem = [float(t["duration_s"]) for _l, t in tests
              if t.get("test") == "four_stage_balance" and t.get("duration_s")]
    if tug:
        out["steadi_tug_s"] = round(min(tug), 2)
    if stands:
        out["steadi_chair_stands"] = max(stands)
    if tandem:
        out["steadi_tandem_s"] = round(max(tandem), 2)
    return out


def write_batteries(rows: list[dict[str, Any]], out: str | Path) -> Path:
    """Write the batteries table (CSV, :data:`BATTERY_COLUMNS`), atomically."""
    import csv

    from lmm_desktop.core.atomic import atomic_write

    out = Path(out)
    with atomic_write(out, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(BATTERY_COLUMNS)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in BATTERY_COLUMNS])
    return out


def batteries_path(table: Path) -> Path:
    """Where the batteries table goes beside ``table``: ``<name>_batteries.csv``."""
    return table.with_name(f"{table.stem}_batteries.csv")


__all__ = [
    "BATTERY_COLUMNS",
    "BatteryLine",
    "batteries_path",
    "battery_rows",
    "person_of",
    "session_batteries",
    "write_batteries",
]
