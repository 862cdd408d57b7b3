"""The bulk import path (entities.bulk, manage.py import_entities) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.audit import digest_of
from core.models import AuditEntry
from core.tabular import TabularError
from entities import bulk, codes
from entities.bulk import MODE_ALL, MODE_GOOD, copy_line, import_entities_file
from entities.management.commands.bench_import import file_row, spoil
from entities.management.commands.gen_registry import RegistryGenerator, town_names
from entities.models import Directory, DirectoryEntry, Entity, EntityTag, Industry, Region, Tag
from entities.validation import COLUMNS, TEMPLATE_HEADINGS, validator_from_db
from tests.factories import DepartmentFactory

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200
# Two rows of each kind in 200: 1% each. Index in the file's data -> kind.
BAD_AT = {10: "check", 30: "industry", 50: "region", 70: "duplicate", 90: "missing",
          110: "check", 130: "industry", 150: "region", 170: "duplicate", 190: "missing"}
FORMATS = ["utf-8", "utf-8-sig", "gbk", "xlsx"]


@pytest.fixture
def code_tables(db: Any) -> None:
    """Industries, towns and tags as the migration loads them (transactional tests flush them)."""
    if not Region.objects.exists():
        codes.load_industries(Industry)
        codes.load_regions(Region)
        codes.load_tags(Tag)


def registry_rows(n: int = ROWS, *, seed: int = 5, start: int = 0) -> list[list[str]]:
    gen = RegistryGenerator(seed=seed, towns=town_names())
    tag_names = dict(Tag.objects.values_list("code", "name"))
    return [file_row(e, tag_names) for e in gen.rows(count=n, start=start)]


def with_bad_rows(rows: list[list[str]]) -> tuple[list[list[str]], dict[int, tuple[str, str]]]:
    """The rows with BAD_AT spoiled, and {Excel row number: (column heading, reason)}."""
    rows = [list(r) for r in rows]
    expected: dict[int, tuple[str, str]] = {}
    for i, kind in BAD_AT.items():
        rows[i] = spoil(rows[i], kind, rows[i - 1])
        expected[i + 2] = {
            "check": ("统一社会信用代码", "统一社会信用代码校验位错误"),
            "industry": ("行业代码", "未知的行业代码（GB/T 4754 门类或大类）"),
            "region": ("区划代码", "未知的区划代码"),
            "duplicate": ("统一社会信用代码", f"与第 {i + 1} 行的统一社会信用代码重复"),
            "missing": ("名称", "必填项为空"),
        }[kind]
    return rows, expected


def write_file(path: Path, rows: list[list[str]], fmt: str = "utf-8-sig",
               headings: list[str] = TEMPLATE_HEADINGS) -> Path:
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
        path = path.with_suffix(".xlsx")
        book.save(path)
        return path
    with path.open("w", encoding=fmt, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def error_lines(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def registry_state() -> dict[str, tuple[Any, ...]]:
    tags: dict[str, set[str]] = {}
    for entity_id, tag_id in EntityTag.objects.values_list("entity_id", "tag_id"):
        tags.setdefault(entity_id, set()).add(tag_id)
    return {
        e["uscc"]: (*e.values(), frozenset(tags.get(e["uscc"], ())))
        for e in Entity.objects.order_by("uscc").values()
    }


def bulk_audits() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="import.entities", changes__via="bulk").order_by("seq"))


# --- Bad rows ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_good_mode_imports_the_good_rows_and_reports_each_bad_row_by_number_and_reason(
    code_tables: None, tmp_path: Path, fmt: str,
) -> None:
    rows, expected = with_bad_rows(registry_rows())
    path = write_file(tmp_path / "registry.csv", rows, fmt)

    result = import_entities_file(path=path, mode=MODE_GOOD, error_path=tmp_path / "errors.csv")

    assert result.imported
    assert (result.counts.rows, result.counts.new, result.counts.errors) == (ROWS, ROWS - 10, 10)
    lines = error_lines(tmp_path / "errors.csv")
    assert lines[0] == ["行号", "列", "原值", "错误原因"]
    assert {int(r[0]): (r[1], r[3]) for r in lines[1:]} == expected
    assert Entity.objects.count() == ROWS - 10
    good = rows[5]
    entity = Entity.objects.get(uscc=good[0])
    assert (entity.name, entity.industry_id, entity.region_id, entity.risk_class) == (
        good[1], good[3], good[4], good[10])
    spoiled = {rows[i][0] for i, kind in BAD_AT.items() if kind in ("check", "industry", "region")}
    assert not Entity.objects.filter(uscc__in=spoiled).exists()


@pytest.mark.parametrize("fmt", ["gbk", "xlsx"])
def test_all_mode_writes_nothing_when_any_row_is_bad(code_tables: None, tmp_path: Path, fmt: str) -> None:
    rows, expected = with_bad_rows(registry_rows())
    path = write_file(tmp_path / "registry.csv", rows, fmt)
    audits = AuditEntry.objects.count()

    result = import_entities_file(path=path, mode=MODE_ALL, error_path=tmp_path / "errors.csv")

    assert not result.imported
    assert (result.counts.rows, result.counts.new, result.counts.errors) == (ROWS, 0, 10)
    assert {int(r[0]) for r in error_lines(tmp_path / "errors.csv")[1:]} == set(expected)
    assert not Entity.objects.exists() and not EntityTag.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_all_mode_imports_a_clean_file_with_its_tags(code_tables: None, tmp_path: Path) -> None:
    rows = registry_rows()
    result = import_entities_file(path=write_file(tmp_path / "r.csv", rows), mode=MODE_ALL,
                                  error_path=tmp_path / "errors.csv")

    assert result.imported and result.counts.new == ROWS and result.error_path is None
    assert not (tmp_path / "errors.csv").exists()
    tagged = next(r for r in rows if r[12])
    names = set(tagged[12].split("、"))
    assert {t.name for t in Tag.objects.filter(code__in=EntityTag.objects.filter(
        entity_id=tagged[0]).values("tag_id"))} == names


def test_a_row_with_a_nul_character_is_refused_not_fatal(code_tables: None, tmp_path: Path) -> None:
    rows = registry_rows(20)
    rows[3][5] = "山东省济南市\x00长清区"
    result = import_entities_file(path=write_file(tmp_path / "r.csv", rows), mode=MODE_GOOD)

    assert (result.counts.new, result.counts.errors) == (19, 1)
    assert result.errors[0].row == 5 and result.errors[0].reason == "含有不允许的控制字符"


@pytest.mark.parametrize("fmt", ["utf-8", "xlsx"])
def test_free_text_with_tabs_line_breaks_and_backslashes_is_stored_as_written(
    code_tables: None, tmp_path: Path, fmt: str,
) -> None:
    rows = registry_rows(3)
    rows[1][1] = "长清区\\N文昌街道\t商行"
    rows[1][5] = "山东省济南市长清区\n经十西路\t1号\\2号"
    import_entities_file(path=write_file(tmp_path / "r.csv", rows, fmt), mode=MODE_ALL)

    entity = Entity.objects.get(uscc=rows[1][0])
    assert (entity.name, entity.address) == (rows[1][1], rows[1][5])


def test_a_file_without_a_required_column_is_refused_whole(code_tables: None, tmp_path: Path) -> None:
    rows = [r[:1] + r[2:] for r in registry_rows(5)]
    path = write_file(tmp_path / "r.csv", rows, headings=[h for h in TEMPLATE_HEADINGS if h != "名称"])
    with pytest.raises(TabularError, match="缺少必需的列"):
        import_entities_file(path=path, mode=MODE_GOOD)
    assert not Entity.objects.exists()


def test_a_file_unreadable_halfway_writes_nothing(code_tables: None, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(bulk, "BATCH_ROWS", 1000)
    monkeypatch.setattr(bulk, "SQLITE_BATCH", 1000)
    path = write_file(tmp_path / "r.csv", registry_rows(6000), "utf-8")
    assert path.stat().st_size > 1 << 20  # past the sample the encoding is guessed from
    with path.open("ab") as fh:
        fh.write(b"91370113MA3K4JLX9H,\xff\xfe\r\n")  # not UTF-8

    with pytest.raises(TabularError):
        import_entities_file(path=path, mode=MODE_GOOD)
    assert not Entity.objects.exists()


# --- Importing again ---------------------------------------------------------------------------
def test_importing_the_same_file_twice_changes_nothing_the_second_time(code_tables: None, tmp_path: Path) -> None:
    rows, _expected = with_bad_rows(registry_rows())
    path = write_file(tmp_path / "r.csv", rows, "gbk")
    first = import_entities_file(path=path, mode=MODE_GOOD)
    before = registry_state()

    second = import_entities_file(path=path, mode=MODE_GOOD)

    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, ROWS - 10)
    assert registry_state() == before  # updated_at included
    audits = bulk_audits()
    assert len(audits) == 2, "one audit row per run, none per entity"
    assert (audits[0].count, audits[1].count) == (ROWS - 10, 0)
    assert audits[1].changes["unchanged"] == ROWS - 10
    assert audits[0].digest == audits[1].digest == first.digest == second.digest
    assert not AuditEntry.objects.filter(object_type="entities.entity", action__in=["create", "update"]).exists()


def test_the_digest_covers_the_good_rows_as_staged_in_file_order(code_tables: None, tmp_path: Path) -> None:
    rows = registry_rows(30)
    result = import_entities_file(path=write_file(tmp_path / "r.csv", rows, "gbk"), mode=MODE_ALL)

    validator = validator_from_db()
    fields = [COLUMNS[h] for h in TEMPLATE_HEADINGS]
    staged = [copy_line(validator.validate(i + 2, dict(zip(fields, r, strict=True)))[0], True)
              for i, r in enumerate(rows)]
    assert result.digest == digest_of([line.removesuffix("\n") for line in staged])
    assert bulk_audits()[-1].digest == result.digest


def test_only_changed_rows_are_rewritten(code_tables: None, tmp_path: Path) -> None:
    rows = registry_rows(50)
    import_entities_file(path=write_file(tmp_path / "a.csv", rows), mode=MODE_ALL)
    before = registry_state()
    rows[3][1] = "长清区文昌街道改名后的商行"
    rows[4][12] = "特种设备使用单位"  # only the tags change
    rows[5][10] = "D"

    result = import_entities_file(path=write_file(tmp_path / "b.csv", rows), mode=MODE_ALL)

    assert (result.counts.new, result.counts.updated, result.counts.unchanged) == (0, 3, 47)
    after = registry_state()
    moved = {code for code in before if before[code] != after[code]}
    assert moved == {rows[3][0], rows[4][0], rows[5][0]}
    assert set(EntityTag.objects.filter(entity_id=rows[4][0]).values_list("tag_id", flat=True)) == {
        "special-equipment"}
    assert Entity.objects.get(uscc=rows[4][0]).updated_at > Entity.objects.get(uscc=rows[6][0]).updated_at


def test_a_column_the_file_lacks_is_left_alone(code_tables: None, tmp_path: Path) -> None:
    rows = registry_rows(20)
    import_entities_file(path=write_file(tmp_path / "a.csv", rows), mode=MODE_ALL)
    keep = [h for h in TEMPLATE_HEADINGS if h not in ("信用风险分类", "分类日期", "标签")]
    narrow = [[v for h, v in zip(TEMPLATE_HEADINGS, r, strict=True) if h in keep] for r in rows]

    result = import_entities_file(path=write_file(tmp_path / "b.csv", narrow, headings=keep), mode=MODE_ALL)

    assert result.counts.unchanged == 20
    assert Entity.objects.get(uscc=rows[0][0]).risk_class == rows[0][10]
    assert EntityTag.objects.count() == sum(len(r[12].split("、")) for r in rows if r[12])


# --- A blank 登记状态 cell ------------------------------------------------------------------------
STATUS_AT = TEMPLATE_HEADINGS.index("登记状态")
FIRST_STATUSES = ["吊销", "注销", "撤销", "迁出", "存续", "存续"]


def blank_status_files() -> tuple[list[list[str]], list[list[str]]]:
    """Six entities, four no longer active; then the first five with blank status cells (the second
    also renamed), the sixth revoked, and two new entities with blank status cells."""
    rows = registry_rows(8)
    first = [list(r) for r in rows[:6]]
    for row, word in zip(first, FIRST_STATUSES, strict=True):
        row[STATUS_AT] = word
    second = [list(r) for r in first] + [list(r) for r in rows[6:]]
    for row in second[:5] + second[6:]:
        row[STATUS_AT] = ""
    second[1][1] = "长清区文昌街道改名后的商行"
    second[5][STATUS_AT] = "吊销"
    return first, second


@pytest.mark.parametrize("fmt", ["utf-8-sig", "xlsx"])
def test_a_blank_status_cell_keeps_an_existing_entitys_status_and_makes_a_new_one_active(
    code_tables: None, tmp_path: Path, fmt: str
) -> None:
    first, second = blank_status_files()
    import_entities_file(path=write_file(tmp_path / "a.csv", first, fmt), mode=MODE_ALL)
    before = registry_state()

    result = import_entities_file(path=write_file(tmp_path / "b.csv", second, fmt), mode=MODE_ALL)

    assert (result.counts.new, result.counts.updated, result.counts.unchanged) == (2, 2, 4)
    codes = [r[0] for r in second]
    statuses = dict(Entity.objects.values_list("uscc", "status"))
    assert [statuses[c] for c in codes] == ["revoked", "deregistered", "cancelled", "moved_out", "active",
                                            "revoked", "active", "active"]
    after = registry_state()
    assert {c for c in before if before[c] != after[c]} == {codes[1], codes[5]}  # updated_at included
    assert Entity.objects.get(uscc=codes[1]).name == "长清区文昌街道改名后的商行"
    assert bulk_audits()[-1].changes["unchanged"] == 4
    # The digest covers the rows as staged: the blank status cells stay blank.
    validator = validator_from_db()
    fields = [COLUMNS[h] for h in TEMPLATE_HEADINGS]
    staged = [copy_line(validator.validate(i + 2, dict(zip(fields, r, strict=True)))[0], True)
              for i, r in enumerate(second)]
    assert result.digest == digest_of([line.removesuffix("\n") for line in staged])
    assert staged[0].split("\t")[9] == ""


def test_without_a_status_column_new_entities_are_active_and_existing_ones_keep_theirs(
    code_tables: None, tmp_path: Path
) -> None:
    first, second = blank_status_files()
    import_entities_file(path=write_file(tmp_path / "a.csv", first), mode=MODE_ALL)
    keep = [h for h in TEMPLATE_HEADINGS if h != "登记状态"]
    narrow = [[v for h, v in zip(TEMPLATE_HEADINGS, r, strict=True) if h in keep] for r in second]

    result = import_entities_file(path=write_file(tmp_path / "b.csv", narrow, headings=keep), mode=MODE_ALL)

    assert (result.counts.new, result.counts.updated, result.counts.unchanged) == (2, 1, 5)
    statuses = dict(Entity.objects.values_list("uscc", "status"))
    assert [statuses[r[0]] for r in second] == ["revoked", "deregistered", "cancelled", "moved_out", "active",
                                                "active", "active", "active"]


# --- Interrupted runs ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_run_leaves_the_registry_as_it_was(code_tables: None, tmp_path: Path, monkeypatch: Any) -> None:
    rows = registry_rows()
    import_entities_file(path=write_file(tmp_path / "a.csv", rows[:100]), mode=MODE_ALL)
    before, audits = registry_state(), AuditEntry.objects.count()
    changed = [[*r[:1], r[1] + "（新）", *r[2:]] for r in rows]
    # Small batches, so that several have been merged when the interruption comes.
    monkeypatch.setattr(bulk, "BATCH_ROWS", 40)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 10)
    monkeypatch.setattr(bulk, "SQLITE_BATCH", 40)
    merged: list[int] = []
    original_merge = bulk._merge
    monkeypatch.setattr(bulk, "_merge", lambda *a: (merged.append(1), original_merge(*a)))

    def interrupt(done: int) -> None:
        if done > 150:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_entities_file(path=write_file(tmp_path / "b.csv", changed), mode=MODE_GOOD, progress=interrupt)

    assert len(merged) >= 2, "the interruption came after batches had been merged"
    assert registry_state() == before
    assert AuditEntry.objects.count() == audits
    # And the registry is usable afterwards: the same import, uninterrupted, goes through.
    assert import_entities_file(path=tmp_path / "b.csv", mode=MODE_GOOD).counts.updated == 100


def _url_of_test_database() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _merging_backend() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'WITH up AS%%'")
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_command_leaves_the_registry_as_it_was(code_tables: None, tmp_path: Path) -> None:
    import_entities_file(path=write_file(tmp_path / "a.csv", registry_rows(100)), mode=MODE_ALL)
    before = registry_state()
    path = write_file(tmp_path / "big.csv", registry_rows(250_000, seed=9, start=1_000), "utf-8")
    env = {**os.environ, "DATABASE_URL": _url_of_test_database()}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_entities", str(path), "--mode", "good", "--skip-checks"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _merging_backend() is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the import ended before it could be killed"
        assert _merging_backend() is not None, "no batch was being merged within two minutes"
        os.kill(proc.pid, signal.SIGKILL)  # no handler runs, no rollback is sent: the server must undo
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 30
    while _merging_backend() is not None and time.monotonic() < deadline:
        time.sleep(0.1)  # the server notices the dead client at its next write
    assert registry_state() == before


# --- The command ------------------------------------------------------------------------------
def test_the_command_prints_counts_and_fails_when_the_file_is_rejected(code_tables: None, tmp_path: Path) -> None:
    rows, _expected = with_bad_rows(registry_rows())
    path = write_file(tmp_path / "r.csv", rows)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="未导入"):
        call_command("import_entities", str(path), stdout=out, stderr=err)
    assert "错误 10" in out.getvalue() and (tmp_path / "r.csv.errors.csv").exists()
    assert not Entity.objects.exists()

    call_command("import_entities", str(path), "--mode", "good", "--errors", str(tmp_path / "e.csv"),
                 stdout=out, stderr=err)
    assert f"新增 {ROWS - 10}" in out.getvalue() and "行/秒" in err.getvalue()


def test_the_command_adds_the_entities_to_the_departments_main_directory(code_tables: None, tmp_path: Path) -> None:
    department = DepartmentFactory(code="SJ", name="市场监管局")
    path = write_file(tmp_path / "r.csv", registry_rows(30))
    call_command("import_entities", str(path), "--department", "SJ", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("import_entities", str(path), "--department", "SJ", stdout=io.StringIO(), stderr=io.StringIO())

    directory = Directory.objects.get(department=department, code="main")
    assert DirectoryEntry.objects.filter(directory=directory).count() == 30
    assert len(bulk_audits()) == 2
