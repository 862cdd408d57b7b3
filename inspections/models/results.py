"""From the draw to the door and back: teams, notices, results, review, follow-ups, and what
follows (abnormal list, annual reports, credit repair, revocation), feedback visits, trainings.

Result wording is exact (DOMAIN.md). Review opinions, avoidance requests and attachments are
staff-side only; the public sees results through publication records written on approval.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultCategory(models.TextChoices):
    NO_PROBLEM = "no_problem", _("未发现问题")
    PROBLEM_PENDING = "problem_pending", _("发现问题待后续处理")
    CORRECTED = "corrected", _("发现问题已责令改正")
    NO_ACTIVITY = "no_activity", _("未发现开展本次抽查涉及的经营活动")
    CLOSED = "closed", _("已关闭停业或正在组织清算")
    REFUSED = "refused", _("不配合检查情节严重")
    DEREGISTERED = "deregistered", _("注销")
    REVOKED = "revoked", _("被吊销")
    CANCELLED = "cancelled", _("被撤销")
    MOVED_OUT = "moved_out", _("迁出")


class Violation(models.TextChoices):
    """What "发现问题待后续处理" found (several may apply)."""

    NOT_PUBLISHED = "not_published", _("未按规定公示应当公示的信息")
    FALSE_INFO = "false_info", _("公示信息隐瞒真实情况弄虚作假")
    UNREACHABLE = "unreachable", _("通过登记的住所（经营场所）无法联系")
    OTHER_MARKET = "other_market", _("违反其他市场监管规定行为")
    OTHER_DEPARTMENT = "other_department", _("违反其他部门相关规定")


class FollowUpMeasure(models.TextChoices):
    NONE_NEEDED = "1", _("未发现问题或相关问题已规范、已改正，无需后续处置")
    STOP_AND_REFER = "2", _("停止检查，反馈至日常监管部门依法依规处理")
    ORDER_CORRECTION = "3", _("违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责")
    CASE_REFERRAL = "4", _("发现案件线索，初步固定相关证据后移送办案机构依法依规处理")
    NOTIFY_DEPARTMENT = "5", _("违反其他部门相关规定，抄告相关部门")
    OTHER = "6", _("其他（说明）")


class TeamMember(models.Model):
    """One person of a visit's team: drawn, assisting (not drawn), expert or third party."""

    class Kind(models.TextChoices):
        DRAWN = "drawn", _("随机匹配的执法人员")
        ASSISTING = "assisting", _("协助人员（非抽取）")
        EXPERT = "expert", _("专家")
        THIRD_PARTY = "third_party", _("委托专业机构")

    visit = models.ForeignKey("inspections.Visit", verbose_name=_("入户检查"), on_delete=models.CASCADE, related_name="team")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey("inspectors.Inspector", verbose_name=_("执法人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名/机构"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.DRAWN)
    is_leader = models.BooleanField(_("组长"), default=False)
    is_section_chief = models.BooleanField(_("科所长参与"), default=False)
    reason = models.CharField(_("参与理由"), max_length=300, blank=True)
    item = models.ForeignKey("inspections.InspectionItem", verbose_name=_("辅助的检查事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("添加人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查组成员")
        verbose_name_plural = _("检查组成员")
        constraints = [
            models.UniqueConstraint(fields=["visit", "inspector"], condition=models.Q(inspector__isnull=False), name="team_member_once"),
            models.CheckConstraint(
                condition=models.Q(kind="drawn") | ~models.Q(reason=""), name="non_drawn_member_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.inspector)


class Notice(models.Model):
    """检查通知书: its link and QR code let the entity confirm reading and agree a date."""

    visit = models.OneToOneField("inspections.Visit", verbose_name=_("入户检查"), on_delete=models.CASCADE, related_name="notice")
    token = models.CharField(_("通知书验证码"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("发出时间"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发出人"), on_delete=models.PROTECT, related_name="+")
    proposed_dates = models.JSONField(_("拟定检查日期"), default=list)
    read_at = models.DateTimeField(_("主体阅读时间"), null=True, blank=True)
    agreed_date = models.DateField(_("约定检查日期"), null=True, blank=True)
    entity_contact = models.CharField(_("主体联系人"), max_length=100, blank=True)
    avoidance_request = models.TextField(_("申请回避"), blank=True)

    class Meta:
        verbose_name = _("检查通知书")
        verbose_name_plural = _("检查通知书")

    def __str__(self) -> str:
        return f"notice {self.visit_id}"


class Result(models.Model):
    """The result for one entity, department and item. Several categories may apply."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核")

    visit = models.ForeignKey("inspections.Visit", verbose_name=_("入户检查"), on_delete=models.PROTECT, related_name="results")
    task = models.ForeignKey("inspections.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="results")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("inspections.InspectionItem", verbose_name=_("抽查事项"), on_delete=models.PROTECT, related_name="+")
    entity = models.ForeignKey("entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+")
    categories = models.JSONField(_("检查结果"), default=list)
    violations = models.JSONField(_("发现的问题"), default=list, blank=True)
    other_department = models.ForeignKey(
        "agencies.Department", verbose_name=_("涉及的其他部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    methods = models.JSONField(_("检查方式"), default=list)
    findings = models.TextField(_("检查情况"), blank=True)
    avoidance_on_site = models.TextField(_("现场申请回避"), blank=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # A resend after a dropped connection carries the same token: it updates, never duplicates.
    client_token = models.CharField(_("提交令牌"), max_length=64, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        constraints = [
            models.UniqueConstraint(fields=["visit", "task", "department", "item"], name="result_once_per_item"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted", "returned", "approved"]), name="result_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["task", "status"], name="result_task_status")]

    def __str__(self) -> str:
        return f"{self.entity_id} · {self.item_id} · {self.get_status_display()}"


class ResultReview(models.Model):
    """The review history: submissions, returns with reasons, approvals. Never public."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交审核")
        RETURN = "return", _("退回")
        APPROVE = "approve", _("审核通过")

    result = models.ForeignKey(Result, verbose_name=_("检查结果"), on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    opinion = models.TextField(_("审核意见"), blank=True)
    snapshot = models.JSONField(_("提交内容"), default=dict)

    class Meta:
        verbose_name = _("结果审核记录")
        verbose_name_plural = _("结果审核记录")
        ordering = ["result", "at", "id"]

    def __str__(self) -> str:
        return f"{self.result_id} {self.get_action_display()}"


class ResultAttachment(models.Model):
    """Photos and documents: checked by content, stored outside the web root, staff-only."""

    result = models.ForeignKey(Result, verbose_name=_("检查结果"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="results/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256_hex = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结果附件")
        verbose_name_plural = _("结果附件")

    def __str__(self) -> str:
        return self.original_name


class FollowUp(models.Model):
    """后续处置: tracked to closure with a date; a referral lands in the other department's feed."""

    result = models.ForeignKey(Result, verbose_name=_("检查结果"), on_delete=models.CASCADE, related_name="follow_ups")
    measure = models.CharField(_("处置措施"), max_length=2, choices=FollowUpMeasure.choices)
    note = models.TextField(_("说明"), blank=True)
    referred_to = models.ForeignKey("agencies.Department", verbose_name=_("抄告/移送部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    closed_on = models.DateField(_("完结日期"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("完结人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closing_note = models.TextField(_("完结说明"), blank=True)

    class Meta:
        verbose_name = _("后续处置")
        verbose_name_plural = _("后续处置")
        constraints = [
            models.CheckConstraint(condition=~models.Q(measure="6") | ~models.Q(note=""), name="other_measure_needs_note"),
            models.CheckConstraint(condition=~models.Q(measure="5") | models.Q(referred_to__isnull=False), name="notification_names_department"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id} {self.get_measure_display()}"


class CaseItem(models.Model):
    """A worklist entry with a legal clock: abnormal-list proposals, missing annual reports,
    credit-repair applications, revocation candidates. The decision is recorded."""

    class Kind(models.TextChoices):
        ABNORMAL_PROPOSAL = "abnormal", _("拟列入经营异常名录")
        NO_ANNUAL_REPORT = "no_report", _("未按时报送年度报告")
        CREDIT_REPAIR = "repair", _("信用修复申请")
        REVOCATION = "revocation", _("拟吊销（连续两年未经营且无法联系）")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DECIDED = "decided", _("已决定")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    entity = models.ForeignKey("entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    source_result = models.ForeignKey(Result, verbose_name=_("来源检查结果"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("事由"), max_length=300)
    clock_start = models.DateField(_("起算日期"))
    due = models.DateField(_("办理期限"))
    due_estimated = models.BooleanField(_("期限按周末推算（节假日安排未录入）"), default=False)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    decision = models.TextField(_("决定"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("后续事项")
        verbose_name_plural = _("后续事项")
        ordering = ["status", "due"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "entity", "clock_start"], name="case_item_once_per_clock"),
            models.CheckConstraint(condition=models.Q(status__in=["open", "decided"]), name="case_item_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.entity_id}"


class EntityFeedback(models.Model):
    """企业回访: the department asks an inspected entity for its opinion of the work."""

    task = models.ForeignKey("inspections.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="feedback")
    entity = models.ForeignKey("entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("回访日期"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1–5）"))
    opinion = models.TextField(_("意见建议"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("企业回访")
        verbose_name_plural = _("企业回访")
        constraints = [models.CheckConstraint(condition=models.Q(satisfaction__gte=1, satisfaction__lte=5), name="feedback_satisfaction_range")]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.visited_on}"


class TrainingSession(models.Model):
    """Training for drawn entities (or for departments), by staff or an invited institution."""

    class Audience(models.TextChoices):
        ENTITIES = "entities", _("被抽取主体")
        DEPARTMENTS = "departments", _("成员单位")

    department = models.ForeignKey("agencies.Department", verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("主题"), max_length=200)
    held_on = models.DateField(_("日期"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    provider = models.CharField(_("授课人/机构"), max_length=200, blank=True)
    provider_kind = models.CharField(_("授课方"), max_length=12, choices=[("staff", _("部门工作人员")), ("third_party", _("邀请的第三方机构"))], default="staff")
    audience = models.CharField(_("对象"), max_length=12, choices=Audience.choices, default=Audience.ENTITIES)
    task = models.ForeignKey("inspections.Task", verbose_name=_("相关任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    session = models.ForeignKey(TrainingSession, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendance")
    entity = models.ForeignKey("entities.Entity", verbose_name=_("市场主体"), null=True, blank=True, on_delete=models.PROTECT, db_constraint=False, related_name="+")
    department = models.ForeignKey("agencies.Department", verbose_name=_("成员单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    attended = models.BooleanField(_("已出席"), default=False)

    class Meta:
        verbose_name = _("培训出席")
        verbose_name_plural = _("培训出席")
        constraints = [
            models.UniqueConstraint(fields=["session", "entity"], condition=models.Q(entity__isnull=False), name="attendance_entity_once"),
            models.UniqueConstraint(fields=["session", "department"], condition=models.Q(department__isnull=False), name="attendance_department_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.entity_id or self.department_id}"
