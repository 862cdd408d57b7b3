"""The joint-meeting office's own records: reminder letters, meeting issues, assessments.

Status fields change only through ``oversight.services`` after checking the current state
(conditional UPDATEs). A letter is never edited once sent: answers, acknowledgements and
escalations are new values on empty fields, each recorded in ``LetterEvent`` and the audit chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LetterStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已发出")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    ANSWERED = "answered", _("已答复")


class ReminderLetter(models.Model):
    """工作提醒函: what a department must improve, item by item, each with a deadline."""

    issuer = models.ForeignKey(
        "agencies.Department", verbose_name=_("发函单位"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("收函部门"), on_delete=models.PROTECT, related_name="reminder_letters"
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    number = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    # Fixed when the letter is sent: a later change of the issuer's short name leaves it as issued.
    reference = models.CharField(_("文号"), max_length=100, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    basis = models.JSONField(_("依据的数据"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=LetterStatus.choices, default=LetterStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("拟稿时间"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    sent_on = models.DateField(_("发文日期"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复完毕时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期督办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作提醒函")
        verbose_name_plural = _("工作提醒函")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "sent", "acknowledged", "answered"]), name="letter_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(sent_at__isnull=False, number__isnull=False, signed_by__isnull=False)
                & ~models.Q(reference=""),
                name="letter_sent_is_signed_and_numbered",
            ),
            models.UniqueConstraint(fields=["issuer", "year", "number"], name="letter_number_unique_per_issuer_year"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="letter_department_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title


def letter_reference(*, issuer_label: str, year: int, number: int) -> str:
    """The letter's reference number (文号), e.g. 联席办提醒〔2026〕3号."""
    return f"{issuer_label}提醒〔{year}〕{number}号"


class LetterItem(models.Model):
    letter = models.ForeignKey(ReminderLetter, verbose_name=_("提醒函"), on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("改进要求"))
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    due = models.DateField(_("答复期限"), null=True, blank=True)
    due_estimated = models.BooleanField(_("期限按周末推算（节假日安排未录入）"), default=False)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒事项")
        verbose_name_plural = _("提醒事项")
        ordering = ["letter", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "seq"], name="letter_item_seq_unique"),
            models.CheckConstraint(condition=models.Q(working_days__gte=1), name="letter_item_at_least_one_day"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | ~models.Q(answer=""), name="letter_item_answer_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["due", "answered_on"], name="letter_item_due")]

    def __str__(self) -> str:
        return f"{self.letter_id}.{self.seq}"

    @property
    def on_time(self) -> bool | None:
        if self.answered_on is None or self.due is None:
            return None
        return self.answered_on <= self.due


class LetterEvent(models.Model):
    """The letter's history, in order: drafted, sent, acknowledged, answered, escalated."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("拟稿")
        SENT = "sent", _("签发")
        ACKNOWLEDGED = "acknowledged", _("签收")
        ANSWERED = "answered", _("答复")
        COMPLETED = "completed", _("全部答复")
        ESCALATED = "escalated", _("逾期督办")

    letter = models.ForeignKey(ReminderLetter, verbose_name=_("提醒函"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=14, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("提醒函记录")
        verbose_name_plural = _("提醒函记录")
        ordering = ["letter", "at", "id"]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.action}"


# --- Meeting issues ------------------------------------------------------------------------------
class IssueStatus(models.TextChoices):
    OPEN = "open", _("待研究")
    DISCUSSING = "discussing", _("研究中")
    RESOLVED = "resolved", _("已提出建议")
    CLOSED = "closed", _("已办结")


class MeetingIssue(models.Model):
    """A problem raised at a joint meeting, studied item by item until a proposal resolves it."""

    meeting = models.CharField(_("会议"), max_length=200)
    meeting_date = models.DateField(_("会议日期"))
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    raised_by = models.ForeignKey(
        "agencies.Department", verbose_name=_("提出单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignees = models.ManyToManyField("agencies.Department", verbose_name=_("承办部门"), related_name="meeting_issues")
    status = models.CharField(_("状态"), max_length=12, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    proposal = models.TextField(_("解决问题的合理化建议"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出建议人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("提出建议时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联席会议问题")
        verbose_name_plural = _("联席会议问题")
        ordering = ["-meeting_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "discussing", "resolved", "closed"]), name="meeting_issue_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "discussing"]) | ~models.Q(proposal=""),
                name="resolved_issue_has_proposal",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IssueComment(models.Model):
    issue = models.ForeignKey(MeetingIssue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发言人"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("所在单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("意见"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题研究意见")
        verbose_name_plural = _("问题研究意见")
        ordering = ["issue", "at", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id} · {self.author_id}"


# --- Assessment ----------------------------------------------------------------------------------
class Kpi(models.TextChoices):
    """The assessment's indicators (docs/assessment.md defines each precisely)."""

    TASK_COMPLETION = "task_completion", _("任务完成率")
    ON_TIME_PUBLICATION = "on_time_publication", _("按时公示率")
    JOINT_SHARE = "joint_share", _("跨部门监管率")
    RISK_RATIO_DRAWS = "risk_ratio_draws", _("按信用风险分类抽取占比")
    POOL_COVERAGE = "pool_coverage", _("执法人员库覆盖率")
    POOL_FRESHNESS = "pool_freshness", _("执法人员库更新率")
    PROBLEM_FINDING = "problem_finding", _("问题发现率")
    REPEAT_INSPECTION = "repeat_inspection", _("重复检查率")
    FOLLOW_UP_VISITS = "follow_up_visits", _("企业回访率")
    LETTERS_ON_TIME = "letters_on_time", _("提醒函按时答复率")


class AssessmentScheme(models.Model):
    """The weights of the assessment, edited by the office. One scheme is in force at a time."""

    name = models.CharField(_("方案名称"), max_length=100)
    is_current = models.BooleanField(_("现行方案"), default=True)
    note = models.TextField(_("说明"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True), name="one_current_scheme"),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentWeight(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="weights")
    kpi = models.CharField(_("指标"), max_length=24, choices=Kpi.choices)
    weight = models.PositiveSmallIntegerField(_("权重（分）"))

    class Meta:
        verbose_name = _("指标权重")
        verbose_name_plural = _("指标权重")
        ordering = ["scheme", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kpi"], name="weight_once_per_kpi"),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="weight_at_most_100"),
            models.CheckConstraint(condition=models.Q(kpi__in=[k.value for k in Kpi]), name="weight_kpi_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.weight}"


# --- Guidance and training for departments ------------------------------------------------------
class GuidanceKind(models.TextChoices):
    ONSITE = "onsite", _("现场指导")
    TRAINING = "training", _("业务培训")


class GuidanceSession(models.Model):
    """The office's on-site guidance or training given to departments (not to entities)."""

    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("形式"), max_length=12, choices=GuidanceKind.choices, default=GuidanceKind.TRAINING)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    topic = models.TextField(_("内容"), blank=True)
    departments = models.ManyToManyField("agencies.Department", verbose_name=_("参加部门"), related_name="guidance_sessions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指导培训")
        verbose_name_plural = _("指导培训")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["onsite", "training"]), name="guidance_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class GuidanceAttendance(models.Model):
    """One person of an invited department who attended the session."""

    session = models.ForeignKey(GuidanceSession, verbose_name=_("指导培训"), on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("参加人员"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["session", "department", "user"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="guidance_attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.user_id}"
