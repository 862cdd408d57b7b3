"""Small filters for the public templates (payload keys are Chinese; codes need labels)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ITEM_CATEGORIES = {"general": _("一般检查事项"), "key": _("重点检查事项")}
METHODS = {"on_site": _("实地检查"), "documents": _("书面检查"), "opinion": _("行政部门检查结果或专业意见"),
           "testing": _("检验检测"), "online": _("网络监测"), "third_party": _("委托专业机构辅助")}
SOURCE_KINDS = {"lottery": _("公开彩票开奖号码"), "beacon": _("公共随机信标"), "ceremony": _("现场见证摇号"),
                "server": _("服务器熵（辅助）")}


@register.filter
def get(mapping: Any, key: str) -> Any:
    """``payload|get:"检查结果"``: a dictionary value by key."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def bp_percent(bp: Any) -> str:
    if bp in (None, ""):
        return "—"
    return f"{Decimal(int(bp)) / 100:g}%"


@register.filter
def item_category(code: Any) -> Any:
    return ITEM_CATEGORIES.get(str(code), code)


@register.filter
def methods(codes: Any) -> str:
    return "、".join(str(METHODS.get(c, c)) for c in codes or []) or "—"


@register.filter
def source_kind(code: Any) -> Any:
    return SOURCE_KINDS.get(str(code), code)


@register.filter
def source_value(value: Any) -> str:
    """A randomness value as published: a list of numbers (in drawn order) or a hex text."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


@register.filter
def exclusion_rule(code: Any) -> str:
    """An exclusion rule's code (``not_in_existence``) in words."""
    from inspections.draw_words import exclusion_words

    return exclusion_words(str(code))


@register.filter
def stratum_label(key: Any) -> str:
    """A stratum key (``type:individual``; opaque ``x-…`` for internal strata) in words."""
    from inspections.draw_words import stratum_words

    return stratum_words(str(key))
