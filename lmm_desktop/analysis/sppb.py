"""The Short Physical Performance Battery (SPPB), scored from a session's trials.

The SPPB (Guralnik et al. 1994) scores three tests 0-4 each, 0-12 in all:

- **balance**: feet side by side for 10 s (1 point), semi-tandem for 10 s (1 point), tandem
  (2 points for 10 s, 1 for 3 to 9.99 s); a stance not held for 10 s ends the balance tests.
  The 4-Stage Balance Test's first three positions are the same stances;
- **gait speed**: the time of a 4-m walk at the usual pace from a standing start (4 points under
  4.82 s, 3 for 4.82-6.20 s, 2 for 6.21-8.70 s, 1 over 8.70 s). A walking trial that starts
  from standing gives it directly (:func:`~lmm_desktop.analysis.clinical_tests.four_metre_walk`);
  otherwise 4 m at the steady walking speed stands in, which leaves out the first steps'
  acceleration and can read a point high near a boundary (the note says so);
- **chair stands**: five rises with the arms crossed, timed to the fifth stand (4 points at
  11.19 s or less, 3 for 11.20-13.69 s, 2 for 13.70-16.69 s, 1 for 16.70-60 s, 0 over 60 s). A
  five-times sit-to-stand, or the first five stands of a 30-second chair stand, gives it.

Reading of the total: 10-12 minimal, 7-9 mild, 4-6 moderate, 0-3 severe limitation (the score
groups of Guralnik et al. 1994); 8 or less is poor physical performance in the EWGSOP2
definition of sarcopenia (Cruz-Jentoft et al. 2019), and under 10 went with a higher all-cause
mortality in a meta-analysis (Pavasini et al. 2016).

A component no trial measured is listed as not done; the total is given only when all three
were measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SPPB_SOURCE = (
    "Guralnik JM, Simonsick EM, Ferrucci L, et al. A short physical performance battery "
    "assessing lower extremity function. J Gerontol 1994;49(2):M85-M94 (NIA protocol, 4-m "
    "course); Cruz-Jentoft AJ, et al. Sarcopenia: revised European consensus (EWGSOP2). Age "
    "Ageing 2019;48(1):16-31; Pavasini R, et al. BMC Med 2016;14:215"
)
SPPB_NOTE = (
    "Scored from the recorded trials by the protocol's cut-offs; the SPPB's own protocol (a "
    "practice stand, two timed walks, the examiner's stopwatch) applies, and the clinician's "
    "judgement."
)
HOLD_S = 10.0
TOLERANCE_S = 0.05
"""The stances' times are read from the feet's placement to a fraction of a frame rate: a
stance within 0.05 s of 10 s counts as held (as the 4-Stage test's stage does)."""
GAIT_CUTS_S = (4.82, 6.20, 8.70)
"""4-m walk times: under 4.82 s 4 points, to 6.20 s 3, to 8.70 s 2, over it 1."""
CHAIR_CUTS_S = (11.19, 13.69, 16.69, 60.0)
"""Five chair stands: to 11.19 s 4 points, to 13.69 s 3, to 16.69 s 2, to 60 s 1, over 0."""
COURSE_M = 4.0
POOR_PERFORMANCE_MAX = 8
"""EWGSOP2: an SPPB of 8 or less is poor physical performance."""
GROUPS = ((10, "minimal limitation"), (7, "mild limitation"), (4, "moderate limitation"),
          (0, "severe limitation"))


@dataclass(frozen=True)
class SppbPart:
    """One of the three components: its points (None: not done or not readable), what was
    measured, and where from."""

    name: str
    title: str
    points: int | None
    value: str
    note: str = ""
    trial: str | None = None
    seconds: float | None = None
    """The part's time when it has one (the 4-m walk's, the five stands')."""
    estimated: bool = False
    """The gait part's 4 m from the steady speed, not timed from a standing start."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "points": self.points,
                "value": self.value, "note": self.note, "trial": self.trial,
                "seconds": self.seconds, "estimated": self.estimated}


@dataclass(frozen=True)
class SppbScore:
    """The battery: its three parts, and the total when all three were scored."""

    parts: tuple[SppbPart, ...]

    @property
    def total(self) -> int | None:
        pts = [p.points for p in self.parts]
        return None if any(p is None for p in pts) else sum(p for p in pts if p is not None)

    @property
    def partial(self) -> int:
        """The points of the parts scored (out of 4 each)."""
        return sum(p.points or 0 for p in self.parts)

    @property
    def scored(self) -> int:
        return sum(p.points is not None for p in self.parts)

    def summary(self) -> str:
        """'SPPB 7 / 12: mild limitation; 8 or less: poor physical performance (EWGSOP2).'
        or, with a part missing, 'SPPB 6 of 8 on the balance and chair stands; gait speed
        not done.'"""
        total = self.total
        if total is not None:
            group = next(label for lo, label in GROUPS if total >= lo)
            text = f"SPPB {total} / 12: {group}"
            if total <= POOR_PERFORMANCE_MAX:
                text += "; 8 or less is poor physical performance (EWGSOP2)"
            return text + "."
        done = [p for p in self.parts if p.points is not None]
        missing = [p for p in self.parts if p.points is None]
        names = " and ".join(p.title.lower() for p in done)
        text = (f"SPPB {self.partial} of {4 * len(done)} on the {names}" if done
                else "SPPB not scored")
        return text + "; " + ", ".join(f"{p.title.lower()} {p.value}" for p in missing) + "."

    def short(self) -> str:
        """A table cell: '7 / 12', or '6 of 8 (gait speed not done)'."""
        total = self.total
        if total is not None:
            return f"{total} / 12"
        missing = ", ".join(p.title.lower() for p in self.parts if p.points is None)
        return f"{self.partial} of {4 * self.scored} ({missing} not scored)"

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "partial": self.partial, "scored_parts": self.scored,
                "summary": self.summary(), "parts": [p.to_dict() for p in self.parts]}


TITLES = {"balance": "Balance", "gait": "Gait speed", "chair": "Chair stands"}


def gait_points(walk_4m_s: float) -> int:
    """SPPB gait points for a 4-m walk time (s): 4 under 4.82, 3 to 6.20, 2 to 8.70, else 1."""
    t = round(walk_4m_s, 2)  # the protocol's stopwatch reads hundredths
    if t < GAIT_CUTS_S[0]:
        return 4
    return 3 - sum(t > c for c in GAIT_CUTS_S[1:])


def chair_points(five_stands_s: float) -> int:
    """SPPB chair points for five stands (s): 4 to 11.19, 3 to 13.69, 2 to 16.69, 1 to 60."""
    return 4 - sum(round(five_stands_s, 2) > c for c in CHAIR_CUTS_S)


def balance_points(together_s: float | None, semi_tandem_s: float | None,
                   tandem_s: float | None) -> tuple[int, str]:
    """SPPB balance points (0-4) from the three stances' longest times (None: not recorded),
    and a note on stances credited without a recording. A stance not held ends the test; a
    stance not recorded but followed by a harder one that was held counts as held (the
    recording started after it)."""
    note = []
    held = [t is not None and t >= HOLD_S - TOLERANCE_S for t in (together_s, semi_tandem_s)]
    if together_s is None and (held[1] or tandem_s is not None):
        held[0] = True
        note.append("feet together not recorded (credited: a harder stance followed)")
    if semi_tandem_s is None and tandem_s is not None:
        held[1] = True
        note.append("semi-tandem not recorded (credited: the tandem followed)")
    pts = 0
    for ok in held:
        if not ok:
            return pts, "; ".join(note)
        pts += 1
    if tandem_s is None:
        return pts, "; ".join([*note, "tandem not recorded"])
    if tandem_s >= HOLD_S - TOLERANCE_S:
        pts += 2
    elif tandem_s >= 3.0:
        pts += 1
    return pts, "; ".join(note)


def _balance(entries: list[tuple[str | None, Mapping[str, Any]]]) -> SppbPart:
    done = [(label, t) for label, t in entries if t.get("test") == "four_stage_balance"]
    if not done:
        return SppbPart("balance", TITLES["balance"], None, "not done",
                        "needs a 4-Stage Balance Test (feet together, semi-tandem, tandem)")
    best: tuple[int, str, str, str | None] | None = None
    for label, t in done:
        m = t.get("measures") or {}
        times = [m.get(k) for k in ("together_s", "semi_tandem_s", "tandem_s")]
        if all(x is None for x in times):
            continue
        pts, note = balance_points(*times)
        value = "; ".join(f"{name} {x:.1f} s" for name, x in
                          zip(("together", "semi-tandem", "tandem"), times, strict=True)
                          if x is not None)
        if m.get("censored") and pts < 4:
            note = "; ".join(n for n in (note, "the recording stopped during the tandem: "
                                         "at least these points") if n)
        if best is None or pts > best[0]:
            best = (pts, value, note, label)
    if best is None:
        return SppbPart("balance", TITLES["balance"], None, "not readable",
                        "no stance was found in the 4-Stage trial", done[0][0])
    return SppbPart("balance", TITLES["balance"], best[0], best[1], best[2], best[3])


def _gait(entries: list[tuple[str | None, Mapping[str, Any]]]) -> SppbPart:
    walks = [(label, t) for label, t in entries if t.get("test") == "walking_speed"
             and (t.get("measures") or {}).get("speed_m_s")]
    if not walks:
        return SppbPart("gait", TITLES["gait"], None, "not done",
                        "needs a walking trial at the usual pace")
    timed = [(label, float(t["measures"]["walk_4m_s"])) for label, t in walks
             if t["measures"].get("walk_4m_s")]
    if timed:  # the protocol takes the faster of two walks
        label, secs = min(timed, key=lambda x: x[1])
        return SppbPart("gait", TITLES["gait"], gait_points(secs),
                        f"4 m in {secs:.2f} s ({COURSE_M / secs:.2f} m/s)",
                        "from a standing start, as the protocol times it", label, secs)
    label, t = max(walks, key=lambda x: float(x[1]["measures"]["speed_m_s"]))
    speed = float(t["measures"]["speed_m_s"])
    secs = COURSE_M / speed
    pts = gait_points(secs)
    note = ("estimated: 4 m at the steady walking speed (the recording does not start from "
            "standing); the protocol's standing start takes a little longer")
    if any(abs(secs - c) < 0.1 * c for c in GAIT_CUTS_S):
        note += ", and this time is within 10 % of a cut-off: the points may be one too many"
    return SppbPart("gait", TITLES["gait"], pts,
                    f"4 m in about {secs:.2f} s ({speed:.2f} m/s)", note, label, secs, True)


def _chair(entries: list[tuple[str | None, Mapping[str, Any]]]) -> SppbPart:
    timed = [(label, float(t["duration_s"]), t) for label, t in entries
             if t.get("test") == "five_times_sit_to_stand" and t.get("duration_s")]
    if timed:
        label, secs, best = min(timed, key=lambda x: x[1])
        m = best.get("measures") or {}
        low = int(m.get("hands_low_rises", 0))
        note = (f"the hands were down by the hips at seat-off in {low} of "
                f"{int(m.get('rises_checked', low))} rises: the protocol scores stands pushed "
                "up with the arms 0 (check the video)" if low else "")
        return SppbPart("chair", TITLES["chair"], chair_points(secs),
                        f"five stands in {secs:.1f} s", note, label, secs)
    tried = [(label, t) for label, t in entries
             if t.get("test") in ("five_times_sit_to_stand", "thirty_second_chair_stand")]
    if tried:
        label, t = tried[0]
        n = int(t.get("repetitions") or 0)
        complete = not (t.get("measures") or {}).get("censored")
        if t.get("test") == "thirty_second_chair_stand" and complete and n < 5:
            if n >= 3:  # five at this pace: 50 s or less, over 16.69 s
                return SppbPart("chair", TITLES["chair"], 1, f"{n} stands in 30 s",
                                "fewer than five stands in 30 s: five take 16.7-60 s", label)
            if n == 0:
                return SppbPart("chair", TITLES["chair"], 0, "no stand in 30 s",
                                "unable to rise", label)
            return SppbPart("chair", TITLES["chair"], None, f"{n} stands in 30 s",
                            "at this pace five stands take about a minute, near the 60 s "
                            "cut-off: time a five-times sit-to-stand", label)
        return SppbPart("chair", TITLES["chair"], None, "not timed",
                        str(t.get("reason") or "fewer than five stands recorded"), label)
    return SppbPart("chair", TITLES["chair"], None, "not done",
                    "needs a five-times sit-to-stand or a 30-second chair stand")


def sppb_score(tests: Iterable[tuple[str | None, Mapping[str, Any]]]) -> SppbScore | None:
    """The SPPB from ``tests`` (``(trial label, clinical test dict)``, as
    :meth:`TestResult.to_dict` gives them); None unless at least two of the three parts were
    measured (a walk alone is a gait analysis, not a battery)."""
    entries = list(tests)
    score = SppbScore((_balance(entries), _gait(entries), _chair(entries)))
    measured = sum(p.value != "not done" for p in score.parts)
    return score if measured >= 2 else None


__all__ = ["SPPB_NOTE", "SPPB_SOURCE", "SppbPart", "SppbScore", "balance_points",
           "chair_points", "gait_points", "sppb_score"]
