"""One door per object kind of the office's records. "Missing" and "not yours" both answer 404.

- Reminder letters: the office reads and writes every letter (it drafts letters in its own name
  or in the discipline body's); the discipline body reads every letter and writes those issued in
  its own name; the receiving department's liaison and admin read the letter once sent and answer
  it. Drafts stay on the issuing side.
- Meeting issues: the office writes; discipline reads; people of an assigned department read and
  comment.
- Assessment: the office edits the weights; office, discipline and the assessor read KPIs and
  reports. The assessor reads nothing else here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import DEPARTMENT_ROLES, Department, Role
from agencies.selectors import department_ids, has_role
from oversight.models import LetterItem, LetterStatus, MeetingIssue, ReminderLetter

ANSWERING_ROLES = {Role.LIAISON, Role.DEPT_ADMIN}


def is_office(user: Any) -> bool:
    return has_role(user, Role.OFFICE)


def is_discipline(user: Any) -> bool:
    return has_role(user, Role.DISCIPLINE)


def reads_all_letters(user: Any) -> bool:
    return has_role(user, Role.OFFICE, Role.DISCIPLINE)


def reads_assessment(user: Any) -> bool:
    return has_role(user, Role.OFFICE, Role.DISCIPLINE, Role.ASSESSOR)


def issuers_for(user: Any) -> QuerySet[Department]:
    """In whose name the person may send letters: the office in its own or the discipline body's
    name (the article's letters went out as the discipline office's); discipline in its own."""
    active = Department.objects.filter(is_active=True, kind__in=[Department.Kind.OFFICE, Department.Kind.DISCIPLINE])
    q = Q(pk__in=department_ids(user, roles={Role.DISCIPLINE}))
    if is_office(user):
        q |= Q(pk__in=department_ids(user, roles={Role.OFFICE})) | Q(kind=Department.Kind.DISCIPLINE)
    return active.filter(q).order_by("-kind", "code")  # the office itself first, then the discipline body


def may_issue_letters(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and issuers_for(user).exists()


def _may_write(user: Any, letter: ReminderLetter) -> bool:
    if is_office(user):
        return True
    return letter.issuer_id in department_ids(user, roles={Role.DISCIPLINE})


def _answers_for(user: Any, letter: ReminderLetter) -> bool:
    return letter.status != LetterStatus.DRAFT and letter.department_id in department_ids(user, roles=ANSWERING_ROLES)


def access_letter(*, user: Any, pk: int, write: bool = False) -> ReminderLetter:
    """Read: issuing side and the receiving department's liaison/admin. Write: the issuing side."""
    letter = ReminderLetter.objects.select_related("issuer", "department").filter(pk=pk).first()
    if letter is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if write:
        if not _may_write(user, letter):
            raise Http404
        return letter
    if reads_all_letters(user) or _answers_for(user, letter):
        return letter
    raise Http404


def access_letter_reply(*, user: Any, pk: int) -> ReminderLetter:
    """The receiving department acknowledges and answers: its liaison or admin, once sent."""
    letter = ReminderLetter.objects.select_related("issuer", "department").filter(pk=pk).first()
    if letter is None or not _answers_for(user, letter):
        raise Http404
    return letter


def access_letter_item(*, user: Any, letter: ReminderLetter, pk: int) -> LetterItem:
    item = LetterItem.objects.filter(letter=letter, pk=pk).first()
    if item is None:
        raise Http404
    return item


def _in_assigned_department(user: Any, issue: MeetingIssue) -> bool:
    mine = department_ids(user, roles=DEPARTMENT_ROLES)
    return bool(mine) and issue.assignees.filter(pk__in=mine).exists()


def access_issue(*, user: Any, pk: int, write: bool = False, comment: bool = False) -> MeetingIssue:
    """Read: office, discipline, assigned departments. Write: the office. Comment: office and
    assigned departments (discipline reads only)."""
    issue = MeetingIssue.objects.select_related("raised_by").filter(pk=pk).first()
    if issue is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if write:
        if not is_office(user):
            raise Http404
        return issue
    if comment:
        if not (is_office(user) or _in_assigned_department(user, issue)):
            raise Http404
        return issue
    if reads_all_letters(user) or _in_assigned_department(user, issue):
        return issue
    raise Http404
