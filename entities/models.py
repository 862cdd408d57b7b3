"""The market-entity registry and each department's inspection-object directory (检查对象名录库).

The registry may hold ten million rows: the primary key is the 统一社会信用代码 itself (one
index, not two), fixed-length codes are ``char(n)``, and the indexes are the ones the staff
list and the draws need, nothing more.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import FixedCharField


class Industry(models.Model):
    """GB/T 4754-2017: sections (门类, one letter) and divisions (大类, two digits)."""

    code = models.CharField(_("代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    section = models.CharField(_("门类"), max_length=1)

    class Meta:
        verbose_name = _("国民经济行业分类")
        verbose_name_plural = _("国民经济行业分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Region(models.Model):
    """Administrative divisions (统计用区划代码) down to street / town, 9 digits there."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("区县")
        TOWN = "town", _("街道/乡镇")

    code = models.CharField(_("代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EntityType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")
    BRANCH = "branch", _("分支机构")
    OTHER = "other", _("其他")


class EntityStatus(models.TextChoices):
    ACTIVE = "active", _("存续（在营）")
    DEREGISTERED = "deregistered", _("注销")
    REVOKED = "revoked", _("吊销")
    CANCELLED = "cancelled", _("撤销")
    MOVED_OUT = "moved_out", _("迁出")


class RiskClass(models.TextChoices):
    A = "A", _("A 类（低风险）")
    B = "B", _("B 类（一般风险）")
    C = "C", _("C 类（较高风险）")
    D = "D", _("D 类（高风险）")


class Entity(models.Model):
    uscc = FixedCharField(_("统一社会信用代码"), max_length=18, primary_key=True)
    name = models.CharField(_("名称"), max_length=200)
    entity_type = models.CharField(_("主体类型"), max_length=12, choices=EntityType.choices)
    industry = models.ForeignKey(
        Industry, verbose_name=_("行业"), on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_index=False,
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在街道/乡镇"), on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_index=False,
    )
    address = models.CharField(_("住所（经营场所）"), max_length=300, blank=True)
    legal_rep = models.CharField(_("法定代表人（负责人）"), max_length=50, blank=True)
    reg_authority = models.CharField(_("登记机关"), max_length=100, blank=True)
    reg_date = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("登记状态"), max_length=12, choices=EntityStatus.choices, default=EntityStatus.ACTIVE)
    risk_class = models.CharField(_("信用风险分类"), max_length=1, choices=RiskClass.choices, blank=True)
    risk_date = models.DateField(_("分类日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    tags: models.ManyToManyField[Tag, EntityTag] = models.ManyToManyField(Tag, verbose_name=_("标签"), through="EntityTag", blank=True, related_name="+")

    # Bulk imports write one audit row per batch; single edits in the admin are audited row by row.
    AUDIT_ROWS = True

    class Meta:
        verbose_name = _("市场主体")
        verbose_name_plural = _("市场主体")
        ordering = ["uscc"]
        indexes = [
            # The staff list's filters and its keyset order; covering, so that a draw's frame
            # within one town and credit-risk class is read from the index alone.
            models.Index(fields=["region", "risk_class", "uscc"], include=["entity_type", "status"], name="entity_region_risk"),
            # A draw's frame: a town's existing entities, grouped by entity type (the strata) and
            # in code order, straight from the index: no sort, no table access.
            models.Index(fields=["region", "status", "entity_type", "uscc"], include=["risk_class"], name="entity_draw_frame"),
            models.Index(fields=["industry", "uscc"], name="entity_industry"),
            # And on PostgreSQL a GIN index over the names' bigrams for the search by name
            # (entity_name_bigrams, migration 0004: built CONCURRENTLY, on an SQL function).
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in EntityStatus]), name="entity_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(risk_class__in=["", "A", "B", "C", "D"]), name="entity_risk_class_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(entity_type__in=[t.value for t in EntityType]), name="entity_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    @property
    def in_frame(self) -> bool:
        """注销、吊销、撤销、迁出 entities are never drawn."""
        return self.status == EntityStatus.ACTIVE


class EntityTag(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("主体标签")
        verbose_name_plural = _("主体标签")
        constraints = [models.UniqueConstraint(fields=["entity", "tag"], name="entity_tag_unique")]

    def __str__(self) -> str:
        return f"{self.entity_id} · {self.tag_id}"


class AnnualReport(models.Model):
    entity = models.ForeignKey(Entity, verbose_name=_("市场主体"), on_delete=models.CASCADE, db_index=False)
    year = models.PositiveSmallIntegerField(_("报告年度"))
    filed_on = models.DateField(_("报送日期"))

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="annual_report_unique")]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.year}"


class AbnormalListing(models.Model):
    """An entry in the abnormal-operations list (经营异常名录) and its removal or credit repair."""

    class Reason(models.TextChoices):
        NO_ANNUAL_REPORT = "no_annual_report", _("未按规定报送年度报告")
        NOT_PUBLISHED = "not_published", _("未按规定公示应当公示的信息")
        FALSE_INFO = "false_info", _("公示信息隐瞒真实情况、弄虚作假")
        UNREACHABLE = "unreachable", _("通过登记的住所（经营场所）无法联系")

    entity = models.ForeignKey(
        Entity, verbose_name=_("市场主体"), on_delete=models.CASCADE, related_name="abnormal_listings"
    )
    reason = models.CharField(_("列入事由"), max_length=20, choices=Reason.choices)
    listed_on = models.DateField(_("列入日期"))
    listed_by = models.CharField(_("作出决定机关"), max_length=100, blank=True)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removal_reason = models.CharField(_("移出事由"), max_length=200, blank=True)
    credit_repaired = models.BooleanField(_("经信用修复移出"), default=False)

    class Meta:
        verbose_name = _("经营异常名录")
        verbose_name_plural = _("经营异常名录")
        ordering = ["-listed_on"]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.get_reason_display()}"


class Directory(models.Model):
    """A department's inspection-object directory (检查对象名录库), or a thematic one (专项库)."""

    class Kind(models.TextChoices):
        MAIN = "main", _("检查对象名录库")
        THEMATIC = "thematic", _("专项库")

    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="directories"
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    # Membership by rule: {"tags": [...], "industries": [...], "entity_types": [...]}; empty = explicit only.
    rule = models.JSONField(_("纳入规则"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("检查对象名录库")
        verbose_name_plural = _("检查对象名录库")
        ordering = ["department__code", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="directory_code_unique")]

    def __str__(self) -> str:
        return f"{self.department.label} · {self.name}"


class DirectoryEntry(models.Model):
    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        RULE = "rule", _("规则")
        MANUAL = "manual", _("手工")

    directory = models.ForeignKey(Directory, verbose_name=_("名录库"), on_delete=models.CASCADE, related_name="entries")
    entity = models.ForeignKey(Entity, verbose_name=_("市场主体"), on_delete=models.CASCADE, db_index=False)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.IMPORT)
    licence_no = models.CharField(_("许可证号"), max_length=60, blank=True)
    licence_valid_until = models.DateField(_("许可有效期至"), null=True, blank=True)
    added_on = models.DateField(_("纳入日期"), auto_now_add=True)

    class Meta:
        verbose_name = _("名录库条目")
        verbose_name_plural = _("名录库条目")
        constraints = [models.UniqueConstraint(fields=["directory", "entity"], name="directory_entry_unique")]
        indexes = [models.Index(fields=["entity"], name="directory_entry_entity")]

    def __str__(self) -> str:
        return f"{self.directory_id} · {self.entity_id}"
