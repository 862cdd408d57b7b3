"""What happened to a notice after it was issued: delivery, opening, reading, the visit date
agreed with the entity (双预约), avoidance asked. One row per event; nothing is overwritten."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeEvent(models.Model):
    class Kind(models.TextChoices):
        DELIVERED = "delivered", _("已送达")
        OPENED = "opened", _("主体打开链接")
        READ = "read", _("主体确认已阅读")
        DATE_AGREED = "date_agreed", _("主体同意检查日期")
        DATE_PROPOSED = "date_proposed", _("主体提出其他日期")
        DATE_RECORDED = "date_recorded", _("工作人员登记约定日期")
        AVOIDANCE = "avoidance", _("主体申请回避")

    class Via(models.TextChoices):
        IN_PERSON = "in_person", _("直接送达")
        POST = "post", _("邮寄送达")
        ELECTRONIC = "electronic", _("电子送达（链接/二维码）")
        PHONE = "phone", _("电话告知")
        LINK = "link", _("通知书链接")

    notice = models.ForeignKey("inspections.Notice", verbose_name=_("检查通知书"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=14, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    via = models.CharField(_("方式"), max_length=12, choices=Via.choices, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("工作人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("通知书送达与回执")
        verbose_name_plural = _("通知书送达与回执")
        ordering = ["notice", "at", "id"]
        indexes = [models.Index(fields=["notice", "kind"], name="notice_event_kind")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["delivered", "opened", "read", "date_agreed", "date_proposed", "date_recorded", "avoidance"]),
                name="notice_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["date_agreed", "date_proposed", "date_recorded"]) | models.Q(date__isnull=False),
                name="notice_date_event_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
