"""Time rules of docs/spec/rules.md §3: calendar days on the wall clock, DST gaps, ages, date-only values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from accord.domain.time import add_calendar_days, age_on, local_date, start_of_day, to_instant, wall_clock

NY = "America/New_York"
EDT = timezone(timedelta(hours=-4))
EST = timezone(timedelta(hours=-5))


def test_calendar_days_keep_the_wall_clock_across_a_dst_change() -> None:
    served = datetime(2025, 3, 1, 10, 0, tzinfo=EST)  # before the March 9 change
    ends = add_calendar_days(served, 10, NY)
    assert ends == datetime(2025, 3, 11, 10, 0, tzinfo=EDT)
    assert ends - served == timedelta(days=10) - timedelta(hours=1)  # one elapsed hour fewer


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    # 2025-03-09 02:30 does not exist in New York; it becomes 03:30 EDT.
    moved = wall_clock(datetime(2025, 3, 9, 2, 30), NY)
    assert moved.astimezone(UTC) == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)


def test_an_ambiguous_time_takes_its_first_occurrence() -> None:
    # 2025-11-02 01:30 happens twice in New York; the first is EDT (UTC-4).
    first = wall_clock(datetime(2025, 11, 2, 1, 30), NY)
    assert first.astimezone(UTC) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


def test_a_date_means_the_start_of_that_day_in_the_records_zone() -> None:
    assert to_instant(date(2025, 3, 14), "America/El_Salvador") == datetime(2025, 3, 14, 6, 0, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=-6))
    )
    assert start_of_day(date(2025, 3, 14), NY).utcoffset() == timedelta(hours=-4)
    instant = datetime(2025, 3, 15, 18, 45, tzinfo=EDT)
    assert to_instant(instant, "UTC") is instant


def test_leap_day_birthdays_turn_older_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2025, 2, 28)) == 16
    assert age_on(born, date(2025, 3, 1)) == 17
    assert age_on(born, date(2028, 2, 29)) == 20


def test_local_date_of_an_instant() -> None:
    late = datetime(2025, 3, 16, 0, 10, tzinfo=EDT)  # 22:10 on the 15th in El Salvador
    assert local_date(late, "America/El_Salvador") == date(2025, 3, 15)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 120))
def test_age_is_whole_years(birth: date, years: int) -> None:
    try:
        anniversary = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year
        anniversary = date(birth.year + years, 3, 1)
    assert age_on(birth, anniversary) == years
    assert age_on(birth, anniversary - timedelta(days=1)) == years - 1
