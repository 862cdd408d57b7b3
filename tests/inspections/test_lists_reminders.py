import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import FeedItem
from inspections.drawing import DrawRefused, draw_announce, entity_list_assign
from inspections.models import Draw, EntityList, Visit
from inspections.reminders import send_matching_reminders
from inspections.services import task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed_task():
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(20)
    task = make_task(user=user, department=dept, draw_mode="assigned", source="superior")
    task_publish(task=task, user=user)
    return task, user


def test_a_superiors_list_is_recorded_as_such_and_never_as_a_draw(listed_task) -> None:
    task, user = listed_task
    with pytest.raises(DrawRefused, match="不经抽取"):
        draw_announce(task=task, user=user)
    entity_list = entity_list_assign(task=task, user=user, usccs=[code(i) for i in range(5)], note="省局〔2026〕12号文下发名单")
    task.refresh_from_db()
    assert task.status == "entities_drawn"
    assert entity_list.source == EntityList.Source.SUPERIOR and entity_list.count == 5
    assert not Draw.objects.filter(task=task).exists()
    assert "未经抽取" in task.transitions.get(action="record_entity_draw").reason
    assert Visit.objects.filter(tasks=task).count() == 5


def test_a_list_naming_unknown_entities_is_refused(listed_task) -> None:
    task, user = listed_task
    with pytest.raises(DrawRefused, match="不在主体库中"):
        entity_list_assign(task=task, user=user, usccs=[code(999)], note="名单")
    assert not EntityList.objects.exists()


def test_a_reminder_goes_out_once_matching_is_two_working_days_late(listed_task, official_calendar) -> None:
    task, user = listed_task
    entity_list_assign(task=task, user=user, usccs=[code(1)], note="名单")
    EntityList.objects.filter(task=task).update(created_at=timezone.make_aware(dt.datetime(2026, 9, 29, 10)))
    # Fixed on Tue 29 Sep 2026: 2 working days later is Thu 8 Oct (1–7 Oct is National Day).
    assert send_matching_reminders(today=dt.date(2026, 10, 8)) == 0
    assert send_matching_reminders(today=dt.date(2026, 10, 9)) == 1
    assert send_matching_reminders(today=dt.date(2026, 10, 9)) == 0  # once a day
    assert FeedItem.objects.filter(recipient=user, kind="matching_overdue").count() == 1


def test_claim_deadlines_reach_the_invited_and_then_the_initiator(official_calendar) -> None:
    from inspections.reminders import send_claim_reminders

    ga, zjj = DepartmentFactory(code="GA"), DepartmentFactory(code="ZJJ")
    ga_user, zjj_user = person("ga", ga, Role.STAFF), person("zjj", zjj, Role.STAFF)
    task = make_task(user=ga_user, department=ga, participants=[zjj], claim_deadline=dt.date(2026, 10, 9))
    task_publish(task=task, user=ga_user)
    assert send_claim_reminders(today=dt.date(2026, 9, 30)) == 0  # next working day is 8 Oct
    assert send_claim_reminders(today=dt.date(2026, 10, 8)) == 1
    assert zjj_user.feed_items.filter(kind="claim_due").count() == 1
    assert send_claim_reminders(today=dt.date(2026, 10, 8)) == 0  # once a day
    assert send_claim_reminders(today=dt.date(2026, 10, 12)) == 1
    assert ga_user.feed_items.filter(kind="claim_overdue").count() == 1
