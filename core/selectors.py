from typing import Any

from django.db.models import QuerySet

from core.models import AuditEntry, FeedItem, PublicationRecord


def feed_for_user(*, user: Any) -> QuerySet[FeedItem]:
    return FeedItem.objects.filter(recipient=user).select_related("department")


def feed_unread_count(*, user: Any) -> int:
    return FeedItem.objects.filter(recipient=user, read_at__isnull=True).count()


def publications_current(*, kind: str | None = None) -> QuerySet[PublicationRecord]:
    """The latest version of each public record that has not been withdrawn."""
    qs = PublicationRecord.objects.filter(superseded_by__isnull=True, withdrawn=False)
    return qs.filter(kind=kind) if kind else qs


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor")
