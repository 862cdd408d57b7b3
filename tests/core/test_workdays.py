import datetime as dt

import pytest

from core.models import CalendarDay, CalendarYear
from core.workdays import add_working_days, calendar_changed, is_workday, working_days_between

pytestmark = pytest.mark.django_db


def test_twenty_working_days_after_28_september_2026_is_30_october(official_calendar) -> None:
    # National Day 1–7 October is off; Saturday 10 October is a make-up working day.
    result = add_working_days(dt.date(2026, 9, 28), 20)
    assert result.date == dt.date(2026, 10, 30)
    assert not result.estimated and result.warning == ""


def test_make_up_working_days_count_and_holidays_do_not(official_calendar) -> None:
    assert is_workday(dt.date(2026, 10, 10))  # Saturday, make-up day
    assert not is_workday(dt.date(2026, 10, 5))  # Monday, National Day
    assert not is_workday(dt.date(2026, 10, 11))  # ordinary Sunday


def test_a_date_beyond_the_known_years_uses_weekends_only_and_is_flagged(official_calendar) -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    result = add_working_days(dt.date(2026, 12, 28), 5)
    # 29, 30, 31 December 2026; then 1 January 2027 counts (no 2027 schedule), then 4 January.
    assert result.date == dt.date(2027, 1, 4)
    assert result.estimated and result.unknown_years == (2027,)
    assert "2027" in result.warning


def test_an_operator_can_enter_next_years_schedule(official_calendar) -> None:
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    calendar_changed()
    result = add_working_days(dt.date(2026, 12, 28), 5)
    assert result.date == dt.date(2027, 1, 5)
    assert not result.estimated


def test_working_days_between_counts_from_the_day_after(official_calendar) -> None:
    assert working_days_between(dt.date(2026, 9, 28), dt.date(2026, 10, 30)).date == dt.date(2026, 10, 30)
    count = 0
    day = dt.date(2026, 9, 28)
    while day < dt.date(2026, 10, 30):
        day += dt.timedelta(days=1)
        count += is_workday(day)
    assert count == 20
