"""Import kind "entities": the registry and the department's 检查对象名录库, keyed on 统一社会信用代码.

Rows are written in batches: one query finds the existing entities of a batch, only new or changed
ones are upserted, so importing the same file twice changes nothing the second time. A blank status
cell makes a new entity active and leaves an existing one's status alone. Every imported entity
joins the importing department's main directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.import_resources import batches
from core.imports import RowOutcome, RowProblem, WriteResult, register_import_kind
from core.models import ImportJob
from core.tabular import read_rows
from entities.models import Directory, DirectoryEntry, Entity, EntityStatus, EntityTag
from entities.resources import HEADING
from entities.validation import (
    COLUMNS,
    REQUIRED,
    STATUS_UNSTATED,
    TEMPLATE_HEADINGS,
    CleanEntity,
    validator_from_db,
)

BATCH = 1000
# The template's headings last, so that a "missing column" message names them, not an alias.
READ_ALIASES = {k: v for k, v in COLUMNS.items() if k not in TEMPLATE_HEADINGS} | {h: COLUMNS[h] for h in TEMPLATE_HEADINGS}
ATTRIBUTE = {"industry": "industry_id", "region": "region_id"}
SCALARS = ["name", "entity_type", "industry", "region", "address", "legal_rep", "reg_authority", "reg_date",
           "status", "risk_class", "risk_date"]


@dataclass(frozen=True)
class EntityRow:
    entity: CleanEntity
    present: frozenset[str]  # columns the file has: an absent column never overwrites a stored value


class EntityImporter:
    label = _("市场主体（检查对象名录库）")
    object_type = "entities.entity"
    headings = TEMPLATE_HEADINGS
    required = [HEADING[f] for f in sorted(REQUIRED)]

    def validate_rows(self, *, path: Path, department: Any) -> Iterator[RowOutcome]:
        validator = validator_from_db()
        for row in read_rows(path, aliases=READ_ALIASES, required=REQUIRED):
            clean, errors = validator.validate(row.number, row.values)
            if clean is None:
                problems = tuple(RowProblem(e.row, HEADING.get(e.column, e.column), e.reason, e.value) for e in errors)
                yield RowOutcome(row.number, problems=problems)
            else:
                yield RowOutcome(row.number, clean=EntityRow(clean, frozenset(row.values)))

    def write_rows(self, *, job: ImportJob, rows: Iterable[EntityRow]) -> WriteResult:
        result = WriteResult(extra={"directory_added": 0})
        directory, _created = Directory.objects.get_or_create(
            department=job.department, code="main", defaults={"name": "检查对象名录库"}
        )
        for batch in batches(rows, BATCH):
            self._write_batch(batch, directory, result)
        return result

    def _write_batch(self, batch: list[EntityRow], directory: Directory, result: WriteResult) -> None:
        keys = [r.entity.uscc for r in batch]
        existing = Entity.objects.in_bulk(keys)
        tags_now: dict[str, set[str]] = {}
        for uscc, tag in EntityTag.objects.filter(entity_id__in=keys).values_list("entity_id", "tag_id"):
            tags_now.setdefault(uscc, set()).add(tag)
        upserts: list[Entity] = []
        retag: dict[str, list[str]] = {}
        columns: set[str] = set()
        for row in batch:
            uscc, old = row.entity.uscc, existing.get(row.entity.uscc)
            obj = old or Entity(uscc=uscc)
            changed = old is None
            for name in SCALARS:
                value = getattr(row.entity, name)
                if name == "status" and value == STATUS_UNSTATED:
                    if old is not None:
                        continue  # a blank status cell leaves an existing entity's status alone
                    value = EntityStatus.ACTIVE
                if (old is None or name in row.present) and getattr(obj, ATTRIBUTE.get(name, name)) != value:
                    setattr(obj, ATTRIBUTE.get(name, name), value)
                    columns.add(name)
                    changed = True
            if ("tags" in row.present or old is None) and set(row.entity.tags) != tags_now.get(uscc, set()):
                retag[uscc] = row.entity.tags
            if changed:
                upserts.append(obj)
            if changed or uscc in retag:
                result.changed(uscc, new=old is None)
            else:
                result.unchanged += 1
        if upserts:
            fields = [ATTRIBUTE.get(c, c) for c in sorted(columns)] + ["updated_at"]
            Entity.objects.bulk_create(upserts, update_conflicts=True, unique_fields=["uscc"], update_fields=fields)
        if retag:
            EntityTag.objects.filter(entity_id__in=list(retag)).delete()
            EntityTag.objects.bulk_create([EntityTag(entity_id=u, tag_id=t) for u, tags in retag.items() for t in tags])
        listed = set(DirectoryEntry.objects.filter(directory=directory, entity_id__in=keys).values_list("entity_id", flat=True))
        missing = [k for k in keys if k not in listed]
        DirectoryEntry.objects.bulk_create(
            [DirectoryEntry(directory=directory, entity_id=k, source=DirectoryEntry.Source.IMPORT) for k in missing]
        )
        result.extra["directory_added"] += len(missing)


register_import_kind("entities", EntityImporter())
