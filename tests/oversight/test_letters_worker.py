"""On PostgreSQL with Redis and a real Celery worker: the daily sweep's outbox row is run by the
worker and the overdue letter is escalated once."""

import datetime as dt

import pytest

from agencies.models import Department, Role
from core.models import FeedItem, OutboxItem
from oversight.letter_services import escalate_overdue_letters, letter_draft_save, letter_send
from tests.conftest import wait_for
from tests.factories import DepartmentFactory, person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.celery_worker]


def test_the_worker_escalates_an_overdue_letter(celery_worker, official_calendar) -> None:
    office = DepartmentFactory(code="LXB", name="联席办", kind=Department.Kind.OFFICE)
    dept = DepartmentFactory(code="SCJG", name="市场监管局")
    clerk = person("office", office, Role.OFFICE)
    person("liaison", dept, Role.LIAISON)
    letter = letter_draft_save(user=clerk, issuer=office, department=dept, title="提醒", body="", items=[("整改", 3)])
    letter_send(letter=letter, user=clerk, today=dt.date(2026, 9, 1))
    assert escalate_overdue_letters() == 1
    assert escalate_overdue_letters() == 1  # not escalated yet, or queued again: the dedupe key keeps one row
    item = wait_for(lambda: OutboxItem.objects.filter(handler="oversight.escalate_letter", status="done").first(), timeout=60)
    assert item is not None and item.result["outcome"] == "escalated" and ":" in item.result["worker"]
    assert OutboxItem.objects.filter(handler="oversight.escalate_letter").count() == 1
    assert FeedItem.objects.filter(kind="reminder_letter_overdue", recipient__username="liaison").count() == 1
