"""The national enterprise-credit publicity system's upload file (docs/national-export.md).

Rows come from the publication records (what was actually published), one per entity, task and
item, current versions only: a withdrawn or superseded record is not exported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from core.models import PublicationRecord

COLUMNS = ["统一社会信用代码", "主体名称", "抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称",
           "抽查类型", "抽查机关", "抽查完成日期", "检查事项", "检查结果"]
SEPARATOR = "；"


def published_results(*, department_codes: Iterable[str] | None, year: int | None = None) -> QuerySet[PublicationRecord]:
    qs = PublicationRecord.objects.filter(kind=PublicationRecord.Kind.RESULT, withdrawn=False, superseded_by__isnull=True)
    if department_codes is not None:
        qs = qs.filter(department_code__in=list(department_codes))
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("id")


def _cell(value: Any) -> str:
    text = SEPARATOR.join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def rows(records: QuerySet[PublicationRecord]) -> Iterator[list[str]]:
    for record in records.iterator(chunk_size=2000):
        yield [_cell(record.payload.get(column, "")) for column in COLUMNS]


def export_csv(records: QuerySet[PublicationRecord]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows(records))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def export_xlsx(records: QuerySet[PublicationRecord]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("抽查结果")
    sheet.append(COLUMNS)
    for row in rows(records):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
