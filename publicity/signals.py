"""Cache invalidation: every new publication record bumps the public cache version.

core never imports publicity; the receiver is connected here, from ``PublicityConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from publicity.caching import bump_version


def _on_publication(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    # Bump now (later reads in this transaction see the new row) and again after the commit:
    # a page rendered by another request between the two would otherwise be cached as current.
    bump_version()
    transaction.on_commit(bump_version, using=kwargs.get("using"))


def connect() -> None:
    from core.models import PublicationAttachment, PublicationRecord

    post_save.connect(_on_publication, sender=PublicationRecord, dispatch_uid="publicity.record_saved")
    post_save.connect(_on_publication, sender=PublicationAttachment, dispatch_uid="publicity.attachment_saved")
