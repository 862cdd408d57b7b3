from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from core.models import PublicationRecord


class PublicRecordSerializer(serializers.ModelSerializer):
    """One published record. ``public_id`` is stable across versions; ``version`` counts them."""

    supersedes_version = serializers.SerializerMethodField(help_text="The version this one replaced, or null.")
    page = serializers.SerializerMethodField(help_text="The public web page showing this record.")

    class Meta:
        model = PublicationRecord
        fields = ["public_id", "kind", "version", "supersedes_version", "published_at", "department_code", "year",
                  "street", "category", "withdrawn", "payload", "page"]
        read_only_fields = fields

    def get_supersedes_version(self, record: PublicationRecord) -> int | None:
        # Versions are written one after another: the one replaced is the previous number.
        return record.version - 1 if record.supersedes_id else None

    def get_page(self, record: PublicationRecord) -> str | None:
        payload: dict[str, Any] = record.payload or {}
        code = payload.get("抽查任务编号") or payload.get("task_code") or payload.get("code")
        if record.kind == "result" and payload.get("统一社会信用代码"):
            return reverse("publicity:entity", args=[payload["统一社会信用代码"]])
        if record.kind in ("task", "draw") and code:
            return reverse("publicity:task" if record.kind == "task" else "publicity:draw", args=[code])
        if record.kind == "plan" and code:
            return reverse("publicity:plan", args=[code])
        if record.kind == "item_list" and record.department_code:
            return reverse("publicity:item_list", args=[record.department_code])
        return None


class DownloadSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    department_code = serializers.CharField()
    department = serializers.CharField()
    csv = serializers.CharField()
    json = serializers.CharField()


class MetaSerializer(serializers.Serializer):
    last_updated = serializers.DateTimeField(allow_null=True)
    rate_limit = serializers.CharField(allow_blank=True)
    endpoints = serializers.DictField(child=serializers.CharField())
