"""Bulk downloads of published results, per year and department, as CSV and JSON.

Streamed in keyset batches (never the whole year in memory). CSV is UTF-8 with a BOM (Excel
opens it as UTF-8) and safe against formula injection: a cell that starts with = + - @, a tab
or a carriage return is prefixed with a single quote, so a spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from core.models import PublicationRecord
from publicity import selectors
from publicity.caching import cached

BATCH = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ["公开编号", "版本", "发布时间", *selectors.RESULT_FIELDS, selectors.F_OBJECTIONS]


def available() -> list[dict[str, Any]]:
    """(year, department) pairs that have published tasks, newest year first."""

    def compute() -> list[dict[str, Any]]:
        pairs = set(selectors.current("task").exclude(year=None).values_list("year", "department_code").distinct())
        return [{"year": y, "department_code": d} for y, d in sorted(pairs, key=lambda p: (-int(p[0] or 0), p[1]))]

    return cached("downloads", compute)


def records(year: int, department: str) -> Iterator[PublicationRecord]:
    last = 0
    while True:
        batch = list(
            selectors.current(selectors.RESULT).filter(year=year, department_code=department, id__gt=last).order_by("id")[:BATCH]
        )
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1].pk


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return "；".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}：{_flat(v)}" for k, v in value.items())
    return "" if value is None else str(value)


class _Line:
    """csv.writer writes here; each row comes back as one string."""

    def write(self, value: str) -> str:
        return value


def csv_lines(year: int, department: str) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for record in records(year, department):
        payload = record.payload or {}
        row = [record.public_id, record.version, record.published_at.isoformat()]
        row += [_flat(payload.get(name)) for name in (*selectors.RESULT_FIELDS, selectors.F_OBJECTIONS)]
        yield writer.writerow([safe_cell(cell) for cell in row])


def record_json(record: PublicationRecord) -> dict[str, Any]:
    return {
        "public_id": record.public_id, "kind": record.kind, "version": record.version,
        "supersedes_version": record.version - 1 if record.supersedes_id else None,
        "published_at": record.published_at.isoformat(), "department_code": record.department_code,
        "year": record.year, "street": record.street, "category": record.category, "payload": record.payload,
    }


def json_chunks(year: int, department: str) -> Iterator[str]:
    updated = selectors.last_updated()
    head = {
        "format": "ssj-public-results/1", "year": year, "department_code": department,
        "generated_at": timezone.now().isoformat(), "last_updated": updated.isoformat() if updated else None,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    for i, record in enumerate(records(year, department)):
        yield ("," if i else "") + json.dumps(record_json(record), ensure_ascii=False)
    yield "]}"
