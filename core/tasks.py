"""Celery tasks: interfaces only. They take ids and call one service."""

from celery import shared_task

from core import outbox


@shared_task(name="core.tasks.run_outbox_item", acks_late=True)
def run_outbox_item(item_id: int) -> str:
    return outbox.outbox_execute(item_id=item_id)


@shared_task(name="core.tasks.outbox_sweep")
def outbox_sweep() -> int:
    return outbox.outbox_sweep()
