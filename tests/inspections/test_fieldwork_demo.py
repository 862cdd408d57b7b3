"""The demo district shows field work for the hotel task: teams, notices in several states, a training."""

import pytest
from django.core.management import call_command

from inspections.fieldwork_services import team_check
from inspections.models import Notice, NoticeEvent, TeamMember, TrainingAttendance, TrainingSession

pytestmark = pytest.mark.django_db


def test_the_demo_hotel_task_has_teams_notices_and_a_training(settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("seed_demo")
    notices = Notice.objects.filter(visit__visit_tasks__task__title="旅馆业联合抽查（第一批）")
    assert notices.count() == 4
    for notice in notices:
        check = team_check(visit=notice.visit)
        assert check.ready and check.leader is not None
        assert {"GA", "ZJJ", "WJJ", "XF"} <= set(
            TeamMember.objects.filter(visit=notice.visit, kind="drawn").values_list("department__code", flat=True))
    assert notices.filter(read_at__isnull=False, agreed_date__isnull=False).count() == 1
    assert NoticeEvent.objects.filter(kind="delivered", via="in_person").count() == 2
    assert TeamMember.objects.filter(kind="third_party", item__code="ZJJ-001").exists()
    assert TeamMember.objects.filter(is_section_chief=True, name="孙强").exists()
    held, ahead = TrainingSession.objects.filter(task__title="旅馆业联合抽查（第一批）").order_by("held_on")
    assert TrainingAttendance.objects.filter(session=held, attended=True).exists()
    assert not TrainingAttendance.objects.filter(session=ahead, attended=True).exists()
