"""(b) Redis stops while a user launches a draw: the user is told the work is saved and will run,
the draw runs once Redis is back (the outbox row survives Redis losing every queued message),
and it runs once."""

import time
from datetime import timedelta

import pytest
from django.test import Client

from core.models import OutboxItem
from core.outbox import outbox_sweep
from inspections.models import Draw, DrawSelection
from tests.conftest import wait_for
from tests.faults.scenario import announced_draw

pytestmark = pytest.mark.faults


def test_redis_stopped_while_a_user_launches_a_draw(live, ledger) -> None:
    draw, user = announced_draw(witnessed_today=True)
    client = Client()
    client.force_login(user)

    live.redis.stop()
    ledger.fault("redis stopped")
    started = time.monotonic()
    response = client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "12 34 56"}, follow=True)
    elapsed = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code == 200
    assert "后台服务暂时不可用：您的操作已保存，将在服务恢复后自动执行" in page
    assert elapsed < 15, f"the request hung {elapsed:.1f} s on the dead broker"
    item = OutboxItem.objects.get(dedupe_key=f"draw:{draw.pk}")
    assert item.status == OutboxItem.Status.PENDING and item.queued_at is None
    stored = Draw.objects.get(pk=draw.pk)
    assert stored.randomness is not None and stored.status == "randomness"  # the user's input is kept

    # Sweeps while Redis is still down hand nothing over and lose nothing.
    assert outbox_sweep(stale_after=timedelta(0)) == 0
    # A second submission is refused (the values are already recorded), not queued twice.
    again = client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "12 34 56"}, follow=True)
    assert "随机数已经录入" in again.content.decode()
    assert OutboxItem.objects.filter(dedupe_key=f"draw:{draw.pk}").count() == 1

    live.redis.start()  # back, empty: every message it held is gone
    live.worker.ensure_alive()
    assert wait_for(lambda: outbox_sweep(stale_after=timedelta(0)) >= 1 or
                    Draw.objects.get(pk=draw.pk).status == "done", timeout=60)
    assert wait_for(lambda: Draw.objects.get(pk=draw.pk).status == "done", timeout=90), \
        f"draw not done; worker log: {live.worker.log_path.read_text()[-2000:]}"
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.DONE and item.attempts == 1
    count = DrawSelection.objects.filter(draw=draw).count()
    assert count > 0
    outbox_sweep(stale_after=timedelta(0))
    time.sleep(1)
    assert DrawSelection.objects.filter(draw=draw).count() == count
    done_page = client.get(f"/draws/{draw.pk}/").content.decode()
    assert "后台服务暂时不可用" not in done_page  # the notice was shown once
    ledger.settle("draw launched while Redis was down", accepted=1, done=1, lost=0)
