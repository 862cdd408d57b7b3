"""Shared fixtures. A skipped test fails the run: nothing passes by not running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from agencies.models import Department, Role
from tests.factories import DepartmentFactory, SectionFactory, person

ROOT = Path(__file__).resolve().parent.parent

# Property tests check behaviour, not speed: on a loaded 2-core machine example generation can be
# slow, and that must not fail a run.
hypothesis_settings.register_profile("shuangsuiji", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("shuangsuiji")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped tests count as failures here: {report.longrepr}"


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests that need a real part fail (never skip) when that part is missing."""
    for item in items:
        if item.get_closest_marker("postgres") and not settings.DATABASE_URL:
            item.add_marker(pytest.mark.usefixtures("_require_postgres"))
        if item.get_closest_marker("celery_worker") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.usefixtures("_require_redis"))


@pytest.fixture
def _require_postgres() -> None:
    pytest.fail("this test needs PostgreSQL: run it through `make test` (DATABASE_URL)")


@pytest.fixture
def _require_redis() -> None:
    pytest.fail("this test needs Redis and a Celery worker: run it through `make test` (REDIS_URL)")


@dataclass
class Cast:
    """alice may act, bob (same department) may only read, charlie (another department) gets 404."""

    dept_a: Department
    dept_b: Department
    alice: object
    bob: object
    charlie: object


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    dept_a = DepartmentFactory(code="A", name="甲局")
    dept_b = DepartmentFactory(code="B", name="乙局")
    SectionFactory(department=dept_a, code="A1", name="甲科")
    SectionFactory(department=dept_b, code="B1", name="乙科")
    return Cast(
        dept_a=dept_a,
        dept_b=dept_b,
        alice=person("alice", dept_a, Role.DEPT_ADMIN, Role.STAFF),
        bob=person("bob", dept_a, Role.STAFF),
        charlie=person("charlie", dept_b, Role.DEPT_ADMIN, Role.STAFF),
    )


@pytest.fixture
def official_calendar(db) -> None:  # type: ignore[no-untyped-def]
    """The calendar seeded by migration; transactional tests flush it, so seed again if needed."""
    from core.models import CalendarDay, CalendarYear
    from core.workdays import calendar_changed, seed_from_chinese_calendar

    if not CalendarYear.objects.exists():
        seed_from_chinese_calendar(CalendarDay, CalendarYear)
    calendar_changed()


KILL_FILE = ROOT / "var" / "draw-kill-once"


class Worker:
    """A real Celery worker process on the test database and the suite's Redis, restartable."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from config.celery import app

        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "info",
             "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the Celery worker exited early: {self.log_path.read_text()[-2000:]}")
            if app.control.ping(timeout=1.0):
                return
        self.proc.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_alive(self) -> None:
        if not self.alive():
            self.start()

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.fail("a real worker needs PostgreSQL and Redis: run through `make test`")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    KILL_FILE.parent.mkdir(exist_ok=True)
    KILL_FILE.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "DEBUG": "true",
           "DRAW_KILL_ONCE_FILE": str(KILL_FILE)}
    log_path = ROOT / "var" / "test-worker.log"
    log_path.write_text("")
    worker = Worker(env, log_path)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker(celery_worker_process):  # type: ignore[no-untyped-def]
    """The session's worker, restarted first if an earlier test killed it."""
    celery_worker_process.ensure_alive()
    return celery_worker_process


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
