"""``seed_demo`` steps: each app registers its own in ``<app>/demo.py``; core runs them in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoStep = Callable[[Any], None]
_STEPS: list[tuple[int, str, DemoStep]] = []
DEMO_PASSWORD = "Demo#2026ssj"  # noqa: S105  (printed by seed_demo; demo databases only)


def demo_step(order: int, name: str) -> Callable[[DemoStep], DemoStep]:
    def register(func: DemoStep) -> DemoStep:
        if all(n != name for _, n, _ in _STEPS):
            _STEPS.append((order, name, func))
        return func

    return register


def steps() -> list[tuple[int, str, DemoStep]]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo")
    return sorted(_STEPS, key=lambda s: s[0])


@demo_step(1, "core: the official working-day calendar")
def _calendar(out: Any) -> None:
    from core.models import CalendarDay, CalendarYear
    from core.workdays import calendar_changed, seed_from_chinese_calendar

    if not CalendarYear.objects.exists():  # seeded by migration; a flushed test database lacks it
        seed_from_chinese_calendar(CalendarDay, CalendarYear)
        calendar_changed()
