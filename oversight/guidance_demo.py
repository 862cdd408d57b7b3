"""Demo guidance session: the office trains 市场监管局 and 公安分局, one attendance recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from agencies.models import Department, User
from core.demo import demo_step


@demo_step(82, "oversight: guidance and training for departments")
def seed(out: Any) -> None:
    from oversight.guidance_services import guidance_attendance_set, guidance_create
    from oversight.models import GuidanceSession

    people = {u.username: u for u in User.objects.filter(username__in=["office", "scj_liaison"])}
    dept = {d.code: d for d in Department.objects.filter(code__in=["SCJG", "GA"])}
    if len(people) < 2 or len(dept) < 2:
        out.write("  oversight: demo departments or users missing; guidance skipped\n")
        return
    if not GuidanceSession.objects.exists():
        session = guidance_create(
            user=people["office"], title="双随机抽查结果录入与公示业务培训", kind="training",
            held_on=timezone.localdate() - dt.timedelta(days=14), place="区政务服务中心三楼会议室",
            topic="讲解检查结果录入规范、公示时限和常见问题。", departments=[dept["SCJG"], dept["GA"]],
        )
        guidance_attendance_set(session=session, user=people["office"], attendee_ids=[people["scj_liaison"].pk])
    out.write(f"  oversight: {GuidanceSession.objects.count()} guidance sessions\n")
