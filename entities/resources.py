"""django-import-export resource for the registry, keyed on 统一社会信用代码.

Rows are checked by ``EntityRowValidator`` before the library touches them, so the admin and the
staff pages give the same reasons in Chinese. The staff pages write through ``entities.importers``
(bulk, batched); this resource serves the admin and anyone calling ``import_data`` directly.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import RowResult

from core.audit import audit_bulk, digest_of, rows_suppressed
from core.import_resources import NaturalKeyLoader, cell_text
from entities.models import Entity, Tag
from entities.validation import (
    COLUMNS,
    REQUIRED,
    STATUS_UNSTATED,
    TEMPLATE_HEADINGS,
    EntityRowValidator,
    validator_from_db,
)

HEADING = {COLUMNS[h]: h for h in TEMPLATE_HEADINGS}  # field -> the template's Chinese heading


def _field(name: str, *, attribute: str | None = None, widget: Any = None) -> Field:
    return Field(attribute=attribute or name, column_name=HEADING[name], widget=widget or widgets.Widget())


class EntityResource(resources.ModelResource):
    uscc = _field("uscc")
    name = _field("name")
    entity_type = _field("entity_type")
    industry = _field("industry", attribute="industry_id")
    region = _field("region", attribute="region_id")
    address = _field("address")
    legal_rep = _field("legal_rep")
    reg_authority = _field("reg_authority")
    reg_date = _field("reg_date", widget=widgets.DateWidget())
    status = _field("status")
    risk_class = _field("risk_class")
    risk_date = _field("risk_date", widget=widgets.DateWidget())
    tags = _field("tags", widget=widgets.ManyToManyWidget(Tag, field="code", separator=";"))

    class Meta:
        model = Entity
        fields = ("uscc", "name", "entity_type", "industry", "region", "address", "legal_rep",
                  "reg_authority", "reg_date", "status", "risk_class", "risk_date", "tags")
        import_order = fields
        export_order = fields
        import_id_fields = ["uscc"]
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        instance_loader_class = NaturalKeyLoader

    validator: EntityRowValidator
    _dry_run: bool = False
    _changed: list[str]

    @staticmethod
    def normalize_key(value: Any) -> str:
        return cell_text(value).upper()

    def import_data(self, dataset: Any, dry_run: bool = False, **kwargs: Any) -> Any:
        """One audit row for the whole file instead of one per entity."""
        self._dry_run, self._changed = dry_run, []
        with rows_suppressed():
            return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        # Headings the validator knows under another name (企业名称, 地址, English) become the template's.
        dataset.headers = [HEADING.get(COLUMNS.get(cell_text(h).replace("*", "").strip(), ""), cell_text(h))
                           for h in dataset.headers or []]
        missing = [HEADING[f] for f in sorted(REQUIRED) if HEADING[f] not in dataset.headers]
        if missing:
            raise ValidationError(_("缺少必需的列：%(cols)s。请使用导入模板。") % {"cols": "、".join(missing)})
        self.validator = validator_from_db()

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        values = {f: cell_text(row[h]) for f, h in HEADING.items() if h in row}
        clean, errors = self.validator.validate(int(kwargs.get("row_number") or 0) + 1, values)
        if clean is None:
            reasons: dict[str, list[str]] = {}
            for error in errors:
                reasons.setdefault(HEADING.get(error.column, error.column), []).append(error.reason)
            raise ValidationError(reasons)
        if clean.status == STATUS_UNSTATED:
            # A blank status cell: a new entity gets the model's default (active), an existing one
            # keeps its status, as when the file has no status column at all.
            row.pop(HEADING["status"], None)
        for name, heading in HEADING.items():
            if heading in row:
                value = getattr(clean, name)
                row[heading] = ";".join(value) if name == "tags" else value

    def do_instance_save(self, instance: Entity, is_create: bool) -> None:
        instance.save(force_insert=is_create)

    def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
        if row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            self._changed.append(str(row[HEADING["uscc"]]))

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if self._dry_run or result.has_errors():
            return
        totals = result.totals
        audit_bulk(
            action="import.entities", object_type="entities.entity", count=len(self._changed),
            digest=digest_of(self._changed),
            summary={"via": "import-export", "rows": result.total_rows,
                     "new": totals[RowResult.IMPORT_TYPE_NEW], "update": totals[RowResult.IMPORT_TYPE_UPDATE],
                     "invalid": totals[RowResult.IMPORT_TYPE_INVALID]},
        )
