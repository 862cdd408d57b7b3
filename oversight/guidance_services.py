"""Guidance and training sessions the office gives to departments, and who attended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.models import DEPARTMENT_ROLES, Department, Membership, Role
from agencies.selectors import users_with_roles
from core.services import feed_post
from oversight.letter_services import OversightError
from oversight.models import GuidanceAttendance, GuidanceSession


def guidance_people(*, session: GuidanceSession) -> list[tuple[Any, Department]]:
    """Each person of an invited department (active department role), with that department."""
    rows = (
        Membership.objects.filter(
            department__in=session.departments.all(), is_active=True, role__in=DEPARTMENT_ROLES, user__is_active=True,
        )
        .select_related("user", "department")
        .order_by("department__code", "user__username")
    )
    seen: dict[int, tuple[Any, Department]] = {}
    for m in rows:
        seen.setdefault(m.user_id, (m.user, m.department))
    return list(seen.values())


@transaction.atomic
def guidance_create(
    *, user: Any, title: str, kind: str, held_on: dt.date, place: str, topic: str = "", departments: Iterable[Department],
) -> GuidanceSession:
    departments = list(departments)
    if not departments:
        raise OversightError(_("请至少选择一个参加部门。"))
    session = GuidanceSession.objects.create(
        title=title.strip(), kind=kind, held_on=held_on, place=place.strip(), topic=topic.strip(), created_by=user,
    )
    session.departments.set(departments)
    people = [u for d in departments for u in users_with_roles(department=d, roles={Role.LIAISON})]
    feed_post(
        recipients=people,
        title=_("%(kind)s通知：%(title)s") % {"kind": session.get_kind_display(), "title": session.title},
        body=_("时间：%(date)s；地点：%(place)s。请组织相关人员参加。") % {"date": held_on.isoformat(), "place": session.place},
        url=reverse("oversight:guidance_session", args=[session.pk]), kind="guidance",
    )
    return session


@transaction.atomic
def guidance_attendance_set(*, session: GuidanceSession, user: Any, attendee_ids: Iterable[int]) -> int:
    """Record who attended: exactly these people of the invited departments. Returns their number."""
    eligible = dict((p.pk, d) for p, d in guidance_people(session=session))
    wanted = {int(pk) for pk in attendee_ids}
    if wanted - set(eligible):
        raise OversightError(_("只能记录参加部门人员的出勤。"))
    GuidanceAttendance.objects.filter(session=session).exclude(user_id__in=wanted).delete()
    have = set(GuidanceAttendance.objects.filter(session=session).values_list("user_id", flat=True))
    GuidanceAttendance.objects.bulk_create([
        GuidanceAttendance(session=session, user_id=pk, department=eligible[pk], recorded_by=user)
        for pk in sorted(wanted - have)
    ])
    return len(wanted)
