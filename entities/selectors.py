"""Reads of the registry. Built for ten million rows: keyset pages in primary-key order, filters
that the composite indexes serve, and counts capped so a broad filter never counts everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from entities.models import DirectoryEntry, Entity, EntityTag

PAGE_SIZE = 50
COUNT_CAP = 10_000


@dataclass(frozen=True)
class EntityFilters:
    q: str = ""
    entity_type: str = ""
    industry: str = ""
    region: str = ""
    risk_class: str = ""
    status: str = ""
    tag: str = ""
    directory: int | None = None


def entity_queryset(*, filters: EntityFilters) -> QuerySet[Entity]:
    qs = Entity.objects.all()
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(uscc=q.upper()) if len(q) == 18 and q.isalnum() else qs.filter(name__contains=q)
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.risk_class:
        qs = qs.filter(risk_class=filters.risk_class)
    if filters.entity_type:
        qs = qs.filter(entity_type=filters.entity_type)
    if filters.industry:
        qs = qs.filter(industry_id=filters.industry)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.tag:
        qs = qs.filter(Exists(EntityTag.objects.filter(entity_id=OuterRef("uscc"), tag_id=filters.tag)))
    if filters.directory:
        qs = qs.filter(
            Exists(DirectoryEntry.objects.filter(entity_id=OuterRef("uscc"), directory_id=filters.directory))
        )
    return qs


def entity_page(*, filters: EntityFilters, after: str = "", size: int = PAGE_SIZE) -> list[Entity]:
    """One page in 统一社会信用代码 order, starting after the last code of the previous page."""
    qs = entity_queryset(filters=filters).select_related("region", "industry").order_by("uscc")
    if after:
        qs = qs.filter(uscc__gt=after)
    return list(qs[:size])


def entity_count(*, filters: EntityFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many match, counted up to ``cap``; the flag says the true number is larger."""
    ids = entity_queryset(filters=filters).order_by().values("uscc")[: cap + 1]
    n = ids.count()
    return min(n, cap), n > cap


def entity_detail(*, uscc: str) -> Any:
    return Entity.objects.select_related("region", "industry").filter(uscc=uscc).first()
