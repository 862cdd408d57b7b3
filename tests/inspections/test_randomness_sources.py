import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from agencies.models import Role
from inspections.drawing import draw_announce, draw_record_randomness
from inspections.models import Draw
from inspections.randomness import (
    SourceError,
    beacon_source,
    fetch_beacon,
    lottery_source,
    parse_value,
    witness_source,
)
from inspections.services import TaskError, task_publish, task_transition
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

OUTPUT = "a" * 64 + "b" * 64


class FakeBeacon(BaseHTTPRequestHandler):
    """A local stand-in for a public randomness beacon (the real one is on the internet)."""

    def do_GET(self) -> None:  # noqa: N802
        round_id = int(self.path.rstrip("/").split("/")[-1])
        body = {"pulse": {"pulseIndex": round_id, "outputValue": OUTPUT.upper() if round_id == 7 else ""}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def beacon(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeBeacon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DRAW_BEACON_URL = f"http://127.0.0.1:{server.server_port}/beacon/2.0/pulse/{{round}}"
    yield
    server.shutdown()


def test_a_beacon_round_is_fetched_and_used_as_a_hex_value(beacon) -> None:
    value = fetch_beacon(7)
    assert value == OUTPUT
    assert parse_value(beacon_source(round_id=7), value, today=dt.date(2026, 1, 1)) == OUTPUT


def test_a_beacon_round_without_output_is_refused(beacon) -> None:
    with pytest.raises(SourceError):
        fetch_beacon(8)


def test_lottery_values_must_have_the_lotterys_digits() -> None:
    source = lottery_source("pl5", dt.date(2026, 1, 1))
    assert parse_value(source, "0 4 7 1 2", today=dt.date(2026, 1, 1)) == [4712]
    with pytest.raises(SourceError, match="5 位"):
        parse_value(source, "123", today=dt.date(2026, 1, 1))


def test_a_witness_source_names_a_person_and_counts_numbers() -> None:
    with pytest.raises(SourceError):
        witness_source(witness=" ", ceremony=dt.date(2026, 1, 1), count=3)
    source = witness_source(witness="区公证处 王某", ceremony=dt.date(2026, 1, 1), count=3)
    assert parse_value(source, "7, 42, 99", today=dt.date(2026, 1, 1)) == [7, 42, 99]
    with pytest.raises(SourceError):
        parse_value(source, "7, 42", today=dt.date(2026, 1, 1))


@pytest.mark.django_db
def test_a_draw_whose_announcement_did_not_precede_its_randomness_cannot_count(settings, django_capture_on_commit_callbacks) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(40)
    task = make_task(user=user, department=dept)
    task_publish(task=task, user=user)
    draw = draw_announce(task=task, user=user)
    # Back-date the randomness to before the announcement, as a forger would need to.
    Draw.objects.filter(pk=draw.pk).update(status="done", randomness=[], randomness_at=draw.announced_at - dt.timedelta(minutes=5))
    with pytest.raises(TaskError, match="未早于随机数"):
        task_transition(task=task, action="record_entity_draw", user=user)
    task.refresh_from_db()
    assert task.status == "ready"
    assert draw_record_randomness  # the normal path is covered in test_drawing.py
    assert timezone.now() > draw.announced_at
