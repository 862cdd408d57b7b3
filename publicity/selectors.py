"""Reads for the public site: publication records and their attachments, nothing else.

Everything the public sees was written into ``core.PublicationRecord`` by a service at the
moment it became public, so nothing here can leak a draft, a person or a secret list. The one
other table read is ``entities.Region``, the public code table of administrative divisions
(统计用区划代码), for the names of streets; department names come from the published item lists
and plans themselves.

Performance (ten million result records): lookups by 统一社会信用代码, by task and by name use
the partial indexes of ``publicity/migrations/0001_search_index.py``; lists page by keyset
(``id`` below a cursor), never by offset, and nothing counts a broad query.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from core.models import PublicationAttachment, PublicationRecord
from publicity.caching import cached
from publicity.links import link

RESULT = PublicationRecord.Kind.RESULT
USCC_RE = re.compile(r"[0-9A-Z]{18}")
MIN_NAME_QUERY = 2
MAX_QUERY = 50
PAGE_SIZE = 20

# The published field set of a result (DOMAIN.md), as written by inspections.results.
F_PLAN_CODE, F_PLAN_TITLE = "抽查计划编号", "抽查计划名称"
F_TASK_CODE, F_TASK_TITLE = "抽查任务编号", "抽查任务名称"
F_SCOPE, F_AUTHORITIES, F_DATE = "抽查类型", "抽查机关", "抽查完成日期"
F_ITEM, F_RESULTS, F_USCC, F_NAME = "检查事项", "检查结果", "统一社会信用代码", "主体名称"
F_OBJECTIONS = "异议处理"
RESULT_FIELDS = (F_PLAN_CODE, F_PLAN_TITLE, F_TASK_CODE, F_TASK_TITLE, F_SCOPE, F_AUTHORITIES, F_DATE,
                 F_ITEM, F_RESULTS, F_USCC, F_NAME)


class QueryRefused(ValueError):
    """A search the site does not run (e.g. one Chinese character); the message says why."""


@dataclass(frozen=True)
class Filters:
    department: str = ""
    year: int | None = None
    category: str = ""
    street: str = ""
    task: str = ""

    @classmethod
    def from_params(cls, params: Any) -> Filters:
        year = str(params.get("year", "")).strip()
        return cls(
            department=str(params.get("department", "")).strip()[:32],
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            category=str(params.get("category", "")).strip()[:64],
            street=str(params.get("street", "")).strip()[:12],
            task=str(params.get("task", "")).strip()[:64],
        )


# --- Records ------------------------------------------------------------------------------------
def current(kind: str | None = None) -> QuerySet[PublicationRecord]:
    """The latest version of each record that was not withdrawn.

    Same rows as ``core.selectors.publications_current``, written as NOT EXISTS: PostgreSQL 15
    does not turn that selector's LEFT JOIN ... IS NULL into an anti-join (the NULL test is on
    a column outside the join condition), and at ten million rows the plan it picks instead
    sorts every match before taking a page.
    """
    newer = PublicationRecord.objects.filter(supersedes=OuterRef("pk"))
    qs = PublicationRecord.objects.filter(~Exists(newer), withdrawn=False)
    return qs.filter(kind=kind) if kind else qs


def versions(public_id: str) -> list[PublicationRecord]:
    """Every version of one public record, oldest first (corrections and withdrawals included)."""
    return list(PublicationRecord.objects.filter(public_id=public_id).order_by("version"))


def latest(public_id: str) -> PublicationRecord | None:
    """The newest version, or None when it does not exist or was withdrawn."""
    record = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
    return None if record is None or record.withdrawn else record


def last_updated() -> datetime | None:
    """When anything was last published (the newest record; the primary key orders them)."""
    return cached("last_updated", lambda: PublicationRecord.objects.order_by("-id").values_list("published_at", flat=True).first())


def listing(kind: str, filters: Filters, *, before: int | None = None) -> QuerySet[PublicationRecord]:
    qs = current(kind)
    if filters.department:
        qs = qs.filter(department_code=filters.department)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if before:
        qs = qs.filter(id__lt=before)
    return qs.order_by("-id")


# --- Results and search ---------------------------------------------------------------------------
def clean_query(q: str) -> str:
    q = " ".join(str(q or "").split())[:MAX_QUERY]
    if q and not USCC_RE.fullmatch(q.upper()) and len(q) < MIN_NAME_QUERY:
        raise QueryRefused(_("请至少输入两个字，或完整的 18 位统一社会信用代码。"))
    return q


def results(filters: Filters, *, q: str = "", before: int | None = None) -> QuerySet[PublicationRecord]:
    """Current results, newest first, filtered; ``q`` is a 统一社会信用代码 or a name fragment."""
    qs = current(RESULT)
    if filters.department:
        qs = qs.filter(department_code=filters.department)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.street:
        qs = qs.filter(street=filters.street)
    if filters.task:
        qs = json_text_equals(qs, "payload", F_TASK_CODE, filters.task)
    q = clean_query(q)
    if q and USCC_RE.fullmatch(q.upper()):
        qs = json_text_equals(qs, "filter_keys", "uscc", q.upper())
    elif q:
        qs = name_contains(qs, q)
    if before:
        qs = qs.filter(id__lt=before)
    return qs.order_by("-id")


def json_text_equals(qs: QuerySet[PublicationRecord], field: str, key: str, value: str) -> QuerySet[PublicationRecord]:
    """``field ->> key = value``, the exact expression the partial indexes are built on.

    SQLite: a JSON comparison instead (its text transform turns "9137...59" into a number).
    """
    if connection.vendor == "postgresql":
        return qs.annotate(_key=KT(f"{field}__{key}")).filter(_key=value)
    return qs.filter(**{f"{field}__{key}": value})


_STATS: dict[str, tuple[float, dict[str, Any]]] = {}
STATS_SECONDS = 600


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _name_statistics() -> dict[str, Any]:
    """Shares of records whose name holds each common bigram and character (the statistics that
    ANALYZE keeps, see the search-index migration) and the table's row count; re-read every ten
    minutes. Bigrams and characters that are not listed are rarer than every listed one."""
    db = str(connection.settings_dict.get("NAME"))
    loaded = _STATS.get(db)
    if loaded and time.monotonic() - loaded[0] < STATS_SECONDS:
        return loaded[1]
    stats: dict[str, Any] = {"rows": 0.0}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statistics_name, most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats_ext_exprs "
            "WHERE statistics_name IN ('pub_result_bigrams_stats', 'pub_result_chars_stats')"
        )
        for name, elems, freqs in cursor.fetchall():
            stats[name] = dict(zip(elems or [], (freqs or [])[: len(elems or [])], strict=True))
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'core_publicationrecord'")
        row = cursor.fetchone()
        stats["rows"] = max(float(row[0]) if row else 0.0, 0.0)
    _STATS[db] = (time.monotonic(), stats)
    return stats


def estimated_share(q: str) -> float:
    """The share of records whose name holds ``q``, as a chain of bigrams: P(ab) x P(bc)/P(b) x ...

    Why not the planner's own estimate: it multiplies the shares of all bigrams as if they were
    independent. 科技 and 技有 are not: for 科技有限 it expects 1,700 candidates where there are
    130,000, takes the index, and the query costs seconds instead of milliseconds.
    """
    stats = _name_statistics()
    pairs, chars = stats.get("pub_result_bigrams_stats", {}), stats.get("pub_result_chars_stats", {})
    grams = bigrams(q)
    share = float(pairs.get(grams[0], 0.0)) if grams else 0.0
    for i, gram in enumerate(grams[1:], start=1):
        pair, char = float(pairs.get(gram, 0.0)), float(chars.get(q[i], 0.0))
        share *= min(1.0, pair / char) if char else 0.0
    return share


WALK_FROM_SHARE = 0.005  # a fragment in more than 0.5 % of records walks the newest records
WALK_PROBE = 3000  # result_page first walks this many of the newest records
PROBE_FROM_SHARE = 0.0005  # ... unless the fragment is estimated in fewer than 0.05 % of them
FIRST_WINDOW = 20_000
INDEX_BIGRAM_SHARE = 0.005


def walks(q: str) -> bool:
    """Walk the newest records in id order (about 20 / share rows) rather than read the bigram
    index? For a common fragment (济南, 有限) the index's posting lists are long and the walk
    stops after a few hundred rows; for the rest the index wins (see ``result_page``)."""
    return estimated_share(q) > WALK_FROM_SHARE


def _newest_id() -> int:
    return int(PublicationRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0)


def index_bigrams(q: str) -> list[str]:
    """The bigrams the index is asked for: the selective ones. A bigram in more than 2 % of
    records (有限, 公司; more than 0.5 %) has a posting list so long that it would cost
    more to read than it removes; the exact recheck makes leaving it out safe."""
    shares = _name_statistics().get("pub_result_bigrams_stats", {})
    grams = sorted(set(bigrams(q)), key=lambda g: (float(shares.get(g, 0.0)), g))
    return [g for i, g in enumerate(grams) if i == 0 or float(shares.get(g, 0.0)) <= INDEX_BIGRAM_SHARE]


def name_contains(qs: QuerySet[PublicationRecord], q: str, *, mode: str = "") -> QuerySet[PublicationRecord]:
    """Names containing ``q`` exactly (two or more characters).

    PostgreSQL, ``mode`` "index": the GIN index over each name's character bigrams finds the
    candidates (their bigram arrays contain the query's selective bigrams) and ``strpos`` keeps
    exact substrings. ``mode`` "walk": ``strpos`` alone, for walking the newest records in id
    order. No mode: chosen from the estimated share (``walks``). SQLite (the embedded default):
    a plain LIKE.
    """
    if connection.vendor != "postgresql":
        return qs.annotate(_name=KT("filter_keys__name")).filter(_name__contains=q)
    # Constant SQL; the fragment travels only as a bound parameter.
    exact = "strpos(core_publicationrecord.filter_keys ->> 'name', %s) > 0"
    if (mode or ("walk" if walks(q) else "index")) == "walk":
        return qs.filter(RawSQL(exact, (q,), output_field=BooleanField()))  # noqa: S611
    index = "ssj_bigrams(core_publicationrecord.filter_keys ->> 'name') @> %s::text[]"
    return qs.filter(RawSQL(f"{index} AND {exact}", (index_bigrams(q), q), output_field=BooleanField()))  # noqa: S611


def naive_name_contains(q: str) -> QuerySet[PublicationRecord]:
    """The naive way, kept for the benchmark's comparison: LIKE '%q%' with no supporting index."""
    return current(RESULT).annotate(_name=KT("filter_keys__name")).filter(_name__contains=q).order_by("-id")


def result_page(
    filters: Filters, *, q: str = "", before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[PublicationRecord], int | None]:
    """One page of current results, newest first, and the next page's cursor.

    A name fragment is searched in the newest records first, where the answer almost always is:
    1. a bounded walk of the newest ``WALK_PROBE`` records with ``strpos`` alone: enough for any
       fragment in more than ~1 % of names (有限, 济南, 科技有限), a few milliseconds. Skipped
       when the estimate is far below that (the chain estimate errs by a few times, not 20);
    2. otherwise the bigram index, in ``id`` windows that grow eightfold until one holds more
       than a page of matches (those are then the newest of all). Rows are appended in id
       order, so the block-range index on id keeps the heap reads inside the window: a fragment
       in 6,000 records costs a few dozen page reads instead of 6,000. The first window is sized
       from the estimated share to hold about three pages of matches.
    Statistics only size the windows; a wrong estimate costs another window, never a slow plan.
    """
    q = clean_query(q)
    if connection.vendor != "postgresql" or not q or USCC_RE.fullmatch(q.upper()):
        return page(results(filters, q=q, before=before), size)
    base = results(filters, before=before)
    top = before or _newest_id() + 1
    share = estimated_share(q)
    if share >= PROBE_FROM_SHARE:
        found, cursor = page(name_contains(base, q, mode="walk").filter(id__gte=top - WALK_PROBE), size)
        if cursor is not None or top - WALK_PROBE <= 1:
            return found, cursor
    indexed = name_contains(base, q, mode="index")
    span = max(FIRST_WINDOW, int(3 * (size + 1) / max(share, 1e-9)))
    while top - span > 1:
        found, cursor = page(indexed.filter(id__gte=top - span), size)
        if cursor is not None:
            return found, cursor
        span *= 8
    return page(indexed, size)


def page(qs: QuerySet[PublicationRecord], size: int = PAGE_SIZE) -> tuple[list[PublicationRecord], int | None]:
    """One keyset page and the cursor of the next one (None at the end). No count."""
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


@dataclass(frozen=True)
class ResultRow:
    """One published result, with ASCII names for templates."""

    record: PublicationRecord
    uscc: str
    name: str
    task_code: str
    task_title: str
    plan_code: str
    plan_title: str
    scope: str
    authorities: list[str]
    completed_on: str
    item: str
    results: list[str]
    objections: list[dict[str, Any]]

    @property
    def entity_url(self) -> str:
        return link("publicity:entity", self.uscc)

    @property
    def task_url(self) -> str:
        return link("publicity:task", self.task_code)

    @property
    def draw_url(self) -> str:
        return link("publicity:draw", self.task_code)

    @property
    def plan_url(self) -> str:
        return link("publicity:plan", self.plan_code)

    @property
    def objection_url(self) -> str:
        return link("publicity:objection", self.record.public_id)

    @classmethod
    def of(cls, record: PublicationRecord) -> ResultRow:
        p = record.payload or {}
        return cls(
            record=record, uscc=str(p.get(F_USCC, "")), name=str(p.get(F_NAME, "")),
            task_code=str(p.get(F_TASK_CODE, "")), task_title=str(p.get(F_TASK_TITLE, "")),
            plan_code=str(p.get(F_PLAN_CODE, "")), plan_title=str(p.get(F_PLAN_TITLE, "")),
            scope=str(p.get(F_SCOPE, "")), authorities=list(p.get(F_AUTHORITIES) or []),
            completed_on=str(p.get(F_DATE, "")), item=str(p.get(F_ITEM, "")),
            results=list(p.get(F_RESULTS) or []), objections=list(p.get(F_OBJECTIONS) or []),
        )


@dataclass
class ResultHistory:
    """A result as it stands now, and the versions it replaced (newest first)."""

    current: ResultRow
    earlier: list[PublicationRecord] = field(default_factory=list)


def entity_results(uscc: str) -> list[ResultHistory]:
    """Every published result of one entity with its history; withdrawn results are left out."""
    rows = json_text_equals(PublicationRecord.objects.filter(kind=RESULT), "filter_keys", "uscc", uscc).order_by("-id")
    by_id: dict[str, list[PublicationRecord]] = {}
    for record in rows:
        by_id.setdefault(record.public_id, []).append(record)
    histories = []
    for records in by_id.values():
        records.sort(key=lambda r: -r.version)
        if records[0].withdrawn:
            continue
        histories.append(ResultHistory(ResultRow.of(records[0]), [r for r in records[1:] if not r.withdrawn]))
    histories.sort(key=lambda h: (h.current.completed_on, h.current.record.pk), reverse=True)
    return histories


# --- Draws ----------------------------------------------------------------------------------------
def draw_ids(task_code: str) -> list[str]:
    # Draw iterations are numbered along the task's commitment chain: a short, bounded list.
    top = max(int(getattr(settings, "DRAW_CHAIN_LENGTH", 64)), 64)
    return [f"draw:{task_code}:{i}" for i in range(1, top + 1)]


def draws_of_task(task_code: str) -> list[tuple[PublicationRecord, PublicationRecord]]:
    """(first version = the announcement as recorded, latest version) per published draw."""
    records = PublicationRecord.objects.filter(public_id__in=draw_ids(task_code), kind="draw").order_by("public_id", "version")
    grouped: dict[str, list[PublicationRecord]] = {}
    for record in records:
        grouped.setdefault(record.public_id, []).append(record)
    pairs = [(rs[0], rs[-1]) for rs in grouped.values() if not rs[-1].withdrawn]
    return sorted(pairs, key=lambda pair: int(pair[0].payload.get("iteration") or 0))


def draw_bundle(task_code: str, iteration: int) -> PublicationAttachment | None:
    record = latest(f"draw:{task_code}:{iteration}")
    if record is None or not record.payload.get("result"):
        return None
    return record.attachments.filter(content_type="application/json").order_by("id").first()


def attachment_bytes(attachment: PublicationAttachment) -> bytes:
    return zlib.decompress(bytes(attachment.compressed))


# --- Labels for filters ---------------------------------------------------------------------------
def department_names() -> dict[str, str]:
    """Department code -> name, from the published item lists and plans (which name them)."""

    def compute() -> dict[str, str]:
        names: dict[str, str] = {}
        for kind in ("task", "plan", "item_list"):
            for code, payload in current(kind).values_list("department_code", "payload"):
                name = (payload or {}).get("department") if kind != "task" else None
                if code and (name or code not in names):
                    names[code] = str(name or names.get(code) or code)
        return dict(sorted(names.items()))

    return cached("departments", compute)


def years() -> list[int]:
    def compute() -> list[int]:
        found: set[int] = set()
        for kind in ("task", "plan"):
            found.update(y for y in current(kind).values_list("year", flat=True).distinct() if y)
        return sorted(found, reverse=True)

    return cached("years", compute)


def result_streets(limit: int = 500) -> list[str]:
    """Streets that have results: a skip scan over the street index (fast however many rows)."""

    def compute() -> list[str]:
        if connection.vendor != "postgresql":
            return sorted(set(current(RESULT).exclude(street="").values_list("street", flat=True).distinct()[:limit]))
        sql = (
            "WITH RECURSIVE s(street) AS ("
            " (SELECT street FROM core_publicationrecord WHERE kind = 'result' AND street > '' ORDER BY street LIMIT 1)"
            " UNION ALL SELECT (SELECT r.street FROM core_publicationrecord r WHERE r.kind = 'result'"
            " AND r.street > s.street ORDER BY r.street LIMIT 1) FROM s WHERE s.street IS NOT NULL)"
            " SELECT street FROM s WHERE street IS NOT NULL LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [limit])
            return [row[0] for row in cursor.fetchall()]

    return cached("streets", compute)


def street_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of streets (towns) from the public code table of administrative divisions; those
    of the streets that have results are kept with the filter choices."""
    from entities.models import Region

    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    known = result_street_names()
    if all(c in known for c in wanted):
        return {c: known[c] for c in wanted}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def result_street_names() -> dict[str, str]:
    def compute() -> dict[str, str]:
        from entities.models import Region

        codes = result_streets()
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        return {c: names.get(c, c) for c in codes}

    return cached("street_names", compute)


def result_categories() -> list[tuple[str, str]]:
    from inspections.models import ResultCategory

    return [(str(value), str(label)) for value, label in ResultCategory.choices]
