"""Build a year of 500 tasks and 50,000 results in a dedicated database, then time the office's
dashboard (median of several renders through the test client) against a naive per-department ORM
loop that computes the same numbers, and print one JSON line.

    createdb -h 127.0.0.1 -U postgres ssj_dash_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssj_dash_bench manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssj_dash_bench manage.py bench_dashboard
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from agencies.models import Department, Membership, Role, User
from core.bulk import bulk_insert
from entities.models import Entity
from inspections.models import InspectionItem, Result, Task
from inspectors.models import Inspector
from oversight import dashboard as d
from oversight.demo import HistorySpec, build_history

DEPARTMENTS = 10
INSPECTORS = 40


class Command(BaseCommand):
    help = "Time the office dashboard on 500 tasks and 50,000 results against a naive ORM loop (one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, default=500)
        parser.add_argument("--results", type=int, default=50_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--yes", action="store_true", help="run even though the database already holds data")
        parser.add_argument("--reuse", action="store_true", help="time the year an earlier run built here, build nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        held = {m.__name__: m.objects.count() for m in (Entity, Task, Result, Inspector)}
        reuse = opts["reuse"] and Task.objects.filter(code__contains="-B").exists()
        if any(held.values()) and not (opts["yes"] or reuse):
            raise CommandError(f"this database already holds data {held}: use a dedicated one (or --yes)")
        today = timezone.localdate()
        t0 = time.perf_counter()
        office = self._base(entities=int(opts["results"] * 0.9))
        if not reuse:
            spec = HistorySpec(today=today, tasks=opts["tasks"], results=opts["results"], prefix="B", seed=8)
            build_history(spec=spec, user=office, departments=list(Department.objects.filter(code__startswith="BD")))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        build_s = time.perf_counter() - t0
        ends = Task.objects.filter(code__contains="-B").order_by("window_end").values_list("window_end", flat=True)
        period = d.Period(ends.first() or today, ends.last() or today, f"{ends.first()}..{ends.last()}")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(office)
        url = f"/oversight/?period={period.key}"
        self._get(client, url)  # warm: calendar, templates, connection
        with CaptureQueriesContext(connection) as queries:
            self._get(client, url)
        runs = [self._timed(client, url) for _ in range(opts["runs"])]
        tasks_runs = [self._timed(client, f"/oversight/dashboard/tasks/?period={period.key}") for _ in range(3)]
        board = d.dashboard(period=period, today=today)
        t1 = time.perf_counter()
        naive = d.dept_totals_naive(period=period, today=today)
        naive_ms = (time.perf_counter() - t1) * 1000
        same = all({k: naive.get(r.department.pk, {}).get(k, 0) for k in r.results} == r.results for r in board.departments)
        median = statistics.median(runs)
        self.stdout.write(json.dumps({
            "bench": "dashboard", "db": connection.vendor, "tasks": Task.objects.count(), "results": Result.objects.count(),
            "published": board.totals.results.get("published", 0), "cards": len(board.cards), "build_s": round(build_s, 1),
            "dashboard_ms_median": round(median, 1), "dashboard_ms_runs": [round(r, 1) for r in runs],
            "dashboard_queries": len(queries), "task_table_ms_median": round(statistics.median(tasks_runs), 1),
            "naive_ms": round(naive_ms, 1), "ratio": round(naive_ms / median, 1), "same_numbers": same,
            "target_ms": 300, "met": median < 300,
        }, ensure_ascii=False))

    def _get(self, client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")

    def _timed(self, client: Client, url: str) -> float:
        t = time.perf_counter()
        self._get(client, url)
        return (time.perf_counter() - t) * 1000

    def _base(self, *, entities: int) -> User:
        """Ten departments with one item and forty inspectors each, a registry, the office."""
        office_dept, _ = Department.objects.get_or_create(code="BLXB", defaults={"name": "联席办（基准）", "kind": Department.Kind.OFFICE})
        user, _ = User.objects.get_or_create(username="bench_office", defaults={"display_name": "基准联席办"})
        Membership.objects.get_or_create(user=user, department=office_dept, role=Role.OFFICE)
        for n in range(1, DEPARTMENTS + 1):
            dept, _ = Department.objects.get_or_create(code=f"BD{n:02d}", defaults={"name": f"基准局{n:02d}"})
            InspectionItem.objects.get_or_create(department=dept, code=f"BD{n:02d}-001", defaults={"name": f"基准事项{n:02d}的检查"})
            if not Inspector.objects.filter(department=dept).exists():
                Inspector.objects.bulk_create([Inspector(department=dept, name=f"执法员{n:02d}{i:03d}", cert_no=f"B{n:02d}{i:05d}")
                                               for i in range(INSPECTORS)])
        if not Entity.objects.exists():
            now = timezone.now()
            rows = []
            for i in range(entities):
                body = f"91370113{i:09d}"
                rows.append((body + stdnum_uscc.calc_check_digit(body), f"基准商户{i:06d}", "enterprise", "62", "370113001",
                             "active", "BCD"[i % 3], now, "", "", ""))
            bulk_insert(Entity, ["uscc", "name", "entity_type", "industry_id", "region_id", "status", "risk_class", "updated_at",
                                 "address", "legal_rep", "reg_authority"], rows)
        return user
