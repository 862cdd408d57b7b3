"""Celery tasks (beat): interfaces only. Each asks the outbox for the day's (or week's) work."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.outbox import outbox_enqueue
from oversight import dashboard_reminders  # noqa: F401  (registers the outbox handlers)


@shared_task(name="oversight.tasks.daily_deadline_checks")
def daily_deadline_checks() -> int:
    day = timezone.localdate().isoformat()
    return outbox_enqueue(handler="oversight.deadline_reminders", payload={"day": day},
                          dedupe_key=f"oversight-deadlines:{day}").pk


@shared_task(name="oversight.tasks.weekly_digest")
def weekly_digest() -> int:
    today = timezone.localdate()
    year, week, _day = today.isocalendar()
    return outbox_enqueue(handler="oversight.weekly_digest", payload={"day": today.isoformat()},
                          dedupe_key=f"oversight-digest:{year}-W{week:02d}").pk
