"""Guidance for drawn entities (trainings with invitations and attendance, a count per year) and
follow-up visits (企业回访) with a summary per department."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import AuditEntry
from inspections.drawing import entity_list_assign
from inspections.fieldwork_services import (
    FieldworkRefused,
    feedback_record,
    feedback_summary,
    training_invite,
    training_record_attendance,
    training_save,
    training_years,
)
from inspections.models import EntityFeedback, Notice, TrainingAttendance, TrainingSession, Visit
from inspections.services import task_publish
from tests.factories import person
from tests.inspections.entities import code, registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def listed(cast):
    registry(8)
    task = make_task(user=cast.alice, department=cast.dept_a, draw_mode="assigned")
    task_publish(task=task, user=cast.alice)
    entity_list_assign(task=task, user=cast.alice, usccs=[code(i) for i in range(5)], note="上级下发名单")
    task.refresh_from_db()
    return task


@pytest.fixture
def dave(cast):
    return person("dave", cast.dept_a, Role.INSPECTOR)


def _session(cast, **data):
    fields = {"title": "旅馆业检查要点与材料准备", "held_on": dt.date(YEAR, 11, 20), "provider_kind": "staff", **data}
    return training_save(department=cast.dept_a, user=cast.alice, data=fields)


def test_drawn_entities_are_invited_once_and_attendance_is_counted_per_year(cast, listed) -> None:
    with pytest.raises(FieldworkRefused, match="机构名称"):
        _session(cast, provider_kind="third_party", provider="")
    first = _session(cast, provider_kind="third_party", provider="某消防技术服务公司")
    assert training_invite(session=first, user=cast.alice, task=listed) == 5
    assert training_invite(session=first, user=cast.alice, task=listed) == 0
    rows = list(first.attendance.order_by("entity_id"))
    training_record_attendance(session=first, user=cast.alice, attended={rows[0].pk, rows[1].pk, rows[2].pk})
    second = _session(cast, held_on=dt.date(YEAR, 12, 1))
    training_invite(session=second, user=cast.alice, task=listed)
    training_record_attendance(session=second, user=cast.alice, attended={a.pk for a in second.attendance.all()[:4]})
    _session(cast, held_on=dt.date(YEAR - 1, 6, 1))
    years = training_years(department_ids={cast.dept_a.pk})
    assert [(y.year, y.sessions, y.by_third_party, y.invited) for y in years] == [(YEAR, 2, 1, 5), (YEAR - 1, 1, 0, 0)]
    assert years[0].trained == len({rows[0].entity_id, rows[1].entity_id, rows[2].entity_id}
                                   | set(second.attendance.filter(attended=True).values_list("entity_id", flat=True)))
    assert training_years(department_ids={cast.dept_b.pk}) == []
    assert AuditEntry.objects.filter(action="training_attendance", count=3).exists()
    assert AuditEntry.objects.filter(action="training_invite", count=5).exists()


def test_training_pages_three_people(cast, listed, dave, client) -> None:
    client.force_login(cast.alice)
    response = client.post("/trainings/", {"title": "食品安全培训", "held_on": "2026-12-10", "provider_kind": "staff",
                                           "audience": "entities", "provider": "", "location": "区政务中心"})
    session = TrainingSession.objects.get(title="食品安全培训")
    assert response.status_code == 302 and session.department == cast.dept_a
    assert client.post(f"/trainings/{session.pk}/invite/", {"task": listed.pk}).status_code == 302
    assert TrainingAttendance.objects.filter(session=session).count() == 5
    client.force_login(dave)
    assert client.get(f"/trainings/{session.pk}/").status_code == 200
    assert "食品安全培训" in client.get("/trainings/").content.decode()
    assert client.post(f"/trainings/{session.pk}/", {"attended": []}).status_code == 404
    assert client.post(f"/trainings/{session.pk}/invite/", {"task": listed.pk}).status_code == 404
    client.force_login(cast.charlie)
    assert client.get(f"/trainings/{session.pk}/").status_code == 404
    assert "食品安全培训" not in client.get("/trainings/").content.decode()
    client.force_login(cast.alice)
    one = TrainingAttendance.objects.filter(session=session).first()
    client.post(f"/trainings/{session.pk}/", {"attended": [one.pk]})
    assert list(TrainingAttendance.objects.filter(attended=True)) == [one]


def test_an_invited_entity_sees_the_training_on_its_notice_page(cast, listed, client) -> None:
    session = _session(cast, held_on=timezone.localdate() + dt.timedelta(days=5), location="区政务中心三楼")
    training_invite(session=session, user=cast.alice, task=listed)
    visit = Visit.objects.get(entity_id=code(0))
    notice = Notice.objects.create(visit=visit, token="TEST-CODE-AAAA-BBBB-CCCC", issued_by=cast.alice,
                                   proposed_dates=[visit.window_start.isoformat()])
    page = client.get(f"/n/{notice.token}/").content.decode()
    assert "培训邀请" in page and "区政务中心三楼" in page


def test_follow_up_visits_are_for_inspected_entities_and_summarised_per_department(cast, listed) -> None:
    with pytest.raises(FieldworkRefused, match="不是本任务"):
        feedback_record(task=listed, entity_id=code(7), department=cast.dept_a, user=cast.alice,
                        visited_on=dt.date(YEAR, 12, 22), satisfaction=5)
    with pytest.raises(FieldworkRefused, match="早于"):
        feedback_record(task=listed, entity_id=code(0), department=cast.dept_a, user=cast.alice,
                        visited_on=listed.window_start - dt.timedelta(days=1), satisfaction=5)
    for n, score in enumerate((5, 4, 2)):
        feedback_record(task=listed, entity_id=code(n), department=cast.dept_a, user=cast.alice,
                        visited_on=dt.date(YEAR, 12, 22), satisfaction=score, opinion="希望提前告知检查重点" if score == 2 else "")
    feedback_record(task=listed, entity_id=code(0), department=cast.dept_a, user=cast.alice,
                    visited_on=dt.date(YEAR, 12, 28), satisfaction=5)
    [line] = feedback_summary(year=YEAR, department_ids=None)
    assert (line.department, line.visits, line.entities, line.average, line.dissatisfied) == ("甲局", 4, 3, 4.0, 1)
    assert line.spread == {5: 2, 4: 1, 3: 0, 2: 1, 1: 0}
    assert feedback_summary(year=YEAR, department_ids={cast.dept_b.pk}) == []


def test_follow_up_pages_three_people(cast, listed, dave, client) -> None:
    url = f"/tasks/{listed.pk}/follow-up-visits/"
    data = {"entity": code(1), "department": cast.dept_a.pk, "visited_on": "2026-12-22", "satisfaction": "4", "opinion": "检查规范"}
    client.force_login(dave)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 404
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert "甲局" not in client.get("/follow-up-visits/?year=2026").content.decode()
    client.force_login(cast.alice)
    assert client.post(url, data).status_code == 302
    assert EntityFeedback.objects.get().opinion == "检查规范"
    client.force_login(dave)
    summary = client.get("/follow-up-visits/?year=2026").content.decode()
    assert "甲局" in summary and "4.0" in summary
