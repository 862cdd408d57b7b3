"""Writes owned by core: publication records and the work channel."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from core.bulk import fast_zlib, insert_with_blob
from core.models import FeedItem, PublicationAttachment, PublicationRecord


@transaction.atomic
def publication_write(
    *,
    kind: str,
    public_id: str,
    payload: dict[str, Any],
    department_code: str = "",
    year: int | None = None,
    street: str = "",
    category: str = "",
    filter_keys: dict[str, Any] | None = None,
    withdrawn: bool = False,
) -> PublicationRecord:
    """Append a new version of a public record; the previous version, if any, is superseded."""
    previous = (
        PublicationRecord.objects.select_for_update().filter(public_id=public_id).order_by("-version").first()
    )
    return PublicationRecord.objects.create(
        kind=kind,
        public_id=public_id,
        version=(previous.version + 1) if previous else 1,
        payload=payload,
        department_code=department_code,
        year=year,
        street=street,
        category=category,
        filter_keys=filter_keys or {},
        supersedes=previous,
        withdrawn=withdrawn,
        published_at=timezone.now(),
    )


def publication_attach(*, record: PublicationRecord, name: str, content_type: str, content: bytes) -> PublicationAttachment:
    """Attach a file (a city draw's public bundle is tens of MB: compressed with ISA-L's zlib,
    written by binary COPY)."""
    attachment = PublicationAttachment(
        record=record, name=name, content_type=content_type, compressed=fast_zlib.compress(content, 2),
        size=len(content), sha256_hex=hashlib.sha256(content).hexdigest(),
    )
    insert_with_blob(attachment)
    return attachment


@transaction.atomic
def publication_withdraw(*, public_id: str, reason: str) -> PublicationRecord:
    """A withdrawal is a new record that supersedes the current one; nothing is edited."""
    current = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
    if current is None or current.withdrawn:
        raise ValueError(f"no current publication {public_id}")
    return publication_write(
        kind=current.kind,
        public_id=public_id,
        payload={"withdrawn": True, "reason": reason},
        department_code=current.department_code,
        year=current.year,
        street=current.street,
        category=current.category,
        filter_keys=current.filter_keys,
        withdrawn=True,
    )


def feed_post(
    *, recipients: Iterable[Any], title: str, body: str = "", url: str = "", kind: str = "notice", department: Any = None
) -> int:
    """Post one message to each recipient's work channel (and by e-mail where enabled)."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    FeedItem.objects.bulk_create(
        [
            FeedItem(recipient_id=pk, title=title[:200], body=body, url=url, kind=kind, department=department)
            for pk in users
        ]
    )
    if settings.FEED_EMAIL:
        mails = [(title, f"{body}\n\n{settings.SITE_URL}{url}", None, [u.email]) for u in users.values() if u.email]
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return len(users)


def feed_mark_read(*, user: Any, item_ids: Iterable[int] | None = None) -> int:
    qs = FeedItem.objects.filter(recipient=user, read_at__isnull=True)
    if item_ids is not None:
        qs = qs.filter(pk__in=list(item_ids))
    return qs.update(read_at=timezone.now())
