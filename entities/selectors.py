"""Reads of the registry. Built for ten million rows: keyset pages in primary-key order, filters
that the composite indexes serve, a name search that the bigram index serves, and counts capped
so a broad filter never counts everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from agencies.selectors import department_ids, sees_all_departments
from core.search import Bigrams, bigrams, index_bigram_shares, table_rows
from entities.models import (
    AbnormalListing,
    AnnualReport,
    Directory,
    DirectoryEntry,
    Entity,
    EntityStatus,
    EntityTag,
    Industry,
    Region,
    Tag,
)

PAGE_SIZE = 50
COUNT_CAP = 10_000
NAME_INDEX = "entity_name_bigrams"
# A fragment with a bigram in at most 3 % of names is read from the index: at most 3 % of the
# rows, whatever the order of the codes. Above, the LIKE alone: from about 3 % up the planner
# estimates a LIKE well and walks the primary key until a page is found (below, it guesses
# 0.01 % for a fragment in 1 % of names and reads the whole table).
NAME_INDEX_MAX_SHARE = 0.03
# ... and in at most this many names: the index hands over every match, which are then read
# and sorted by code, while the walk along the primary key stops after a page. At ten million
# entities a fragment in 1 % of names (宾馆) took 2.25 s through the index against 0.39 s for
# the walk; one in under 0.01 % (市兴利) 1.5 ms against 53 ms.
NAME_INDEX_MAX_ROWS = 20_000


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
        qs = qs.filter(uscc=q.upper()) if len(q) == 18 and q.isalnum() else name_contains(qs, q)
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


def name_contains(qs: QuerySet[Entity], q: str) -> QuerySet[Entity]:
    """Entities whose name holds ``q`` (any length): always the answers of the LIKE alone.

    PostgreSQL: the GIN index over the names' bigrams (``entity_name_bigrams``) finds the names
    holding the query's selective bigrams and the LIKE keeps exact substrings. A fragment whose
    every bigram is common (长清, 有限公司; at ten million names also 宾馆: common means in more
    than 3 % of names or more than ``NAME_INDEX_MAX_ROWS`` of them) gets the LIKE alone, which the planner serves by walking
    the primary key until a page is found: the index would hand it a large share of the table.
    One character has no bigram and SQLite has no such index: the LIKE alone.
    """
    if connection.vendor != "postgresql" or len(q) < 2:
        return qs.filter(name__contains=q)
    shares = index_bigram_shares(NAME_INDEX)
    limit = min(NAME_INDEX_MAX_SHARE, NAME_INDEX_MAX_ROWS / max(table_rows(Entity._meta.db_table), 1))
    grams = sorted(g for g in set(bigrams(q)) if shares.get(g, 0.0) <= limit)
    if not grams:
        return qs.filter(name__contains=q)
    return qs.alias(_bigrams=Bigrams("name")).filter(_bigrams__contains=grams, name__contains=q)


def entity_page(*, filters: EntityFilters, after: str = "", size: int = PAGE_SIZE) -> list[Entity]:
    """One page in 统一社会信用代码 order, starting after the last code of the previous page."""
    qs = entity_queryset(filters=filters).order_by("uscc")
    if after:
        qs = qs.filter(uscc__gt=after)
    return _with_town_and_trade(qs[:size])


def _with_town_and_trade(page: QuerySet[Entity]) -> list[Entity]:
    """A page's entities in code order, their town and trade joined to the page's rows only.
    Joined before the page is cut, a filter the planner underestimates (a name fragment, see
    ``name_contains``) would have every match joined first."""
    qs = Entity.objects.filter(uscc__in=page.values("uscc"))
    return list(qs.select_related("region", "industry").order_by("uscc"))


def entity_count(*, filters: EntityFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many match, counted up to ``cap``; the flag says the true number is larger."""
    # Ordered by code so the planner can stop early along an index (region, risk_class, uscc);
    # unordered, it prefers a sequential scan of the table until ``cap`` rows turn up.
    ids = entity_queryset(filters=filters).order_by("uscc").values("uscc")[: cap + 1]
    n = ids.count()
    return min(n, cap), n > cap


def entity_detail(*, uscc: str) -> Any:
    return Entity.objects.select_related("region", "industry").filter(uscc=uscc).first()


# --- Added for the staff pages and the directories (entities.views) ---------------------------
def entity_page_before(*, filters: EntityFilters, before: str, size: int = PAGE_SIZE) -> list[Entity]:
    """The page that ends just before ``before``, in 统一社会信用代码 order (for "上一页")."""
    qs = entity_queryset(filters=filters).filter(uscc__lt=before)
    return _with_town_and_trade(qs.order_by("-uscc")[:size])


def entity_names(*, codes: set[str]) -> dict[str, str]:
    return dict(Entity.objects.filter(uscc__in=codes).values_list("uscc", "name"))


def entity_tags(*, uscc: str) -> QuerySet[Tag]:
    return Tag.objects.filter(Exists(EntityTag.objects.filter(entity_id=uscc, tag_id=OuterRef("code"))))


def entity_annual_reports(*, uscc: str) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.filter(entity_id=uscc).order_by("-year")


def entity_abnormal_listings(*, uscc: str) -> QuerySet[AbnormalListing]:
    return AbnormalListing.objects.filter(entity_id=uscc).order_by("-listed_on", "-pk")


def industry_divisions() -> QuerySet[Industry]:
    """GB/T 4754 divisions (大类), the level entities are coded at."""
    return Industry.objects.exclude(code__regex=r"^[A-Z]$")


def industry_list() -> QuerySet[Industry]:
    return Industry.objects.all()


def town_list() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.TOWN)


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def directories_for_user(*, user: Any) -> QuerySet[Directory]:
    """The directories a person reads: their departments' own; every department's for oversight."""
    qs = Directory.objects.select_related("department")
    if sees_all_departments(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def entity_directory_entries(*, user: Any, uscc: str) -> QuerySet[DirectoryEntry]:
    """The entity's entries in the directories the person reads."""
    readable = directories_for_user(user=user).values("pk")
    return (
        DirectoryEntry.objects.filter(entity_id=uscc, directory_id__in=readable)
        .select_related("directory", "directory__department")
        .order_by("directory__department__code", "directory__code")
    )


def directory_entry_page(*, directory: Directory, after: str = "", size: int = PAGE_SIZE) -> list[DirectoryEntry]:
    """One page of a directory in 统一社会信用代码 order; the (directory, entity) unique index serves it."""
    qs = DirectoryEntry.objects.filter(directory=directory).select_related("entity")
    if after:
        qs = qs.filter(entity_id__gt=after)
    return list(qs.order_by("entity_id")[:size])


def directory_entry_count(*, directory: Directory, cap: int = COUNT_CAP) -> tuple[int, bool]:
    ids = DirectoryEntry.objects.filter(directory=directory).order_by().values("pk")[: cap + 1]
    n = ids.count()
    return min(n, cap), n > cap


def rule_queryset(*, rule: dict[str, Any]) -> QuerySet[Entity]:
    """Entities in business (存续) that match every non-empty part of a directory rule.

    Within a part any value matches: {"tags": ["hotel", "food-licence"], "entity_types":
    ["enterprise"]} is enterprises tagged hotel or food-licence. Industries may be divisions
    ("62") or whole sections ("H"). An empty rule matches nothing, never the whole registry.
    """
    tags = [str(t) for t in rule.get("tags") or []]
    industries = [str(c) for c in rule.get("industries") or []]
    types = [str(t) for t in rule.get("entity_types") or []]
    if not (tags or industries or types):
        return Entity.objects.none()
    qs = Entity.objects.filter(status=EntityStatus.ACTIVE)
    if tags:
        qs = qs.filter(Exists(EntityTag.objects.filter(entity_id=OuterRef("uscc"), tag_id__in=tags)))
    if industries:
        sections = [c for c in industries if len(c) == 1]
        codes = {c for c in industries if len(c) > 1}
        codes |= set(industry_divisions().filter(section__in=sections).values_list("code", flat=True))
        qs = qs.filter(industry_id__in=sorted(codes))
    if types:
        qs = qs.filter(entity_type__in=types)
    return qs
