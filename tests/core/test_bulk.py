"""core.bulk: COPY text for bulk inserts, joined in C when no value needs escaping."""

from __future__ import annotations

import pytest

from agencies.models import Department
from core.bulk import _copy_text, _text, bulk_insert, copy_value, copy_values


def _value_by_value(rows):
    return "".join("\t".join(_text(v) for v in row) + "\n" for row in rows)


def test_plain_rows_are_joined_as_they_are() -> None:
    rows = [(1, "91370100MA3C000001", "type:个体工商户", "ab" * 16, 3), (2, "X", "", "0", 0)]
    assert _copy_text(rows, 5) == _value_by_value(rows)
    assert _copy_text([(1, True), (2, False)], 2) == "1\tTrue\n2\tFalse\n"  # COPY reads True/False as booleans
    assert _copy_text([], 3) == ""


@pytest.mark.parametrize("odd", ["a\tb", "a\nb", "a\\b", "a\rb", "\\.", None])
def test_a_value_that_copy_would_misread_makes_the_row_escaped(odd) -> None:
    rows = [(1, "plain", True), (2, odd, False)]
    assert _copy_text(rows, 3) == _value_by_value(rows)
    assert _copy_text(rows, 3).split("\n")[0] == "1\tplain\tTrue"  # a bool reads the same both ways


def test_a_row_of_the_wrong_width_is_not_joined_blindly() -> None:
    assert _copy_text([("a\tb",)], 2) == "a\\tb\n"  # one escaped value: COPY then refuses the short row


@pytest.mark.postgres
@pytest.mark.django_db
def test_bulk_insert_round_trips_awkward_values() -> None:
    names = ["普通名称", "制表\t符", "换\n行", "反\\斜杠", "回车\r", "\\."]
    parent = Department.objects.create(code="P", name="上级")
    rows = [(f"B{i}", name, "", "regulator", "district", parent.pk if i % 2 else None, i % 3 == 0) for i, name in enumerate(names)]
    fields = ["code", "name", "short_name", "kind", "level", "parent_id", "is_active"]
    assert bulk_insert(Department, fields, rows) == len(rows)
    stored = {d.code: (d.name, d.parent_id, d.is_active) for d in Department.objects.filter(code__startswith="B")}
    assert stored == {code: (name, parent_id, active) for code, name, _s, _k, _l, parent_id, active in rows}
    plain = [(f"C{i}", f"部门{i}", "", "regulator", "district", parent.pk, bool(i % 2)) for i in range(3)]
    bulk_insert(Department, fields, plain)
    assert list(Department.objects.filter(code__startswith="C").order_by("code").values_list("is_active", flat=True)) == [False, True, False]


@pytest.mark.postgres
@pytest.mark.django_db
def test_copy_values_reads_every_column_of_the_first_row_as_bytes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        assert copy_values(cursor, "SELECT 'a\tb'::text, NULL::text, ''::text, '\\x00ff'::bytea") == [b"a\tb", None, b"", b"\x00\xff"]
        assert copy_value(cursor, "SELECT '制表'::text") == "制表".encode()
        with pytest.raises(LookupError):
            copy_value(cursor, "SELECT 1::text WHERE false")
        with pytest.raises(LookupError):
            copy_value(cursor, "SELECT 'a'::text, 'b'::text")
