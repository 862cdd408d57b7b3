"""Celery tasks of the letters: interfaces only. Daily on beat (config/celery.py)."""

from celery import shared_task

from oversight.letter_services import escalate_overdue_letters


@shared_task(name="oversight.letter_tasks.escalate_overdue_letters")
def escalate_overdue() -> int:
    """Queue one escalation per overdue letter through the outbox; returns how many."""
    return escalate_overdue_letters()
