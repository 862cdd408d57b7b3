"""Code tables shipped with the project: GB/T 4754-2017 industries, regions, tags.

``regions.csv`` holds the article's district (济南市长清区) for the demo; load the official
统计用区划代码 table for a real deployment with ``manage.py load_codes --regions FILE``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_industries(model: Any, path: Path | None = None) -> int:
    rows = _rows(path or DATA / "industries.csv")
    for row in rows:
        model.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "section": row["section"]})
    return len(rows)


def load_regions(model: Any, path: Path | None = None) -> int:
    rows = _rows(path or DATA / "regions.csv")
    # Parents first, whatever the file's order.
    order = {"province": 0, "city": 1, "county": 2, "town": 3}
    for row in sorted(rows, key=lambda r: (order.get(r["level"], 9), r["code"])):
        model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent"] or None},
        )
    return len(rows)


def load_tags(model: Any, path: Path | None = None) -> int:
    rows = _rows(path or DATA / "tags.csv")
    for row in rows:
        model.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})
    return len(rows)
