"""Every URL pattern, as every demo role and anonymous, against the declared table.

The demo data is seeded inside the test's transaction; each request runs in a savepoint that is
rolled back, so a POST that succeeds changes nothing the next request sees.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from tests import matrix
from tests.permission_table import ARGS, TABLE, expected

pytestmark = pytest.mark.django_db


def _first(rows: Any) -> Any:
    row = rows.first()
    assert row is not None, f"the demo data has no {rows.model.__name__} for the matrix"
    return row


def _objects() -> dict[str, Any]:
    """The demo objects the URLs point at: one department's (市场监管局) where it matters."""
    from agencies.models import Department, Section, User
    from core.models import ImportJob
    from entities.models import Directory, DirectoryEntry
    from inspections.models import (
        AnnualPlan,
        Campaign,
        Draw,
        DrawAssignment,
        InspectionItem,
        Notice,
        PlanBatch,
        Task,
        Visit,
    )
    from inspections.models.draws import RedrawRequest
    from inspections.models.objections import Objection
    from inspectors.models import ConflictDeclaration, Inspector, Leave

    scj = Department.objects.get(code="SCJG")
    staff = User.objects.get(username="scj_staff")
    task = Task.objects.get(title="餐饮服务单位联合抽查")
    draw = _first(Draw.objects.filter(task=task).order_by("pk"))
    assignment = _first(DrawAssignment.objects.filter(draw__task=task))
    assert draw and assignment, "the demo's restaurant task has a draw and a matching"
    visit = _first(Visit.objects.filter(tasks=task))
    notice = Notice.objects.create(visit=visit, token="matrix-notice-token", issued_by=staff)
    directory = _first(Directory.objects.filter(department=scj))
    chiefs_inspector = _first(Inspector.objects.filter(department=scj, section__code="XYJG"))
    ConflictDeclaration.objects.filter(inspector=chiefs_inspector).delete()
    ConflictDeclaration.objects.create(inspector=chiefs_inspector, entity_id=visit.entity_id, ground="other")
    inspector = _first(Inspector.objects.filter(department=scj))
    job = ImportJob.objects.create(kind="entities", department=scj, created_by=staff, original_name="x.csv", file="imports/x.csv")
    objection = Objection.objects.create(
        reference="MATRIX-1", public_id="result:x", record_version=1, department=scj, entity_uscc=visit.entity_id,
        notice=notice, contact="x", text="x",
    )
    plan = AnnualPlan.objects.get(department=scj, year=timezone.localdate().year)
    return {
        "department": scj.pk, "section": _first(Section.objects.filter(department=scj)).pk,
        "item": _first(InspectionItem.objects.filter(department=scj)).pk, "plan": plan.pk,
        "batch": _first(PlanBatch.objects.filter(plan=plan)).pk, "campaign": _first(Campaign.objects.all()).pk,
        "task": task.pk, "draw": draw.pk, "assignment": assignment.pk,
        "redraw_request": RedrawRequest.objects.create(draw=draw, reason="x", requested_by=staff).pk,
        "entity": visit.entity_id, "directory": directory.pk,
        "entry": _first(DirectoryEntry.objects.filter(directory=directory)).pk,
        "inspector": inspector.pk, "leave": Leave.objects.create(
            inspector=inspector, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 2)).pk,
        "conflict": _first(ConflictDeclaration.objects.filter(
            inspector__section__code="XYJG", status="pending")).pk,
        "import_job": job.pk, "objection": objection.pk, "year": timezone.localdate().year,
        "task_code": task.code, "plan_code": plan.code, "department_code": scj.code,
        "task_public_id": f"task:{task.code}", "draw_public_id": f"draw:{task.code}:{draw.iteration}",
        "plan_public_id": f"plan:{plan.code}", "item_list_public_id": f"item_list:{scj.code}",
        "draw_iteration": draw.iteration, "draw_code": task.code, "token": notice.token,
        **_field_work_objects(scj, staff),
    }


def _field_work_objects(scj: Any, staff: Any) -> dict[str, Any]:
    """The later issues' objects: the hotel task's visits, a 市场监管局 result, the office's letter."""
    from inspections.models import (
        CaseItem,
        FollowUp,
        Notice,
        Result,
        ResultAttachment,
        TeamMember,
        TrainingSession,
    )
    from inspections.uploads import private_storage
    from oversight.models import GuidanceSession, LetterItem, MeetingIssue, ReminderLetter

    notice = _first(Notice.objects.filter(visit__tasks__department__code="GA").order_by("pk"))
    result = _first(Result.objects.filter(department=scj).order_by("pk"))
    stored = private_storage().save("results/matrix.jpg", ContentFile(b"\xff\xd8\xff\xe0"))
    attachment = ResultAttachment.objects.create(
        result=result, file=stored, original_name="x.jpg", content_type="image/jpeg", size=1,
        sha256_hex="0" * 64, uploaded_by=staff,
    )
    case = CaseItem.objects.create(
        kind=CaseItem.Kind.values[0], entity_id=result.entity_id, department=scj, source_result=result, reason="x",
        clock_start=timezone.localdate(), due=timezone.localdate() + dt.timedelta(days=14),
    )
    letter = _first(ReminderLetter.objects.filter(department=scj).order_by("pk"))
    return {
        "hotel_task": _first(notice.visit.tasks.filter(department__code="GA")).pk, "hotel_visit": notice.visit_id,
        "hotel_token": notice.token,
        "hotel_member": _first(TeamMember.objects.filter(visit=notice.visit, kind="drawn")).pk,
        "hotel_helper": _first(TeamMember.objects.filter(visit=notice.visit).exclude(kind="drawn")).pk,
        "training": _first(TrainingSession.objects.order_by("pk")).pk,
        "result": result.pk, "result_visit": result.visit_id, "result_task": result.task_id,
        "result_item": result.item_id, "attachment": attachment.pk, "case": case.pk,
        "follow_up": FollowUp.objects.create(result=result, measure="1", created_by=staff).pk,
        "letter": letter.pk, "letter_item": _first(LetterItem.objects.filter(letter=letter)).pk,
        "issue": _first(MeetingIssue.objects.order_by("pk")).pk,
        "guidance": _first(GuidanceSession.objects.order_by("pk")).pk,
    }


def _path(pattern: matrix.Pattern, objects: dict[str, Any]) -> str | None:
    """A concrete path for the pattern; None for an admin page whose model has no row."""
    if pattern.is_admin:
        model = matrix.admin_model(pattern.name)
        if "object_id" in pattern.route:
            row = model.objects.order_by("pk").first() if model else None
            return reverse(pattern.name, kwargs={"object_id": row.pk}) if row else None
        if "app_label" in pattern.route:
            return reverse(pattern.name, kwargs={"app_label": "inspections"})
        if "<" in pattern.route or "(?P" in pattern.route:
            return None  # "view on site" and the password form: covered by the group rule
        return reverse(pattern.name)
    kwargs = {k: objects.get(v, v) for k, v in ARGS.get(pattern.name, {}).items()}
    return reverse(pattern.name, kwargs=kwargs)


def _clients() -> dict[str, Client]:
    from agencies.models import User

    clients = {matrix.ANONYMOUS: Client()}
    for username in matrix.DEMO_USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    return clients


def walk(settings: Any, only: str = "") -> list[str]:
    """Differences between the site and the table, one line each."""
    settings.PUBLIC_RATE_LIMIT = ""
    settings.PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="matrix-"))
    # The demo as `make demo` leaves it: background work (evidence bundles, publications) done.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    objects = _objects()
    clients = _clients()
    differences, observed = [], {}
    for pattern in matrix.url_patterns():
        if pattern.is_format_twin or not pattern.name or not pattern.name.startswith(only):
            continue
        path = _path(pattern, objects)
        if path is None:
            continue
        rule = expected(pattern.name)
        seen: dict[str, set[str]] = {"GET": set(), "POST": set()}
        for person, client in clients.items():
            for method in ("GET", "POST"):
                if matrix.answer(client, method, path) == "ok":
                    seen[method].add(person)
        observed[pattern.name] = seen
        for method, allowed in (("GET", rule.read), ("POST", rule.write)):
            if seen[method] != allowed:
                extra, missing = sorted(seen[method] - allowed), sorted(allowed - seen[method])
                differences.append(f"{method} {path} ({pattern.name}): also {extra}, not {missing}")
    if os.environ.get("MATRIX_PRINT"):
        for name, seen in observed.items():
            print(f"{name!r}: R({sorted(seen['GET'])!r}, {sorted(seen['POST'])!r}),")
    return differences


def test_every_url_pattern_is_in_the_table() -> None:
    names = {p.name for p in matrix.url_patterns() if not p.is_admin}
    missing = sorted(n for n in names if n and n not in TABLE)
    unnamed = sorted(p.route for p in matrix.url_patterns() if not p.name and not p.is_admin)
    assert not missing, f"URL patterns missing from tests/permission_table.py: {missing}"
    assert not unnamed, f"unnamed URL patterns cannot be declared: {unnamed}"
    assert not sorted(set(TABLE) - names), "the table declares URLs that no longer exist"


def test_every_answer_matches_the_table(settings) -> None:
    differences = walk(settings)
    assert not differences, "\n".join(differences)


def test_the_matrix_bites_when_an_access_check_is_removed(settings, monkeypatch) -> None:
    from inspections import permissions, views
    from inspections.models import Task

    def no_check(*, user: Any, pk: int, write: bool = False) -> Task:
        return Task.objects.get(pk=pk)

    monkeypatch.setattr(permissions, "access_task", no_check)
    monkeypatch.setattr(views, "access_task", no_check)
    differences = walk(settings, only="inspections:task")
    assert any("(inspections:task)" in d for d in differences), differences
