"""The list (一单), annual plans, campaigns and tasks; claims by participating departments.

A task's status changes only through ``inspections.services.task_transition``; every change is
recorded in ``TaskTransition`` (who, when, why) and in the audit chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    ON_SITE = "on_site", _("实地检查")
    DOCUMENTS = "documents", _("书面检查")
    OPINION = "opinion", _("行政部门检查结果或专业意见")
    TESTING = "testing", _("检验检测")
    ONLINE = "online", _("网络监测")
    THIRD_PARTY = "third_party", _("委托专业机构辅助")


class InspectionItem(models.Model):
    """One row of a department's list of what it may inspect (随机抽查事项清单)."""

    class Category(models.TextChoices):
        GENERAL = "general", _("一般检查事项")
        KEY = "key", _("重点检查事项")

    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="items"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("事项编号"), max_length=40)
    name = models.CharField(_("抽查事项"), max_length=200)
    legal_basis = models.TextField(_("检查依据"), blank=True)
    object_type = models.CharField(_("检查对象"), max_length=200, blank=True)
    category = models.CharField(_("事项类别"), max_length=8, choices=Category.choices, default=Category.GENERAL)
    # Ratios are fractions in basis points (1/10,000): integer arithmetic, never floats.
    ratio_cap_bp = models.PositiveIntegerField(_("抽查比例上限（万分比）"), null=True, blank=True)
    min_yearly_ratio_bp = models.PositiveIntegerField(_("年度最低抽查比例（万分比）"), null=True, blank=True)
    frequency = models.CharField(_("抽查频次"), max_length=100, blank=True)
    methods = models.JSONField(_("检查方式"), default=list, blank=True)
    required_fields = models.ManyToManyField(
        "inspectors.Field", verbose_name=_("所需专业领域"), blank=True, related_name="items"
    )
    requires_expert = models.BooleanField(_("需要专家参与"), default=False)
    materials = models.TextField(_("需准备的材料"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("抽查事项")
        verbose_name_plural = _("抽查事项")
        ordering = ["department__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="item_code_unique_per_department"),
            models.CheckConstraint(condition=models.Q(category__in=["general", "key"]), name="item_category_valid"),
            models.CheckConstraint(
                condition=models.Q(ratio_cap_bp__isnull=True) | models.Q(ratio_cap_bp__lte=10000),
                name="item_ratio_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemListPublication(models.Model):
    """A published version of a department's item list; the public record holds the snapshot."""

    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT)
    version = models.PositiveIntegerField(_("版本"))
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT)
    item_count = models.PositiveIntegerField(_("事项数"))

    class Meta:
        verbose_name = _("事项清单发布记录")
        verbose_name_plural = _("事项清单发布记录")
        ordering = ["-published_at"]
        constraints = [models.UniqueConstraint(fields=["department", "version"], name="item_list_version_unique")]

    def __str__(self) -> str:
        return f"{self.department} v{self.version}"


class AnnualPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FILED = "filed", _("已备案")
        PUBLISHED = "published", _("已公示")

    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("计划编号"), max_length=40, unique=True)
    title = models.CharField(_("计划名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    filed_with = models.ForeignKey(
        "agencies.Department", verbose_name=_("备案机关"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("年度抽查计划")
        verbose_name_plural = _("年度抽查计划")
        ordering = ["-year", "department__code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["draft", "filed", "published"]), name="plan_status_valid")
        ]

    def __str__(self) -> str:
        return self.title


class PlanBatch(models.Model):
    plan = models.ForeignKey(AnnualPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="batches")
    seq = models.PositiveSmallIntegerField(_("批次"))
    title = models.CharField(_("批次名称"), max_length=200)
    items = models.ManyToManyField(InspectionItem, verbose_name=_("抽查事项"), related_name="plan_batches")
    participants = models.ManyToManyField(
        "agencies.Department", verbose_name=_("参与部门"), blank=True, related_name="+"
    )
    scope = models.JSONField(_("抽查范围"), default=dict, blank=True)
    window_start = models.DateField(_("计划开始"))
    window_end = models.DateField(_("计划结束"))
    ratio_bp = models.PositiveIntegerField(_("抽查比例（万分比）"), null=True, blank=True)
    count = models.PositiveIntegerField(_("抽查数量"), null=True, blank=True)
    risk_ratios_bp = models.JSONField(_("按信用风险分类的比例（万分比）"), default=dict, blank=True)

    class Meta:
        verbose_name = _("计划批次")
        verbose_name_plural = _("计划批次")
        ordering = ["plan", "seq"]
        constraints = [models.UniqueConstraint(fields=["plan", "seq"], name="plan_batch_seq_unique")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.title}"


class Campaign(models.Model):
    """专项整治: a special campaign grouping joint tasks (e.g. the hotel industry)."""

    code = models.CharField(_("编号"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    lead = models.ForeignKey("agencies.Department", verbose_name=_("牵头部门"), on_delete=models.PROTECT, related_name="+")
    departments = models.ManyToManyField("agencies.Department", verbose_name=_("参与部门"), related_name="campaigns")
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布（待认领）")
    CLAIMED = "claimed", _("认领完毕")
    READY = "ready", _("待抽取")
    ENTITIES_DRAWN = "entities_drawn", _("已抽取检查对象")
    INSPECTORS_MATCHED = "inspectors_matched", _("已匹配执法人员")
    INSPECTING = "inspecting", _("检查中")
    IN_REVIEW = "in_review", _("结果审核中")
    RESULTS_PUBLISHED = "results_published", _("结果已公示")
    CLOSED = "closed", _("已办结")


class Task(models.Model):
    class Source(models.TextChoices):
        OWN = "own", _("本级自行发起")
        SUPERIOR = "superior", _("上级下发")

    class Scope(models.TextChoices):
        SINGLE = "single", _("本部门")
        JOINT = "joint", _("跨部门联合")

    class DrawMode(models.TextChoices):
        TARGETED = "targeted", _("定向抽取")
        UNTARGETED = "untargeted", _("不定向抽取")
        FULL_COVERAGE = "full", _("重点全覆盖（不抽取）")
        ASSIGNED = "assigned", _("上级指定名单（不抽取）")

    class Sampling(models.TextChoices):
        RATIO = "ratio", _("按比例")
        RISK_RATIO = "risk_ratio", _("按信用风险分类比例")
        COUNT = "count", _("按数量")
        ALL = "all", _("全部")

    code = models.CharField(_("任务编号"), max_length=40, unique=True)
    title = models.CharField(_("任务名称"), max_length=200)
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("发起部门"), on_delete=models.PROTECT, related_name="tasks"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("任务来源"), max_length=10, choices=Source.choices, default=Source.OWN)
    superior = models.ForeignKey(
        "agencies.Department", verbose_name=_("下发机关"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    superior_ref = models.CharField(_("上级任务编号"), max_length=80, blank=True)
    plan_batch = models.ForeignKey(
        PlanBatch, verbose_name=_("计划批次"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项整治"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    scope = models.CharField(_("任务类型"), max_length=8, choices=Scope.choices, default=Scope.SINGLE)
    draw_mode = models.CharField(_("抽取方式"), max_length=10, choices=DrawMode.choices, default=DrawMode.TARGETED)
    filters = models.JSONField(_("定向条件"), default=dict, blank=True)
    sampling = models.CharField(_("抽取规则"), max_length=10, choices=Sampling.choices, default=Sampling.RATIO)
    ratio_bp = models.PositiveIntegerField(_("抽查比例（万分比）"), null=True, blank=True)
    risk_ratios_bp = models.JSONField(_("按信用风险分类的比例（万分比）"), default=dict, blank=True)
    count = models.PositiveIntegerField(_("抽查数量"), null=True, blank=True)
    round_up = models.BooleanField(_("比例为“不低于”，按层向上取整"), default=True)
    inspectors_per_entity = models.PositiveSmallIntegerField(_("每户执法人员数"), default=2)
    inspector_load_cap = models.PositiveSmallIntegerField(_("每名执法人员本任务最多检查户数"), default=20)
    avoid_own_area = models.BooleanField(_("执法人员不检查本人责任区内的主体"), default=False)
    window_start = models.DateField(_("检查开始日期"))
    window_end = models.DateField(_("检查结束日期"))
    claim_deadline = models.DateField(_("认领截止日期"), null=True, blank=True)
    deadline = models.DateField(_("任务完成期限"))
    secret = models.BooleanField(_("检查开始前不公开抽取名单"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    description = models.TextField(_("任务说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("抽查任务")
        verbose_name_plural = _("抽查任务")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=[s.value for s in TaskStatus]), name="task_status_valid"),
            models.CheckConstraint(condition=models.Q(window_end__gte=models.F("window_start")), name="task_window_valid"),
            models.CheckConstraint(condition=models.Q(inspectors_per_entity__gte=2), name="task_min_two_inspectors"),
        ]
        indexes = [models.Index(fields=["department", "year", "status"], name="task_department_year")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_joint(self) -> bool:
        return self.scope == self.Scope.JOINT


class TaskCounter(models.Model):
    """Serial numbers for task codes, per department and year (locked while taking one)."""

    department = models.ForeignKey("agencies.Department", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("任务编号计数器")
        verbose_name_plural = _("任务编号计数器")
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="task_counter_unique")]

    def __str__(self) -> str:
        return f"{self.department_id}-{self.year}: {self.last}"


class TaskItem(models.Model):
    """Which items each department checks in a task."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="task_items")
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(InspectionItem, verbose_name=_("抽查事项"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("任务检查事项")
        verbose_name_plural = _("任务检查事项")
        constraints = [models.UniqueConstraint(fields=["task", "item"], name="task_item_unique")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.item}"


class ParticipantStatus(models.TextChoices):
    INITIATOR = "initiator", _("发起部门")
    INVITED = "invited", _("待认领")
    CLAIMED = "claimed", _("已认领")
    DECLINED = "declined", _("已拒绝")


class TaskParticipant(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="participants")
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="task_participations"
    )
    status = models.CharField(_("认领状态"), max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.INVITED)
    inspectors_per_entity = models.PositiveSmallIntegerField(_("每户派出执法人员数"), default=1)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认领人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    decline_reason = models.CharField(_("拒绝理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("参与部门")
        verbose_name_plural = _("参与部门")
        ordering = ["task", "department__code"]
        constraints = [
            # One claim per department per task: a database guarantee, not a check in Python.
            models.UniqueConstraint(fields=["task", "department"], name="participant_unique_per_task"),
            models.CheckConstraint(
                condition=models.Q(status__in=["initiator", "invited", "claimed", "declined"]),
                name="participant_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(inspectors_per_entity__gte=1), name="participant_min_one_inspector"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.department} · {self.get_status_display()}"


class TaskTransition(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, choices=TaskStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=TaskStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("任务状态变更")
        verbose_name_plural = _("任务状态变更")
        ordering = ["task", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} → {self.to_status}"
