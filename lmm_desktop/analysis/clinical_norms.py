"""Published reference values for the timed clinical tests: fall-risk cut-offs and age norms.

A time on its own does not tell a clinician much; "17.2 s, above the 13.5 s fall-risk cut-off for
community-dwelling older adults" does. :func:`reference_for` sets a test's duration against

- the **fall-risk cut-off** the test is best known for, with the population it was derived in
  (a longer time is worse for the timed tests; a shorter one for the one-leg stance, a time
  held: ``TestNorms.longer_is_worse``), and
- the **age norm** for people of the patient's age when the age is known (60 and over: the
  published norms cover elders), as the time above which performance is worse than average.

The figures are the published ones, unchanged; each carries its source so the report can cite
it. They were derived in older adults living in the community; for other populations (stroke,
Parkinson's disease, amputees) the cut-offs differ and the clinician's judgement applies. This is
said in :data:`POPULATION_NOTE` and printed with every reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POPULATION_NOTE = (
    "Cut-offs were derived in community-dwelling older adults; other populations have their own."
)


@dataclass(frozen=True)
class AgeNorm:
    """Times above ``worse_than_s`` are worse than average for ages ``[age_min, age_max]``."""

    age_min: int
    age_max: int
    worse_than_s: float
    mean_s: float | None = None


@dataclass(frozen=True)
class TestNorms:
    """The reference values of one timed test."""

    __test__ = False  # not a pytest class

    test: str
    cutoff_s: float
    inclusive: bool
    """True: times at the cut-off count as above it ("13.5 s or more")."""
    meaning: str
    population: str
    source: str
    age_norms: tuple[AgeNorm, ...] = ()
    age_source: str = ""
    longer_is_worse: bool = True
    """False for a time held (one-leg stance): a time under the cut-off is the risk."""

    def cutoff_text(self) -> str:
        """The times that carry the risk: '≥ 13.5 s', '> 15 s', '< 5 s'."""
        if self.longer_is_worse:
            op = "≥" if self.inclusive else ">"
        else:
            op = "≤" if self.inclusive else "<"
        return f"{op} {self.cutoff_s:g} s"


NORMS: dict[str, TestNorms] = {
    n.test: n
    for n in (
        TestNorms(
            test="timed_up_and_go",
            cutoff_s=13.5,
            inclusive=True,
            meaning="higher risk of falls",
            population="community-dwelling older adults",
            source="Shumway-Cook A, Brauer S, Woollacott M. Phys Ther 2000;80(9):896-903",
            age_norms=(
                AgeNorm(60, 69, 9.0, 8.1),
                AgeNorm(70, 79, 10.2, 9.2),
                AgeNorm(80, 99, 12.7, 11.3),
            ),
            age_source="Bohannon RW. J Geriatr Phys Ther 2006;29(2):64-68 (upper 95 % "
            "confidence limit of the age group's mean)",
        ),
        TestNorms(
            test="four_square_step_test",
            cutoff_s=15.0,
            inclusive=False,
            meaning="higher risk of multiple falls",
            population="community-dwelling older adults",
            source="Dite W, Temple VA. Arch Phys Med Rehabil 2002;83(11):1566-1571",
        ),
        TestNorms(
            test="five_times_sit_to_stand",
            cutoff_s=12.0,
            inclusive=True,
            meaning="higher risk of multiple falls",
            population="community-dwelling older adults",
            source="Tiedemann A, Shimada H, Sherrington C, Murray S, Lord S. Age Ageing "
            "2008;37(4):430-435",
            age_norms=(
                AgeNorm(60, 69, 11.4),
                AgeNorm(70, 79, 12.6),
                AgeNorm(80, 89, 14.8),
            ),
            age_source="Bohannon RW. Percept Mot Skills 2006;103(1):215-222",
        ),
        TestNorms(
            test="one_leg_stance",
            cutoff_s=5.0,
            inclusive=False,
            meaning="higher risk of injurious falls (unable to stand on one leg for 5 s)",
            population="community-dwelling older adults",
            source="Vellas BJ, Wayne SJ, Romero L, Baumgartner RN, Rubenstein LZ, Garry PJ. "
            "J Am Geriatr Soc 1997;45(6):735-738",
            longer_is_worse=False,
        ),
    )
}


@dataclass(frozen=True)
class TestReference:
    """A duration set against its test's references (``norms``) and, when the age falls in a
    published group, that group's norm (``age_norm``)."""

    __test__ = False  # not a pytest class

    norms: TestNorms
    duration_s: float
    age_years: float | None = None
    age_norm: AgeNorm | None = None

    @property
    def cutoff_text(self) -> str:
        return self.norms.cutoff_text()

    @property
    def above_cutoff(self) -> bool:
        n = self.norms
        if not n.longer_is_worse:
            return not self.at_risk
        return self.duration_s >= n.cutoff_s if n.inclusive else self.duration_s > n.cutoff_s

    @property
    def at_risk(self) -> bool:
        """The time falls on the risk side of the cut-off (above it, or for a time held,
        below it)."""
        n = self.norms
        if n.longer_is_worse:
            return self.above_cutoff
        return self.duration_s <= n.cutoff_s if n.inclusive else self.duration_s < n.cutoff_s

    @property
    def status(self) -> str:
        """"above cut-off" or "below cut-off" (short, for a table cell)."""
        return "above cut-off" if self.above_cutoff else "below cut-off"

    @property
    def age_group(self) -> str | None:
        g = self.age_norm
        return None if g is None else f"{g.age_min}-{g.age_max}"

    @property
    def age_worse_than_s(self) -> float | None:
        return None if self.age_norm is None else self.age_norm.worse_than_s

    @property
    def age_source(self) -> str | None:
        return (self.norms.age_source or None) if self.age_norm is not None else None

    @property
    def above_age_norm(self) -> bool | None:
        if self.age_worse_than_s is None:
            return None
        return self.duration_s > self.age_worse_than_s

    def summary(self) -> str:
        """One sentence: 'Above the cut-off (≥ 13.5 s: higher risk of falls in
        community-dwelling older adults); slower than the average for ages 70-79 (> 10.2 s).'"""
        n = self.norms
        where = "Above" if self.above_cutoff else "Below"
        text = f"{where} the cut-off ({self.cutoff_text}: {n.meaning} in {n.population})"
        if self.age_group is not None and self.age_worse_than_s is not None:
            slower = "slower than" if self.above_age_norm else "within"
            limit = f"> {self.age_worse_than_s:g} s"
            text += f"; {slower} the average for ages {self.age_group} ({limit})"
        return text + "."

    def sources(self) -> list[str]:
        return [self.norms.source] + ([self.age_source] if self.age_source else [])

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff_s": self.norms.cutoff_s,
            "cutoff_text": self.cutoff_text,
            "above_cutoff": self.above_cutoff,
            "at_risk": self.at_risk,
            "status": self.status,
            "meaning": self.norms.meaning,
            "population": self.norms.population,
            "source": self.norms.source,
            "age_years": self.age_years,
            "age_group": self.age_group,
            "age_worse_than_s": self.age_worse_than_s,
            "above_age_norm": self.above_age_norm,
            "age_source": self.age_source,
            "sources": self.sources(),
            "summary": self.summary(),
        }


def reference_for(
    test: str, duration_s: float | None, age_years: float | None = None
) -> TestReference | None:
    """``duration_s`` of ``test`` against its references; None for a test without published
    references here (the walking-speed test is read against the gait table's normal range) or
    an untimed one. ``age_years`` picks the age norm when it falls in a published age group."""
    norms = NORMS.get(test)
    if norms is None or duration_s is None or not duration_s > 0:
        return None
    group = None
    if age_years is not None and age_years == age_years:  # not NaN
        group = next(
            (g for g in norms.age_norms if g.age_min <= age_years < g.age_max + 1), None
        )
    return TestReference(norms, float(duration_s), age_years, group)
