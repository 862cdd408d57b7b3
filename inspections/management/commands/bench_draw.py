"""bench_draw: draws at city and district scale, and matching, against the naive way.

    DATABASE_URL=postgres://... manage.py bench_draw --yes [--entities 10000000] [--runs 3]

Each run creates a fresh task and measures, from its filters to the stored, frozen frame and the
stored selection: draw_announce (frame, hash, blob, announcement) + draw_record_randomness (stored
randomness) + draw_execute (selection), in-process. The evidence bundle (and, for open tasks, the
published result) is built afterwards as its own background work, and so is the joining of the
drawn entities to the window's visits: in-process the bench holds both back while the draw is
measured (``core.outbox.held_back``), then runs them and reports their times, commits included,
on their own (``*_evidence_ms``, ``*_visits_ms``). Beside it, in the same run, the
naive, unverifiable ``order_by("?")[:k]`` on the same filters. Matching: 20,000 entities x 2
departments from a 5,000-inspector pool (load cap 20, 1% of entity-inspector pairs in conflict,
5% of inspectors on leave). Prints one JSON line (medians); ``peak_rss_mb`` is the process's peak
resident memory from after the registry is ready (generating it is not counted).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Department, Membership, Role, User
from core.models import OutboxItem
from core.outbox import held_back, outbox_execute
from entities.models import Entity
from inspections.drawing import draw_announce, draw_record_randomness, entity_list_assign, matching_announce
from inspections.models import InspectionItem, Task
from inspections.randomness import lottery_source
from inspections.services import task_create, task_publish
from inspectors.models import Inspector

CITY = {"regions": ["370113001"]}  # the largest town: about a fifth of the registry
DISTRICT = {"regions": ["370113102"], "risk_classes": ["C"]}
POOL, MATCH_ENTITIES, CONFLICT_SHARE, LEAVE_SHARE, CAP = 5000, 20000, 100, 20, 20  # 1/100 pairs, 1/20 inspectors


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _reset_peak() -> None:
    """Start the peak-memory count again (Linux: writing 5 to clear_refs resets VmHWM), so that
    generating the registry in the same process is not counted as the draws' peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> int:
    """The process's peak resident memory since the last ``_reset_peak`` (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


AFTER = ("inspections.draw_visits", "inspections.draw_evidence")  # background work a draw queues


def _run_after(held: dict[str, list[int]]) -> dict[str, int]:
    """Run the background work a draw queued (held back while it was measured), one job after
    another as a worker would, and say how long each took, its commit included."""
    took = {}
    for handler, items in held.items():
        t0 = time.perf_counter()
        for item_id in items:
            if outbox_execute(item_id=item_id) != OutboxItem.Status.DONE:
                raise CommandError(f"{handler} did not complete: {OutboxItem.objects.get(pk=item_id).last_error}")
        took[handler.rsplit("_", 1)[-1]] = _ms(time.perf_counter() - t0)
    return took


class Command(BaseCommand):
    help = "Benchmark entity draws (city, district) and inspector matching against the naive way."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--entities", type=int, default=10_000_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--yes", action="store_true", help="allowed to replace the registry and bench data")
        parser.add_argument("--background", type=int, default=0, metavar="SECONDS",
                            help="keep drawing city-scale frames through the outbox and a Celery worker for "
                                 "SECONDS (bench_load's background load); needs REDIS_URL and a worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_draw needs PostgreSQL (DATABASE_URL)")
        from django.conf import settings

        if options["background"]:
            self._background(options["background"])
            return
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("run without REDIS_URL: the bench measures the draw in-process")
        self._registry(options["entities"], options["yes"])
        _reset_peak()
        user, dept = self._clerk()
        today = timezone.localdate()
        results: dict[str, list[int]] = defaultdict(list)
        for run in range(options["runs"]):
            for name, filters in (("city", CITY), ("district", DISTRICT)):
                task = self._task(user, dept, filters, f"{name}-{run}")
                took, evidence, visits, selected = self._draw(task, user, today)
                results[name].append(took)
                results[f"{name}_evidence"].append(evidence)
                results[f"{name}_visits"].append(visits)
                results[f"{name}_naive"].append(self._naive(filters, selected))
                self.stderr.write(f"run {run} {name}: {took} ms (naive {results[f'{name}_naive'][-1]} ms), "
                                  f"{selected} selected; afterwards: visits {visits} ms, evidence {evidence} ms; load {_load()}")
        match_task = self._matching_setup(user, dept, options["yes"])
        for run in range(options["runs"]):
            took, evidence = self._match(match_task, user, today, run)
            results["match"].append(took)
            results["match_evidence"].append(evidence)
            self.stderr.write(f"run {run} matching: {took} ms; evidence afterwards {evidence} ms; load {_load()}")
        med = {k: int(statistics.median(v)) for k, v in results.items()}
        self.stdout.write(json.dumps({
            "city_ms": med["city"], "city_naive_ms": med["city_naive"],
            "city_ratio": round(med["city"] / med["city_naive"], 2) if med["city_naive"] else None,
            "district_ms": med["district"], "district_naive_ms": med["district_naive"], "match_ms": med["match"],
            "peak_rss_mb": _peak_rss_mb(),
            "city_evidence_ms": med["city_evidence"], "district_evidence_ms": med["district_evidence"],
            "match_evidence_ms": med["match_evidence"], "city_visits_ms": med["city_visits"],
            "district_visits_ms": med["district_visits"], "loadavg": _load(),
        }))

    def _background(self, seconds: int) -> None:
        """City-scale draws one after another, the way staff launch them: the frame is frozen
        here, the selection runs on the Celery worker (through the outbox). One JSON line: how
        many draws completed and how long each took from launch to stored selection."""
        from django.conf import settings

        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("--background needs REDIS_URL and a running Celery worker")
        if Entity.objects.count() < 1_000_000:
            raise CommandError("--background needs a registry of at least a million entities (run bench_draw first)")
        user, dept = self._clerk()
        today = timezone.localdate()
        times: list[int] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            task = self._task(user, dept, CITY, f"background {len(times)}")
            t0 = time.perf_counter()
            draw = draw_announce(task=task, user=user, sources=[lottery_source("fc3d", today)])
            draw_record_randomness(draw=draw, raw_values=["123"], user=user, today=today)
            while True:
                draw.refresh_from_db()
                if draw.status == "done":
                    break
                if time.perf_counter() - t0 > 600:
                    raise CommandError(f"draw {draw.pk} not done after 600 s: is a worker running?")
                time.sleep(0.05)
            times.append(_ms(time.perf_counter() - t0))
            self.stderr.write(f"background draw {len(times)}: {times[-1]} ms, {draw.selected_count} selected; load {_load()}")
        self.stdout.write(json.dumps({
            "background_draws": len(times), "draw_ms": times,
            "draw_median_ms": int(statistics.median(times)) if times else None,
        }))

    # --- setup ------------------------------------------------------------------------------
    def _registry(self, n: int, yes: bool) -> None:
        from entities.management.commands.gen_registry import load_registry

        have = Entity.objects.count()
        if have >= n * 0.99:
            return
        if have and not yes:
            raise CommandError(f"the registry holds {have} entities; --yes replaces it with {n} generated ones")
        self.stderr.write(f"generating {n} entities ...")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE entities_entity, entities_entitytag, entities_directoryentry CASCADE")
        load_registry(count=n, seed=2026, start=0)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE entities_entity")

    def _clerk(self) -> tuple[Any, Department]:
        dept, _ = Department.objects.get_or_create(code="BENCH", defaults={"name": "基准测试局"})
        user, _ = User.objects.get_or_create(username="bench-clerk")
        Membership.objects.get_or_create(user=user, department=dept, role=Role.STAFF)
        return user, dept

    def _task(self, user: Any, dept: Department, filters: dict[str, Any], label: str, **extra: Any) -> Task:
        item, _ = InspectionItem.objects.get_or_create(department=dept, code="B1", defaults={"name": "基准测试事项", "category": "key"})
        start = timezone.localdate() + dt.timedelta(days=7)
        task = task_create(
            user=user, department=dept, items=[item], title=f"bench {label} {time.time_ns()}",
            window_start=start, window_end=start + dt.timedelta(days=20), deadline=start + dt.timedelta(days=40),
            filters=filters, ratio_bp=100, **extra,
        )
        task_publish(task=task, user=user)
        return task

    def _draw(self, task: Task, user: Any, today: dt.date) -> tuple[int, int, int, int]:
        with held_back(*AFTER) as held:
            t0 = time.perf_counter()
            draw = draw_announce(task=task, user=user, sources=[lottery_source("fc3d", today)])
            draw_record_randomness(draw=draw, raw_values=["123"], user=user, today=today)  # runs the draw on commit
            took = _ms(time.perf_counter() - t0)
        draw.refresh_from_db()
        if draw.status != "done":
            raise CommandError(f"the draw did not complete: {draw.status} {draw.last_error}")
        after = _run_after(held)
        return took, after["evidence"], after["visits"], draw.selected_count

    def _naive(self, filters: dict[str, Any], k: int) -> int:
        qs = Entity.objects.filter(status="active", region_id__in=filters["regions"])
        if filters.get("risk_classes"):
            qs = qs.filter(risk_class__in=filters["risk_classes"])
        t0 = time.perf_counter()
        picked = list(qs.order_by("?").values_list("uscc", flat=True)[:k])
        took = _ms(time.perf_counter() - t0)
        assert len(picked) == k
        return took

    # --- matching -----------------------------------------------------------------------------
    def _matching_setup(self, user: Any, dept: Department, yes: bool) -> Task:
        other, _ = Department.objects.get_or_create(code="BENCH2", defaults={"name": "基准测试二局"})
        if Inspector.objects.filter(department__in=[dept, other]).count() != POOL:
            self.stderr.write("creating the inspector pool, leave and conflicts ...")
            with transaction.atomic():
                Inspector.objects.filter(department__in=[dept, other]).delete()
                Inspector.objects.bulk_create(
                    [Inspector(department=dept if i % 2 == 0 else other, name=f"人员{i}", cert_no=f"BENCH-{i:05d}") for i in range(POOL)],
                    batch_size=5000,
                )
        usccs = list(Entity.objects.filter(status="active", region_id="370113003").order_by("uscc").values_list("uscc", flat=True)[:MATCH_ENTITIES])
        self._conflicts_and_leave(dept, other, usccs)
        return usccs  # type: ignore[return-value]

    def _conflicts_and_leave(self, dept: Department, other: Department, usccs: list[str]) -> None:
        ids = list(Inspector.objects.filter(department__in=[dept, other]).order_by("id").values_list("id", flat=True))
        from inspectors.models import ConflictDeclaration, Leave

        conflicts = len(usccs) * (len(ids) // CONFLICT_SHARE)
        if (
            ConflictDeclaration.objects.filter(inspector_id__in=ids).count() == conflicts
            and ConflictDeclaration.objects.filter(inspector_id__in=ids, entity_id__in=usccs[:1]).exists()
            and Leave.objects.filter(inspector_id__in=ids, start=timezone.localdate()).count()
            == sum(1 for i in ids if i % LEAVE_SHARE == 0)
        ):
            return  # in place from an earlier run (rewriting a million rows each run bloats the table)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM inspectors_conflictdeclaration WHERE inspector_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM inspectors_leave WHERE inspector_id = ANY(%s)", [ids])
            buffer = io.StringIO()
            now = timezone.now().isoformat()
            for e, uscc in enumerate(usccs):  # 1% of the 100M pairs: 50 inspectors per entity
                for j in range(len(ids) // CONFLICT_SHARE):
                    buffer.write(f"{ids[(e * 37 + j * 101) % len(ids)]}\t{uscc}\tother\t\tpending\t{now}\n")
            buffer.seek(0)
            cursor.copy_expert(
                "COPY inspectors_conflictdeclaration (inspector_id, entity_id, ground, note, status, declared_at) FROM STDIN",
                buffer,
            )
            start = timezone.localdate()
            cursor.execute(
                "INSERT INTO inspectors_leave (inspector_id, start, \"end\", reason) SELECT id, %s, %s, 'bench' "
                "FROM inspectors_inspector WHERE id = ANY(%s) AND id %% %s = 0",
                [start, start + dt.timedelta(days=365), ids, LEAVE_SHARE],
            )
            cursor.execute("VACUUM ANALYZE inspectors_conflictdeclaration")

    def _match(self, usccs: Any, user: Any, today: dt.date, run: int) -> tuple[int, int]:
        dept = Department.objects.get(code="BENCH")
        other = Department.objects.get(code="BENCH2")
        task = self._task(user, dept, {}, f"match-{run}", draw_mode="assigned", source="superior",
                          inspector_load_cap=CAP, participants=[other])
        from inspections.models import TaskParticipant
        from inspections.services import task_claim

        item, _ = InspectionItem.objects.get_or_create(department=other, code="B2", defaults={"name": "基准测试事项二"})
        task_claim(part=TaskParticipant.objects.get(task=task, department=other), user=user, items=[item])
        entity_list_assign(task=task, user=user, usccs=usccs, note="基准测试名单")
        with held_back(*AFTER) as held:
            t0 = time.perf_counter()
            draw = matching_announce(task=task, user=user, sources=[lottery_source("fc3d", today)])
            draw_record_randomness(draw=draw, raw_values=["456"], user=user, today=today)
            took = _ms(time.perf_counter() - t0)
        draw.refresh_from_db()
        if draw.status != "done":
            raise CommandError(f"matching did not complete: {draw.status}")
        print(f"matching stored {draw.selected_count} assignments", file=sys.stderr)
        return took, _run_after(held)["evidence"]
