"""Daily deadline reminders and the weekly digest: beat -> task -> outbox -> service -> work channel."""

from __future__ import annotations

import pytest

from agencies.models import Role
from core.models import FeedItem, OutboxItem
from oversight import dashboard_reminders as reminders
from oversight import tasks
from tests.conftest import wait_for
from tests.entities.factories import member
from tests.oversight.dashboard_data import TODAY, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, official_calendar):  # type: ignore[no-untyped-def]
    w = build(cast)
    member("a_liaison", w.a, Role.LIAISON)
    member("b_chief", w.b, Role.SECTION_CHIEF)
    return w


def _inbox(username: str) -> list[str]:
    return sorted(FeedItem.objects.filter(recipient__username=username).values_list("title", flat=True))


def test_cards_reach_the_people_of_each_department_concerned_once_a_day(world) -> None:
    assert reminders.deadline_reminders_send(today=TODAY) > 0
    a = _inbox("a_liaison")
    # T2 is late for publication (A and B take part), T4 waits for A's claim; T3 (B alone) is yellow.
    assert any("【红牌】T2" in t for t in a) and any("未在 2026-06-01 前认领任务" in t for t in a)
    assert not any("T3" in t for t in a)
    b = _inbox("b_chief")
    assert any("【红牌】T2" in t for t in b) and any("【黄牌】T3" in t for t in b)
    assert _inbox("charlie") == b  # another person of B with a concerned role
    assert _inbox("office1") == [] and _inbox("discipline1") == []
    before = FeedItem.objects.count()
    assert reminders.deadline_reminders_send(today=TODAY) == 0
    assert FeedItem.objects.count() == before


def test_the_weekly_digest_goes_to_the_office_once_a_week(world) -> None:
    assert reminders.weekly_digest_send(today=TODAY) == 1
    (item,) = FeedItem.objects.filter(recipient=world.office)
    assert "2026-W25" in item.title and "红牌 2 项，黄牌 1 项" in item.body and "逾期未公示的检查结果 3 条" in item.body
    assert reminders.weekly_digest_send(today=TODAY) == 0


def test_beat_tasks_only_ask_the_outbox_and_a_second_run_adds_nothing(world, monkeypatch, settings,
                                                                     django_capture_on_commit_callbacks) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # in-process here; the real worker has its own test below
    monkeypatch.setattr("oversight.tasks.timezone.localdate", lambda: TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.daily_deadline_checks()
        tasks.weekly_digest()
    item = OutboxItem.objects.get(pk=first)
    assert item.handler == "oversight.deadline_reminders" and item.status == "done"
    assert FeedItem.objects.filter(kind="office_digest").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.daily_deadline_checks() == first
    assert OutboxItem.objects.filter(handler__startswith="oversight.").count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_days_reminders(cast, official_calendar, celery_worker) -> None:
    build(cast)
    member("a_liaison", cast.dept_a, Role.LIAISON)
    item_id = tasks.daily_deadline_checks()  # today is later than every deadline of the constructed year
    assert wait_for(lambda: OutboxItem.objects.get(pk=item_id).status == "done", timeout=60)
    titles = _inbox("a_liaison")
    assert any("【红牌】T2" in t for t in titles) and any("认领任务" in t for t in titles)


def test_the_beat_schedule_names_both_tasks() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    app.finalize()
    beat_tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"oversight.tasks.daily_deadline_checks", "oversight.tasks.weekly_digest"} <= beat_tasks
    assert "oversight.tasks.daily_deadline_checks" in app.tasks
