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
STEADI_COLUMNS = {"timed_up_and_go": "steadi_tug_s",
                  "thirty_second_chair_stand": "steadi_chair_stands",
                  "four_stage_balance": "steadi_tandem_s"}
"""The batteries table's column for each STEADI test's number (:attr:`ScreenItem.amount`)."""


def folder_of(ref: TrialRef) -> Path:
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
    for (_folder_path, who), (_n, tests) in _people(trials).items():
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
            ) -> dict[tuple[Path, str], tuple[int, list[tuple[str | None, Mapping[str, Any]]]]]:
    """The trials' tests grouped by person, (folder, person) -> (number of trials, [(trial
    label, test dict)]); a file-name participant needs two trials or more in its folder."""
    groups: dict[tuple[Path, str], list[tuple[str | None, Mapping[str, Any]]]] = {}
    counts: dict[tuple[Path, str], int] = {}
    for ref, trial_tests in trials:
        who = person_of(ref)
        if who is None:
            continue
        key = (folder_of(ref), who)
        counts[key] = counts.get(key, 0) + 1
        groups.setdefault(key, []).extend((ref.label, t) for t in trial_tests)
    return {k: (counts[k], v) for k, v in groups.items() if not k[1] or counts[k] >= 2}


def battery_rows(
    trials: Sequence[tuple[TrialRef, Sequence[Mapping[str, Any]]]],
) -> list[dict[str, Any]]:
    """One row per person with a battery (:data:`BATTERY_COLUMNS`): the SPPB's parts and
    total, and the STEADI tests' results, for a study's table."""
    from lmm_desktop.analysis.sppb import sppb_score
    from lmm_desktop.analysis.steadi import screen_short, steadi_screen

    out = []
    for (folder, who), (n, tests) in _people(trials).items():
        sppb = sppb_score(tests)
        screen = steadi_screen(tests)
        if sppb is None and not screen:
            continue
        row: dict[str, Any] = {"folder": str(folder), "person": who or folder.name,
                               "trials": n}
        if sppb is not None:
            parts = {p.name: p for p in sppb.parts}
            gait = parts["gait"]
            row.update(sppb_total=sppb.total, sppb_balance=parts["balance"].points,
                       sppb_gait=gait.points, sppb_chair=parts["chair"].points,
                       sppb_summary=sppb.summary())
            if gait.seconds is not None:
                row["sppb_gait_4m_s"] = round(gait.seconds, 3)
                row["sppb_gait_timed"] = "no" if gait.estimated else "yes"
        if screen:  # the attempt each STEADI test was read from
            row["steadi"] = screen_short(screen)
            for item in screen:
                if item.amount is not None:  # stands are a count, times to 0.01 s
                    row[STEADI_COLUMNS[item.test]] = (
                        int(item.amount) if item.test == "thirty_second_chair_stand"
                        else round(item.amount, 2))
        out.append(row)
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
    "folder_of",
    "person_of",
    "session_batteries",
    "write_batteries",
]
