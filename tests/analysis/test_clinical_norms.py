"""Published cut-offs and age norms the timed clinical tests are read against."""

from __future__ import annotations

import math

import pytest

from lmm_desktop.analysis.clinical_norms import NORMS, POPULATION_NOTE, reference_for


@pytest.mark.parametrize(
    ("test", "duration", "above"),
    [
        ("timed_up_and_go", 17.18, True),
        ("timed_up_and_go", 13.5, True),  # "13.5 s or more" (Shumway-Cook 2000)
        ("timed_up_and_go", 13.49, False),
        ("four_square_step_test", 15.0, False),  # "more than 15 s" (Dite & Temple 2002)
        ("four_square_step_test", 15.01, True),
        ("five_times_sit_to_stand", 12.0, True),  # "12 s or more" (Tiedemann 2008)
        ("five_times_sit_to_stand", 10.68, False),
    ],
)
def test_cutoff_sides_including_the_boundary(test: str, duration: float, above: bool) -> None:
    ref = reference_for(test, duration)
    assert ref is not None
    assert ref.above_cutoff is above
    assert ref.status == ("above cut-off" if above else "below cut-off")
    assert ref.age_group is None and ref.age_worse_than_s is None and ref.above_age_norm is None


@pytest.mark.parametrize(
    ("test", "age", "group", "limit"),
    [
        ("timed_up_and_go", 64.0, "60-69", 9.0),
        ("timed_up_and_go", 79.9, "70-79", 10.2),
        ("timed_up_and_go", 91.0, "80-99", 12.7),
        ("five_times_sit_to_stand", 60.0, "60-69", 11.4),
        ("five_times_sit_to_stand", 75.0, "70-79", 12.6),
        ("five_times_sit_to_stand", 85.0, "80-89", 14.8),
    ],
)
def test_age_norm_of_the_patients_age_group(
    test: str, age: float, group: str, limit: float
) -> None:
    ref = reference_for(test, limit + 0.5, age)
    assert ref is not None
    assert (ref.age_group, ref.age_worse_than_s) == (group, limit)
    assert ref.above_age_norm is True
    assert "Bohannon" in (ref.age_source or "")
    assert f"slower than the average for ages {group} (> {limit:g} s)" in ref.summary()
    within = reference_for(test, limit - 0.5, age)
    assert within is not None and within.above_age_norm is False
    assert "within the average" in within.summary()


@pytest.mark.parametrize("age", [None, 45.0, 59.9, 95.0, math.nan])
def test_no_age_norm_outside_the_published_age_groups(age: float | None) -> None:
    ref = reference_for("five_times_sit_to_stand", 13.0, age)  # norms cover 60-89
    assert ref is not None and ref.age_group is None and ref.age_source is None
    assert ref.above_cutoff  # the cut-off still applies


@pytest.mark.parametrize(
    ("test", "duration"),
    [
        ("walking_speed", 5.0),  # read against the gait table's normal range instead
        ("timed_up_and_go", None),  # not timed
        ("timed_up_and_go", 0.0),
        ("timed_up_and_go", -3.0),
        ("timed_up_and_go", math.nan),
        ("no_such_test", 10.0),
    ],
)
def test_no_reference_for_untimed_or_unknown_tests(test: str, duration: float | None) -> None:
    assert reference_for(test, duration) is None


def test_every_reference_cites_its_source_and_population() -> None:
    for test, norms in NORMS.items():
        ref = reference_for(test, norms.cutoff_s + 1, 70.0)
        assert ref is not None
        d = ref.to_dict()
        assert d["source"] and d["population"] == "community-dwelling older adults"
        assert d["summary"].startswith("Above the cut-off (")
        assert d["cutoff_text"] in d["summary"]
    assert "other populations" in POPULATION_NOTE
