"""Teams for joint visits, trainings for drawn entities and follow-up visits (issue 6, part A).

- One team per visit (进一次门、查多项事): its drawn members come from the current matching of
  every task the visit joins (substitutions applied); nobody is hand-picked into the drawn part.
- Assisting staff, experts and third-party institutions (委托专业机构辅助) are added with a
  reason and are never counted as drawn inspectors.
- The section chief's participation (科所长负责制) is recorded on the team.
Notices and the dates agreed with the entity (双预约) are in ``inspections.notices``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies.models import Department
from core.audit import audit_bulk, digest_of
from inspections.models import (
    Draw,
    DrawAssignment,
    EntityFeedback,
    InspectionItem,
    Substitution,
    Task,
    TaskItem,
    TeamMember,
    TrainingAttendance,
    TrainingSession,
    Visit,
)
from inspectors.models import Inspector

NON_DRAWN = (TeamMember.Kind.ASSISTING, TeamMember.Kind.EXPERT, TeamMember.Kind.THIRD_PARTY)
CHIEF_MODES = {"lead": gettext_noop("科所长带队参加检查"), "guide": gettext_noop("科所长现场指导检查")}


class FieldworkRefused(Exception):
    """A refused action; the message is for the person who asked."""


# --- Reads ---------------------------------------------------------------------------------------
def visit_tasks(*, visit: Visit) -> QuerySet[Task]:
    return Task.objects.filter(visits=visit).select_related("department").order_by("pk")


def visits_of_task(*, task: Task) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(visit_tasks__task=task)
        .select_related("notice")
        .annotate(members=Count("team", distinct=True), drawn=Count("team", filter=Q(team__kind="drawn"), distinct=True))
        .order_by("entity_id")
    )


def visit_items(*, visit: Visit) -> QuerySet[TaskItem]:
    """What each department checks at this door."""
    return (
        TaskItem.objects.filter(task__visits=visit)
        .select_related("item", "department", "task")
        .order_by("department__code", "item__code")
    )


def team_of(*, visit: Visit) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(visit=visit)
        .select_related("department", "inspector", "inspector__department", "item", "added_by")
        .order_by("-is_leader", "kind", "department__code", "pk")
    )


def current_matching(task: Task) -> Draw | None:
    return (
        Draw.objects.filter(task=task, kind=Draw.Kind.INSPECTORS, trial=False, status=Draw.Status.DONE,
                            superseded_by__isnull=True)
        .order_by("-iteration")
        .first()
    )


def drawn_slots(*, visit: Visit) -> list[tuple[int, int, bool]]:
    """(department, inspector, leader) of every current matching for this entity, substitutions applied."""
    slots: list[tuple[int, int, bool]] = []
    for task in visit_tasks(visit=visit):
        draw = current_matching(task)
        if draw is None:
            continue
        for a in DrawAssignment.objects.filter(draw=draw, entity_id=visit.entity_id).order_by("-is_leader", "pk"):
            latest = Substitution.objects.filter(assignment=a).order_by("-at", "-pk").first()
            slots.append((a.department_id, latest.new_inspector_id if latest else a.inspector_id, a.is_leader))
    return slots


@dataclass
class TeamCheck:
    """What the page warns about before a notice goes out."""

    drawn: int = 0
    leader: TeamMember | None = None
    chiefs: list[TeamMember] = field(default_factory=list)
    missing_departments: list[Department] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def team_check(*, visit: Visit) -> TeamCheck:
    members = list(team_of(visit=visit))
    check = TeamCheck(drawn=sum(m.kind == TeamMember.Kind.DRAWN for m in members))
    check.leader = next((m for m in members if m.is_leader), None)
    check.chiefs = [m for m in members if m.is_section_chief]
    present = {m.department_id for m in members if m.kind == TeamMember.Kind.DRAWN}
    wanted = Department.objects.filter(pk__in=visit_items(visit=visit).values("department_id")).order_by("code")
    check.missing_departments = [d for d in wanted if d.pk not in present]
    if check.drawn < 2:
        check.problems.append(_("检查组至少需要 2 名随机匹配的执法人员。"))
    for dept in check.missing_departments:
        check.problems.append(_("缺少%(dept)s的执法人员（联合检查每个参与部门至少 1 人）。") % {"dept": dept.name})
    if check.leader is None:
        check.problems.append(_("尚未确定组长。"))
    return check


# --- Teams ---------------------------------------------------------------------------------------
@transaction.atomic
def team_build(*, visit: Visit, user: Any) -> int:
    """Bring the drawn inspectors of every task of the visit into its one team, as the current
    matchings say. Safe to run again."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    slots = drawn_slots(visit=visit)
    if not slots:
        raise FieldworkRefused(_("本户所涉任务尚未完成执法人员匹配，不能组建检查组。"))
    # A substitution or a superseding matching after the team was built: the replaced drawn
    # members leave (each deletion is audited), the new ones come in below.
    for stale in TeamMember.objects.filter(visit=visit, kind=TeamMember.Kind.DRAWN).exclude(inspector_id__in=[s[1] for s in slots]):
        stale.delete()
    present = set(TeamMember.objects.filter(visit=visit, inspector__isnull=False).values_list("inspector_id", flat=True))
    has_leader = TeamMember.objects.filter(visit=visit, is_leader=True).exists()
    names = dict(Inspector.objects.filter(pk__in=[s[1] for s in slots]).values_list("pk", "name"))
    added = 0
    for department_id, inspector_id, leader in slots:
        if inspector_id in present:
            continue
        make_leader = leader and not has_leader
        TeamMember.objects.create(visit=visit, department_id=department_id, inspector_id=inspector_id, kind=TeamMember.Kind.DRAWN,
                                  name=names[inspector_id], is_leader=make_leader, added_by=user)
        present.add(inspector_id)
        has_leader = has_leader or make_leader
        added += 1
    return added


@transaction.atomic
def team_member_add(
    *, visit: Visit, user: Any, kind: str, reason: str, name: str = "", department: Department | None = None,
    inspector: Inspector | None = None, item: InspectionItem | None = None,
) -> TeamMember:
    """Assisting staff, an expert or a third-party institution: never a drawn inspector."""
    if kind not in NON_DRAWN:
        raise FieldworkRefused(_("随机匹配的执法人员只能来自人员匹配结果，不能手工添加。"))
    reason, name = reason.strip(), (name or (inspector.name if inspector else "")).strip()
    if not reason:
        raise FieldworkRefused(_("请写明参与理由。"))
    if not name:
        raise FieldworkRefused(_("请填写姓名或机构名称。"))
    if kind == TeamMember.Kind.THIRD_PARTY and item is None:
        raise FieldworkRefused(_("委托专业机构辅助须写明辅助的检查事项。"))
    if item is not None and not visit_items(visit=visit).filter(item=item).exists():
        raise FieldworkRefused(_("该事项不在本户的检查事项中。"))
    if inspector is not None and TeamMember.objects.filter(visit=visit, inspector=inspector).exists():
        raise FieldworkRefused(_("该人员已在本检查组中。"))
    return TeamMember.objects.create(visit=visit, kind=kind, reason=reason, name=name, inspector=inspector, item=item,
                                     department=department or (inspector.department if inspector else None), added_by=user)


@transaction.atomic
def team_chief_join(*, visit: Visit, user: Any, department: Department, mode: str) -> TeamMember:
    """科所长负责制: the section chief leads or guides this team; recorded, never counted as drawn."""
    if mode not in CHIEF_MODES:
        raise FieldworkRefused(_("请选择带队或指导。"))
    inspector = Inspector.objects.filter(user=user).first()
    mine = TeamMember.objects.select_for_update().filter(visit=visit, inspector=inspector).first() if inspector else None
    if mine is None:
        mine = TeamMember.objects.select_for_update().filter(visit=visit, added_by=user, is_section_chief=True).first()
    if mine is not None:
        if mine.is_section_chief:
            raise FieldworkRefused(_("已登记您参与本检查组。"))
        mine.is_section_chief = True
        mine.save(update_fields=["is_section_chief"])
        return mine
    name = str(user)
    return TeamMember.objects.create(visit=visit, kind=TeamMember.Kind.ASSISTING, is_section_chief=True, inspector=inspector,
                                     name=name, department=department, reason=CHIEF_MODES[mode], added_by=user)


@transaction.atomic
def team_set_leader(*, member: TeamMember, user: Any) -> TeamMember:
    """The leader carries an enforcement certificate: a drawn inspector, or a chief who is one."""
    if not (member.kind == TeamMember.Kind.DRAWN or (member.is_section_chief and member.inspector_id)):
        raise FieldworkRefused(_("组长须由持执法证的随机匹配人员或科所长担任。"))
    # Row by row (a team is a handful of people) so that each change is in the audit trail.
    for other in TeamMember.objects.select_for_update().filter(visit_id=member.visit_id, is_leader=True).exclude(pk=member.pk):
        other.is_leader = False
        other.save(update_fields=["is_leader"])
    member.is_leader = True
    member.save(update_fields=["is_leader"])
    return member


@transaction.atomic
def team_member_remove(*, member: TeamMember, user: Any) -> None:
    if member.kind == TeamMember.Kind.DRAWN:
        raise FieldworkRefused(_("随机匹配的执法人员不能移出；如需更换，请走人员替换流程。"))
    member.delete()


# --- Trainings for drawn entities ------------------------------------------------------------------
@transaction.atomic
def training_save(*, department: Department, user: Any, data: dict[str, Any], session: TrainingSession | None = None) -> TrainingSession:
    if data.get("provider_kind") == "third_party" and not (data.get("provider") or "").strip():
        raise FieldworkRefused(_("邀请第三方机构授课须写明机构名称。"))
    session = session or TrainingSession(department=department)
    for key in ("title", "held_on", "location", "provider", "provider_kind", "audience", "task"):
        if key in data:
            setattr(session, key, data[key])
    session.save()
    return session


@transaction.atomic
def training_invite(*, session: TrainingSession, user: Any, task: Task) -> int:
    """Invite every entity drawn for ``task`` (its visits); already invited ones are left alone."""
    usccs = list(Visit.objects.filter(visit_tasks__task=task).values_list("entity_id", flat=True).distinct())
    if not usccs:
        raise FieldworkRefused(_("该任务尚无检查对象。"))
    before = set(session.attendance.values_list("entity_id", flat=True))
    new = sorted(set(usccs) - before)
    TrainingAttendance.objects.bulk_create([TrainingAttendance(session=session, entity_id=u) for u in new], ignore_conflicts=True)
    audit_bulk(action="training_invite", object_type="inspections.trainingattendance", count=len(new),
               digest=digest_of(new), summary={"session": session.pk, "task": task.code})
    if session.task_id is None:
        session.task = task
        session.save(update_fields=["task"])
    return len(new)


@transaction.atomic
def training_record_attendance(*, session: TrainingSession, user: Any, attended: set[int]) -> int:
    rows = session.attendance.select_for_update()
    rows.filter(pk__in=attended).update(attended=True)
    rows.exclude(pk__in=attended).update(attended=False)
    present = sorted(rows.filter(attended=True).values_list("entity_id", flat=True))
    audit_bulk(action="training_attendance", object_type="inspections.trainingattendance", count=len(present),
               digest=digest_of(present), summary={"session": session.pk, "attended": present[:500]})
    return len(present)


@dataclass(frozen=True)
class TrainingYear:
    year: int
    sessions: int
    by_third_party: int
    invited: int
    trained: int  # distinct entities that attended at least once


def training_years(*, department_ids: set[int] | None) -> list[TrainingYear]:
    sessions = TrainingSession.objects.filter(audience=TrainingSession.Audience.ENTITIES)
    if department_ids is not None:
        sessions = sessions.filter(department_id__in=department_ids)
    years = sorted({d.year for d in sessions.values_list("held_on", flat=True)}, reverse=True)
    out = []
    for year in years:
        these = sessions.filter(held_on__year=year)
        rows = TrainingAttendance.objects.filter(session__in=these, entity__isnull=False)
        out.append(TrainingYear(
            year=year, sessions=these.count(), by_third_party=these.filter(provider_kind="third_party").count(),
            invited=rows.values("entity_id").distinct().count(),
            trained=rows.filter(attended=True).values("entity_id").distinct().count(),
        ))
    return out


# --- Follow-up visits (企业回访) --------------------------------------------------------------------
@transaction.atomic
def feedback_record(
    *, task: Task, entity_id: str, department: Department, user: Any, visited_on: dt.date, satisfaction: int, opinion: str = ""
) -> EntityFeedback:
    if not Visit.objects.filter(visit_tasks__task=task, entity_id=entity_id).exists():
        raise FieldworkRefused(_("该主体不是本任务的检查对象。"))
    if visited_on < task.window_start:
        raise FieldworkRefused(_("回访日期不能早于检查开始日期。"))
    if not 1 <= satisfaction <= 5:
        raise FieldworkRefused(_("满意度为 1 至 5。"))
    return EntityFeedback.objects.create(task=task, entity_id=entity_id, department=department, visited_on=visited_on,
                                         satisfaction=satisfaction, opinion=opinion.strip(), recorded_by=user)


@dataclass(frozen=True)
class FeedbackLine:
    department: str
    visits: int
    entities: int
    average: float | None
    dissatisfied: int  # satisfaction 1 or 2
    spread: dict[int, int]


def feedback_summary(*, year: int, department_ids: set[int] | None) -> list[FeedbackLine]:
    """Per department: how many visits, how satisfied, how many dissatisfied."""
    rows = EntityFeedback.objects.filter(visited_on__year=year)
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    lines = []
    for dept in Department.objects.filter(pk__in=rows.values("department_id")).order_by("code"):
        mine = rows.filter(department=dept)
        stats = mine.aggregate(n=Count("pk"), e=Count("entity_id", distinct=True), avg=Avg("satisfaction"))
        spread = Counter(mine.values_list("satisfaction", flat=True))
        lines.append(FeedbackLine(
            department=dept.name, visits=stats["n"], entities=stats["e"],
            average=round(stats["avg"], 2) if stats["avg"] is not None else None,
            dissatisfied=spread[1] + spread[2], spread={k: spread[k] for k in range(5, 0, -1)},
        ))
    return lines
