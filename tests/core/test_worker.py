"""Real parts: a request queues work that a real Celery worker does, through Redis."""

import os
from datetime import timedelta

import pytest

from agencies.models import Role
from core.models import OutboxItem
from core.outbox import outbox_sweep
from tests.conftest import wait_for
from tests.factories import DepartmentFactory, person

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def auditor(client):
    user = person("jj", DepartmentFactory(code="JJ"), Role.DISCIPLINE)
    client.force_login(user)
    return user


def _check_item():
    return OutboxItem.objects.filter(handler="core.verify_audit").order_by("-id").first()


def test_a_task_queued_in_a_request_round_trips_through_redis_and_the_worker(
    celery_worker, auditor, client
) -> None:
    response = client.post("/discipline/audit/verify/")
    assert response.status_code == 302
    item = wait_for(lambda: (i := _check_item()) and i.status == OutboxItem.Status.DONE and i, timeout=30)
    assert item, f"outbox item not done: {_check_item()!r}"
    assert item.result["ok"] is True
    # It ran in the worker process, not in this one.
    assert not item.result["worker"].endswith(f":{os.getpid()}")


def test_a_request_made_while_redis_is_unreachable_is_done_once_redis_is_back(
    celery_worker, auditor, client, settings
) -> None:
    real_broker = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # a closed port: the app cannot reach Redis
    response = client.post("/discipline/audit/verify/", follow=True)
    assert response.status_code == 200
    item = _check_item()
    assert item.status == OutboxItem.Status.PENDING and item.queued_at is None

    settings.CELERY_BROKER_URL = real_broker  # Redis reachable again: the beat sweep hands it over
    assert outbox_sweep(stale_after=timedelta(0)) == 1
    done = wait_for(lambda: OutboxItem.objects.get(pk=item.pk).status == OutboxItem.Status.DONE, timeout=30)
    assert done
    assert OutboxItem.objects.get(pk=item.pk).result["ok"] is True
