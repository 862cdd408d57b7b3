from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import (
    AuditEntry,
    CalendarDay,
    CalendarYear,
    FeedItem,
    ImportJob,
    OutboxItem,
    PublicationAttachment,
    PublicationRecord,
)
from core.workdays import calendar_changed


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody may add, change or delete through the app."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id", "count")
    list_filter = ("action", "object_type")
    search_fields = ("object_type", "object_id", "actor_label")


@admin.register(PublicationRecord)
class PublicationRecordAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "version", "kind", "department_code", "year", "withdrawn", "published_at")
    list_filter = ("kind", "withdrawn", "year")
    search_fields = ("public_id",)


@admin.register(PublicationAttachment)
class PublicationAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "record", "content_type", "size", "sha256_hex")
    exclude = ("compressed",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "department", "original_name", "mode", "status", "rows_total", "error_count", "created_at")
    list_filter = ("kind", "status", "mode")


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "handler", "status", "attempts", "created_at", "queued_at", "done_at")
    list_filter = ("status", "handler")


@admin.register(FeedItem)
class FeedItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "department", "kind", "created_at", "read_at")
    list_filter = ("kind",)


class CalendarAdminMixin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        calendar_changed()


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdminMixin):
    list_display = ("year", "source", "note")


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdminMixin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
