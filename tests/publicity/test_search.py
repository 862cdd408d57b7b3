"""Name search on PostgreSQL: a GIN index over the names' character bigrams serves two-character
queries; an exact recheck keeps true substrings; common fragments walk the newest records.
And the database refuses to pass the system check when its LC_CTYPE is not UTF-8 (core.E001)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, connections
from django.utils import timezone

from core.models import PublicationRecord
from publicity import selectors

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SUFFIXES = ["餐饮有限公司", "科技有限公司", "商贸有限公司", "五金店", "服装商行"]
PREFIXES = "华盛鑫源泰和兴隆达顺通安康宏伟金银丰瑞祥福德嘉恒昌鸿运星辰海天明光正新美佳乐优品汇联合众诚信"


def _records(names: list[str]) -> None:
    now = timezone.now()
    PublicationRecord.objects.bulk_create(
        [
            PublicationRecord(kind="result", public_id=f"result:T:{i:018d}:1", payload={"主体名称": name}, published_at=now,
                              department_code="SCJG", year=2026, filter_keys={"uscc": f"{i:018d}", "name": name})
            for i, name in enumerate(names)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_publicationrecord")
    selectors._STATS.clear()


@pytest.fixture
def registry() -> list[str]:
    names = [f"济南{PREFIXES[i % len(PREFIXES)]}{PREFIXES[(i * 7) % len(PREFIXES)]}{SUFFIXES[i % 5]}" for i in range(6000)]
    names += ["青禾餐饮管理有限公司", "禾苑青禾商行"]
    _records(names)
    return names


def _plan(qs) -> str:  # type: ignore[no-untyped-def]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _names(q: str) -> list[str]:
    rows, _ = selectors.page(selectors.results(selectors.Filters(), q=q))
    return [r.filter_keys["name"] for r in rows]


def test_a_two_character_query_uses_the_bigram_index(registry) -> None:
    assert not selectors.walks("青禾")
    plan = _plan(selectors.results(selectors.Filters(), q="青禾")[:21])
    assert "pub_result_bigrams" in plan, plan
    assert sorted(_names("青禾")) == ["禾苑青禾商行", "青禾餐饮管理有限公司"]


def test_only_exact_substrings_are_found(registry) -> None:
    # 禾苑青禾 holds both bigrams of 青禾苑 (青禾, 禾苑) but not the fragment: the recheck drops it.
    assert _names("青禾苑") == []
    assert _names("青禾餐") == ["青禾餐饮管理有限公司"]
    assert _names("禾青") == []


def test_a_common_fragment_walks_the_newest_records_and_answers_a_full_page_at_once(registry) -> None:
    assert selectors.walks("有限公司")
    plan = _plan(selectors.results(selectors.Filters(), q="有限公司")[:21])
    assert "pub_result_bigrams" not in plan and "Index Scan Backward" in plan, plan
    names = _names("有限公司")
    assert len(names) == 20 and all("有限公司" in n for n in names)
    ids = [r.pk for r in selectors.page(selectors.results(selectors.Filters(), q="有限公司"))[0]]
    assert ids == sorted(ids, reverse=True)  # newest first, a fixed order


def test_both_ways_give_the_same_answers_as_a_plain_like(registry) -> None:
    for q in ("济南", "盛鑫", "五金店", "服装商", "有限", "青禾"):
        fast = [r.pk for r in selectors.page(selectors.results(selectors.Filters(), q=q))[0]]
        naive = list(selectors.naive_name_contains(q).values_list("pk", flat=True)[:20])
        assert fast == naive, q


def test_code_lookups_use_their_index(registry) -> None:
    plan = _plan(selectors.results(selectors.Filters(), q="000000000000000042")[:21])
    assert "pub_result_uscc" in plan, plan
    assert _names("000000000000000042") == [registry[42]]


def test_a_database_with_a_c_ctype_fails_the_system_check(monkeypatch) -> None:
    """A throwaway database created from template0 with LC_CTYPE 'C'; the check runs on it."""
    import core.checks

    name = "ssj_ctype_c_check"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C' LC_COLLATE 'C'")
    other = type(connections["default"])({**connection.settings_dict, "NAME": name}, alias="ctype_c")
    try:
        monkeypatch.setattr(core.checks, "connection", other)
        errors = core.checks.postgres_utf8_ctype(None, databases=["default"])
        assert [e.id for e in errors] == ["core.E001"] and "LC_CTYPE" in errors[0].msg
        with pytest.raises(SystemCheckError, match="core.E001"):
            call_command("check", "--database", "default")
    finally:
        other.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")


def test_the_utf8_test_database_passes_the_check() -> None:
    import core.checks

    assert core.checks.postgres_utf8_ctype(None, databases=["default"]) == []


def test_the_site_searches_the_newest_records_first_and_still_answers_exactly(registry, monkeypatch) -> None:
    """Small windows make every step run: the bounded walk, then growing id windows over the index."""
    monkeypatch.setattr(selectors, "WALK_PROBE", 300)
    monkeypatch.setattr(selectors, "FIRST_WINDOW", 200)
    for q in ("济南华", "盛鑫", "五金店", "青禾", "有限", "服装商行"):
        rows, cursor = selectors.result_page(selectors.Filters(), q=q)
        naive = list(selectors.naive_name_contains(q).values_list("pk", flat=True)[:21])
        assert [r.pk for r in rows] == naive[:20], q
        assert cursor == (naive[19] if len(naive) > 20 else None), q
        if cursor:
            following, _ = selectors.result_page(selectors.Filters(), q=q, before=cursor)
            assert [r.pk for r in following] == list(
                selectors.naive_name_contains(q).filter(pk__lt=cursor).values_list("pk", flat=True)[:20]
            ), q
