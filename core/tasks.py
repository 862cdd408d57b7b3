"""Celery tasks: interfaces only. They take ids and call one service."""

from celery import shared_task
from django.utils import timezone

from core import outbox


@shared_task(name="core.tasks.run_outbox_item", acks_late=True, ignore_result=True)
def run_outbox_item(item_id: int) -> str:
    return outbox.outbox_execute(item_id=item_id)


@shared_task(name="core.tasks.outbox_sweep")
def outbox_sweep() -> int:
    return outbox.outbox_sweep()


@shared_task(name="core.tasks.publish_audit_head")
def publish_audit_head() -> int:
    """Daily, from beat: ask for today's head through the outbox (one per day, whatever the retries)."""
    day = timezone.localdate().isoformat()
    item = outbox.outbox_enqueue(handler="core.publish_audit_head", payload={"date": day}, dedupe_key=f"audit_head:{day}")
    return item.pk
