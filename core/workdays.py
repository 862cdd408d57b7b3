"""Working days on China's official holiday calendar.

The calendar is data (``CalendarYear`` and ``CalendarDay``), seeded from chinese-calendar and
extended by operators in the admin each November when the State Council announces the next year.
For a year with no schedule on record, only weekends count as rest days and the answer carries
``estimated=True`` so every page that shows it can warn; it never crashes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache

_VERSION_KEY = "core:calendar:version"
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
_memo: dict[str, object] = {}


@dataclass(frozen=True)
class Calendar:
    known_years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    def is_known(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkdayResult:
    date: dt.date
    estimated: bool = False
    unknown_years: tuple[int, ...] = field(default_factory=tuple)

    @property
    def warning(self) -> str:
        if not self.estimated:
            return ""
        from django.utils.translation import gettext

        years = "、".join(str(y) for y in self.unknown_years)
        return gettext("%(years)s 年的法定节假日安排尚未录入，此日期仅按周末推算，请核对。") % {"years": years}


def calendar_changed() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)
    _memo.clear()


def load_calendar() -> Calendar:
    from core.models import CalendarDay, CalendarYear

    version = cache.get_or_set(_VERSION_KEY, 1, None)
    if _memo.get("version") == version and "calendar" in _memo:
        return _memo["calendar"]  # type: ignore[return-value]
    days = CalendarDay.objects.values_list("date", "kind")
    calendar = Calendar(
        known_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        holidays=frozenset(d for d, k in days if k == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(d for d, k in days if k == CalendarDay.Kind.WORKDAY),
    )
    _memo.update(version=version, calendar=calendar)
    return calendar


def is_workday(day: dt.date, *, calendar: Calendar | None = None) -> bool:
    return (calendar or load_calendar()).is_workday(day)


def add_working_days(start: dt.date, days: int, *, calendar: Calendar | None = None) -> WorkdayResult:
    """The date ``days`` working days after ``start``; ``start`` itself is not counted."""
    if days < 0:
        raise ValueError("days must not be negative")
    cal = calendar or load_calendar()
    current, counted, unknown = start, 0, set()
    while counted < days:
        current += dt.timedelta(days=1)
        if not cal.is_known(current):
            unknown.add(current.year)
        if cal.is_workday(current):
            counted += 1
    return WorkdayResult(current, bool(unknown), tuple(sorted(unknown)))


def working_days_between(start: dt.date, end: dt.date, *, calendar: Calendar | None = None) -> WorkdayResult:
    """Working days in (start, end]: how many have passed since ``start`` by ``end``."""
    cal = calendar or load_calendar()
    step = 1 if end >= start else -1
    current, counted, unknown = start, 0, set()
    while current != end:
        current += dt.timedelta(days=step)
        if not cal.is_known(current):
            unknown.add(current.year)
        if cal.is_workday(current):
            counted += step
    return WorkdayResult(end, bool(unknown), tuple(sorted(unknown)))


def seed_from_chinese_calendar(calendar_day_model: Any, calendar_year_model: Any) -> int:
    """Load chinese-calendar's table (2004 onwards) into the data tables; safe to run again."""
    from importlib.metadata import version

    import chinese_calendar

    source = f"chinese-calendar {version('chinesecalendar')}"
    # chinese-calendar lists the days off of each holiday period (weekends inside it included)
    # and the make-up working days; any other date follows the weekend rule.
    holiday_rows = [(d, "holiday", _HOLIDAY_NAMES.get(n, n)) for d, n in chinese_calendar.holidays.items()]
    holiday_rows += [(d, "workday", _HOLIDAY_NAMES.get(n, n)) for d, n in chinese_calendar.workdays.items()]
    years = sorted({d.year for d, _, _ in holiday_rows})
    existing = set(calendar_day_model.objects.values_list("date", flat=True))
    calendar_day_model.objects.bulk_create(
        [calendar_day_model(date=d, kind=k, name=n[:50]) for d, k, n in holiday_rows if d not in existing],
        batch_size=1000,
    )
    known = set(calendar_year_model.objects.values_list("year", flat=True))
    calendar_year_model.objects.bulk_create(
        [calendar_year_model(year=y, source=source) for y in years if y not in known]
    )
    return len(holiday_rows)
