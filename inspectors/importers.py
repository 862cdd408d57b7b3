"""Import kind "inspectors": the department's 执法检查人员名录库, keyed on 执法证号.

A clerk imports into their own department only: a row naming another department, or a 执法证号
already registered in another department, is a bad row. Only new or changed people are written,
so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.import_resources import batches
from core.imports import RowOutcome, RowProblem, WriteResult, register_import_kind
from core.models import ImportJob
from core.tabular import Row, read_rows
from inspectors.models import Inspector
from inspectors.resources import (
    COLUMNS,
    HEADING,
    HEADINGS,
    REQUIRED,
    CleanInspector,
    InspectorRowValidator,
    Problem,
    owners_of,
    validator_from_db,
)

BATCH = 1000
# The template's headings last, so that a "missing column" message names them, not an alias.
READ_ALIASES = {k: v for k, v in COLUMNS.items() if k not in HEADINGS} | {h: COLUMNS[h] for h in HEADINGS}
SCALARS = ["name", "department_id", "section_id", "cert_type", "cert_valid_until", "id_number", "phone",
           "is_expert", "expert_field_id", "home_area"]
COLUMN_OF = {"department_id": "department", "section_id": "section", "expert_field_id": "expert_field"}


@dataclass(frozen=True)
class InspectorRow:
    inspector: CleanInspector
    present: frozenset[str]


def _problems(problems: list[Problem]) -> tuple[RowProblem, ...]:
    return tuple(RowProblem(p.row, p.heading, p.reason, p.value) for p in problems)


class InspectorImporter:
    label = _("执法检查人员（执法检查人员名录库）")
    object_type = "inspectors.inspector"
    headings = HEADINGS
    required = [HEADING[f] for f in sorted(REQUIRED)]

    def validate_rows(self, *, path: Path, department: Any) -> Iterator[RowOutcome]:
        validator = validator_from_db(only_department=department)
        for chunk in batches(read_rows(path, aliases=READ_ALIASES, required=REQUIRED), BATCH):
            checked = [(row, *validator.validate(row.number, row.values)) for row in chunk]
            owners = owners_of([c.cert_no for _row, c, _p in checked if c is not None])
            for row, clean, problems in checked:
                yield self._outcome(row, clean, problems, owners)

    @staticmethod
    def _outcome(row: Row, clean: CleanInspector | None, problems: list[Problem], owners: dict[str, int]) -> RowOutcome:
        if clean is not None and (p := InspectorRowValidator.owner_problem(row.number, clean, owners.get(clean.cert_no))):
            return RowOutcome(row.number, problems=_problems([p]))
        if clean is None:
            return RowOutcome(row.number, problems=_problems(problems))
        return RowOutcome(row.number, clean=InspectorRow(clean, frozenset(row.values)))

    def write_rows(self, *, job: ImportJob, rows: Iterable[InspectorRow]) -> WriteResult:
        result = WriteResult()
        for batch in batches(rows, BATCH):
            self._write_batch(job, batch, result)
        return result

    def _write_batch(self, job: ImportJob, batch: list[InspectorRow], result: WriteResult) -> None:
        existing = {i.cert_no: i for i in Inspector.objects.filter(cert_no__in=[r.inspector.cert_no for r in batch])}
        through = Inspector.fields.through
        fields_now: dict[int, set[str]] = {}
        for inspector_id, code in through.objects.filter(inspector__in=existing.values()).values_list(
            "inspector_id", "field_id"
        ):
            fields_now.setdefault(inspector_id, set()).add(code)
        new: list[Inspector] = []
        changed: list[Inspector] = []
        columns: set[str] = set()
        refield: dict[str, list[str]] = {}
        for row in batch:
            clean, old = row.inspector, existing.get(row.inspector.cert_no)
            if old is not None and old.department_id != job.department_id:
                raise RuntimeError(f"{clean.cert_no} belongs to another department")  # validated before: a race
            obj = old or Inspector(cert_no=clean.cert_no)
            dirty = False
            for attr in SCALARS:
                value = getattr(clean, attr)
                if value is None and attr in ("id_number", "phone"):
                    continue  # masked in the file: keep what is stored
                if (old is None or COLUMN_OF.get(attr, attr) in row.present) and getattr(obj, attr) != value:
                    setattr(obj, attr, value)
                    columns.add(attr)
                    dirty = True
            if ("fields" in row.present or old is None) and set(clean.fields) != fields_now.get(obj.pk or 0, set()):
                refield[clean.cert_no] = clean.fields
            if old is None:
                new.append(obj)
            elif dirty:
                changed.append(obj)
            if old is None or dirty or clean.cert_no in refield:
                result.changed(clean.cert_no, new=old is None)
            else:
                result.unchanged += 1
        Inspector.objects.bulk_create(new)
        if changed:
            now = timezone.now()
            for obj in changed:
                obj.updated_at = now  # bulk_update does not touch auto_now fields
            Inspector.objects.bulk_update(changed, fields=sorted(columns) + ["updated_at"])
        if refield:
            ids = {i.cert_no: i.pk for i in [*new, *existing.values()] if i.cert_no in refield}
            through.objects.filter(inspector_id__in=ids.values()).delete()
            through.objects.bulk_create(
                [through(inspector_id=ids[c], field_id=f) for c, codes in refield.items() for f in codes]
            )


register_import_kind("inspectors", InspectorImporter())
