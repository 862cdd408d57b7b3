"""Celery tasks: interfaces only."""

from celery import shared_task

from inspections.reminders import send_claim_reminders, send_matching_reminders


@shared_task(name="inspections.tasks.daily_checks")
def daily_checks() -> dict[str, int]:
    return {"matching_reminders": send_matching_reminders(), "claim_reminders": send_claim_reminders()}
