"""The navigation a person sees follows their roles. Later apps add entries here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import DEPARTMENT_ROLES, Role
from agencies.selectors import roles_of


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def nav_items(user: Any) -> list[NavItem]:
    items: list[NavItem] = []
    if not getattr(user, "is_authenticated", False):
        return [NavItem("public", _("公示"), "publicity:home")]
    roles = roles_of(user)
    if roles & DEPARTMENT_ROLES:
        items.append(NavItem("workspace", _("工作台"), "agencies:workspace"))
        items.append(NavItem("tasks", _("抽查任务"), "inspections:tasks"))
        items.append(NavItem("items", _("事项与计划"), "inspections:items"))
        items.append(NavItem("results", _("检查结果"), "results:worklist"))
    if roles & {Role.STAFF, Role.DEPT_ADMIN}:
        items.append(NavItem("imports", _("导入"), "imports:home"))
    if Role.OFFICE in roles:
        items.append(NavItem("office", _("联席办"), "oversight:dashboard"))
    if Role.DISCIPLINE in roles:
        items.append(NavItem("discipline", _("纪检监督"), "agencies:discipline"))
        items.append(NavItem("progress", _("工作进度"), "oversight:dashboard"))
    if roles & {Role.OFFICE, Role.DISCIPLINE, Role.LIAISON, Role.DEPT_ADMIN}:
        items.append(NavItem("letters", _("提醒函"), "oversight:letters"))
    if Role.ASSESSOR in roles:
        items.append(NavItem("assessment", _("考核"), "agencies:assessment"))
    if Role.SUPERIOR in roles:
        items.append(NavItem("superior", _("上级任务"), "agencies:superior"))
    if roles & (DEPARTMENT_ROLES | {Role.OFFICE, Role.DISCIPLINE}):
        items.append(NavItem("entities", _("市场主体"), "entities:list"))
        items.append(NavItem("inspectors", _("执法人员"), "inspectors:list"))
    items.append(NavItem("feed", _("工作通知"), "core:feed"))
    items.append(NavItem("public", _("公示"), "publicity:home"))
    if user.is_staff:
        items.append(NavItem("admin", _("系统管理"), "admin:index"))
    return items


def landing_url(user: Any) -> str:
    for item in nav_items(user):
        if item.key not in {"feed", "public", "admin"}:
            return item.url
    return reverse("core:feed") if getattr(user, "is_authenticated", False) else reverse("publicity:home")
