"""Admin for the registry and the directories. The registry may hold ten million rows: no page
counts the whole table, search hits the primary key or the names' bigram index (as the staff
list does), and the registry is imported (the same checks as the staff pages) but not exported
from here: a full export belongs in a command, not in a web request."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from core.import_resources import IMPORT_FORMATS
from entities.models import (
    AbnormalListing,
    AnnualReport,
    Directory,
    DirectoryEntry,
    Entity,
    EntityTag,
    Industry,
    Region,
    Tag,
)
from entities.resources import EntityResource
from entities.selectors import name_contains


class CappedCountPaginator(Paginator):
    """Counts at most ``CAP`` rows: a ``count(*)`` over ten million rows takes seconds."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        return int(rows.order_by()[: self.CAP + 1].count())


class BigTableAdmin(admin.ModelAdmin):
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "section")
    list_filter = ("section",)
    search_fields = ("code", "name")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class EntityTagInline(admin.TabularInline):
    model = EntityTag
    extra = 0
    autocomplete_fields = ("tag",)


@admin.register(Entity)
class EntityAdmin(ImportExportModelAdmin, BigTableAdmin):
    resource_classes = [EntityResource]
    import_formats = IMPORT_FORMATS
    list_display = ("uscc", "name", "entity_type", "region", "status", "risk_class", "updated_at")
    list_filter = ("status", "risk_class", "entity_type")
    list_select_related = ("region",)
    search_fields = ("uscc", "name")
    search_help_text = _("输入 18 位统一社会信用代码精确查找，或输入名称中的文字。")
    raw_id_fields = ("industry", "region")
    inlines = (EntityTagInline,)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Entity], search_term: str) -> tuple[Any, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if len(term) == 18 and term.isalnum():  # the primary key: one index lookup
            return queryset.filter(uscc=term.upper()), False
        return name_contains(queryset, term), False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AnnualReport)
class AnnualReportAdmin(BigTableAdmin):
    list_display = ("entity_id", "year", "filed_on")
    list_filter = ("year",)
    search_fields = ("=entity__uscc",)
    raw_id_fields = ("entity",)


@admin.register(AbnormalListing)
class AbnormalListingAdmin(BigTableAdmin):
    list_display = ("entity_id", "reason", "listed_on", "removed_on", "credit_repaired")
    list_filter = ("reason", "credit_repaired")
    search_fields = ("=entity__uscc",)
    raw_id_fields = ("entity",)


@admin.register(Directory)
class DirectoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "department", "kind")
    list_filter = ("kind", "department")
    list_select_related = ("department",)
    search_fields = ("code", "name")


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(BigTableAdmin):
    list_display = ("entity_id", "directory", "source", "licence_no", "licence_valid_until", "added_on")
    list_filter = ("source",)
    list_select_related = ("directory__department",)
    search_fields = ("=entity__uscc",)
    raw_id_fields = ("directory", "entity")
