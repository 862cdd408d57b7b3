"""Wording of result categories, violations and methods, exactly as DOMAIN.md has them."""

from __future__ import annotations

from typing import Any

from django import template

from inspections.models import Method, ResultCategory, Violation

register = template.Library()


def _labels(values: Any, choices: Any) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values or []]


@register.filter
def category_labels(values: Any) -> list[str]:
    return _labels(values, ResultCategory.choices)


@register.filter
def violation_labels(values: Any) -> list[str]:
    return _labels(values, Violation.choices)


@register.filter
def method_words(values: Any) -> str:
    return "、".join(_labels(values, Method.choices))
