"""Admin for the inspector directory. ID numbers and phones are masked in lists and exports."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from core.import_resources import IMPORT_FORMATS
from inspectors.masking import mask_id_number, mask_phone
from inspectors.models import ConflictDeclaration, Field, Inspector, Leave
from inspectors.resources import InspectorResource


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Inspector)
class InspectorAdmin(ImportExportModelAdmin):
    resource_classes = [InspectorResource]
    import_formats = IMPORT_FORMATS
    export_formats = [base_formats.XLSX, base_formats.CSV]
    list_display = ("name", "cert_no", "department", "section", "masked_id_number", "masked_phone", "is_expert",
                    "is_active")
    list_filter = ("is_active", "is_expert", "cert_type", "department")
    list_select_related = ("department", "section")
    search_fields = ("=cert_no", "name")
    filter_horizontal = ("fields",)
    raw_id_fields = ("user",)

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, inspector: Inspector) -> str:
        return mask_id_number(inspector.id_number)

    @admin.display(description=_("手机号"))
    def masked_phone(self, inspector: Inspector) -> str:
        return mask_phone(inspector.phone)


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ("inspector", "start", "end", "reason")
    list_select_related = ("inspector",)
    raw_id_fields = ("inspector",)
    date_hierarchy = "start"


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    list_display = ("inspector", "entity_id", "ground", "status", "declared_at", "decided_by")
    list_filter = ("status", "ground")
    list_select_related = ("inspector", "decided_by")
    raw_id_fields = ("inspector", "entity", "decided_by")
