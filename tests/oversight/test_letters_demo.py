"""The demo step gives one answered letter, one overdue (escalated) letter, a draft, meeting
issues in each state and the weights, consistent with the demo district; running it twice adds nothing."""

import io

import pytest

from agencies import demo as agencies_demo
from core.models import FeedItem
from oversight import letter_demo
from oversight.letter_selectors import overdue_letter_ids
from oversight.models import AssessmentScheme, MeetingIssue, ReminderLetter

pytestmark = pytest.mark.django_db


def test_the_demo_letters_issues_and_scheme(official_calendar) -> None:
    out = io.StringIO()
    agencies_demo.seed(out)
    letter_demo.seed(out)
    letter_demo.seed(out)
    letters = {letter.title: letter for letter in ReminderLetter.objects.all()}
    assert len(letters) == 3
    answered = letters["关于及时录入和公示抽查检查结果的提醒函"]
    assert answered.status == "answered" and all(i.on_time for i in answered.items.all())
    overdue = letters["关于加强执法检查人员名录库建设的提醒函"]
    assert overdue.status == "acknowledged" and overdue.escalated_at is not None and overdue.issuer.code == "JJZ"
    assert overdue.reference.startswith("纪检组提醒〔") and answered.reference.startswith("联席办提醒〔")
    assert overdue.items.filter(answered_at__isnull=True).count() == 1
    assert overdue_letter_ids(today=overdue.items.get(seq=2).due) == []  # escalated already
    assert FeedItem.objects.filter(kind="reminder_letter_overdue", recipient__username="scj_liaison").exists()
    assert sorted(MeetingIssue.objects.values_list("status", flat=True)) == ["discussing", "open", "resolved"]
    assert AssessmentScheme.objects.filter(is_current=True).count() == 1
