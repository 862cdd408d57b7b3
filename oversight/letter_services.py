"""Writes of the office's records: reminder letters, meeting issues, the assessment's weights.

State is checked first and changed with a conditional UPDATE (two clicks make one change). A
sent letter is never edited: answers, acknowledgement and escalation fill empty fields once.

An UPDATE (or ``bulk_create``/``bulk_update``) fires no signal, so each write here chains the
row's new state itself, in the same transaction (``_chain``): ``verify_audit`` holds every row of
these four models equal to its last chained snapshot (``settings.AUDIT_SNAPSHOT_MODELS``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import users_with_roles
from core.audit import audit_record, snapshot
from core.outbox import outbox_enqueue
from core.services import feed_post
from core.workdays import add_working_days
from oversight.models import (
    AssessmentScheme,
    AssessmentWeight,
    IssueComment,
    IssueStatus,
    Kpi,
    LetterEvent,
    LetterItem,
    LetterStatus,
    MeetingIssue,
    ReminderLetter,
    letter_reference,
)

MAX_WORKING_DAYS = 60
OPEN = (LetterStatus.SENT, LetterStatus.ACKNOWLEDGED)


class OversightError(Exception):
    """A refused action; the message is for the person who asked."""


def _chain(obj: models.Model, *, action: str = "update", refresh: bool = True) -> None:
    """A conditional UPDATE fires no signal: chain the row's state as stored (the UPDATE stays the
    race guard). Call it inside the transaction that made the change."""
    if refresh:
        obj.refresh_from_db()
    audit_record(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), changes=snapshot(obj))


def _letter_url(letter: ReminderLetter) -> str:
    return reverse("oversight:letter", args=[letter.pk])


def _clean_items(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    cleaned = [(text.strip(), int(days)) for text, days in items if text and text.strip()]
    if not cleaned:
        raise OversightError(_("提醒函至少要有一项改进要求。"))
    if any(not 1 <= days <= MAX_WORKING_DAYS for _t, days in cleaned):
        raise OversightError(_("办理时限须在 1 至 %(n)s 个工作日之间。") % {"n": MAX_WORKING_DAYS})
    return cleaned


# --- Reminder letters ------------------------------------------------------------------------
@transaction.atomic
def letter_draft_save(
    *, user: Any, issuer: Department, department: Department, title: str, body: str,
    items: list[tuple[str, int]], basis: list[Any] | None = None, letter: ReminderLetter | None = None,
) -> ReminderLetter:
    """Create a draft, or change one. A sent letter is history and cannot be changed."""
    cleaned = _clean_items(items)
    if department.kind != Department.Kind.REGULATOR:
        raise OversightError(_("提醒函只发给成员单位。"))
    if letter is not None:
        letter = ReminderLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.status != LetterStatus.DRAFT:
            raise OversightError(_("已发出的提醒函不能修改。"))
    letter = letter or ReminderLetter(created_by=user)
    letter.issuer, letter.department, letter.title, letter.body = issuer, department, title.strip(), body.strip()
    if basis is not None:
        letter.basis = basis
    created = letter.pk is None
    letter.save()
    letter.items.all().delete()  # deleted one by one through the collector: post_delete chains each
    LetterItem.objects.bulk_create(
        [LetterItem(letter=letter, seq=n, text=text, working_days=days) for n, (text, days) in enumerate(cleaned, 1)]
    )
    for item in letter.items.order_by("seq"):  # bulk_create fires no signal
        _chain(item, action="create", refresh=False)
    if created:
        LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.DRAFTED, actor=user)
    return letter


@transaction.atomic
def letter_send(*, letter: ReminderLetter, user: Any, today: dt.date | None = None) -> ReminderLetter:
    """Sign and send: number the letter, fix each item's deadline in working days, notify the
    department's liaison (and admin) through the work channel."""
    today = today or timezone.localdate()
    # The issuer's row is the lock for numbering: two letters sent at once get two numbers.
    Department.objects.select_for_update().filter(pk=letter.issuer_id).first()
    last = ReminderLetter.objects.filter(issuer_id=letter.issuer_id, year=today.year).aggregate(m=Max("number"))["m"] or 0
    now, issuer = timezone.now(), Department.objects.get(pk=letter.issuer_id)
    reference = letter_reference(issuer_label=issuer.label, year=today.year, number=last + 1)
    if not ReminderLetter.objects.filter(pk=letter.pk, status=LetterStatus.DRAFT).update(
        status=LetterStatus.SENT, year=today.year, number=last + 1, reference=reference, sent_at=now, sent_on=today,
        signed_by=user,
    ):
        raise OversightError(_("该提醒函已发出，不能重复签发。"))
    _chain(letter)
    items = list(letter.items.order_by("seq"))
    if not items:
        raise OversightError(_("提醒函至少要有一项改进要求。"))
    for item in items:
        due = add_working_days(today, item.working_days)
        item.due, item.due_estimated = due.date, due.estimated
    LetterItem.objects.bulk_update(items, ["due", "due_estimated"])
    items = list(letter.items.order_by("seq"))  # the items as stored, read back in one query
    for item in items:  # bulk_update fires no signal
        _chain(item, refresh=False)
    LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.SENT, actor=user, note=letter.reference)
    lines = [f"{i.seq}. {i.text}（{_('答复期限')} {i.due}）" for i in items]
    feed_post(
        recipients=users_with_roles(department=letter.department, roles={Role.LIAISON, Role.DEPT_ADMIN}),
        title=_("工作提醒函：%(title)s（%(ref)s）") % {"title": letter.title, "ref": letter.reference},
        body="\n".join(lines), url=_letter_url(letter), kind="reminder_letter", department=letter.issuer,
    )
    return letter


def _acknowledge(letter: ReminderLetter, user: Any) -> bool:
    done = ReminderLetter.objects.filter(pk=letter.pk, status=LetterStatus.SENT).update(
        status=LetterStatus.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=timezone.now()
    )
    if done:
        _chain(letter)  # refreshes ``letter``
        LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.ACKNOWLEDGED, actor=user)
    return bool(done)


@transaction.atomic
def letter_acknowledge(*, letter: ReminderLetter, user: Any) -> ReminderLetter:
    if not _acknowledge(letter, user):
        raise OversightError(_("该提醒函已签收或不在待签收状态。"))
    return letter


def _issuing_side(letter: ReminderLetter) -> list[Any]:
    people = list(users_with_roles(department=letter.issuer, roles={Role.OFFICE, Role.DISCIPLINE}))
    return [*people, letter.created_by, letter.signed_by]


@transaction.atomic
def letter_answer(*, item: LetterItem, user: Any, answer: str, today: dt.date | None = None) -> LetterItem:
    """Answer one item, once. Answering acknowledges the letter; the last answer completes it."""
    answer, today = answer.strip(), today or timezone.localdate()
    if not answer:
        raise OversightError(_("请填写答复内容。"))
    letter = ReminderLetter.objects.select_for_update().get(pk=item.letter_id)
    if letter.status not in OPEN:
        raise OversightError(_("该提醒函不在待答复状态。"))
    _acknowledge(letter, user)
    if not LetterItem.objects.filter(pk=item.pk, answered_at__isnull=True).update(
        answer=answer, answered_by=user, answered_at=timezone.now(), answered_on=today
    ):
        raise OversightError(_("该事项已答复，答复不能修改。"))
    _chain(item)
    LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.ANSWERED, actor=user, note=_("第 %(n)s 项") % {"n": item.seq})
    if not letter.items.filter(answered_at__isnull=True).exists():
        if ReminderLetter.objects.filter(pk=letter.pk, status__in=OPEN).update(status=LetterStatus.ANSWERED, answered_at=timezone.now()):
            _chain(letter)
        LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.COMPLETED, actor=user)
        feed_post(
            recipients=_issuing_side(letter), kind="reminder_letter_answered", url=_letter_url(letter), department=letter.department,
            title=_("%(dept)s 已答复提醒函：%(title)s") % {"dept": letter.department.name, "title": letter.title},
        )
    return item


@transaction.atomic
def letter_escalate(*, letter_id: int, today: dt.date | None = None) -> str:
    """Outbox handler body: an item is past its deadline unanswered. The department's admin and
    the issuing side hear of it, once per letter. Safe to run twice."""
    today = today or timezone.localdate()
    letter = ReminderLetter.objects.select_related("issuer", "department").filter(pk=letter_id).first()
    if letter is None or letter.status not in OPEN:
        return "not open"
    late = list(letter.items.filter(answered_at__isnull=True, due__lt=today).order_by("seq"))
    if not late:
        return "not overdue"
    if not ReminderLetter.objects.filter(pk=letter.pk, escalated_at__isnull=True).update(escalated_at=timezone.now()):
        return "already escalated"
    _chain(letter)
    seqs = "、".join(str(i.seq) for i in late)
    LetterEvent.objects.create(letter=letter, action=LetterEvent.Action.ESCALATED, note=_("第 %(seqs)s 项逾期未答复") % {"seqs": seqs})
    department_side = users_with_roles(department=letter.department, roles={Role.DEPT_ADMIN, Role.LIAISON})
    feed_post(
        recipients=[*department_side, *_issuing_side(letter)], kind="reminder_letter_overdue", url=_letter_url(letter),
        department=letter.issuer,
        title=_("督办：%(dept)s 逾期未答复提醒函 %(ref)s") % {"dept": letter.department.name, "ref": letter.reference},
        body=_("第 %(seqs)s 项已超过答复期限（%(due)s）。") % {"seqs": seqs, "due": late[0].due},
    )
    return "escalated"


def escalate_overdue_letters(*, today: dt.date | None = None) -> int:
    """The daily sweep: one outbox row per overdue letter (deduplicated), run by the workers."""
    from oversight.letter_selectors import overdue_letter_ids

    today = today or timezone.localdate()
    ids = overdue_letter_ids(today=today)
    with transaction.atomic():
        for letter_id in ids:
            outbox_enqueue(handler="oversight.escalate_letter", payload={"letter": letter_id}, dedupe_key=f"letter-escalate:{letter_id}")
    return len(ids)


# --- Meeting issues ----------------------------------------------------------------------------
def _notify_assignees(issue: MeetingIssue, title: str, body: str = "") -> None:
    people = [u for d in issue.assignees.all() for u in users_with_roles(department=d, roles={Role.LIAISON, Role.DEPT_ADMIN})]
    feed_post(recipients=people, title=title, body=body, url=reverse("oversight:issue", args=[issue.pk]), kind="meeting_issue")


@transaction.atomic
def issue_create(
    *, user: Any, meeting: str, meeting_date: dt.date, title: str, description: str = "",
    raised_by: Department | None = None, assignees: list[Department],
) -> MeetingIssue:
    if not assignees:
        raise OversightError(_("请至少指定一个承办部门。"))
    issue = MeetingIssue.objects.create(
        meeting=meeting.strip(), meeting_date=meeting_date, title=title.strip(), description=description.strip(),
        raised_by=raised_by, created_by=user,
    )
    issue.assignees.set(assignees)
    _notify_assignees(issue, _("联席会议交办问题：%(title)s") % {"title": issue.title}, issue.description)
    return issue


@transaction.atomic
def issue_comment(*, issue: MeetingIssue, user: Any, body: str, department: Department | None) -> IssueComment:
    if not body.strip():
        raise OversightError(_("请填写意见。"))
    if not MeetingIssue.objects.filter(pk=issue.pk).exclude(status=IssueStatus.CLOSED).exists():
        raise OversightError(_("该问题已办结。"))
    if MeetingIssue.objects.filter(pk=issue.pk, status=IssueStatus.OPEN).update(status=IssueStatus.DISCUSSING):
        _chain(issue)
    return IssueComment.objects.create(issue=issue, author=user, department=department, body=body.strip())


@transaction.atomic
def issue_resolve(*, issue: MeetingIssue, user: Any, proposal: str) -> MeetingIssue:
    """逐条研究，提出解决问题的合理化建议: the proposal resolves the issue."""
    if not proposal.strip():
        raise OversightError(_("请填写解决问题的建议。"))
    if not MeetingIssue.objects.filter(pk=issue.pk, status__in=[IssueStatus.OPEN, IssueStatus.DISCUSSING]).update(
        status=IssueStatus.RESOLVED, proposal=proposal.strip(), resolved_by=user, resolved_at=timezone.now()
    ):
        raise OversightError(_("该问题已提出建议或已办结。"))
    _chain(issue)
    _notify_assignees(issue, _("联席会议问题已提出建议：%(title)s") % {"title": issue.title}, issue.proposal)
    return issue


@transaction.atomic
def issue_close(*, issue: MeetingIssue, user: Any) -> MeetingIssue:
    if not MeetingIssue.objects.filter(pk=issue.pk, status=IssueStatus.RESOLVED).update(status=IssueStatus.CLOSED):
        raise OversightError(_("只有已提出建议的问题才能办结。"))
    _chain(issue)
    return issue


# --- Assessment weights ------------------------------------------------------------------------
@transaction.atomic
def scheme_save(*, user: Any, name: str, weights: dict[str, int], note: str = "") -> AssessmentScheme:
    """A change of weights is a new scheme; the earlier one stays on record, no longer current."""
    unknown = set(weights) - set(Kpi.values)
    if unknown or any(not 0 <= int(w) <= 100 for w in weights.values()):
        raise OversightError(_("权重须为 0 至 100 的整数。"))
    if sum(int(w) for w in weights.values()) <= 0:
        raise OversightError(_("至少一项指标的权重须大于 0。"))
    # The scheme in force, locked; it is retired by a conditional UPDATE, then its state chained.
    retired = list(AssessmentScheme.objects.select_for_update().filter(is_current=True))
    if AssessmentScheme.objects.filter(pk__in=[s.pk for s in retired], is_current=True).update(is_current=False):
        for old in retired:
            _chain(old)
    scheme = AssessmentScheme.objects.create(name=name.strip(), note=note.strip(), updated_by=user, is_current=True)
    AssessmentWeight.objects.bulk_create(
        [AssessmentWeight(scheme=scheme, kpi=k, weight=int(weights.get(k, 0))) for k in Kpi.values]
    )
    return scheme
