"""Demo reminder letters (one answered, one overdue and escalated, one draft), meeting issues and
the assessment scheme, through the real services, for the demo district of agencies/demo.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from agencies.models import Department, User
from core.demo import demo_step
from core.workdays import add_working_days


def _back(today: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``today``."""
    day = today
    while add_working_days(day, days).date > today:
        day -= dt.timedelta(days=1)
    return day


def _letters(today: dt.date, people: dict[str, Any], dept: dict[str, Department]) -> None:
    from oversight.letter_services import letter_answer, letter_draft_save, letter_escalate, letter_send

    answered = letter_draft_save(
        user=people["office"], issuer=dept["LXB"], department=dept["SCJG"],
        title="关于及时录入和公示抽查检查结果的提醒函",
        body="经联席会议办公室核查，贵单位部分任务的检查结果录入和公示不够及时，请逐项落实并在期限内逐条答复。",
        items=[("对已完成检查的任务，检查结果须在检查结束后20个工作日内审核并公示。", 10),
               ("各科所固定一名双随机工作联络员，并报联席会议办公室备案。", 10)],
    )
    sent_on = _back(today, 30)
    letter_send(letter=answered, user=people["office"], today=sent_on)
    for n, item in enumerate(answered.items.order_by("seq")):
        letter_answer(item=item, user=people["scj_liaison"], today=add_working_days(sent_on, 6 + n).date,
                      answer=["已对逾期任务逐一审核并公示，建立每周检查结果录入通报制度。", "六个科所均已确定联络员，名单已报送。"][n])
    overdue = letter_draft_save(
        user=people["office"], issuer=dept["JJZ"], department=dept["SCJG"],
        title="关于加强执法检查人员名录库建设的提醒函",
        body="根据联席会议要求，现就贵单位执法检查人员名录库建设提出以下改进要求，请按期答复。",
        items=[("更新执法检查人员名录库，及时调整离岗、调岗人员。", 5),
               ("对证件过期的执法人员，完成换证或移出名录库。", 8)],
    )
    sent_on = _back(today, 12)
    letter_send(letter=overdue, user=people["discipline"], today=sent_on)
    first = overdue.items.order_by("seq").first()
    if first is not None:
        letter_answer(item=first, user=people["scj_liaison"], answer="已更新名录库，调整离岗人员3名。",
                      today=add_working_days(sent_on, 4).date)
    letter_escalate(letter_id=overdue.pk, today=today)
    letter_draft_save(
        user=people["office"], issuer=dept["LXB"], department=dept["GA"], title="关于按时认领联合抽查任务的提醒函",
        body="贵单位有联合抽查任务未在截止日期前认领。", items=[("对被邀请参与的联合抽查任务，在认领截止日期前完成认领或说明理由。", 3)],
    )


def _issues(today: dt.date, people: dict[str, Any], dept: dict[str, Department]) -> None:
    from oversight.letter_services import issue_comment, issue_create, issue_resolve

    meeting, held = "区部门联合双随机一公开监管工作联席会议（第三次）", today - dt.timedelta(days=40)
    resolved = issue_create(
        user=people["office"], meeting=meeting, meeting_date=held, title="联合检查中各部门检查表不统一，企业需重复提供材料",
        description="旅馆业联合抽查中，公安、住建、卫健、消防各用一套检查表，企业准备材料负担重。",
        raised_by=dept["GA"], assignees=[dept["SCJG"], dept["GA"]],
    )
    issue_comment(issue=resolved, user=people["scj_liaison"], department=dept["SCJG"], body="建议以事项清单为基础合并检查表，一次入户、一次提供材料。")
    issue_resolve(issue=resolved, user=people["office"],
                  proposal="由市场监管局牵头，会同各成员单位以抽查事项清单为基础制定联合检查表，检查前统一告知企业需准备的材料。")
    discussing = issue_create(
        user=people["office"], meeting=meeting, meeting_date=held, title="部分部门执法人员不足，难以满足每户2名执法人员的要求",
        raised_by=dept["ZJJ"], assignees=[dept["ZJJ"], dept["SCJG"]],
    )
    issue_comment(issue=discussing, user=people["scj_liaison"], department=dept["SCJG"], body="可在联合任务中由市场监管局派员补足，组长由发起部门担任。")
    issue_create(
        user=people["office"], meeting=meeting, meeting_date=held, title="检查结果录入平台时间晚，影响按时公示",
        raised_by=dept["WJJ"], assignees=[dept["WJJ"]],
    )


@demo_step(80, "oversight: reminder letters, meeting issues, assessment weights")
def seed(out: Any) -> None:
    from oversight.assessment import DEFAULT_WEIGHTS
    from oversight.letter_services import scheme_save
    from oversight.models import AssessmentScheme, MeetingIssue, ReminderLetter

    today = timezone.localdate()
    people = {u.username: u for u in User.objects.filter(username__in=["office", "discipline", "scj_liaison"])}
    dept = {d.code: d for d in Department.objects.filter(code__in=["LXB", "JJZ", "SCJG", "GA", "ZJJ", "WJJ"])}
    if len(people) < 3 or len(dept) < 6:
        out.write("  oversight: demo departments or users missing; skipped\n")
        return
    # Letters carry the issuer's short name in their reference (文号): 联席办提醒〔2026〕1号.
    for code, short in (("LXB", "联席办"), ("JJZ", "纪检组")):
        Department.objects.filter(code=code, short_name="").update(short_name=short)
        dept[code].refresh_from_db()
    if not AssessmentScheme.objects.exists():
        scheme_save(user=people["office"], name=f"{today.year}年度考核方案", weights={str(k): v for k, v in DEFAULT_WEIGHTS.items()},
                    note="按区营商环境考核要求设定，联席会议办公室可调整。")
    if not ReminderLetter.objects.exists():
        _letters(today, people, dept)
    if not MeetingIssue.objects.exists():
        _issues(today, people, dept)
    out.write(f"  oversight: {ReminderLetter.objects.count()} letters, {MeetingIssue.objects.count()} meeting issues\n")
