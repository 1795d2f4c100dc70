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

import numpy as np

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
        TestNorms(
            test="four_stage_balance",
            cutoff_s=10.0,
            inclusive=False,
            meaning="increased risk of falling (tandem stance)",
            population="community-dwelling older adults",
            source="CDC STEADI Assessment: The 4-Stage Balance Test; Rossiter-Fornoff JE, Wolf "
            "SL, Wolfson LI, Buchner DM. J Gerontol A Biol Sci Med Sci 1995;50(6):M291-M297",
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
            "kind": "time",
            "value_text": f"{self.duration_s:.1f} s",
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


CHAIR_STAND_BELOW_AVERAGE: dict[tuple[int, int], tuple[int, int]] = {
    (60, 64): (14, 12),
    (65, 69): (12, 11),
    (70, 74): (12, 10),
    (75, 79): (11, 10),
    (80, 84): (10, 9),
    (85, 89): (8, 8),
    (90, 94): (7, 4),
}
"""30-second chair stand: (men, women) stands below which a score is below average for the age
group (the lower end, 25th percentile, of Rikli & Jones's normal range); the CDC's STEADI
assessment reads a below-average score as a risk for falls."""
CHAIR_STAND_SOURCE = (
    "Rikli RE, Jones CJ. J Aging Phys Act 1999;7(2):162-181 (normal range, 25th-75th "
    "percentile); CDC STEADI Assessment: 30-Second Chair Stand (a below-average score "
    "indicates a risk for falls)"
)


@dataclass(frozen=True)
class ChairStandReference:
    """A count score (the 30-second chair stand's stands, the 30-second arm curl's curls)
    against the below-average score for the patient's age group and sex. Fewer is worse
    (``at_risk``)."""

    __test__ = False  # not a pytest class

    stands: int
    age_years: float
    sex: str
    age_min: int
    age_max: int
    below_under: int
    """Scores under this are below average."""
    unit: str = "stands"
    source: str = CHAIR_STAND_SOURCE
    consequence: str = "a risk for falls"
    """What a below-average score means ('a risk for falls'; 'weak arms')."""

    @property
    def at_risk(self) -> bool:
        return self.stands < self.below_under

    @property
    def age_group(self) -> str:
        return f"{self.age_min}-{self.age_max}"

    @property
    def who(self) -> str:
        return f"{'men' if self.sex == 'male' else 'women'} aged {self.age_group}"

    @property
    def cutoff_text(self) -> str:
        return f"< {self.below_under} {self.unit}"

    @property
    def status(self) -> str:
        return "below average" if self.at_risk else "average or better"

    def summary(self) -> str:
        """'Below the average for women aged 70-74 (< 10 stands): a below-average score
        indicates a risk for falls.'"""
        if self.at_risk:
            return (f"Below the average for {self.who} ({self.cutoff_text}): a below-average "
                    f"score indicates {self.consequence}.")
        return f"Average or better for {self.who} (below average: {self.cutoff_text})."

    def sources(self) -> list[str]:
        return [self.source]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "count",
            "value_text": f"{self.stands} {self.unit}",
            "who": self.who,
            "cutoff_s": None,
            "cutoff_text": self.cutoff_text,
            "above_cutoff": not self.at_risk,
            "at_risk": self.at_risk,
            "status": self.status,
            "meaning": f"below average for {self.who}: {self.consequence}",
            "population": "community-dwelling older adults",
            "source": self.source,
            "age_years": self.age_years,
            "age_group": self.age_group,
            "age_worse_than_s": None,
            "above_age_norm": None,
            "age_source": None,
            "sources": self.sources(),
            "summary": self.summary(),
        }


def chair_stand_reference(
    stands: int | None, age_years: float | None, sex: str | None
) -> ChairStandReference | None:
    """A 30-second chair stand score against its age and sex norm; None when the score, the age
    (60-94) or the sex (male or female) is not known."""
    return _count_reference(CHAIR_STAND_BELOW_AVERAGE, stands, age_years, sex)


def _count_reference(
    table: dict[tuple[int, int], tuple[int, int]], count: int | None,
    age_years: float | None, sex: str | None, **kind: str,
) -> ChairStandReference | None:
    """``count`` against ``table``'s below-average score for the age group and sex; None when
    the count, the age (in a group) or the sex (male or female) is not known."""
    if count is None or age_years is None or np.isnan(age_years):
        return None
    if sex not in ("male", "female"):
        return None
    for (lo, hi), (men, women) in table.items():
        if lo <= age_years < hi + 1:
            return ChairStandReference(int(count), float(age_years), sex, lo, hi,
                                       men if sex == "male" else women, **kind)
    return None


ARM_CURL_BELOW_AVERAGE: dict[tuple[int, int], tuple[int, int]] = {
    (60, 64): (16, 13),
    (65, 69): (15, 12),
    (70, 74): (14, 12),
    (75, 79): (13, 11),
    (80, 84): (13, 10),
    (85, 89): (11, 10),
    (90, 94): (10, 8),
}
"""30-second arm curl: (men, women) curls below which a score is below average for the age
group (the lower end, 25th percentile, of Rikli & Jones's normal range; women with a 5-lb,
men with an 8-lb weight)."""
ARM_CURL_SOURCE = (
    "Rikli RE, Jones CJ. J Aging Phys Act 1999;7(2):162-181 (Senior Fitness Test: 30-second "
    "arm curl, normal range, 25th-75th percentile)"
)


def arm_curl_reference(
    curls: int | None, age_years: float | None, sex: str | None
) -> ChairStandReference | None:
    """A 30-second arm curl score against its age and sex norm; None when the score, the age
    (60-94) or the sex (male or female) is not known."""
    return _count_reference(ARM_CURL_BELOW_AVERAGE, curls, age_years, sex, unit="curls",
                            source=ARM_CURL_SOURCE,
                            consequence="below-average upper-body strength")


STEP_TEST_BELOW_AVERAGE: dict[tuple[int, int], tuple[int, int]] = {
    (60, 64): (87, 75),
    (65, 69): (86, 73),
    (70, 74): (80, 68),
    (75, 79): (73, 68),
    (80, 84): (71, 60),
    (85, 89): (59, 55),
    (90, 94): (52, 44),
}
"""2-minute step test: (men, women) steps below which a score is below average for the age
group (the lower end, 25th percentile, of Rikli & Jones's normal range)."""
STEP_TEST_SOURCE = (
    "Rikli RE, Jones CJ. J Aging Phys Act 1999;7(2):162-181 (Senior Fitness Test: 2-minute "
    "step test, normal range, 25th-75th percentile)"
)


def step_test_reference(
    steps: int | None, age_years: float | None, sex: str | None
) -> ChairStandReference | None:
    """A 2-minute step test score against its age and sex norm; None when the score, the age
    (60-94) or the sex (male or female) is not known."""
    return _count_reference(STEP_TEST_BELOW_AVERAGE, steps, age_years, sex, unit="steps",
                            source=STEP_TEST_SOURCE,
                            consequence="below-average aerobic endurance")


#: the tests scored by a count against an age and sex norm:
#: test -> (name, unit, window, reference)
COUNT_TESTS: dict[str, tuple[str, str, str, Any]] = {
    "thirty_second_chair_stand": ("30-second chair stand", "stands", "30 s",
                                  chair_stand_reference),
    "arm_curl_30s": ("30-second arm curl", "curls", "30 s", arm_curl_reference),
    "two_minute_step_test": ("2-minute step test", "steps", "2 min", step_test_reference),
}


def count_needs(test: str) -> str:
    """What a count test's norm needs, for a test without the patient's age and sex."""
    name = COUNT_TESTS[test][0] if test in COUNT_TESTS else test.replace("_", " ")
    return (f"The {name} is read against norms by age (60-94) and sex: give the patient's "
            "birth date and sex in the Patients tab.")


CHAIR_STAND_NEEDS = count_needs("thirty_second_chair_stand")


def reference_of(
    test: str,
    duration_s: float | None,
    repetitions: int | None = None,
    age_years: float | None = None,
    sex: str | None = None,
    measures: dict[str, float] | None = None,
) -> dict[str, Any] | None:
    """A test's result against its references, as a dict (``to_dict``): the 30-second chair
    stand's score (``repetitions``) against its age and sex norm, the functional reach
    (``measures['reach_cm']``) against its fall-risk limits, any other test's time as
    :func:`reference_for` does."""
    if test in COUNT_TESTS:
        ref = COUNT_TESTS[test][3](repetitions, age_years, sex)
        out = None if ref is None else ref.to_dict()
        if test == "thirty_second_chair_stand" and out is not None:
            from lmm_desktop.analysis.sts_power import POWER_SOURCE, power_reading

            power = power_reading(measures or {}, sex)
            if power is not None:  # the power's own cut-off, read with the count's norm
                out["power"] = power
                out["summary"] = f"{out['summary']} {power['text']}"
                out["sources"] = [*out["sources"], POWER_SOURCE]
        return out
    if test == "functional_reach":
        from lmm_desktop.analysis.reach import reach_reference

        return reach_reference((measures or {}).get("reach_cm"), age_years, sex)
    timed = reference_for(test, duration_s, age_years)
    return None if timed is None else timed.to_dict()
