"""The staff entity list on a registry of a million: its queries use indexes, never a full scan."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from entities import codes
from entities.management.commands.gen_registry import copy_registry
from entities.models import Entity, Industry, Region, Tag
from entities.selectors import COUNT_CAP, PAGE_SIZE, EntityFilters, entity_count, entity_page

pytestmark = pytest.mark.postgres
SIZE = 1_000_000


@pytest.fixture(scope="module")
def registry_of_a_million(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Generated with gen_registry's COPY machinery, analysed, and truncated afterwards."""
    with django_db_blocker.unblock():
        if not Region.objects.exists():
            codes.load_industries(Industry)
            codes.load_regions(Region)
            codes.load_tags(Tag)
        with transaction.atomic(), connection.cursor() as cursor:
            copy_registry(cursor, count=SIZE, seed=11, start=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE entities_entity")
            cursor.execute("ANALYZE entities_entitytag")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE entities_entity CASCADE")


def plans_of(queries: list[dict[str, Any]]) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.django_db
@pytest.mark.parametrize(("region", "risk_class"), [
    ("370113001", "B"),  # 文昌街道, the largest town, the commonest class: the count is capped
    ("370113102", "D"),  # 双泉镇, high risk: a few hundred, counted exactly
])
def test_the_staff_list_pages_and_counts_by_index_on_a_million_entities(
    registry_of_a_million: None, region: str, risk_class: str,
) -> None:
    assert Entity.objects.count() >= SIZE
    filters = EntityFilters(region=region, risk_class=risk_class)

    with CaptureQueriesContext(connection) as captured:
        first = entity_page(filters=filters)
        second = entity_page(filters=filters, after=first[-1].uscc)
        count, more = entity_count(filters=filters)

    assert len(first) == PAGE_SIZE and first[-1].uscc < second[0].uscc
    assert all(e.region_id == region and e.risk_class == risk_class for e in first + second)
    true_count = Entity.objects.filter(region_id=region, risk_class=risk_class).count()
    assert (count, more) == (min(true_count, COUNT_CAP), true_count > COUNT_CAP)
    assert len(captured.captured_queries) == 3
    for plan in plans_of(captured.captured_queries):
        assert "Seq Scan on entities_entity" not in plan, plan


@pytest.mark.django_db
def test_gen_registry_adds_believable_entities_with_valid_codes_and_one_audit_row() -> None:
    from collections import Counter

    from django.core.management import call_command
    from stdnum.cn import uscc as stdnum_uscc

    from core.models import AuditEntry

    if not Region.objects.exists():
        codes.load_industries(Industry)
        codes.load_regions(Region)
        codes.load_tags(Tag)
    before, audits, started = Entity.objects.count(), AuditEntry.objects.count(), timezone.now()

    call_command("gen_registry", "--entities", "5000", "--seed", "7", stdout=io.StringIO(), stderr=io.StringIO())

    assert Entity.objects.count() == before + 5000
    assert AuditEntry.objects.count() == audits + 1
    added = Entity.objects.filter(updated_at__gte=started)
    sample = list(added.values("uscc", "name", "entity_type", "status", "risk_class", "region_id"))
    assert len(sample) == 5000
    assert all(stdnum_uscc.is_valid(e["uscc"]) for e in sample)
    types = Counter(e["entity_type"] for e in sample)
    assert 0.55 < types["individual"] / len(sample) < 0.65 and 0.30 < types["enterprise"] / len(sample) < 0.40
    assert 0.89 < Counter(e["status"] for e in sample)["active"] / len(sample) < 0.95
    assert {e["region_id"] for e in sample} <= set(Region.objects.filter(level="town").values_list("code", flat=True))
    assert any(e["name"].endswith("有限公司") for e in sample) and any("街道" in e["name"] for e in sample)
