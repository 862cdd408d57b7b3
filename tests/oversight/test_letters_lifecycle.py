"""A reminder letter's life: drafted, signed and sent, acknowledged, answered item by item,
escalated when late; no edit after sending; every step in the history and the audit chain."""

import datetime as dt

import pytest

from agencies.models import Department, Role
from core.models import AuditEntry, FeedItem, OutboxItem
from oversight.letter_selectors import letters_summary, overdue_letter_ids
from oversight.letter_services import (
    OversightError,
    escalate_overdue_letters,
    letter_acknowledge,
    letter_answer,
    letter_draft_save,
    letter_escalate,
    letter_send,
)
from oversight.models import LetterStatus, ReminderLetter
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(official_calendar):
    office = DepartmentFactory(code="LXB", name="联席办", short_name="联席办", kind=Department.Kind.OFFICE)
    scjg = DepartmentFactory(code="SCJG", name="市场监管局")
    return {
        "office_dept": office, "dept": scjg,
        "office": person("office", office, Role.OFFICE),
        "liaison": person("liaison", scjg, Role.LIAISON),
        "admin": person("admin", scjg, Role.DEPT_ADMIN),
    }


def _draft(p, **kw):
    return letter_draft_save(
        user=p["office"], issuer=p["office_dept"], department=p["dept"], title="关于按时公示检查结果的提醒",
        body="请抓紧整改。", items=[("按时公示任务 T1 的检查结果", 5), ("补录执法人员库", 10)], **kw,
    )


def test_sending_numbers_the_letter_fixes_deadlines_in_working_days_and_tells_the_liaison(people) -> None:
    letter = _draft(people)
    # 1–7 Oct 2026 are off, Sat 10 Oct is a make-up working day: 5 working days after Wed 30 Sep
    # are 8, 9, 10, 12, 13 Oct; 10 working days end on Tue 20 Oct.
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.number == 1 and letter.year == 2026
    assert letter.reference == "联席办提醒〔2026〕1号"
    assert [i.due for i in letter.items.order_by("seq")] == [dt.date(2026, 10, 13), dt.date(2026, 10, 20)]
    feed = FeedItem.objects.get(kind="reminder_letter", recipient=people["liaison"])
    assert "按时公示任务 T1" in feed.body and feed.url == f"/oversight/letters/{letter.pk}/"
    assert FeedItem.objects.filter(kind="reminder_letter", recipient=people["admin"]).exists()
    second = _draft(people)
    letter_send(letter=second, user=people["office"], today=dt.date(2026, 9, 30))
    second.refresh_from_db()
    assert second.number == 2


def test_a_sent_letter_cannot_be_edited_or_sent_again(people) -> None:
    letter = _draft(people)
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    with pytest.raises(OversightError, match="不能修改"):
        _draft(people, letter=letter)
    with pytest.raises(OversightError, match="不能重复签发"):
        letter_send(letter=letter, user=people["office"])
    assert list(letter.items.values_list("text", flat=True)) == ["按时公示任务 T1 的检查结果", "补录执法人员库"]


def test_the_liaison_acknowledges_and_answers_item_by_item_and_the_office_hears_of_it(people) -> None:
    letter = _draft(people)
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    letter_acknowledge(letter=letter, user=people["liaison"])
    with pytest.raises(OversightError, match="已签收"):
        letter_acknowledge(letter=letter, user=people["liaison"])
    first, second = letter.items.order_by("seq")
    letter_answer(item=first, user=people["liaison"], answer="已于10月9日公示", today=dt.date(2026, 10, 9))
    with pytest.raises(OversightError, match="不能修改"):
        letter_answer(item=first, user=people["liaison"], answer="改口")
    with pytest.raises(OversightError, match="答复内容"):
        letter_answer(item=second, user=people["liaison"], answer="  ")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ACKNOWLEDGED
    letter_answer(item=second, user=people["liaison"], answer="已补录12人", today=dt.date(2026, 10, 21))
    letter.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert letter.status == LetterStatus.ANSWERED and first.on_time is True and second.on_time is False
    assert FeedItem.objects.filter(kind="reminder_letter_answered", recipient=people["office"]).exists()
    assert list(letter.events.values_list("action", flat=True)) == ["drafted", "sent", "acknowledged", "answered", "answered", "completed"]
    assert AuditEntry.objects.filter(object_type="oversight.reminderletter", object_id=str(letter.pk)).exists()


def test_answering_a_letter_that_was_never_acknowledged_acknowledges_it(people) -> None:
    letter = _draft(people)
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    letter_answer(item=letter.items.first(), user=people["liaison"], answer="已整改", today=dt.date(2026, 10, 9))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ACKNOWLEDGED and letter.acknowledged_by == people["liaison"]


def test_drafts_need_an_item_within_sixty_working_days_and_a_member_department(people) -> None:
    with pytest.raises(OversightError, match="至少要有一项"):
        letter_draft_save(user=people["office"], issuer=people["office_dept"], department=people["dept"], title="t", body="", items=[(" ", 3)])
    with pytest.raises(OversightError, match="1 至 60"):
        letter_draft_save(user=people["office"], issuer=people["office_dept"], department=people["dept"], title="t", body="", items=[("x", 61)])
    with pytest.raises(OversightError, match="成员单位"):
        letter_draft_save(user=people["office"], issuer=people["office_dept"], department=people["office_dept"], title="t", body="", items=[("x", 3)])


def test_an_overdue_answer_escalates_once_through_the_outbox(people, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    letter = _draft(people)
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    first = letter.items.order_by("seq").first()
    letter_answer(item=first, user=people["liaison"], answer="已公示", today=dt.date(2026, 10, 9))
    assert overdue_letter_ids(today=dt.date(2026, 10, 20)) == []  # due today: not late yet
    assert letter_escalate(letter_id=letter.pk, today=dt.date(2026, 10, 20)) == "not overdue"
    # The second item was due Tue 20 Oct.
    assert overdue_letter_ids(today=dt.date(2026, 10, 21)) == [letter.pk]
    assert letter_escalate(letter_id=letter.pk, today=dt.date(2026, 10, 21)) == "escalated"
    assert letter_escalate(letter_id=letter.pk, today=dt.date(2026, 10, 22)) == "already escalated"
    feed = FeedItem.objects.filter(kind="reminder_letter_overdue")
    assert {f.recipient.username for f in feed} >= {"admin", "liaison", "office"}
    assert "第 2 项" in feed.first().body
    assert overdue_letter_ids(today=dt.date(2026, 10, 22)) == []
    assert list(letter.events.values_list("action", flat=True))[-1] == "escalated"


def test_the_daily_sweep_queues_one_outbox_row_per_overdue_letter(people, settings, django_capture_on_commit_callbacks) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    letter = _draft(people)
    letter_send(letter=letter, user=people["office"], today=dt.date(2026, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_letters(today=dt.date(2026, 10, 21)) == 1
    item = OutboxItem.objects.get(handler="oversight.escalate_letter")
    assert item.status == "done" and item.result["outcome"] in {"escalated"}
    letter.refresh_from_db()
    assert letter.escalated_at is not None


def test_letters_summary_counts_per_department_and_status(people) -> None:
    sent = _draft(people)
    letter_send(letter=sent, user=people["office"], today=dt.date(2026, 9, 30))
    _draft(people)  # a draft, created today
    other = DepartmentFactory(code="GA", name="公安分局")
    letter_draft_save(user=people["office"], issuer=people["office_dept"], department=other, title="t", body="", items=[("x", 3)])
    rows = letters_summary(period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31), today=dt.date(2026, 10, 20))
    by = {r["department"]: r for r in rows}
    assert by["市场监管局"]["sent"] == 1 and by["市场监管局"]["draft"] == 1 and by["市场监管局"]["overdue"] == 1
    assert by["市场监管局"]["total"] == 2 and by["公安分局"]["draft"] == 1
    assert ReminderLetter.objects.count() == 3
