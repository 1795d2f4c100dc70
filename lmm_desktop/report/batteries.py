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
from typing import Any

from lmm_desktop.io.sessions import TrialRef


@dataclass(frozen=True)
class BatteryLine:
    """One person's batteries: ``text`` for the list, ``tooltip`` with every part."""

    group: str
    text: str
    tooltip: str


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

    groups: dict[str, list[tuple[str | None, Mapping[str, Any]]]] = {}
    counts: dict[str, int] = {}
    for ref, trial_tests in trials:
        who = person_of(ref)
        if who is None:
            continue
        counts[who] = counts.get(who, 0) + 1
        groups.setdefault(who, []).extend((ref.label, t) for t in trial_tests)
    out = []
    for who, tests in groups.items():
        if who and counts[who] < 2:
            continue
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


__all__ = ["BatteryLine", "person_of", "session_batteries"]
