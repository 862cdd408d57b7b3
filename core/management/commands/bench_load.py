"""Load on the public site and the staff workspace together, under gunicorn, on loopback only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssj_bench_load REDIS_URL=redis://127.0.0.1:6379/6 \\
        python manage.py bench_load [--seconds 60] [--connections 16] [--seed-demo]

The database must hold the demo (``--seed-demo`` migrates and seeds an empty one). The mix, one
URL list walked by every connection from its own random offset:

* public: home, searches by name fragments and by code, entity pages of entities with records,
  task pages;
* staff (signed in as demo clerks of three departments, one session each): workspace, task
  list, task pages, registry search and entity pages, the work channel.

The load generator is wrk (as in ``bench_public``; installed with apt-get if missing), bounded to
``--seconds`` at ``--connections`` connections on 127.0.0.1. Every answer other than 2xx/3xx,
every socket error and every timeout counts as an error. The last line is one JSON object:
throughput, p50/p95/p99 latency, errors.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_settings

from publicity.management.commands.bench_public import Command as PublicBench

ROOT = Path(settings.BASE_DIR)
STAFF = ("scj_staff", "ga_staff", "zjj_staff")


class Command(PublicBench):
    """The server (gunicorn on loopback, production settings) is bench_public's; the rest is new."""

    help = "Public site + staff workspace under gunicorn with a bounded loopback load; one JSON line of results."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL") or settings.REDIS_URL
                            or "redis://127.0.0.1:6379/13")
        parser.add_argument("--seed-demo", action="store_true", help="migrate and seed the demo into an empty database")
        parser.add_argument("--seed", type=int, default=20261127)
        parser.add_argument("--draw-database", default="", metavar="URL",
                            help="then run the same load again while a Celery worker draws city-scale frames from "
                                 "this database (a registry built by bench_draw) in the background")
        parser.add_argument("--draw-redis-url", default="redis://127.0.0.1:6379/7",
                            help="the broker of that background worker (a Redis database of its own)")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_load needs PostgreSQL: set DATABASE_URL to a separate benchmark database.")
        if options["connections"] < 1 or not 1 <= options["seconds"] <= 3600:
            raise CommandError("--connections >= 1 and 1 <= --seconds <= 3600")
        self.opts = options
        self.rng = random.Random(options["seed"])
        self._ensure_demo()
        wrk = self._wrk_binary()
        secret = secrets.token_urlsafe(40)
        cookies = self._sessions(secret)
        urls = self._public_urls() + self._staff_urls(cookies)
        self.rng.shuffle(urls)
        work = Path(tempfile.mkdtemp(prefix="bench-load-"))
        env = {**self._server_env(ROOT / "var" / "bench-static"), "SECRET_KEY": secret, "PUBLIC_CACHE_SECONDS": "600",
               "PUBLIC_RATE_LIMIT": ""}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        try:
            with self._server(env) as base:
                result = self._run(wrk, base, urls, work)
                if options["draw_database"]:
                    result["with_background_draws"] = self._run_with_draws(wrk, base, urls, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result.update({
            "seconds": options["seconds"], "connections": options["connections"], "urls": len(urls),
            "public_urls": sum(1 for u in urls if not u[0]), "staff_urls": sum(1 for u in urls if u[0]),
            "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        })
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _run_with_draws(self, wrk: str, base: str, urls: list[tuple[str, str]], work: Path) -> dict[str, Any]:
        """The same load while a Celery worker draws city-scale frames in the background.

        The draws run on their own database (bench_draw's ten-million-entity registry) in the
        same PostgreSQL server, on the same machine: they compete for the CPUs, memory, disk
        and database server, which is what this measures. (Not the site's own database: its
        staff registry search by name is a scan, and a ten-million-row registry beside the demo
        would measure that instead.) bench_draw --background launches the draws one after
        another, as staff would (frame frozen by the launching process, selection on the worker).
        """
        env = {**os.environ, "DATABASE_URL": self.opts["draw_database"], "REDIS_URL": self.opts["draw_redis_url"],
               "LOG_LEVEL": "WARNING"}
        subprocess.run(["redis-cli", "-u", self.opts["draw_redis_url"], "flushdb"], check=False, capture_output=True)  # noqa: S603, S607
        log = (work / "worker.log").open("w")
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "info", "--without-gossip",
             "--without-mingle", "-n", f"bench-load-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while "ready." not in (work / "worker.log").read_text():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise CommandError("the background Celery worker did not start: " + (work / "worker.log").read_text()[-1500:])
                time.sleep(0.5)
            drawer = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "bench_draw", "--background", str(self.opts["seconds"])],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            time.sleep(1)  # the first frame is being frozen when the load starts
            loaded = self._run(wrk, base, urls, work)
            out, err = drawer.communicate(timeout=900)
            if drawer.returncode != 0:
                raise CommandError(f"the background draws failed: {err[-1500:]}")
            self.stdout.write("  " + err.strip().replace("\n", "\n  "))
            loaded.update(json.loads(out.strip().splitlines()[-1]))
            return loaded
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
            log.close()

    # --- data and sessions -------------------------------------------------------------------
    def _ensure_demo(self) -> None:
        from agencies.models import User

        if self.opts["seed_demo"]:
            call_command("migrate", verbosity=0)
        if not User.objects.filter(username__in=STAFF).exists():
            if not self.opts["seed_demo"]:
                raise CommandError("no demo data here: run with --seed-demo (on a database of its own)")
            call_command("seed_demo")

    def _sessions(self, secret: str) -> dict[str, str]:
        """One signed-in session per demo clerk, made with the server's secret key."""
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        from agencies.models import User

        cookies = {}
        with override_settings(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=[]):
            for user in User.objects.filter(username__in=STAFF) | User.objects.filter(inspector__isnull=False):
                store = SessionStore()
                store[SESSION_KEY] = str(user.pk)
                store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                store[HASH_SESSION_KEY] = user.get_session_auth_hash()
                store.create()
                cookies[user.username] = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
        return cookies

    def _public_urls(self) -> list[tuple[str, str]]:
        from core.models import PublicationRecord
        from entities.models import Entity

        names = list(Entity.objects.order_by("?").values_list("name", flat=True)[:400])
        fragments: list[str] = []
        for name in names:
            length = 2 + len(fragments) % 3
            start = self.rng.randrange(0, max(1, len(name) - length))
            fragments.append(name[start:start + length])
        usccs = [u for u in PublicationRecord.objects.filter(kind="result").values_list("filter_keys__uscc", flat=True)[:500] if u]
        tasks = list(PublicationRecord.objects.filter(kind="task").values_list("public_id", flat=True)[:50])
        urls = [("", "/public/"), ("", "/public/tasks/"), ("", "/public/plans/")]
        urls += [("", f"/public/search/?q={quote(q)}") for q in fragments]
        urls += [("", f"/public/entities/{u}/") for u in usccs]
        urls += [("", f"/public/tasks/{quote(t.split(':', 1)[-1])}/") for t in tasks]
        return urls

    def _staff_urls(self, cookies: dict[str, str]) -> list[tuple[str, str]]:
        from agencies.models import User
        from entities.models import Entity
        from inspections.models import Task, TaskItem
        from inspections.results_access import entry_slots, inspector_of

        urls: list[tuple[str, str]] = []
        entities = list(Entity.objects.order_by("?").values_list("uscc", "name")[:300])
        for username, cookie in cookies.items():
            user = User.objects.get(username=username)
            slots = list(entry_slots(user=user)[:20])
            if slots:  # an inspector: the phone worklist, then result entry per visit and item
                urls.append((cookie, "/results/"))
                for slot in slots:
                    urls.append((cookie, f"/results/visits/{slot.visit_id}/tasks/{slot.task_id}/"))
                    inspector = inspector_of(user)
                    for item_id in TaskItem.objects.filter(task_id=slot.task_id, department_id=inspector.department_id).values_list("item_id", flat=True):
                        urls.append((cookie, f"/results/visits/{slot.visit_id}/tasks/{slot.task_id}/items/{item_id}/"))
            if username not in STAFF:
                continue
            departments = list(user.memberships.values_list("department_id", flat=True))
            tasks = list(Task.objects.filter(participants__department_id__in=departments).distinct().values_list("pk", flat=True)[:40])
            tasks += list(Task.objects.filter(department_id__in=departments).values_list("pk", flat=True)[:40])
            urls += [(cookie, "/workspace/"), (cookie, "/tasks/"), (cookie, "/feed/"), (cookie, "/entities/")]
            urls += [(cookie, f"/tasks/{pk}/") for pk in dict.fromkeys(tasks)]
            for uscc, name in self.rng.sample(entities, 60):
                urls.append((cookie, f"/entities/?q={quote(name[2:5])}"))
                urls.append((cookie, f"/entities/{uscc}/"))
        return urls

    # --- load ----------------------------------------------------------------------------------
    def _wrk_binary(self) -> str:
        wrk = shutil.which("wrk")
        if wrk is None:
            self.stdout.write("wrk (the HTTP load generator) is missing: installing it with apt-get install -y wrk")
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)  # noqa: S603, S607
            wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed and could not be installed: apt-get install wrk")
        return wrk

    def _check(self, base: str, urls: list[tuple[str, str]]) -> None:
        """Every URL answers 200 once before the clock starts (a 404 in the mix would be a bench bug)."""
        import urllib.request

        bad = []
        for cookie, path in dict.fromkeys(urls):
            request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    if response.status != 200 or response.url != base + path:
                        bad.append(f"{path} -> {response.status} {response.url}")
            except OSError as exc:
                bad.append(f"{path} -> {exc}")
        if bad:
            raise CommandError("URLs that do not answer 200: " + "; ".join(bad[:10]))

    def _run(self, wrk: str, base: str, urls: list[tuple[str, str]], work: Path) -> dict[str, Any]:
        self.stdout.write(f"  checking {len(set(urls)):,} URLs ...")
        self._check(base, urls)
        listing = work / "urls.txt"
        listing.write_text("".join(f"{cookie}\t{path}\n" for cookie, path in urls))
        script = work / "load.lua"
        script.write_text(WRK_SCRIPT.replace("URLS_FILE", str(listing)))
        self.stdout.write(f"  {self.opts['connections']} connections for {self.opts['seconds']} s ...")
        proc = subprocess.run(  # noqa: S603
            [wrk, "-t", str(self.opts["threads"]), "-c", str(self.opts["connections"]), "-d", f"{self.opts['seconds']}s",
             "--timeout", "10s", "-s", str(script), base],
            capture_output=True, text=True, check=True,
        )
        text = proc.stdout
        self.stdout.write("  " + text.replace("\n", "\n  ").rstrip())
        stats = dict(re.findall(r"^BENCH (\w+) ([\d.]+)$", text, re.M))
        requests = int(float(stats["requests"]))
        errors = sum(int(float(stats[k])) for k in ("connect", "read", "write", "timeout", "status"))
        return {
            "requests": requests,
            "throughput_rps": round(requests / float(stats["seconds"]), 1),
            "p50_ms": round(float(stats["p50_us"]) / 1000, 1),
            "p95_ms": round(float(stats["p95_us"]) / 1000, 1),
            "p99_ms": round(float(stats["p99_us"]) / 1000, 1),
            "max_ms": round(float(stats["max_us"]) / 1000, 1),
            "errors": errors,
            "non_2xx_3xx": int(float(stats["status"])),
            "socket_errors": errors - int(float(stats["status"])),
        }


WRK_SCRIPT = """
local lines = {}
for line in io.lines("URLS_FILE") do
  local cookie, path = line:match("^(.-)\\t(.*)$")
  if path then lines[#lines + 1] = {cookie, path} end
end
local counter = 0
setup = function(thread) thread:set("offset", math.random(1, #lines)) end
init = function(args) counter = tonumber(offset) or 1 end
request = function()
  counter = counter + 1
  local entry = lines[(counter % #lines) + 1]
  local headers = {}
  if #entry[1] > 0 then headers["Cookie"] = entry[1] end
  return wrk.format("GET", entry[2], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests %d\\n", summary.requests))
  io.write(string.format("BENCH seconds %.3f\\n", summary.duration / 1e6))
  io.write(string.format("BENCH p50_us %d\\n", latency:percentile(50)))
  io.write(string.format("BENCH p95_us %d\\n", latency:percentile(95)))
  io.write(string.format("BENCH p99_us %d\\n", latency:percentile(99)))
  io.write(string.format("BENCH max_us %d\\n", latency.max))
  io.write(string.format("BENCH connect %d\\n", summary.errors.connect))
  io.write(string.format("BENCH read %d\\n", summary.errors.read))
  io.write(string.format("BENCH write %d\\n", summary.errors.write))
  io.write(string.format("BENCH timeout %d\\n", summary.errors.timeout))
  io.write(string.format("BENCH status %d\\n", summary.errors.status))
end
"""
