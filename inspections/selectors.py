"""Reads of items, plans, campaigns and tasks, scoped to what a person may read."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When
from django.utils.translation import gettext_lazy as _

from agencies.models import Department, Role
from agencies.selectors import department_ids, sees_all_departments
from entities.models import Directory, EntityType, RiskClass
from entities.selectors import industry_list, tag_list, town_list
from inspections.models import (
    AnnualPlan,
    Campaign,
    InspectionItem,
    ItemListPublication,
    ParticipantStatus,
    PlanBatch,
    Task,
    TaskItem,
    TaskParticipant,
    TaskStatus,
    TaskTransition,
)
from inspections.permissions import WRITER_ROLES

PAGE_SIZE = 30
WRITERS: set[str] = {str(r) for r in WRITER_ROLES}
# The main path of a task's life, for the progress strip (a return for correction goes back a step).
TASK_PATH = [
    TaskStatus.DRAFT, TaskStatus.PUBLISHED, TaskStatus.CLAIMED, TaskStatus.READY, TaskStatus.ENTITIES_DRAWN,
    TaskStatus.INSPECTORS_MATCHED, TaskStatus.INSPECTING, TaskStatus.IN_REVIEW, TaskStatus.RESULTS_PUBLISHED,
    TaskStatus.CLOSED,
]


def _readable(user: Any, field: str = "department_id") -> Q:
    if sees_all_departments(user):
        return Q()
    return Q(**{f"{field}__in": department_ids(user)})


def writable_departments(*, user: Any) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=department_ids(user, roles=WRITERS), is_active=True).order_by("code")


def readable_departments(*, user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR)
    return qs if sees_all_departments(user) else qs.filter(pk__in=department_ids(user))


def regulators() -> QuerySet[Department]:
    """The district's regulators: who may join a joint task, a batch or a campaign."""
    return Department.objects.filter(
        is_active=True, kind=Department.Kind.REGULATOR, level=Department.Level.DISTRICT
    ).order_by("code")


def filing_authorities(*, department: Department) -> QuerySet[Department]:
    """Where a plan may be filed: the department's superior, higher-level departments, the office."""
    return Department.objects.filter(
        Q(pk=department.parent_id) | ~Q(level=Department.Level.DISTRICT) | Q(kind=Department.Kind.OFFICE),
        is_active=True,
    ).exclude(pk=department.pk).order_by("kind", "code")


def superior_authorities() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).exclude(level=Department.Level.DISTRICT).order_by("code")


# --- Items ----------------------------------------------------------------------------------
def item_list_for_user(*, user: Any, department: Department | None = None) -> QuerySet[InspectionItem]:
    qs = InspectionItem.objects.filter(_readable(user)).select_related("department", "parent")
    if department is not None:
        qs = qs.filter(department=department)
    return qs.order_by("department__code", "code")


def active_items(*, department_ids: set[int] | list[int]) -> QuerySet[InspectionItem]:
    return InspectionItem.objects.filter(department_id__in=department_ids, is_active=True).select_related("department")


def item_publications(*, department: Department) -> QuerySet[ItemListPublication]:
    return ItemListPublication.objects.filter(department=department).select_related("published_by").order_by("-version")


# --- Plans and campaigns -------------------------------------------------------------------
def plan_list_for_user(*, user: Any, year: int | None = None) -> QuerySet[AnnualPlan]:
    """Plans of the person's departments, and those filed with their authority (备案机关)."""
    filed_with_me = Q(filed_with_id__in=department_ids(user, roles={Role.SUPERIOR}))
    qs = AnnualPlan.objects.filter(_readable(user) | filed_with_me).select_related("department", "filed_with")
    return qs.filter(year=year) if year else qs


def plan_batches(*, plan: AnnualPlan) -> QuerySet[PlanBatch]:
    return plan.batches.prefetch_related("items", "participants").order_by("seq")


def batches_for_tasks(*, user: Any) -> QuerySet[PlanBatch]:
    """Batches of filed or published plans of the departments the person writes for."""
    return (
        PlanBatch.objects.filter(
            plan__department_id__in=department_ids(user, roles=WRITERS),
            plan__status__in=[AnnualPlan.Status.FILED, AnnualPlan.Status.PUBLISHED],
        )
        .select_related("plan", "plan__department")
        .order_by("-plan__year", "plan__code", "seq")
    )


def campaign_list_for_user(*, user: Any) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("lead").prefetch_related("departments")
    if sees_all_departments(user):
        return qs
    mine = department_ids(user)
    return qs.filter(Q(lead_id__in=mine) | Q(departments__in=mine)).distinct()


def campaigns_for_tasks(*, user: Any) -> QuerySet[Campaign]:
    mine = department_ids(user, roles=WRITERS)
    return Campaign.objects.filter(Q(lead_id__in=mine) | Q(departments__in=mine)).distinct().order_by("-year", "code")


# --- Tasks ----------------------------------------------------------------------------------
def _task_scope(user: Any) -> Q:
    """The initiating department's tasks and the tasks the person's departments were invited to."""
    if sees_all_departments(user):
        return Q()
    mine = department_ids(user)
    invited = TaskParticipant.objects.filter(task_id=OuterRef("pk"), department_id__in=mine)
    return Q(department_id__in=mine) | Q(Exists(invited))


def task_list_for_user(*, user: Any, status: str = "", before: int | None = None) -> QuerySet[Task]:
    qs = Task.objects.filter(_task_scope(user)).select_related("department", "campaign")
    if status:
        qs = qs.filter(status=status)
    if before:
        qs = qs.filter(pk__lt=before)
    return qs.order_by("-pk")


def task_page(*, user: Any, status: str = "", before: int | None = None, size: int = PAGE_SIZE) -> tuple[list[Task], int | None]:
    """One page, newest first, and the key of the next page (keyset paging on id)."""
    rows = list(task_list_for_user(user=user, status=status, before=before)[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def invitations_for_user(*, user: Any) -> QuerySet[TaskParticipant]:
    """Parts of published tasks waiting for the claim of a department the person may act for."""
    return (
        TaskParticipant.objects.filter(
            department_id__in=department_ids(user, roles=WRITERS),
            status=ParticipantStatus.INVITED,
            task__status=TaskStatus.PUBLISHED,
        )
        .select_related("task", "task__department", "department")
        .order_by("task__claim_deadline", "task_id")
    )


def campaign_tasks(*, campaign: Campaign, user: Any) -> QuerySet[Task]:
    return Task.objects.filter(_task_scope(user), campaign=campaign).select_related("department").order_by("-pk")


def task_participants(*, task: Task) -> QuerySet[TaskParticipant]:
    initiator_first = Case(When(status=ParticipantStatus.INITIATOR, then=0), default=1)
    return task.participants.select_related("department", "responded_by").order_by(initiator_first, "department__code")


def my_invitation(*, user: Any, task: Task) -> TaskParticipant | None:
    """The part of the task a department the person acts for was invited to, if any."""
    return (
        task.participants.select_related("department")
        .filter(department_id__in=department_ids(user, roles=WRITERS))
        .exclude(status=ParticipantStatus.INITIATOR)
        .first()
    )


def task_items(*, task: Task) -> QuerySet[TaskItem]:
    return task.task_items.select_related("department", "item").order_by("department__code", "item__code")


def task_transitions(*, task: Task) -> QuerySet[TaskTransition]:
    return task.transitions.select_related("actor").order_by("at", "id")


def claimable_items(*, part: TaskParticipant) -> QuerySet[InspectionItem]:
    """The participating department's active items not yet in the task."""
    taken = TaskItem.objects.filter(task_id=part.task_id).values("item_id")
    return InspectionItem.objects.filter(department_id=part.department_id, is_active=True).exclude(pk__in=taken).order_by("code")


def filter_summary(filters: dict[str, Any]) -> list[tuple[Any, str]]:
    """The targeting filters of a task or batch in words: (label, values)."""
    f = filters or {}
    names: list[tuple[Any, str, Any]] = [
        (_("主体类型"), "entity_types", dict(EntityType.choices)),
        (_("行业"), "industries", dict(industry_list().filter(code__in=f.get("industries") or []).values_list("code", "name"))),
        (_("街道/乡镇"), "regions", dict(town_list().filter(code__in=f.get("regions") or []).values_list("code", "name"))),
        (_("信用风险分类"), "risk_classes", dict(RiskClass.choices)),
        (_("标签"), "tags", dict(tag_list().filter(code__in=f.get("tags") or []).values_list("code", "name"))),
    ]
    rows = [(label, "、".join(str(lookup.get(v, v)) for v in f[key])) for label, key, lookup in names if f.get(key)]
    if f.get("directory"):
        directory = Directory.objects.filter(pk=f["directory"]).select_related("department").first()
        rows.append((_("名录库"), str(directory) if directory else str(f["directory"])))
    if f.get("entities"):
        rows.append((_("指定名单"), _("%(n)s 户") % {"n": len(f["entities"])}))
    return rows
