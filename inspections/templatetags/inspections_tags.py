"""Display helpers for ratios stored as basis points (1/10,000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from inspections.models import Method

register = template.Library()


@register.filter
def percent(bp: Any) -> str:
    """300 -> "3%", 517 -> "5.17%", None -> "—"."""
    if bp in (None, ""):
        return "—"
    return f"{Decimal(int(bp)) / 100:g}%"


@register.filter
def risk_ratios(ratios: Any) -> str:
    """{"A": 100, "D": 3000} -> "A 1%、D 30%"."""
    if not ratios:
        return "—"
    return "、".join(f"{k} {percent(v)}" for k, v in sorted(ratios.items()))


@register.filter
def method_labels(values: Any) -> str:
    labels = dict(Method.choices)
    return "、".join(str(labels.get(v, v)) for v in values or []) or "—"
