import datetime as dt

import pytest

from agencies.models import Role
from core.models import PublicationRecord
from core.services import publication_withdraw
from inspections.drawing import entity_list_assign
from inspections.models import CaseItem, InspectionRecord, Result, ResultReview, Visit
from inspections.results import (
    ResultError,
    follow_up_add,
    follow_up_close,
    publication_deadline,
    result_approve,
    result_return,
    result_save,
    result_submit,
)
from inspections.services import task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def visit():
    dept = DepartmentFactory(code="GA")
    clerk, chief = person("clerk", dept, Role.STAFF, Role.INSPECTOR), person("chief", dept, Role.SECTION_CHIEF)
    registry(3)
    task = make_task(user=clerk, department=dept, draw_mode="assigned")
    task_publish(task=task, user=clerk)
    entity_list_assign(task=task, user=clerk, usccs=[code(0)], note="名单")
    task.refresh_from_db()
    return Visit.objects.get(entity_id=code(0)), task, dept, clerk, chief


def _save(visit, task, dept, clerk, token="t1", **data):
    item = task.task_items.first().item
    return result_save(visit=visit, task=task, department=dept, item=item, user=clerk, client_token=token,
                       data={"categories": ["no_problem"], "methods": ["on_site"], "inspected_on": dt.date(2026, 12, 3), **data})


def test_sending_the_same_form_twice_stores_one_result(visit) -> None:
    v, task, dept, clerk, _ = visit
    first = _save(v, task, dept, clerk)
    result_submit(result=first, user=clerk)
    again = _save(v, task, dept, clerk)  # the resend after a dropped connection
    assert again.pk == first.pk and Result.objects.count() == 1
    with pytest.raises(ResultError, match="已提交审核"):
        _save(v, task, dept, clerk, token="another-form")


def test_return_correct_and_approve_keeps_the_history_and_publishes(visit, django_capture_on_commit_callbacks) -> None:
    v, task, dept, clerk, chief = visit
    result = _save(v, task, dept, clerk, categories=["problem_pending"], violations=["unreachable"])
    result_submit(result=result, user=clerk)
    with pytest.raises(ResultError, match="理由"):
        result_return(result=result, user=chief, opinion=" ")
    result_return(result=result, user=chief, opinion="检查日期有误")
    result = _save(v, task, dept, clerk, token="t2", categories=["problem_pending"], violations=["unreachable"],
                   inspected_on=dt.date(2026, 12, 4))
    result_submit(result=result, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        result_approve(result=result, user=chief)
    assert list(ResultReview.objects.filter(result=result).values_list("action", flat=True)) == ["submit", "return", "submit", "approve"]
    assert ResultReview.objects.get(action="return").opinion == "检查日期有误"
    assert InspectionRecord.objects.filter(entity_id=code(0), task=task).count() == 1
    record = PublicationRecord.objects.get(kind="result")
    assert record.payload["检查结果"] == ["发现问题待后续处理", "通过登记的住所（经营场所）无法联系"]
    assert record.payload["抽查完成日期"] == "2026-12-04"
    assert "检查日期有误" not in str(record.payload)  # review opinions are never public
    case = CaseItem.objects.get(kind="abnormal")
    assert case.due == dt.date(2026, 12, 18)  # 10 working days after Fri 4 Dec 2026


def test_a_withdrawal_supersedes_the_published_result_without_editing_it(visit, django_capture_on_commit_callbacks) -> None:
    v, task, dept, clerk, chief = visit
    result = _save(v, task, dept, clerk)
    result_submit(result=result, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        result_approve(result=result, user=chief)
    published = PublicationRecord.objects.get(kind="result")
    withdrawal = publication_withdraw(public_id=published.public_id, reason="更正")
    published.refresh_from_db()
    assert withdrawal.supersedes == published and published.payload["检查结果"] == ["未发现问题"]


def test_no_problem_excludes_other_categories(visit) -> None:
    v, task, dept, clerk, _ = visit
    with pytest.raises(ResultError, match="不能与其他结果同时选择"):
        _save(v, task, dept, clerk, categories=["no_problem", "corrected"])


@pytest.mark.parametrize(
    ("today", "flag"),
    [
        # Inspection ended Mon 14 Sep 2026; 20 working days later is Fri 16 Oct (Sun 20 Sep and
        # Sat 10 Oct are make-up working days; 25–27 Sep and 1–7 Oct are off).
        (dt.date(2026, 9, 30), ""),
        (dt.date(2026, 10, 7), ""),
        (dt.date(2026, 10, 9), ""),  # 6 working days left
        (dt.date(2026, 10, 10), "yellow"),  # the make-up Saturday: 5 left
        (dt.date(2026, 10, 11), "yellow"),
        (dt.date(2026, 10, 16), "yellow"),  # due today
        (dt.date(2026, 10, 17), "red"),
    ],
)
def test_publication_deadline_flags_follow_the_official_calendar(visit, official_calendar, today, flag) -> None:
    _, task, *_ = visit
    task.window_end = dt.date(2026, 9, 14)
    deadline = publication_deadline(task, today=today)
    assert deadline.due == dt.date(2026, 10, 16)
    assert deadline.flag == flag


def test_a_referral_reaches_the_other_departments_feed_and_closes_with_a_date(visit) -> None:
    v, task, dept, clerk, _ = visit
    other = DepartmentFactory(code="XF")
    fire = person("fire", other, Role.STAFF)
    result = _save(v, task, dept, clerk)
    follow_up = follow_up_add(result=result, user=clerk, measure="5", note="消防通道堵塞", referred_to=other)
    assert fire.feed_items.filter(kind="referral").exists()
    closed = follow_up_close(follow_up=follow_up, user=clerk, on=dt.date(2026, 12, 20))
    assert closed.closed_on == dt.date(2026, 12, 20)
    with pytest.raises(ResultError):
        follow_up_close(follow_up=follow_up, user=clerk)


def test_a_row_with_a_stored_file_is_in_the_audit_chain_by_its_file_name(visit) -> None:
    from core.audit import verify_chain
    from core.models import AuditEntry
    from inspections.models import ResultAttachment

    v, task, dept, clerk, _ = visit
    attachment = ResultAttachment.objects.create(
        result=_save(v, task, dept, clerk), file="results/2026/11/abc.jpg", original_name="现场.jpg",
        content_type="image/jpeg", size=3, sha256_hex="0" * 64, uploaded_by=clerk,
    )
    entry = AuditEntry.objects.get(object_type="inspections.resultattachment", object_id=str(attachment.pk))
    assert entry.changes["file"] == "results/2026/11/abc.jpg"
    assert verify_chain().ok
