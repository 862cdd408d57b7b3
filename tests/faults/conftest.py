"""Private PostgreSQL and Redis for fault tests, with a real Celery worker pointed at them.

Nothing here touches the services the rest of the suite uses: a cluster is initdb'd into a
temporary directory and listens on its own port; redis-server runs on another. The test process
itself talks to the private cluster (the default connection is re-pointed for the session) so a
fault can stop, kill or restart any part while the suite's own services stay up.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import override_settings

ROOT = Path(__file__).resolve().parent.parent.parent


# --- The ledger: what was injected, accepted, done, lost ----------------------------------------
@dataclass
class Ledger:
    faults: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    done: int = 0
    lost: int = 0
    lines: list[str] = field(default_factory=list)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def settle(self, name: str, *, accepted: int, done: int, lost: int) -> None:
        self.accepted += accepted
        self.done += done
        self.lost += lost
        self.lines.append(f"{name}: accepted {accepted}, done {done}, lost {lost}")


LEDGER = Ledger()


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not LEDGER.faults and not LEDGER.lines:
        return
    tr = terminalreporter
    tr.section("fault injection summary")
    for line in LEDGER.lines:
        tr.write_line("  " + line)
    injected = sum(LEDGER.faults.values())
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(LEDGER.faults.items()))
    tr.write_line(
        f"faults injected: {injected} ({kinds}); actions accepted: {LEDGER.accepted}; "
        f"actions done: {LEDGER.done}; records lost: {LEDGER.lost}"
    )


# --- Processes ----------------------------------------------------------------------------------
def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"no PostgreSQL binaries ({name}) under /usr/lib/postgresql/*/bin")
    return found[-1]


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres OS user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class PrivatePostgres:
    def __init__(self, base: Path) -> None:
        self.dir = base / "pgdata"
        self.log = base / "postgres.log"
        self.port = free_port(55432)
        self.url_base = f"postgres://postgres@127.0.0.1:{self.port}"
        self.stops = 0

    def init(self) -> None:
        subprocess.run(
            as_postgres([pg_bin("initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True,
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200"
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(self.dir), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        self.stops += 1
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "stop"]), capture_output=True)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def psql(self, sql: str, db: str = "postgres") -> str:
        proc = subprocess.run([pg_bin("psql"), f"{self.url_base}/{db}", "-XAtqc", sql], capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(proc.stderr)
        return proc.stdout.strip()


class PrivateRedis:
    def __init__(self, base: Path) -> None:
        self.port = free_port(56379)
        self.log = base / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # as if it crashed: no clean shutdown
            self.proc.wait(10)
            self.proc = None


class FaultWorker:
    """A real Celery worker on the private database and broker; killable, restartable."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"faults-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the fault worker exited early: {self.log_path.read_text()[-3000:]}")
            with self.log_path.open() as fh:
                fh.seek(offset)
                if " ready." in fh.read():
                    return
            time.sleep(0.2)
        self.proc.kill()
        pytest.fail("the fault worker was not ready within 60 s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_alive(self) -> None:
        if not self.alive():
            self.start()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no chance to ack or roll anything forward."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Rig:
    pg: PrivatePostgres
    redis: PrivateRedis
    worker: FaultWorker
    db_url: str
    kill_file: Path
    base: Path
    media: Path


DB_NAME = "ssj_faults"


@pytest.fixture(scope="session")
def rig() -> Iterator[Rig]:
    base = Path(tempfile.mkdtemp(prefix="ssj-faults-"))
    os.chmod(base, 0o777)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    pg, redis = PrivatePostgres(base), PrivateRedis(base)
    pg.init()
    pg.start()
    redis.start()
    pg.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    db_url = f"{pg.url_base}/{DB_NAME}"
    kill_file = base / "draw-kill-once"
    media = base / "media"
    media.mkdir()
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis.url, "DEBUG": "true",
           "DRAW_KILL_ONCE_FILE": str(kill_file), "PYTHONPATH": str(ROOT), "MEDIA_ROOT": str(media)}
    env.pop("TEST_DATABASE_NAME", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    worker = FaultWorker(env, base / "worker.log")
    try:
        worker.start()
        yield Rig(pg, redis, worker, db_url, kill_file, base, media)
    finally:
        worker.stop()
        redis.stop()
        pg.stop("immediate")
        if os.environ.get("KEEP_FAULT_RIG"):
            print(f"fault rig kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def live(rig: Rig, django_db_blocker) -> Iterator[Rig]:  # type: ignore[no-untyped-def]
    """Per test: this process speaks to the private services only (the suite's database and Redis
    are given back after the test), the worker is alive, the kill switch is off, and database
    access is allowed with real commits."""
    rig.kill_file.unlink(missing_ok=True)
    saved = connections.settings["default"]
    connections["default"].close()
    connections.settings["default"] = {
        **saved, "ENGINE": "django.db.backends.postgresql", "NAME": DB_NAME, "USER": "postgres", "PASSWORD": "",
        "HOST": "127.0.0.1", "PORT": str(rig.pg.port), "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True, "OPTIONS": {},
    }
    del connections["default"]
    overrides = override_settings(
        REDIS_URL=rig.redis.url, CELERY_BROKER_URL=rig.redis.url, CELERY_RESULT_BACKEND=rig.redis.url,
        CELERY_TASK_ALWAYS_EAGER=False, DRAW_KILL_ONCE_FILE="", OUTBOX_EAGER_RAISE=False, MEDIA_ROOT=rig.media,
    )
    overrides.enable()
    try:
        with django_db_blocker.unblock():
            rig.worker.ensure_alive()
            yield rig
    finally:
        overrides.disable()
        connections["default"].close()
        connections.settings["default"] = saved
        del connections["default"]
