"""The office's records are held to the audit chain: every write to a reminder letter, its items,
a meeting issue or an assessment scheme (conditional UPDATEs and the items' bulk update included)
chains the new state, so ``verify_records`` finds a row changed behind the chain's back."""

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings

from agencies import demo as agencies_demo
from agencies.models import Department, Role
from core.audit import verify_records
from oversight import letter_demo
from oversight.letter_services import (
    issue_close,
    issue_comment,
    issue_create,
    issue_resolve,
    letter_acknowledge,
    letter_answer,
    letter_draft_save,
    letter_escalate,
    letter_send,
    scheme_save,
)
from oversight.models import AssessmentScheme, LetterItem, MeetingIssue, ReminderLetter
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db

OVERSIGHT = ["oversight.reminderletter", "oversight.letteritem", "oversight.meetingissue", "oversight.assessmentscheme"]


@pytest.fixture
def people(official_calendar):
    office = DepartmentFactory(code="LXB", name="联席办", short_name="联席办", kind=Department.Kind.OFFICE)
    scjg = DepartmentFactory(code="SCJG", name="市场监管局")
    ga = DepartmentFactory(code="GA", name="公安分局")
    return {
        "office_dept": office, "dept": scjg, "ga": ga,
        "office": person("office", office, Role.OFFICE),
        "liaison": person("liaison", scjg, Role.LIAISON),
    }


@pytest.fixture
def checked(settings):
    """The four models are checked whatever the settings say (the settings are tested apart)."""
    settings.AUDIT_SNAPSHOT_MODELS = list(dict.fromkeys([*settings.AUDIT_SNAPSHOT_MODELS, *OVERSIGHT]))


def _draft(p, **kw):
    return letter_draft_save(
        user=p["office"], issuer=p["office_dept"], department=p["dept"], title="关于按时公示检查结果的提醒",
        body="请抓紧整改。", items=[("按时公示任务 T1 的检查结果", 5), ("补录执法人员库", 10)], **kw,
    )


def _lives(p) -> dict[str, object]:
    """A full letter life, an escalated letter, an issue's life, a second scheme replacing the first."""
    scheme_save(user=p["office"], name="2026年度考核方案", weights={"task_completion": 60, "letters_on_time": 40})
    letter = _draft(p)
    letter = _draft(p, letter=letter)  # the draft changed once: its items are replaced
    letter_send(letter=letter, user=p["office"], today=dt.date(2026, 9, 30))
    letter_acknowledge(letter=letter, user=p["liaison"])
    for n, item in enumerate(letter.items.order_by("seq")):
        letter_answer(item=item, user=p["liaison"], answer=f"已整改第{n + 1}项", today=dt.date(2026, 10, 9))
    late = _draft(p)
    letter_send(letter=late, user=p["office"], today=dt.date(2026, 9, 30))
    letter_answer(item=late.items.order_by("seq").first(), user=p["liaison"], answer="已公示", today=dt.date(2026, 10, 9))
    assert letter_escalate(letter_id=late.pk, today=dt.date(2026, 10, 21)) == "escalated"

    issue = issue_create(user=p["office"], meeting="联席会议（第一次）", meeting_date=dt.date(2026, 9, 1),
                         title="检查表不统一", raised_by=p["ga"], assignees=[p["dept"], p["ga"]])
    issue_comment(issue=issue, user=p["liaison"], body="建议合并检查表。", department=p["dept"])
    issue_comment(issue=issue, user=p["liaison"], body="再补充一点。", department=p["dept"])
    issue_resolve(issue=issue, user=p["office"], proposal="由市场监管局牵头制定联合检查表。")
    issue_close(issue=issue, user=p["office"])
    scheme_save(user=p["office"], name="调整后的方案", weights={"task_completion": 50, "letters_on_time": 50})

    letter.refresh_from_db()
    late.refresh_from_db()
    issue.refresh_from_db()
    assert letter.status == "answered" and late.status == "acknowledged" and late.escalated_at is not None
    assert issue.status == "closed"
    assert AssessmentScheme.objects.count() == 2 and AssessmentScheme.objects.filter(is_current=True).count() == 1
    return {"letter": letter, "late": late, "issue": issue}


def test_the_four_models_are_held_to_their_chained_snapshots() -> None:
    assert set(OVERSIGHT) <= set(django_settings.AUDIT_SNAPSHOT_MODELS)


def test_letters_issues_and_schemes_written_through_their_services_match_the_chain(people, checked) -> None:
    _lives(people)
    report = verify_records()
    assert report.ok, report.problems
    rows = ReminderLetter.objects.count() + LetterItem.objects.count() + MeetingIssue.objects.count()
    assert report.checked >= rows + AssessmentScheme.objects.count()


TAMPER = {
    "oversight.reminderletter": lambda lives: (ReminderLetter, lives["letter"].pk, {"status": "acknowledged"}),
    "oversight.letteritem": lambda lives: (LetterItem, lives["late"].items.get(seq=2).pk, {"due": dt.date(2026, 12, 31)}),
    "oversight.meetingissue": lambda lives: (MeetingIssue, lives["issue"].pk, {"status": "resolved"}),
    "oversight.assessmentscheme": lambda lives: (
        AssessmentScheme, AssessmentScheme.objects.get(is_current=True).pk, {"is_current": False}
    ),
}


@pytest.mark.parametrize("label", OVERSIGHT)
def test_a_row_changed_behind_the_chains_back_is_found(people, label) -> None:
    lives = _lives(people)
    model, pk, change = TAMPER[label](lives)
    model.objects.filter(pk=pk).update(**change)  # as an UPDATE typed in psql: no signal, no chain row
    problems = verify_records().problems
    assert f"{label}:{pk} differs from its chained record" in problems


def test_the_demo_letters_issues_and_scheme_match_the_chain(official_calendar, checked) -> None:
    out = io.StringIO()
    agencies_demo.seed(out)
    letter_demo.seed(out)
    assert ReminderLetter.objects.filter(escalated_at__isnull=False).exists()
    report = verify_records()
    assert report.ok, report.problems
    assert report.checked >= ReminderLetter.objects.count() + LetterItem.objects.count() + MeetingIssue.objects.count()
