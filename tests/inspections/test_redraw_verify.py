import copy
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Role
from inspections import draw as engine
from inspections.drawing import DrawRefused, draw_announce, draw_record_randomness, draw_redraw, unpack
from inspections.models import Draw
from inspections.randomness import lottery_source
from inspections.services import task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def done(django_capture_on_commit_callbacks):
    dept = DepartmentFactory(code="SCJG")
    clerk, chief = person("clerk", dept, Role.STAFF), person("chief", dept, Role.SECTION_CHIEF)
    registry(150)
    task = make_task(user=clerk, department=dept, ratio_bp=800, sampling="risk_ratio",
                     risk_ratios_bp={"A": 100, "B": 200, "C": 1000, "D": 3000})
    task_publish(task=task, user=clerk)
    draw = draw_announce(task=task, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=["246", "13579"], user=clerk, today=tomorrow())
    draw.refresh_from_db()
    return task, clerk, chief, draw


def test_a_redraw_needs_a_reason_and_an_approver_who_is_not_the_operator(done) -> None:
    task, clerk, chief, draw = done
    later = [lottery_source("fc3d", tomorrow() + dt.timedelta(days=1))]
    with pytest.raises(DrawRefused, match="理由"):
        draw_redraw(draw=draw, user=clerk, approver=chief, reason=" ", sources=later)
    with pytest.raises(DrawRefused, match="批准"):
        draw_redraw(draw=draw, user=clerk, approver=clerk, reason="名录有误", sources=later)
    with pytest.raises(DrawRefused, match="新的随机数来源"):
        draw_redraw(draw=draw, user=clerk, approver=chief, reason="名录有误", sources=draw.sources)


def test_a_redraw_supersedes_with_fresh_sources_and_the_next_code_and_both_stay(done, django_capture_on_commit_callbacks) -> None:
    task, clerk, chief, draw = done
    later = [lottery_source("fc3d", tomorrow() + dt.timedelta(days=1))]
    redraw = draw_redraw(draw=draw, user=clerk, approver=chief, reason="发现名录遗漏", sources=later)
    assert redraw.supersedes == draw and redraw.iteration == draw.iteration + 1
    assert redraw.reason == "发现名录遗漏" and redraw.approved_by == chief
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=redraw, raw_values=["777"], user=clerk, today=tomorrow() + dt.timedelta(days=1))
    redraw.refresh_from_db()
    assert redraw.status == "done" and Draw.objects.filter(task=task).count() == 2
    assert draw.selections.exists() and redraw.selections.exists()
    call_command("verify_draw", "--all")


def test_verify_draw_confirms_a_draw_by_id(done, capsys) -> None:
    call_command("verify_draw", str(done[3].pk))
    assert ": ok" in capsys.readouterr().out


def _tamper(bundle: dict, how: str) -> dict:
    forged = copy.deepcopy(bundle)
    strata = forged["frame"]["strata"]
    if how == "label":
        strata[0]["labels"][0] = strata[0]["labels"][0][:-1] + ("X" if strata[0]["labels"][0][-1] != "X" else "Y")
    elif how == "quota":
        strata[0]["quota"] += 1
    elif how == "stratum":
        moved = strata[0]["labels"].pop()
        strata[1]["labels"].append(moved)
        strata[1]["labels"].sort()
    elif how == "randomness":
        ikm = forged["randomness"]["ikm_utf8"]
        forged["randomness"]["ikm_utf8"] = ("3" if ikm[0] != "3" else "4") + ikm[1:]
    return forged


@pytest.mark.parametrize("how", ["label", "quota", "stratum", "randomness"])
def test_verify_draw_reports_a_tampered_bundle(done, tmp_path, how) -> None:
    bundle = unpack(done[3].evidence.bundle)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_tamper(bundle, how), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("verify_draw", str(path))


def test_a_forged_bundle_with_recomputed_hashes_is_caught_against_the_recorded_announcement(done, tmp_path) -> None:
    bundle = unpack(done[3].evidence.bundle)
    forged = _tamper(bundle, "label")
    from inspections.draw.evidence import entity_frame_from_json, frame_to_json, selection_json

    frame = entity_frame_from_json(forged["frame"], algorithm=forged["algorithm"])
    selection = engine.run_entity_draw(frame, one_time_code=bytes.fromhex(forged["one_time_code_hex"]),
                                       ikm=forged["randomness"]["ikm_utf8"])
    forged["frame"] = frame_to_json(frame)
    forged["announcement"]["frame_hash_hex"] = frame.hash_hex
    forged["selected"] = selection_json(selection)
    assert engine.verify_bundle(forged, forged["announcement"]).ok  # consistent with itself...
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):  # ...but not with what was announced before the randomness
        call_command("verify_draw", str(path))


def test_verify_draw_confirms_every_draw_in_the_demo_data(capsys) -> None:
    call_command("seed_demo")
    assert Draw.objects.filter(status="done").count() >= 3
    assert Draw.objects.filter(status="done", kind="inspectors").exists()
    call_command("verify_draw", "--all")
    assert "completed draws verify" in capsys.readouterr().out


def _visits(task) -> set[str]:
    from inspections.models import Visit

    return set(Visit.objects.filter(visit_tasks__task=task).values_list("entity_id", flat=True))


def test_the_visit_join_is_background_work_after_the_draw_and_can_run_again(done) -> None:
    from core.models import OutboxItem
    from inspections.drawing import draw_visits
    from inspections.models import Visit

    task, clerk, chief, draw = done
    selected = set(draw.selections.values_list("entity_id", flat=True))
    assert OutboxItem.objects.get(dedupe_key=f"visits:{draw.pk}").status == "done"
    assert _visits(task) == selected
    rows = sorted(Visit.objects.filter(visit_tasks__task=task).values_list("pk", "entity_id"))
    assert draw_visits(draw_id=draw.pk).startswith("joined")  # again: the same visits, no new ones
    assert sorted(Visit.objects.filter(visit_tasks__task=task).values_list("pk", "entity_id")) == rows


def test_a_superseded_draws_late_visit_job_leaves_the_redraws_visits_alone(done, django_capture_on_commit_callbacks) -> None:
    from core.outbox import held_back, outbox_execute
    from inspections.drawing import draw_visits

    task, clerk, chief, draw = done
    later = [lottery_source("fc3d", tomorrow() + dt.timedelta(days=1))]
    redraw = draw_redraw(draw=draw, user=clerk, approver=chief, reason="发现名录遗漏", sources=later)
    with held_back("inspections.draw_visits") as held, django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=redraw, raw_values=["777"], user=clerk, today=tomorrow() + dt.timedelta(days=1))
    redraw.refresh_from_db()
    task.refresh_from_db()
    assert redraw.status == "done" and len(held["inspections.draw_visits"]) == 1
    assert _visits(task) == set(draw.selections.values_list("entity_id", flat=True))  # the job has not run yet
    outbox_execute(item_id=held["inspections.draw_visits"][0])
    fresh = set(redraw.selections.values_list("entity_id", flat=True))
    assert _visits(task) == fresh  # entities the redraw dropped left their visits
    assert draw_visits(draw_id=draw.pk) == "superseded"
    assert _visits(task) == fresh


def test_the_matching_does_not_go_ahead_without_the_visit_join(django_capture_on_commit_callbacks) -> None:
    from core.outbox import held_back
    from inspections.drawing import matching_announce
    from inspectors.models import Inspector

    dept = DepartmentFactory(code="SCJG")
    clerk = person("clerk", dept, Role.STAFF)
    registry(60)
    for n in range(4):
        Inspector.objects.create(department=dept, name=f"执法{n}", cert_no=f"SC-{n:03d}")
    task = make_task(user=clerk, department=dept, ratio_bp=1000)
    task_publish(task=task, user=clerk)
    draw = draw_announce(task=task, user=clerk)
    with held_back("inspections.draw_visits"), django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=["246", "13579"], user=clerk, today=tomorrow())
    task.refresh_from_db()
    assert task.status == "entities_drawn" and not _visits(task)  # the join was held back (or failed)
    matching_announce(task=task, user=clerk)
    assert _visits(task) == set(draw.selections.values_list("entity_id", flat=True))
