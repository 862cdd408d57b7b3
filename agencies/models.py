from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Department(models.Model):
    class Kind(models.TextChoices):
        REGULATOR = "regulator", _("监管部门")
        OFFICE = "office", _("联席会议办公室")
        DISCIPLINE = "discipline", _("纪检监察机构")
        ASSESSOR = "assessor", _("考核机构")

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")

    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.REGULATOR)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.DISTRICT)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["regulator", "office", "discipline", "assessor"]), name="department_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=["province", "city", "district"]), name="department_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Section(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("科室")
        STATION = "station", _("基层所")

    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="sections")
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.OFFICE)
    area = models.CharField(_("辖区"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("科室/所")
        verbose_name_plural = _("科室/所")
        ordering = ["department__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="section_code_unique_per_department"),
            models.CheckConstraint(condition=models.Q(kind__in=["office", "station"]), name="section_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.department.label} · {self.name}"


class Role(models.TextChoices):
    STAFF = "staff", _("科所工作人员")
    SECTION_CHIEF = "section_chief", _("科所长")
    LIAISON = "liaison", _("联络员")
    DEPT_ADMIN = "dept_admin", _("部门管理员")
    INSPECTOR = "inspector", _("执法人员")
    OFFICE = "office", _("联席办")
    DISCIPLINE = "discipline", _("纪检")
    ASSESSOR = "assessor", _("考核人员")
    SUPERIOR = "superior", _("上级机关")


DEPARTMENT_ROLES = {Role.STAFF, Role.SECTION_CHIEF, Role.LIAISON, Role.DEPT_ADMIN, Role.INSPECTOR}
OVERSIGHT_ROLES = {Role.OFFICE, Role.DISCIPLINE}


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="memberships"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("科室/所"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("人员角色")
        verbose_name_plural = _("人员角色")
        ordering = ["department__code", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department.label} · {self.get_role_display()}"


class JointMeeting(models.Model):
    """The district's joint-meeting mechanism: an office and its member departments."""

    name = models.CharField(_("名称"), max_length=100)
    office = models.OneToOneField(
        Department, verbose_name=_("联席会议办公室"), on_delete=models.PROTECT, related_name="joint_meeting"
    )
    members = models.ManyToManyField(Department, verbose_name=_("成员单位"), related_name="joint_meetings", blank=True)

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")

    def __str__(self) -> str:
        return self.name
