"""``manage.py bench_import --yes``: the bulk path against django-import-export, same run.

On the PostgreSQL database named by DATABASE_URL it WIPES the registry (entities, their tags,
directory entries, and whatever else references them: TRUNCATE ... CASCADE), generates 1,000,000
entities with ``gen_registry``'s machinery, writes a 1,000,000-row CSV of other entities with
1% bad rows (wrong check characters, unknown industries and regions, duplicates, missing
names), imports it in "good" mode with full validation through ``entities.bulk``, then imports
a 10,000-row slice of further entities through ``entities.resources.EntityResource`` with the
library's default options. Progress goes to stderr; the last line on stdout is one JSON object.
It refuses to run on a registry that holds anything unless ``--yes`` is given.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from entities.bulk import MODE_GOOD, import_entities_file, progress_bar
from entities.management.commands.gen_registry import RegistryGenerator, Synthetic, load_registry, town_names
from entities.models import Entity, EntityStatus, EntityType, Tag
from entities.uscc import ALPHABET
from entities.validation import TEMPLATE_HEADINGS

BAD_KINDS = ["check", "industry", "region", "duplicate", "missing"]
TYPE_LABEL = {t.value: str(t.label) for t in EntityType}
STATUS_LABEL = {s.value: str(s.label) for s in EntityStatus}


def file_row(e: Synthetic, tag_names: dict[str, str]) -> list[str]:
    """A row as a clerk's spreadsheet has it: Chinese type and status words, tag names."""
    return [e.uscc, e.name, TYPE_LABEL[e.entity_type], e.industry, e.region, e.address, e.legal_rep,
            e.reg_authority, e.reg_date.isoformat() if e.reg_date else "", STATUS_LABEL[e.status], e.risk_class,
            e.risk_date.isoformat() if e.risk_date else "", "、".join(tag_names[t] for t in e.tags)]


def spoil(row: list[str], kind: str, previous: list[str]) -> list[str]:
    row = list(row)
    if kind == "check":
        row[0] = row[0][:17] + ALPHABET[(ALPHABET.index(row[0][17]) + 1) % 31]
    elif kind == "industry":
        row[3] = "00"
    elif kind == "region":
        row[4] = "370113999"
    elif kind == "duplicate":
        row[0] = previous[0]
    elif kind == "missing":
        row[1] = ""
    return row


def write_registry_file(
    path: Path, entities: Iterable[Synthetic], *, bad_every: int = 0, encoding: str = "utf-8-sig",
) -> dict[int, str]:
    """A CSV in the import template; every ``bad_every``-th row spoiled. Returns {Excel row: kind}."""
    tag_names = dict(Tag.objects.values_list("code", "name"))
    bad: dict[int, str] = {}
    previous: list[str] = []
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE_HEADINGS)
        for i, e in enumerate(entities):
            row = file_row(e, tag_names)
            if bad_every and i % bad_every == bad_every // 2 and previous:
                kind = BAD_KINDS[len(bad) % len(BAD_KINDS)]
                bad[i + 2] = kind
                row = spoil(row, kind, previous)
            else:
                previous = row
            writer.writerow(row)
    return bad


class Command(BaseCommand):
    help = ("Benchmark the bulk import against django-import-export on PostgreSQL. WIPES the registry "
            "of the DATABASE_URL database (needs --yes when it is not empty).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--yes", action="store_true", help="wipe and reload the registry")
        parser.add_argument("--registry", type=int, default=1_000_000, help="entities already there")
        parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the bulk file")
        parser.add_argument("--iex-rows", type=int, default=10_000, help="rows through import-export")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(_("bench_import 需要 PostgreSQL：请设置 DATABASE_URL。"))
        if Entity.objects.exists() and not options["yes"]:
            raise CommandError(_("登记库中已有数据；bench_import 会清空并重建它。确认请加 --yes。"))
        n_reg, n_rows, n_iex = options["registry"], options["rows"], options["iex_rows"]
        self._wipe()
        self._log(f"registry: generating {n_reg:,} entities")
        load_registry(count=n_reg, seed=options["seed"], start=0, progress=progress_bar(total=n_reg, out=self.stderr))
        self._settle()
        with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
            bulk_file, iex_file = Path(tmp) / "registry.csv", Path(tmp) / "iex.csv"
            gen = RegistryGenerator(seed=options["seed"] + 1, towns=town_names())
            self._log(f"files: {n_rows:,} rows with 1% bad, and {n_iex:,} rows for import-export")
            bad = write_registry_file(bulk_file, gen.rows(count=n_rows, start=n_reg), bad_every=100)
            write_registry_file(iex_file, gen.rows(count=n_iex, start=n_reg + n_rows))
            self._settle()
            bulk_rate = self._bulk(bulk_file, n_rows, len(bad), Path(tmp) / "errors.csv")
            iex_rate = self._iex(iex_file, n_iex)
        self.stdout.write(json.dumps({"bulk_rows_per_s": round(bulk_rate), "iex_rows_per_s": round(iex_rate, 1),
                                      "ratio": round(bulk_rate / iex_rate, 1), "rows": n_rows}))

    def _log(self, text: str) -> None:
        self.stderr.write(f"\n· {text}")

    def _wipe(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(Entity._meta.db_table)} CASCADE")

    def _settle(self) -> None:
        """A registry as it would be in service: vacuumed, analysed, its dirty pages written."""
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Entity._meta.db_table)}")
            cursor.execute("CHECKPOINT")

    def _bulk(self, path: Path, n_rows: int, n_bad: int, errors: Path) -> float:
        self._log("bulk path: import_entities_file(mode='good') with full validation")
        t0 = time.perf_counter()
        result = import_entities_file(path=path, mode=MODE_GOOD, error_path=errors,
                                      progress=progress_bar(total=n_rows, out=self.stderr))
        seconds = time.perf_counter() - t0
        c = result.counts
        self._log(f"bulk: {seconds:.1f} s; new {c.new:,}, updated {c.updated:,}, unchanged {c.unchanged:,}, "
                  f"bad rows {c.errors:,} (planted {n_bad:,})")
        if c.rows != n_rows or c.errors != n_bad or c.new != n_rows - n_bad:
            raise CommandError(f"unexpected counts: {c}")
        return n_rows / seconds

    def _iex(self, path: Path, n_rows: int) -> float:
        from core.import_resources import AutoCSV
        from entities.resources import EntityResource

        self._log("import-export: EntityResource().import_data(dataset) with the library's defaults")
        t0 = time.perf_counter()
        dataset = AutoCSV().create_dataset(path.read_bytes())
        result = EntityResource().import_data(dataset)
        seconds = time.perf_counter() - t0
        totals = result.totals
        self._log(f"import-export: {seconds:.1f} s; totals {dict(totals)}; errors {result.has_errors()}\n")
        if result.has_errors() or result.has_validation_errors():
            raise CommandError("the import-export slice did not import cleanly")
        return n_rows / seconds
