"""The office's guidance and training sessions for departments: the office registers a session
inviting departments (their liaisons get a notice) and records who attended; discipline reads
only; a department's people see only the sessions their department was invited to; the assessor
sees nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Department, Role
from core.models import FeedItem
from oversight.guidance_services import guidance_attendance_set, guidance_create
from oversight.letter_services import OversightError
from oversight.models import GuidanceAttendance, GuidanceSession
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    office = DepartmentFactory(code="LXB", name="区联席会议办公室", kind=Department.Kind.OFFICE)
    jjz = DepartmentFactory(code="JJZ", name="区纪检监察组", kind=Department.Kind.DISCIPLINE)
    ggb = DepartmentFactory(code="GGB", name="营商办", kind=Department.Kind.ASSESSOR)
    return {
        "cast": cast,
        "office": person("office", office, Role.OFFICE),
        "discipline": person("discipline", jjz, Role.DISCIPLINE),
        "assessor": person("assessor", ggb, Role.ASSESSOR),
        "liaison": person("liaison", cast.dept_a, Role.LIAISON),
    }


def _post_session(client, w):
    return client.post("/oversight/guidance/new/", {
        "title": "抽查结果录入培训", "kind": "training", "held_on": "2026-11-20", "place": "三楼会议室",
        "topic": "录入规范", "departments": [w["cast"].dept_a.pk],
    })


def test_the_office_creates_a_session_notifies_the_liaison_and_records_attendance(client, world) -> None:
    w = world
    client.force_login(w["office"])
    assert client.get("/oversight/guidance/new/").status_code == 200
    response = _post_session(client, w)
    session = GuidanceSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/oversight/guidance/{session.pk}/"
    assert list(session.departments.all()) == [w["cast"].dept_a]
    notice = FeedItem.objects.get(recipient=w["liaison"], kind="guidance")
    assert "抽查结果录入培训" in notice.title and notice.url == f"/oversight/guidance/{session.pk}/"
    page = client.get(f"/oversight/guidance/{session.pk}/").content.decode()
    assert f'value="{w["cast"].bob.pk}"' in page and f'value="{w["cast"].charlie.pk}"' not in page  # invited people only
    response = client.post(f"/oversight/guidance/{session.pk}/attendance/", {"attendees": [w["cast"].bob.pk, w["liaison"].pk]})
    assert response.status_code == 302
    attended = GuidanceAttendance.objects.filter(session=session)
    assert {a.user_id for a in attended} == {w["cast"].bob.pk, w["liaison"].pk}
    assert {a.department_id for a in attended} == {w["cast"].dept_a.pk}
    # Recording again replaces the set: bob only.
    client.post(f"/oversight/guidance/{session.pk}/attendance/", {"attendees": [w["cast"].bob.pk]})
    assert list(GuidanceAttendance.objects.filter(session=session).values_list("user_id", flat=True)) == [w["cast"].bob.pk]
    # Someone of a department not invited cannot be recorded.
    client.post(f"/oversight/guidance/{session.pk}/attendance/", {"attendees": [w["cast"].charlie.pk]})
    assert list(GuidanceAttendance.objects.filter(session=session).values_list("user_id", flat=True)) == [w["cast"].bob.pk]
    with pytest.raises(OversightError):
        guidance_attendance_set(session=session, user=w["office"], attendee_ids=[w["cast"].charlie.pk])


def test_discipline_reads_only(client, world) -> None:
    w = world
    session = guidance_create(user=w["office"], title="现场指导", kind="onsite", held_on=dt.date(2026, 11, 2),
                              place="甲局", departments=[w["cast"].dept_a])
    client.force_login(w["discipline"])
    assert 'href="/oversight/guidance/"' in client.get(reverse("agencies:discipline")).content.decode()
    assert "现场指导" in client.get("/oversight/guidance/").content.decode()
    assert client.get(f"/oversight/guidance/{session.pk}/").status_code == 200
    assert client.get("/oversight/guidance/new/").status_code == 404
    assert _post_session(client, w).status_code == 404
    assert client.post(f"/oversight/guidance/{session.pk}/attendance/", {"attendees": [w["cast"].bob.pk]}).status_code == 404
    assert GuidanceSession.objects.count() == 1 and not GuidanceAttendance.objects.exists()


def test_a_department_sees_only_its_sessions_and_the_assessor_nothing(client, world) -> None:
    w = world
    mine = guidance_create(user=w["office"], title="甲局培训", kind="training", held_on=dt.date(2026, 11, 2), place="甲",
                           departments=[w["cast"].dept_a])
    other = guidance_create(user=w["office"], title="乙局培训", kind="training", held_on=dt.date(2026, 11, 3), place="乙",
                            departments=[w["cast"].dept_b])
    guidance_attendance_set(session=mine, user=w["office"], attendee_ids=[w["cast"].bob.pk])
    client.force_login(w["cast"].bob)
    listing = client.get("/oversight/guidance/").content.decode()
    assert "甲局培训" in listing and "乙局培训" not in listing
    page = client.get(f"/oversight/guidance/{mine.pk}/").content.decode()
    assert 'id="attendance"' in page and str(w["cast"].bob) in page and 'name="attendees"' not in page
    assert client.get(f"/oversight/guidance/{other.pk}/").status_code == 404
    assert client.post(f"/oversight/guidance/{mine.pk}/attendance/", {"attendees": []}).status_code == 404
    assert client.get("/oversight/guidance/new/").status_code == 404
    assert GuidanceAttendance.objects.filter(session=mine).count() == 1
    client.force_login(w["assessor"])
    assert client.get("/oversight/guidance/").status_code == 404
    assert client.get(f"/oversight/guidance/{mine.pk}/").status_code == 404
    assert client.post(f"/oversight/guidance/{mine.pk}/attendance/", {"attendees": []}).status_code == 404
    client.logout()
    assert client.get(f"/oversight/guidance/{mine.pk}/").status_code in (302, 404)
