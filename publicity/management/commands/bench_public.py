# ruff: noqa: S608  (SQL here names only the module constant TABLE and catalogue identifiers)
"""Benchmark the public site at ten million results, against the naive way, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssj_public_bench \\
        python manage.py bench_public [--rows 10000000] [--yes]

1. Data: ``--rows`` generated result records (marked by department codes ``BENCH*``) are
   loaded with COPY, secondary indexes dropped during the load and rebuilt after it (the
   usual bulk path). A table holding records that are not the benchmark's is refused unless
   ``--yes``; a complete earlier load is reused (``--regenerate`` to load again).
2. Queries, in-process through the same selectors as the site: p50/p95 of a lookup by
   统一社会信用代码 and of name searches (random 2-, 3- and 4-character fragments of existing
   names plus broad ones such as 有限 and 公司; 20 results, newest first), and of the naive
   ``LIKE '%q%'`` on a sample of the same searches (it scans the table, so not all of them).
3. HTTP: gunicorn with 2 workers on loopback, driven by ``wrk`` from a second process for a
   bounded time: the entity page over >= 10,000 distinct entities with a warm cache, again
   with caching off, and the search page with varied queries.

The last line of output is one JSON object with the headline numbers.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from publicity import selectors

TABLE = "core_publicationrecord"
BENCH_PREFIX = "BENCH"
ROOT = Path(settings.BASE_DIR)

CITIES = ["济南", "历城", "青岛", "烟台", "潍坊", "临沂", "淄博", "泰安", "威海", "日照", "德州", "聊城"]
POOL = (
    "华盛鑫源泰和兴隆达顺通安康宏伟金银丰瑞祥福德嘉恒昌鸿运星辰海天明光正新美佳乐优品汇联合众诚信"
    "永利东方宇航飞腾博远志成广厦鼎晟锦绣龙凤云山水林木春秋晨阳蓝绿彩虹青禾麦田稻香果园茶语"
    "书香墨韵匠心巧手百味千家万里一路平川长河大地四海五洲六合七星八方九州十全君悦雅居尚品臻选"
)
INDUSTRIES = [
    "餐饮", "科技", "商贸", "建材", "五金", "服装", "食品", "医药", "物流", "电子", "机械", "化工", "印刷",
    "装饰", "广告", "家政", "美容", "汽修", "农业", "养殖", "酒店", "旅游", "教育", "文化", "传媒", "网络",
    "软件", "环保", "能源", "钢材", "塑料", "纺织", "家具", "超市", "烟酒", "水果", "茶叶", "烘焙", "药店",
]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "有限责任公司", "商行", "经营部", "店", "工作室", "合作社", "有限公司分公司"]
CATEGORIES = [("no_problem", "未发现问题", 70), ("problem_pending", "发现问题待后续处理", 10),
              ("corrected", "发现问题已责令改正", 8), ("no_activity", "未发现开展本次抽查涉及的经营活动", 5),
              ("closed", "已关闭停业或正在组织清算", 4), ("refused", "不配合检查情节严重", 1),
              ("deregistered", "注销", 2)]
ITEMS = ["营业执照（登记证）规范使用情况的检查", "经营场所卫生状况的检查", "食品安全管理制度落实情况的检查",
         "特种设备使用登记情况的检查", "消防安全设施配置情况的检查", "广告发布行为的检查"]
BROAD = ["有限", "公司", "有限公司", "商行"]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)


class Command(BaseCommand):
    help = "Benchmark the public site and search on generated publication records (PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=10_000_000)
        parser.add_argument("--yes", action="store_true", help="run although the table holds other records")
        parser.add_argument("--regenerate", action="store_true", help="delete the benchmark's records and load again")
        parser.add_argument("--queries", type=int, default=240, help="name searches (>= 200)")
        parser.add_argument("--naive-sample", type=int, default=40, help="searches also run the naive way")
        parser.add_argument("--seconds", type=int, default=20, help="duration of each HTTP run")
        parser.add_argument("--entities", type=int, default=10_000, help="distinct entity pages")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--port", type=int, default=0)
        parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
        parser.add_argument("--skip-http", action="store_true")
        parser.add_argument("--seed", type=int, default=20250101)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_public needs PostgreSQL: set DATABASE_URL to a separate benchmark database.")
        self.opts = options
        self.rng = random.Random(options["seed"])
        self.names = self._names(max(1, options["rows"] // 5))
        gc.collect()
        gc.freeze()  # two million names: keep the collector from pausing the timed queries
        self._prepare(options["rows"])
        summary: dict[str, Any] = {}
        summary.update(self._bench_queries())
        if options["skip_http"]:
            summary.update({"entity_page_rps": None, "entity_page_uncached_rps": None, "search_page_rps": None,
                            "errors": 0})
        else:
            summary.update(self._bench_http())
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    # --- data ------------------------------------------------------------------------------------
    def _names(self, count: int) -> list[str]:
        rng = random.Random(self.opts["seed"] + 1)
        pool = POOL
        return [
            f"{rng.choice(CITIES)}{rng.choice(pool)}{rng.choice(pool)}{rng.choice(INDUSTRIES)}{rng.choice(SUFFIXES)}"
            for _ in range(count)
        ]

    @staticmethod
    def _uscc(entity: int) -> str:
        return f"913701{entity:011d}X"

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            row = cursor.fetchone()
        return row[0] if row else None

    def _prepare(self, rows: int) -> None:
        others = self._scalar(f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE department_code NOT LIKE %s)", [f"{BENCH_PREFIX}%"])
        if others and not self.opts["yes"]:
            raise CommandError(
                f"{TABLE} holds records that are not the benchmark's. Use a separate database "
                "(createdb ... ssj_public_bench; DATABASE_URL=...), or pass --yes to add the benchmark's records anyway."
            )
        have = self._scalar(f"SELECT count(*) FROM {TABLE} WHERE department_code LIKE %s", [f"{BENCH_PREFIX}%"])
        if have >= rows and not self.opts["regenerate"]:
            self.stdout.write(f"reusing {have:,} benchmark records")
            return
        if have:
            self.stdout.write(f"removing {have:,} earlier benchmark records")
            with connection.cursor() as cursor:
                if others:
                    cursor.execute(f"DELETE FROM {TABLE} WHERE department_code LIKE %s", [f"{BENCH_PREFIX}%"])
                else:
                    cursor.execute(f"TRUNCATE {TABLE} CASCADE")
        self._load(rows)

    def _secondary_indexes(self) -> list[tuple[str, str, str | None]]:
        """(name, definition, constraint) of every index except the primary key."""
        sql = """
            SELECT i.relname, pg_get_indexdef(i.oid), c.conname
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype IN ('u', 'p')
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [TABLE])
            return list(cursor.fetchall())

    def _load(self, rows: int) -> None:
        started = time.monotonic()
        indexes = self._secondary_indexes()
        constraints: dict[str, str] = {}
        with connection.cursor() as cursor:
            for _name, _definition, constraint in indexes:
                if constraint:
                    cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [constraint])
                    constraints[constraint] = cursor.fetchone()[0]
            for name, _definition, constraint in indexes:
                if constraint:
                    cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{constraint}"')
                else:
                    cursor.execute(f'DROP INDEX "{name}"')
            try:
                self._copy(cursor, rows)
                self.stdout.write(f"  loaded in {time.monotonic() - started:.0f} s; rebuilding {len(indexes)} indexes ...")
            finally:
                # Whatever happened to the load, the schema gets its indexes back.
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("SET max_parallel_maintenance_workers = 2")
                for name, definition, constraint in indexes:
                    if constraint:
                        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{constraint}" {constraints[constraint]}')
                    else:
                        cursor.execute(definition)
                    self.stdout.write(f"  {name}: {time.monotonic() - started:.0f} s")
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), (SELECT max(id) FROM {TABLE}))")
            cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
        self.stdout.write(f"  ready in {time.monotonic() - started:.0f} s")

    def _copy(self, cursor: Any, rows: int) -> None:
        start_id = int(self._scalar(f"SELECT coalesce(max(id), 0) FROM {TABLE}")) + 1
        self.stdout.write(f"loading {rows:,} records with COPY (secondary indexes dropped) ...")
        # The generated rows are consistent: the self-referencing foreign key is not checked row by row.
        cursor.execute("SET session_replication_role = replica")
        try:
            raw = getattr(cursor, "cursor", cursor)  # the psycopg2 cursor under Django's wrapper
            raw.copy_expert(
                f"COPY {TABLE} (id, kind, public_id, version, payload, department_code, year, street, category, "
                "filter_keys, supersedes_id, withdrawn, published_at) FROM STDIN",
                _CopyStream(self._rows(rows, start_id)),
                1 << 20,
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")

    def _rows(self, rows: int, start_id: int) -> Iterator[str]:
        """COPY text rows: about 5 results per entity, 1 % corrected (two versions)."""
        entities = len(self.names)
        step = 7919 if entities % 7919 else 7907  # coprime with the entity count: records scatter
        cats = [c for c in CATEGORIES for _ in range(c[2])]
        base = 1_700_000_000
        record, next_id = 0, start_id
        while record < rows:
            entity = (record * step) % entities
            uscc, name = self._uscc(entity), self.names[entity]
            task = record // 2000
            dept = f"{BENCH_PREFIX}{task % 8}"
            year = 2020 + task % 6
            code, label, _w = cats[(record * 2654435761) % len(cats)]
            item = ITEMS[record % len(ITEMS)]
            street = f"3701120{entity % 40:02d}"
            task_code = f"{dept}-{year}-{task:04d}"
            public_id = f"result:{task_code}:{uscc}:{record % len(ITEMS)}"
            published = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(base + record * 3))
            day = f"{year}-{1 + record % 12:02d}-{1 + record % 28:02d}"
            payload = (
                f'{{"抽查计划编号": "{dept}-{year}-JH01", "抽查计划名称": "{year}年度双随机抽查工作计划", '
                f'"抽查任务编号": "{task_code}", "抽查任务名称": "{year}年第{task % 40 + 1}批次随机抽查", "抽查类型": "本部门", '
                f'"抽查机关": ["基准测试局{task % 8}"], "抽查完成日期": "{day}", "检查事项": "{item}", '
                f'"检查结果": ["{label}"], "统一社会信用代码": "{uscc}", "主体名称": "{name}"}}'
            )
            keys = f'{{"categories": ["{code}"], "departments": ["{dept}"], "uscc": "{uscc}", "name": "{name}"}}'
            versions = 2 if record % 100 == 7 and record + 1 < rows else 1
            previous = "\\N"
            for version in range(1, versions + 1):
                yield (f"{next_id}\tresult\t{public_id}\t{version}\t{payload}\t{dept}\t{year}\t{street}\t{code}\t"
                       f"{keys}\t{previous}\tf\t{published}\n")
                previous = str(next_id)
                next_id += 1
                record += 1

    # --- queries ---------------------------------------------------------------------------------
    def _timed(self, func: Any) -> float:
        started = time.perf_counter()
        func()
        return (time.perf_counter() - started) * 1000

    def _fragments(self, count: int) -> list[str]:
        queries = []
        for i in range(count - len(BROAD) * 3):
            name = self.rng.choice(self.names)
            length = 2 + i % 3
            start = self.rng.randrange(0, len(name) - length + 1)
            queries.append(name[start : start + length])
        return queries + BROAD * 3

    def _bench_queries(self) -> dict[str, Any]:
        filters = selectors.Filters()
        usccs = [self._uscc(self.rng.randrange(len(self.names))) for _ in range(max(200, self.opts["queries"]))]
        for uscc in usccs[:20]:  # warm the connection and the plan cache
            selectors.result_page(filters, q=uscc)
        uscc_ms = [self._timed(lambda u=uscc: selectors.result_page(filters, q=u)) for uscc in usccs]
        queries = self._fragments(max(200, self.opts["queries"]))
        for q in self._fragments(30):
            selectors.result_page(filters, q=q)
        by_length: dict[str, list[float]] = {}
        name_ms = []
        for q in queries:
            ms = self._timed(lambda q=q: selectors.result_page(filters, q=q))
            name_ms.append(ms)
            by_length.setdefault("broad" if q in BROAD else f"{len(q)}", []).append(ms)
        sample = self.rng.sample([q for q in queries if q not in BROAD], min(self.opts["naive_sample"], len(queries)))
        sample += BROAD
        naive_ms = [self._timed(lambda q=q: list(selectors.naive_name_contains(q)[:20])) for q in sample]
        for q in sample[:5]:  # the same answers, both ways
            fast = [r.pk for r in selectors.result_page(filters, q=q)[0]]
            slow = [r.pk for r in selectors.naive_name_contains(q)[:20]]
            if fast != slow:
                raise CommandError(f"search and naive query disagree for {q!r}")
        for key, values in sorted(by_length.items()):
            self.stdout.write(f"  name search {key:>5}: n={len(values)} p50={_pct(values, .5)} ms p95={_pct(values, .95)} ms max={max(values):.1f} ms")
        self.stdout.write(f"  uscc lookup: n={len(uscc_ms)} p50={_pct(uscc_ms, .5)} ms p95={_pct(uscc_ms, .95)} ms")
        self.stdout.write(f"  naive LIKE : n={len(naive_ms)} p50={_pct(naive_ms, .5)} ms p95={_pct(naive_ms, .95)} ms")
        return {
            "uscc_p50_ms": _pct(uscc_ms, .5), "uscc_p95_ms": _pct(uscc_ms, .95),
            "name_p50_ms": _pct(name_ms, .5), "name_p95_ms": _pct(name_ms, .95),
            "name_p95_ms_by_length": {k: _pct(v, .95) for k, v in sorted(by_length.items())},
            "naive_name_p50_ms": _pct(naive_ms, .5), "naive_name_p95_ms": _pct(naive_ms, .95),
        }

    # --- HTTP ------------------------------------------------------------------------------------
    def _bench_http(self) -> dict[str, Any]:
        wrk = shutil.which("wrk")
        if wrk is None:
            self.stdout.write("wrk (the HTTP load generator) is missing: installing it with apt-get install -y wrk")
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)  # noqa: S603, S607
            wrk = shutil.which("wrk")
            if wrk is None:
                raise CommandError("wrk is not installed and could not be installed: apt-get install wrk")
        work = Path(tempfile.mkdtemp(prefix="bench-public-"))
        static_root = ROOT / "var" / "bench-static"
        env = self._server_env(static_root)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        entity_urls = [f"/public/entities/{uscc}/" for uscc in self._sample_usccs(self.opts["entities"])]
        # Distinct queries, more than a run can send: every search is a cache miss (the honest case).
        searches = list(dict.fromkeys(f"/public/search/?q={quote(q)}" for q in self._fragments(40_000)))
        searches += [f"/public/search/?q={self._uscc(e)}" for e in self.rng.sample(range(len(self.names)), 5000)]
        self.rng.shuffle(searches)
        errors = 0
        out: dict[str, Any] = {}
        self._fresh_cache_version()
        with self._server(env) as base:
            self.stdout.write(f"  warming {len(entity_urls):,} entity pages ...")
            errors += self._warm(base, entity_urls)
            rps, errs = self._wrk(wrk, base, entity_urls, work / "entities.txt")
            out["entity_page_rps"], errors = rps, errors + errs
            rps, errs = self._wrk(wrk, base, searches, work / "searches.txt")
            out["search_page_rps"], errors = rps, errors + errs
        with self._server({**env, "PUBLIC_CACHE_SECONDS": "0"}) as base:
            rps, errs = self._wrk(wrk, base, entity_urls, work / "entities.txt")
            out["entity_page_uncached_rps"], errors = rps, errors + errs
        shutil.rmtree(work, ignore_errors=True)
        out["errors"] = errors
        out["entity_pages"] = len(entity_urls)
        out["search_urls"] = len(searches)
        out["load_average"] = [round(x, 2) for x in os.getloadavg()]
        return out

    def _fresh_cache_version(self) -> None:
        """Start from a cold page cache: pages cached by an earlier run (same database, same
        version, same Redis) would otherwise be served as if this run had rendered them."""
        from django.core.cache.backends.redis import RedisCache

        remote = RedisCache(self.opts["redis_url"], {})
        remote.set(f"publicity:{connection.settings_dict['NAME']}:version", time.time_ns() // 1000, timeout=None)

    def _sample_usccs(self, count: int) -> list[str]:
        """Distinct codes of entities that have published results (a random sample of pages)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [(self.opts["seed"] % 1000) / 1000])
            cursor.execute(
                f"SELECT DISTINCT filter_keys ->> 'uscc' FROM {TABLE} TABLESAMPLE BERNOULLI (%s) "
                "WHERE kind = 'result' AND department_code LIKE %s LIMIT %s",
                [min(100.0, 100.0 * 3 * count / max(1, self.opts["rows"])), f"{BENCH_PREFIX}%", count],
            )
            codes = [row[0] for row in cursor.fetchall()]
        self.rng.shuffle(codes)
        return codes

    def _server_env(self, static_root: Path) -> dict[str, str]:
        db = connection.settings_dict
        url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return {
            **os.environ, "DATABASE_URL": url, "REDIS_URL": self.opts["redis_url"], "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(static_root), "LOG_LEVEL": "ERROR", "PUBLIC_CACHE_SECONDS": "600",
        }

    def _server(self, env: dict[str, str]) -> Any:
        command = self

        class Server:
            def __enter__(self) -> str:
                port = command.opts["port"] or _free_port()
                self.proc = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
                     "--worker-class", "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                     "--log-level", "warning", "--keep-alive", "5"],
                    cwd=ROOT, env=env, start_new_session=True,
                )
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        urllib.request.urlopen(f"{base}/public/", timeout=5).read()  # noqa: S310
                        return base
                    except OSError:
                        time.sleep(0.5)
                raise CommandError("gunicorn did not start within 60 s")

            def __exit__(self, *exc: Any) -> None:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(30)

        return Server()

    def _warm(self, base: str, urls: list[str]) -> int:
        """Request every page once (four at a time), so the timed run finds them all cached."""

        def fetch(url: str) -> int:
            try:
                with urllib.request.urlopen(base + url, timeout=30) as response:  # noqa: S310
                    response.read()
                return 0
            except OSError:
                return 1

        with ThreadPoolExecutor(max_workers=4) as pool:
            return sum(pool.map(fetch, urls))

    def _wrk(self, wrk: str, base: str, urls: list[str], path: Path) -> tuple[float, int]:
        path.write_text("\n".join(urls) + "\n")
        script = path.with_suffix(".lua")
        script.write_text(WRK_SCRIPT.replace("URLS_FILE", str(path)))
        seconds = self.opts["seconds"]
        result = subprocess.run(  # noqa: S603
            [wrk, "-t", "2", "-c", str(self.opts["connections"]), "-d", f"{seconds}s", "--timeout", "10s",
             "-s", str(script), base],
            capture_output=True, text=True, check=True,
        )
        text = result.stdout
        self.stdout.write("  " + text.replace("\n", "\n  ").rstrip())
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
        errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        return round(rps, 1), errors + (int(bad.group(1)) if bad else 0)


class _CopyStream:
    """A file-like object that COPY reads from, filled lazily from a row generator."""

    def __init__(self, rows: Iterator[str]) -> None:
        self.rows, self.buffer = rows, b""

    def read(self, size: int = -1) -> bytes:
        chunks, have = [self.buffer], len(self.buffer)
        for row in self.rows:
            data = row.encode()
            chunks.append(data)
            have += len(data)
            if have >= size > 0:
                break
        data = b"".join(chunks)
        if size > 0:
            self.buffer, data = data[size:], data[:size]
        else:
            self.buffer = b""
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WRK_SCRIPT = """
local paths = {}
for line in io.lines("URLS_FILE") do if #line > 0 then paths[#paths + 1] = line end end
local counter = 0
setup = function(thread) thread:set("offset", math.random(1, #paths)) end
init = function(args) counter = tonumber(offset) or 1 end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""
