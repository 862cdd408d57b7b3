"""Demo field work for the hotel campaign: claims, the draw and matching, teams for the first
visits (with the section chief and a third-party institution), notices in several states
(issued, delivered, read with a date agreed) and a training for the drawn hotels. Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from agencies.models import User
from core.demo import demo_step
from inspections import notices, services
from inspections.fieldwork_services import (
    team_build,
    team_check,
    team_chief_join,
    team_member_add,
    training_invite,
    training_record_attendance,
    training_save,
)
from inspections.models import (
    Draw,
    InspectionItem,
    Notice,
    ParticipantStatus,
    Task,
    TeamMember,
    TrainingSession,
    Visit,
)

HOTEL_TASK = "旅馆业联合抽查（第一批）"
CLAIMS = {"ZJJ": ("ZJJ-001", "zjj_staff"), "WJJ": ("WJJ-001", "wjj_staff"), "XF": ("XF-001", "xf_staff")}
MATERIALS = {
    "GA-001": "营业执照\n特种行业许可证\n旅客住宿登记簿及信息系统上传记录\n从业人员名册",
    "ZJJ-001": "房屋产权证明或租赁合同\n房屋安全鉴定报告（如有）\n装修改造审批材料（如有）",
    "WJJ-001": "公共场所卫生许可证\n从业人员健康合格证明\n卫生管理制度及清洗消毒记录",
    "XF-001": "消防安全检查合格证或备案凭证\n消防设施维护保养记录\n防火巡查、检查记录",
}
TEAMS = 4


def _materials() -> None:
    for item_code, text in MATERIALS.items():
        for item in InspectionItem.objects.filter(code=item_code, materials=""):
            item.materials = text
            item.save(update_fields=["materials", "updated_at"])


def _claims(task: Task) -> None:
    for dept, (item_code, clerk) in CLAIMS.items():
        part = task.participants.filter(department__code=dept, status=ParticipantStatus.INVITED).first()
        if part is not None:
            services.task_claim(part=part, user=User.objects.get(username=clerk),
                                items=[InspectionItem.objects.get(code=item_code, department__code=dept)])


def _draws(task: Task, user: Any) -> None:
    from inspections.drawing import (
        draw_announce,
        draw_execute,
        draw_record_randomness,
        draw_visits,
        matching_announce,
    )
    from inspections.randomness import lottery_source

    today = timezone.localdate()
    if task.status == "ready" and not Draw.objects.filter(task=task, trial=False).exists():
        draw = draw_announce(task=task, user=user, sources=[lottery_source("fc3d", today), lottery_source("pl5", today)])
        draw_record_randomness(draw=draw, raw_values=["512", "80431"], user=user, today=today)
        draw_execute(draw_id=draw.pk)
        draw_visits(draw_id=draw.pk)
        task.refresh_from_db()
    if task.status == "entities_drawn":
        matching = matching_announce(task=task, user=user, sources=[lottery_source("pl3", today)])
        draw_record_randomness(draw=matching, raw_values=["306"], user=user, today=today)
        draw_execute(draw_id=matching.pk)
        task.refresh_from_db()


def _team_and_notice(visit: Visit, n: int, clerk: Any, chief: Any) -> None:
    if not TeamMember.objects.filter(visit=visit).exists():
        team_build(visit=visit, user=clerk)
        if n == 0:
            team_chief_join(visit=visit, user=chief, department=chief.memberships.first().department, mode="lead")
            item = InspectionItem.objects.filter(code="ZJJ-001").first()
            team_member_add(visit=visit, user=clerk, kind=TeamMember.Kind.THIRD_PARTY, item=item,
                            name="济南正衡房屋安全鉴定有限公司", reason="委托专业机构辅助：房屋结构安全初步判断")
    if Notice.objects.filter(visit=visit).exists() or not team_check(visit=visit).ready:
        return
    start = max(visit.window_start, timezone.localdate() + dt.timedelta(days=1))
    notice = notices.notice_issue(visit=visit, user=clerk, proposed=[start + dt.timedelta(days=d) for d in (1, 2, 4)])
    if n in (0, 1):
        notices.notice_record_delivery(notice=notice, user=clerk, via="in_person", note="送达至前台，负责人签收")
    if n == 0:
        notices.notice_opened(notice=notice)
        notices.notice_confirm(notice=notice, signer="王经理", day=dt.date.fromisoformat(notice.proposed_dates[1]))


def _training(task: Task, clerk: Any) -> None:
    """One session held yesterday (attendance recorded), one ahead (invitations on the token page)."""
    if TrainingSession.objects.filter(task=task).exists():
        return
    today = timezone.localdate()
    sessions = [
        ("旅馆业联合检查要点与迎检材料准备", today - dt.timedelta(days=1), "山东某消防技术服务有限公司", "third_party"),
        ("旅馆业治安与卫生管理要求解读", task.window_start - dt.timedelta(days=3), "公安分局治安管理科", "staff"),
    ]
    for title, held_on, provider, kind in sessions:
        session = training_save(department=task.department, user=clerk, data={
            "title": title, "held_on": held_on, "location": "区政务服务中心三楼培训室", "provider": provider,
            "provider_kind": kind, "audience": "entities", "task": task,
        })
        training_invite(session=session, user=clerk, task=task)
        if held_on < today:
            attended = set(session.attendance.order_by("entity_id").values_list("pk", flat=True)[::2])
            training_record_attendance(session=session, user=clerk, attended=attended)


@demo_step(45, "inspections: hotel task teams, notices, training (field work)")
def seed_fieldwork(out: Any) -> None:
    task = Task.objects.filter(title=HOTEL_TASK).select_related("department").first()
    if task is None:
        return
    _materials()
    clerk, chief = User.objects.get(username="ga_staff"), User.objects.get(username="ga_chief")
    if task.status == "published":
        _claims(task)
        task.refresh_from_db()
    _draws(task, clerk)
    if task.status != "inspectors_matched":
        out.write(f"  {task.code}: {task.get_status_display()}, no teams yet\n")
        return
    # A matching may leave an entity short of a department (leave, conflicts): such a team gets
    # no notice, so the demo walks on until it has TEAMS complete ones.
    visits = Visit.objects.filter(visit_tasks__task=task).order_by("entity_id")
    done = Notice.objects.filter(visit__in=visits).count()
    for visit in visits[: TEAMS * 4]:
        if done >= TEAMS:
            break
        if not Notice.objects.filter(visit=visit).exists():
            _team_and_notice(visit, done, clerk, chief)
            done += Notice.objects.filter(visit=visit).exists()
    _training(task, clerk)
    out.write(f"  {task.code}: {TeamMember.objects.filter(visit__in=visits).values('visit').distinct().count()} team(s), {done} notice(s)\n")
