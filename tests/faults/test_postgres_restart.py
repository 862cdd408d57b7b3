"""(c) PostgreSQL restarts during a burst of requests. Requests that reach it while it is down are
refused cleanly (503, Retry-After, nothing saved); every request that was accepted is done once."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client

from agencies.models import Role
from core.models import OutboxItem
from core.outbox import outbox_sweep
from tests.conftest import wait_for
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.faults

THREADS = 8
SECONDS = 8.0


def test_postgres_restarted_during_a_request_burst(live, ledger) -> None:
    user = person("fdisc", DepartmentFactory(code="FJJ", name="故障纪检组"), Role.DISCIPLINE)
    clients = []
    for _ in range(THREADS):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    before = set(OutboxItem.objects.filter(handler="core.verify_audit").values_list("pk", flat=True))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def burst(client: Client, n: int) -> None:
        try:
            while time.monotonic() < stop_at:
                if n % 2:
                    response = client.post("/discipline/audit/verify/")
                    kind = "write"
                else:
                    response = client.get("/public/audit/")
                    kind = "read"
                with lock:
                    outcomes[f"{kind} {response.status_code}"] += 1
                    if response.status_code == 503:
                        assert response["Retry-After"] == "5"
                        assert "数据库暂时不可用" in response.content.decode()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=burst, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    time.sleep(SECONDS / 3)
    live.pg.restart("fast")  # terminates every session, refuses connections while it restarts
    ledger.fault("postgres restarted")
    for t in threads:
        t.join(60)
    connections.close_all()

    print(dict(outcomes))
    assert set(outcomes) <= {"write 302", "write 503", "read 200", "read 503"}, outcomes
    assert outcomes["write 302"] > 0 and outcomes["read 200"] > 0
    accepted = outcomes["write 302"]

    live.worker.ensure_alive()
    items = lambda: OutboxItem.objects.filter(handler="core.verify_audit").exclude(pk__in=before)  # noqa: E731
    # Every accepted request left exactly one row; refused ones left none.
    assert items().count() == accepted, (items().count(), outcomes)

    def all_done() -> bool:
        outbox_sweep(stale_after=timedelta(0))  # beat, for rows whose hand-over the restart cut off
        return not items().exclude(status=OutboxItem.Status.DONE).exists()

    assert wait_for(all_done, timeout=120, interval=1.0), Counter(items().values_list("status", flat=True))
    assert all(r["ok"] for r in items().values_list("result", flat=True))
    ledger.settle(
        f"request burst across a PostgreSQL restart ({sum(outcomes.values())} requests, "
        f"{outcomes['write 503'] + outcomes['read 503']} refused with 503)",
        accepted=accepted, done=items().filter(status=OutboxItem.Status.DONE).count(), lost=accepted - items().count(),
    )
