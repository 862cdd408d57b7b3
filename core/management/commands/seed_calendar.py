from typing import Any

from django.core.management.base import BaseCommand

from core.models import CalendarDay, CalendarYear
from core.workdays import calendar_changed, seed_from_chinese_calendar


class Command(BaseCommand):
    help = "Load the official holiday schedule known to chinese-calendar into the calendar tables."

    def handle(self, *args: Any, **options: Any) -> None:
        n = seed_from_chinese_calendar(CalendarDay, CalendarYear)
        calendar_changed()
        years = CalendarYear.objects.order_by("year").values_list("year", flat=True)
        self.stdout.write(f"{n} calendar days known; years {years.first()}–{years.last()}")
