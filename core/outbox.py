"""Background work that loses nothing.

A request for background work is an ``OutboxItem`` row written in the same transaction as the
change that asks for it. It is handed to Celery when that transaction commits; if Redis is down
the row stays pending and the periodic sweep hands it over again. The worker runs the handler and
marks the row done in one transaction, so a retried or duplicated message finds the work done.
With no Redis (the embedded default) the handler runs in-process on commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.models import OutboxItem

log = logging.getLogger(__name__)

Handler = Callable[[OutboxItem], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 5


def outbox_handler(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[name] = func
        return func

    return register


def handler_for(name: str) -> Handler:
    from django.utils.module_loading import autodiscover_modules

    if name not in _HANDLERS:
        autodiscover_modules("handlers")
    return _HANDLERS[name]


def outbox_enqueue(*, handler: str, payload: dict[str, Any], dedupe_key: str | None = None, user: Any = None) -> OutboxItem:
    """Record the request in the caller's transaction; hand it over once that commits."""
    handler_for(handler)  # fail now, in the request, if nobody can run it
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None  # a visitor of the public site: nobody to record
    if dedupe_key and connection.vendor == "postgresql":
        return _enqueue_once_postgres(handler, payload, dedupe_key, user)
    with transaction.atomic():
        if dedupe_key:
            item, created = OutboxItem.objects.get_or_create(
                dedupe_key=dedupe_key, defaults={"handler": handler, "payload": payload, "created_by": user}
            )
            if not created:
                return item
        else:
            item = OutboxItem.objects.create(handler=handler, payload=payload, created_by=user)
        transaction.on_commit(partial(dispatch, item.pk))
    return item


def _enqueue_once_postgres(handler: str, payload: dict[str, Any], dedupe_key: str, user: Any) -> OutboxItem:
    """``outbox_enqueue`` with a key, in one statement (``get_or_create`` takes six, with its
    savepoints): insert unless the key is taken, else return the item that holds it."""
    now = timezone.now()
    item = OutboxItem(handler=handler, payload=payload, dedupe_key=dedupe_key, created_by=user, created_at=now)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_outboxitem (handler, payload, dedupe_key, status, created_at, created_by_id, attempts, "
            "last_error, result) VALUES (%s, %s::jsonb, %s, %s, %s, %s, 0, '', '{}'::jsonb) "
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            [handler, json.dumps(payload), dedupe_key, OutboxItem.Status.PENDING, now, item.created_by_id],
        )
        row = cursor.fetchone()
    if row is None:
        return OutboxItem.objects.get(dedupe_key=dedupe_key)
    item.pk, item._state.adding, item._state.db = row[0], False, connection.alias
    transaction.on_commit(partial(dispatch, item.pk))
    return item


_local = threading.local()  # .held: handler -> items held back by ``held_back`` in this thread


@contextlib.contextmanager
def held_back(*handlers: str) -> Iterator[dict[str, list[int]]]:
    """In-process (eager) only: items of ``handlers`` queued by this thread are not run on
    commit but listed (by handler) for the caller to run with ``outbox_execute`` when it
    chooses. For measuring one piece of work without the background work it queues
    (``bench_draw``)."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        raise RuntimeError("held_back is for in-process (eager) background work only")
    previous = getattr(_local, "held", None)
    held: dict[str, list[int]] = {name: [] for name in handlers}
    _local.held = held
    try:
        yield held
    finally:
        _local.held = previous


def dispatch(item_id: int) -> bool:
    """Hand one item to the workers. Returns False when the broker is unreachable (the sweep retries)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        held = getattr(_local, "held", None)
        if held is not None:
            handler = OutboxItem.objects.filter(pk=item_id).values_list("handler", flat=True).first()
            if handler in held:
                held[handler].append(item_id)
                return True
        OutboxItem.objects.filter(pk=item_id).update(queued_at=timezone.now())
        outbox_execute(item_id=item_id)
        return True
    from config.celery import app
    from core.tasks import run_outbox_item

    # Marked before the hand-over, committed on its own: a worker quick enough to pick the
    # message up at once must not find the row locked by this bookkeeping (it would take the
    # row for one another worker holds, and skip it).
    _mark_queued(item_id, timezone.now())
    try:
        # A fresh connection per hand-over, to the broker named in settings now: a request
        # made while Redis is down fails fast here instead of hanging on a dead pool.
        with app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            # ignore_result: the outbox row holds the result; subscribing to the result backend
            # would retry a dead Redis for 20 s inside the request.
            run_outbox_item.apply_async(args=(item_id,), connection=conn, retry=False, ignore_result=True)  # type: ignore[call-arg]
    except Exception as exc:  # broker down: the row stays pending, nothing is lost
        log.warning("outbox item %s not queued (%s); the sweep will retry", item_id, exc)
        _mark_queued(item_id, None)
        _tell_the_user()
        return False
    return True


def _mark_queued(item_id: int, at: Any) -> None:
    try:
        OutboxItem.objects.filter(pk=item_id, status=OutboxItem.Status.PENDING).update(queued_at=at)
    except DatabaseError as exc:
        # The caller's transaction is committed: the request must not fail on bookkeeping. An
        # unmarked row may be handed over twice; outbox_execute makes the second a no-op.
        log.warning("outbox item %s: queued_at not recorded (%s)", item_id, exc)


def _tell_the_user() -> None:
    """The person whose request asked for the work learns that it is saved and will run later."""
    from django.contrib import messages

    from core.middleware import current_request

    request = current_request()
    if request is not None:
        messages.warning(
            request,
            gettext("后台服务暂时不可用：您的操作已保存，将在服务恢复后自动执行，无需重复提交。"),
            fail_silently=True,
        )


def outbox_execute(*, item_id: int) -> str:
    """Run one item exactly once. Safe to call twice, or from two workers at once."""
    try:
        with transaction.atomic():
            item = OutboxItem.objects.select_for_update(skip_locked=True).filter(pk=item_id).first()
            if item is None:
                return "busy"  # another worker holds it
            if item.status != OutboxItem.Status.PENDING:
                return item.status
            result = handler_for(item.handler)(item) or {}
            result.setdefault("worker", f"{socket.gethostname()}:{os.getpid()}")
            OutboxItem.objects.filter(pk=item.pk).update(
                status=OutboxItem.Status.DONE, done_at=timezone.now(), result=result, attempts=item.attempts + 1
            )
        return OutboxItem.Status.DONE
    except Exception as exc:
        _record_failure(item_id, exc)
        if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "OUTBOX_EAGER_RAISE", False):
            raise
        return OutboxItem.Status.FAILED


def _record_failure(item_id: int, exc: Exception) -> None:
    log.exception("outbox item %s failed", item_id)
    item = OutboxItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    attempts = item.attempts + 1
    status = OutboxItem.Status.FAILED if attempts >= MAX_ATTEMPTS else OutboxItem.Status.PENDING
    OutboxItem.objects.filter(pk=item_id, status=OutboxItem.Status.PENDING).update(
        attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000], status=status
    )


def outbox_sweep(*, stale_after: timedelta | None = None) -> int:
    """Hand over again every pending row that nobody picked up in time."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS)
    cutoff = timezone.now() - stale_after
    ids = list(
        OutboxItem.objects.filter(status=OutboxItem.Status.PENDING, created_at__lte=cutoff)
        .exclude(queued_at__gt=cutoff)  # handed over recently: give the worker time
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    sent = 0
    for item_id in ids:
        if not dispatch(item_id):
            break
        sent += 1
    return sent
