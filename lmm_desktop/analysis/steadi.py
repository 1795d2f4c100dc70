"""The CDC STEADI fall-risk screen's functional tests, read together across a session's trials.

STEADI (Stopping Elderly Accidents, Deaths & Injuries) assesses gait, strength and balance with
three tests: the Timed Up and Go (an older adult who takes 12 s or more is at risk of falling),
the 30-second chair stand (a below-average score for the age and sex indicates a risk of
falling) and the 4-Stage Balance Test (the tandem stance not held for 10 s: an increased risk).
A session often records them as separate trials; :func:`steadi_screen` gathers what the trials
measured into one line per test, each with STEADI's own criterion (which, for the TUG, is
stricter than the 13.5 s of Shumway-Cook et al. the TUG's row is read against).

The screen reports what was measured; STEADI's full algorithm also asks about falls in the past
year, worry about falling and unsteadiness, which the motion capture cannot answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STEADI_SOURCE = (
    "CDC STEADI (Stopping Elderly Accidents, Deaths & Injuries): Assessment: Timed Up & Go "
    "(TUG), 30-Second Chair Stand, The 4-Stage Balance Test"
)
STEADI_TUG_S = 12.0
STEADI_NOTE = (
    "STEADI's algorithm also asks about falls in the past year, worry about falling and feeling "
    "unsteady; a problem found here is one part of it, and the clinician's judgement applies."
)


@dataclass(frozen=True)
class ScreenItem:
    """One STEADI test: what was measured (``value``), STEADI's criterion, and whether it
    flags a gait, strength or balance problem (None: not done, or not readable)."""

    test: str
    title: str
    value: str
    criterion: str
    problem: bool | None
    note: str = ""
    trial: str | None = None
    amount: float | None = None
    """The attempt's number: the TUG's seconds, the stands of a complete 30-s chair stand,
    the tandem's seconds (None: not done, not timed, or a lower bound of stands)."""


TITLES = {
    "timed_up_and_go": "Timed Up and Go (gait, mobility)",
    "thirty_second_chair_stand": "30-Second Chair Stand (leg strength)",
    "four_stage_balance": "4-Stage Balance Test (static balance)",
}
CRITERIA = {
    "timed_up_and_go": f"≥ {STEADI_TUG_S:g} s: at risk of falling",
    "thirty_second_chair_stand": "below average for the age and sex: a risk of falling",
    "four_stage_balance": "tandem stance not held for 10 s: an increased risk of falling",
}


def _best(entries: list[tuple[str | None, Mapping[str, Any]]], test: str
          ) -> tuple[str | None, Mapping[str, Any]] | None:
    """The trial's result the screen uses when a test was done more than once: the fastest
    TUG, the most stands, the longest tandem (complete recordings before lower bounds)."""
    done = [(label, t) for label, t in entries if t.get("test") == test]
    if not done:
        return None

    def key(item: tuple[str | None, Mapping[str, Any]]) -> tuple[int, float]:
        t = item[1]
        complete = 0 if (t.get("measures") or {}).get("censored") else 1
        if test == "thirty_second_chair_stand":
            return complete, float(t.get("repetitions") or 0)
        d = t.get("duration_s")
        if d is None:
            return -1, 0.0
        return complete, (-float(d) if test == "timed_up_and_go" else float(d))

    return max(done, key=key)


def steadi_screen(
    tests: Iterable[tuple[str | None, Mapping[str, Any]]]
) -> list[ScreenItem]:
    """The three STEADI tests from ``tests`` (``(trial label, clinical test dict)``, the dicts
    as :meth:`TestResult.to_dict` gives them, with their ``reference``); a test no trial has
    is listed as not done. Empty when none of the three was done."""
    entries = list(tests)
    out: list[ScreenItem] = []
    for test in TITLES:
        found = _best(entries, test)
        if found is None:
            out.append(ScreenItem(test, TITLES[test], "not done", CRITERIA[test], None))
            continue
        label, t = found
        out.append(_item(test, t, label))
    return out if any(i.value != "not done" for i in out) else []


def _item(test: str, t: Mapping[str, Any], label: str | None) -> ScreenItem:
    m = t.get("measures") or {}
    censored = bool(m.get("censored"))
    d = t.get("duration_s")
    if test == "timed_up_and_go":
        if d is None:
            return ScreenItem(test, TITLES[test], "not timed", CRITERIA[test], None,
                              str(t.get("reason") or ""), label)
        return ScreenItem(test, TITLES[test], f"{d:.1f} s", CRITERIA[test],
                          d >= STEADI_TUG_S, "", label, float(d))
    if test == "thirty_second_chair_stand":
        n = int(t.get("repetitions") or 0)
        value = f"{'at least ' if censored else ''}{n} stands"
        stands = None if censored else float(n)
        ref = t.get("reference") or {}
        if not ref:
            return ScreenItem(test, TITLES[test], value, CRITERIA[test], None,
                              "the norm needs the patient's age (60-94) and sex", label, stands)
        below = bool(ref.get("at_risk"))
        if censored and below:
            return ScreenItem(test, TITLES[test], value, CRITERIA[test], None,
                              "the recording stopped before 30 s", label)
        return ScreenItem(test, TITLES[test], value, CRITERIA[test], below,
                          f"{ref.get('status')} for {ref.get('who') or ref.get('age_group')} "
                          f"({ref.get('cutoff_text')})", label, stands)
    # the 4-Stage Balance Test
    if d is None:  # stopped before the tandem stance
        return ScreenItem(test, TITLES[test], "tandem not reached", CRITERIA[test], True,
                          str(t.get("reason") or ""), label)
    value = f"tandem {'at least ' if censored else ''}{d:.1f} s"
    problem = None if censored and d < 10.0 else d < 10.0
    return ScreenItem(test, TITLES[test], value, CRITERIA[test], problem, "", label, float(d))


def screen_summary(items: list[ScreenItem]) -> str:
    """'A gait, strength or balance problem on 2 of the 3 tests done (TUG, 4-Stage); not done:
    30-second chair stand.' (empty without items)."""
    if not items:
        return ""
    done = [i for i in items if i.value != "not done"]
    flagged = [i for i in done if i.problem]
    short = {"timed_up_and_go": "TUG", "thirty_second_chair_stand": "30-second chair stand",
             "four_stage_balance": "4-Stage Balance Test"}
    if flagged:
        on = (f"{len(flagged)} of the {len(done)} tests" if len(done) > 1
              else "the one test")
        text = (f"A gait, strength or balance problem on {on} done "
                f"({', '.join(short[i.test] for i in flagged)})")
    elif all(i.problem is False for i in done):
        text = f"No gait, strength or balance problem on the {len(done)} test(s) done"
    else:
        text = "No problem found on the tests that could be read"
    missing = [short[i.test] for i in items if i.value == "not done"]
    unread = [short[i.test] for i in done if i.problem is None]
    if unread:
        text += f"; not read: {', '.join(unread)}"
    if missing:
        text += f"; not done: {', '.join(missing)}"
    return text + "."


def screen_short(items: list[ScreenItem]) -> str:
    """A few words for a table cell: 'problem: TUG, 4-Stage', 'no problem (2 of 3 done)',
    'not read (30-s chair stand)', or '' without items."""
    if not items:
        return ""
    short = {"timed_up_and_go": "TUG", "thirty_second_chair_stand": "30-s chair stand",
             "four_stage_balance": "4-Stage"}
    done = [i for i in items if i.value != "not done"]
    flagged = [short[i.test] for i in done if i.problem]
    if flagged:
        return "problem: " + ", ".join(flagged)
    if all(i.problem is False for i in done):
        return f"no problem ({len(done)} of 3 done)"
    return "not read (" + ", ".join(short[i.test] for i in done if i.problem is None) + ")"


__all__ = ["STEADI_NOTE", "STEADI_SOURCE", "STEADI_TUG_S", "ScreenItem", "screen_short",
           "screen_summary", "steadi_screen"]
