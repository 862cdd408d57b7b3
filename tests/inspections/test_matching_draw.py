import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import PublicationRecord
from inspections import draw as engine
from inspections.drawing import DrawRefused, draw_announce, draw_record_randomness, matching_announce, unpack
from inspections.models import DrawAssignment
from inspections.services import task_claim, task_publish
from inspectors.models import ConflictDeclaration, Inspector, Leave
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _pool(dept, n):
    return [Inspector.objects.create(department=dept, name=f"{dept.code}{i}", cert_no=f"{dept.code}-{i:04d}") for i in range(n)]


@pytest.fixture
def drawn(django_capture_on_commit_callbacks):
    ga, zjj = DepartmentFactory(code="GA"), DepartmentFactory(code="ZJJ")
    ga_user, zjj_user = person("ga", ga, Role.STAFF), person("zjj", zjj, Role.STAFF)
    registry(120)
    task = make_task(user=ga_user, department=ga, participants=[zjj], ratio_bp=1000, inspectors_per_entity=2)
    task_publish(task=task, user=ga_user)
    from inspections.models import TaskParticipant

    task_claim(part=TaskParticipant.objects.get(task=task, department=zjj), user=zjj_user, items=[item(zjj, "Z1", "房屋安全")])
    pools = {"GA": _pool(ga, 8), "ZJJ": _pool(zjj, 5)}
    draw = draw_announce(task=task, user=ga_user)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=["123", "45678"], user=ga_user, today=tomorrow())
    task.refresh_from_db()
    assert task.status == "entities_drawn"
    return task, ga_user, pools, draw


def test_matching_is_a_second_draw_whose_evidence_verifies(drawn, django_capture_on_commit_callbacks) -> None:
    task, user, pools, entity_draw = drawn
    drawn_entities = list(entity_draw.selections.values_list("entity_id", flat=True))
    conflicted = pools["GA"][0]
    ConflictDeclaration.objects.create(inspector=conflicted, entity_id=drawn_entities[0], ground="relative")  # pending
    Leave.objects.create(inspector=pools["ZJJ"][1], start=task.window_start, end=task.window_end)
    publications = PublicationRecord.objects.count()

    match = matching_announce(task=task, user=user)
    assert match.iteration == entity_draw.iteration + 1
    assert match.frame_hash_hex != entity_draw.frame_hash_hex
    assert PublicationRecord.objects.count() == publications  # inspector inputs stay staff-side
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=user, today=tomorrow())
    match.refresh_from_db()
    task.refresh_from_db()
    assert match.status == "done" and task.status == "inspectors_matched"

    rows = DrawAssignment.objects.filter(draw=match)
    for uscc in drawn_entities:
        team = rows.filter(entity_id=uscc)
        assert team.count() >= 2
        assert {"GA", "ZJJ"} <= set(team.values_list("department__code", flat=True))
        assert team.filter(is_leader=True).count() == 1
        assert team.values("inspector").distinct().count() == team.count()
    assert not rows.filter(entity_id=drawn_entities[0], inspector=conflicted).exists()
    assert not rows.filter(inspector=pools["ZJJ"][1]).exists()
    assert max(rows.filter(inspector=i).count() for i in pools["GA"] + pools["ZJJ"]) <= task.inspector_load_cap

    bundle = unpack(match.evidence.bundle)
    assert engine.verify_bundle(bundle, match.announcement).ok
    assert match.evidence.public_bundle is None
    reasons = {s["reason"] for a in bundle["assignments"] for s in a["skipped"]}
    assert reasons <= set(engine.SKIP_REASONS)


def test_the_database_keeps_an_assigned_inspector_and_department_from_being_deleted(
    drawn, django_capture_on_commit_callbacks
) -> None:
    """The assignment keeps database keys to its inspector and its department (a claiming
    department's participant row can be removed in the admin, so the task's keys do not cover
    it). Raw SQL, as a careless administrator or script would delete, bypassing Django's PROTECT."""
    from django.db import IntegrityError, connection, transaction

    task, user, _pools, _draw = drawn
    match = matching_announce(task=task, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=user, today=tomorrow())
    row = DrawAssignment.objects.filter(draw=match, department__code="ZJJ").first()
    assert row is not None
    for table, pk in (("inspectors_inspector", row.inspector_id), ("agencies_department", row.department_id)):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            connection.check_constraints()  # the keys are checked at commit otherwise
    assert DrawAssignment.objects.filter(pk=row.pk, inspector__isnull=False, department__code="ZJJ").exists()


@pytest.mark.postgres
def test_the_matchings_own_keys_keep_a_claiming_department(drawn, django_capture_on_commit_callbacks) -> None:
    """Remove the claiming department's participant row (the admin's inline can) and move every
    other row that names it: the matching's own keys (its roster's) must still stop the delete."""
    from django.db import IntegrityError, connection, transaction

    from inspections.models import TaskParticipant

    task, user, _pools, _draw = drawn
    match = matching_announce(task=task, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=user, today=tomorrow())
    claiming = DrawAssignment.objects.filter(draw=match, department__code="ZJJ").first().department_id
    TaskParticipant.objects.filter(task=task, department_id=claiming).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cl.relname, a.attname FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid"
            " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)"
            " WHERE k.contype = 'f' AND k.confrelid = 'agencies_department'::regclass"
        )
        for table, column in cursor.fetchall():
            if table not in ("inspections_drawassignment", "inspections_drawroster"):
                cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE "{column}" = %s', [task.department_id, claiming])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM agencies_department WHERE id = %s", [claiming])
        connection.check_constraints()


def test_the_frame_reads_the_pool_once_whatever_changes_while_it_is_built(drawn, monkeypatch) -> None:
    """An inspector made eligible, or a number changed, while the frame is read: every part of
    the frame names the inspectors and numbers of the lists as they were read."""
    from inspections import matching

    task, _user, pools, entity_draw = drawn
    entity = entity_draw.selections.values_list("entity_id", flat=True).first()
    back = Inspector.objects.create(department=pools["GA"][0].department, name="回岗", cert_no="GA-9999", is_active=False)
    Leave.objects.create(inspector=back, start=task.window_start, end=task.window_end)
    ConflictDeclaration.objects.create(inspector=back, entity_id=entity, ground="other")
    ConflictDeclaration.objects.create(inspector=pools["GA"][0], entity_id=entity, ground="other")
    read = matching._departments

    def then_change(task_):
        listed = read(task_)
        Inspector.objects.filter(pk=back.pk).update(is_active=True)
        Inspector.objects.filter(pk=pools["GA"][0].pk).update(cert_no="GA-RENAMED")
        return listed

    monkeypatch.setattr(matching, "_departments", then_change)
    frame = matching.build_matching_frame_for(task)
    assert set(frame.conflicts) == {(entity, "GA-0000")}
    assert "GA-9999" not in frame.leave and all("GA-9999" not in d.labels for d in frame.departments)


def test_a_task_that_avoids_own_areas_freezes_each_inspectors_area_pairs(drawn) -> None:
    from entities.models import Entity
    from inspections import matching

    task, _user, pools, entity_draw = drawn
    drawn_codes = list(entity_draw.selections.values_list("entity_id", flat=True))
    region = Entity.objects.get(uscc=drawn_codes[0]).region_id
    local = pools["ZJJ"][2]
    Inspector.objects.filter(pk=local.pk).update(home_area=region)
    assert not matching.build_matching_frame_for(task).own_area  # not asked for
    task.avoid_own_area = True
    task.save(update_fields=["avoid_own_area"])
    in_region = set(Entity.objects.filter(uscc__in=drawn_codes, region_id=region).values_list("uscc", flat=True))
    assert matching.build_matching_frame_for(task).own_area == {(uscc, local.cert_no) for uscc in in_region}


def test_matching_waits_for_the_entity_draw(db) -> None:
    dept = DepartmentFactory(code="GA")
    user = person("ga", dept, Role.STAFF)
    task = make_task(user=user, department=dept)
    task_publish(task=task, user=user)
    with pytest.raises(DrawRefused, match="须先完成检查对象抽取"):
        matching_announce(task=task, user=user)


def test_the_roster_names_each_assigned_inspector_once_with_their_count(drawn, django_capture_on_commit_callbacks) -> None:
    from collections import Counter

    from inspections.models import DrawRoster

    task, user, _pools, _draw = drawn
    match = matching_announce(task=task, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=user, today=tomorrow())
    match.refresh_from_db()
    assigned = Counter(DrawAssignment.objects.filter(draw=match).values_list("department_id", "inspector_id"))
    roster = {(r.department_id, r.inspector_id): r.entities for r in DrawRoster.objects.filter(draw=match)}
    assert roster == dict(assigned) and sum(roster.values()) == match.selected_count > 0


def test_a_number_edited_after_the_freeze_does_not_move_an_assignment(drawn, django_capture_on_commit_callbacks) -> None:
    """Between the frozen frame and its randomness every inspector's number is changed, and the
    lead department's old numbers are given to newcomers: the assignments name the inspectors
    the frame listed (by the keys it froze), and the draw completes."""
    task, user, pools, _draw = drawn
    match = matching_announce(task=task, user=user)
    frozen = {i.cert_no: i.pk for people in pools.values() for i in people}
    for people in pools.values():
        for person_ in people:
            Inspector.objects.filter(pk=person_.pk).update(cert_no=f"OLD-{person_.cert_no}")
    newcomers = [Inspector.objects.create(department=p.department, name="新人", cert_no=p.cert_no) for p in pools["GA"]]
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=user, today=tomorrow())
    match.refresh_from_db()
    assert match.status == "done"
    rows = set(DrawAssignment.objects.filter(draw=match).values_list("department__code", "inspector_id"))
    assert rows == {(d, frozen[label]) for d, label in _replayed_picks(match)}
    assert not rows & {("GA", n.pk) for n in newcomers}


def _replayed_picks(match) -> set[tuple[str, str]]:
    from inspections.drawing import frame_from_blob, stored_frame_blob
    from inspections.models import TaskCommitment

    chain = TaskCommitment.objects.get(task=match.task)
    code = engine.one_time_code(bytes.fromhex(chain.secret_hex), chain.chain_length, match.iteration)
    frame = frame_from_blob(stored_frame_blob(match), algorithm=match.algorithm)
    matching = engine.run_matching(frame, one_time_code=code, ikm=match.ikm_utf8)
    return {(a.department, p.label) for a in matching.assignments for p in a.chosen}
