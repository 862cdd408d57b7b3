"""The registry's import resource (admin, direct ``import_data``) and the files clerks bring.

``entity_rows`` builds a file with 1% bad rows of every kind the issue names; the staff-page tests
in tests/core/test_imports.py use it too.
"""

from __future__ import annotations

import csv
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from stdnum.cn import uscc as stdnum_uscc

from core import imports
from core.models import AuditEntry, ImportJob
from entities.models import Entity, EntityTag
from entities.resources import EntityResource

pytestmark = pytest.mark.django_db

HEADINGS = ["统一社会信用代码", "名称", "主体类型", "行业代码", "区划代码", "住所（经营场所）", "登记状态",
            "信用风险分类", "标签"]
TOWN = "370113001"


def uscc_for(n: int) -> str:
    body = f"91370113{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def wrong_check(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


def good_rows(n: int) -> list[list[str]]:
    return [[uscc_for(i + 1), f"长清测试商贸有限公司{i:04d}", "企业", "52", TOWN, f"文昌街道{i}号", "存续", "B",
             "旅馆业" if i % 2 else ""] for i in range(n)]


def entity_rows(n: int = 400) -> tuple[list[list[str]], dict[int, str]]:
    """``n`` (at least 400) data rows, four of them bad; returns rows and {Excel row number: reason}."""
    rows = good_rows(n)
    bad = {}
    rows[50][0] = wrong_check(rows[50][0])
    bad[52] = "统一社会信用代码校验位错误"
    rows[150][3] = "99"
    bad[152] = "未知的行业代码"
    rows[250][4] = "370113999"
    bad[252] = "未知的区划代码"
    rows[350][0] = rows[10][0]
    bad[352] = "与第 12 行的统一社会信用代码重复"
    return rows, bad


def csv_bytes(rows: list[list[str]], encoding: str, headings: list[str] = HEADINGS) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headings)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]], headings: list[str] = HEADINGS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_for(rows: list[list[str]], fmt: str, headings: list[str] = HEADINGS) -> bytes:
    return xlsx_bytes(rows, headings) if fmt == "xlsx" else csv_bytes(rows, fmt, headings)


def dataset(rows: list[list[str]]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADINGS)


def test_import_data_with_the_default_options_writes_the_rows() -> None:
    rows = good_rows(40)
    result = EntityResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Entity.objects.count() == 40
    entity = Entity.objects.get(uscc=uscc_for(2))
    assert (entity.name, entity.entity_type, entity.industry_id, entity.region_id) == (
        "长清测试商贸有限公司0001", "enterprise", "52", TOWN)
    assert list(EntityTag.objects.filter(entity=entity).values_list("tag_id", flat=True)) == ["hotel"]


def test_importing_the_same_dataset_twice_changes_nothing() -> None:
    rows = good_rows(40)
    EntityResource().import_data(dataset(rows), dry_run=False)
    stamps = dict(Entity.objects.values_list("uscc", "updated_at"))
    again = EntityResource().import_data(dataset(rows), dry_run=False)
    assert again.totals["new"] == 0 and again.totals["update"] == 0 and again.totals["skip"] == 40
    assert dict(Entity.objects.values_list("uscc", "updated_at")) == stamps
    assert Entity.objects.count() == 40


def test_a_changed_row_is_an_update_not_a_duplicate() -> None:
    rows = good_rows(5)
    EntityResource().import_data(dataset(rows), dry_run=False)
    rows[3][1] = "改名后的公司"
    result = EntityResource().import_data(dataset(rows), dry_run=False)
    assert result.totals["update"] == 1 and result.totals["new"] == 0
    assert Entity.objects.get(uscc=uscc_for(4)).name == "改名后的公司"
    assert Entity.objects.count() == 5


# --- A blank 登记状态 cell: new entities are active, existing ones keep their status ------------
STATUS_AT = 6  # the 登记状态 column in HEADINGS
FIRST_STATUSES = ["吊销", "注销", "撤销", "迁出", "存续", "存续"]


def blank_status_files() -> tuple[list[list[str]], list[list[str]]]:
    """A first file of six entities (four of them no longer active) and a second file where the
    status cells of the first five are blank, the second entity is also renamed, the sixth is
    revoked, and two new entities have blank status cells."""
    first = good_rows(len(FIRST_STATUSES))
    for row, word in zip(first, FIRST_STATUSES, strict=True):
        row[STATUS_AT] = word
    second = [list(r) for r in first] + good_rows(8)[6:]
    for row in second[:5] + second[6:]:
        row[STATUS_AT] = ""
    second[1][1] = "改名后的公司"
    second[5][STATUS_AT] = "吊销"
    return first, second


BLANK_STATUS_EXPECTED = {
    uscc_for(1): "revoked", uscc_for(2): "deregistered", uscc_for(3): "cancelled", uscc_for(4): "moved_out",
    uscc_for(5): "active", uscc_for(6): "revoked", uscc_for(7): "active", uscc_for(8): "active",
}
BLANK_STATUS_UNCHANGED = [uscc_for(1), uscc_for(3), uscc_for(4), uscc_for(5)]


def test_a_blank_status_cell_keeps_an_existing_entitys_status_and_makes_a_new_one_active() -> None:
    first, second = blank_status_files()
    EntityResource().import_data(dataset(first), dry_run=False)
    stamps = dict(Entity.objects.values_list("uscc", "updated_at"))

    result = EntityResource().import_data(dataset(second), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (2, 2, 4)
    assert dict(Entity.objects.values_list("uscc", "status")) == BLANK_STATUS_EXPECTED
    assert Entity.objects.get(uscc=uscc_for(2)).name == "改名后的公司"
    after = dict(Entity.objects.values_list("uscc", "updated_at"))
    assert {c: after[c] for c in BLANK_STATUS_UNCHANGED} == {c: stamps[c] for c in BLANK_STATUS_UNCHANGED}


def test_an_unknown_status_word_is_still_refused() -> None:
    rows = good_rows(2)
    rows[1][STATUS_AT] = "歇业"
    result = EntityResource().import_data(dataset(rows), dry_run=True)
    assert [r.number for r in result.invalid_rows] == [2]
    assert "未知的登记状态" in result.invalid_rows[0].error_dict["登记状态"]


def test_the_staff_import_keeps_an_existing_entitys_status_on_a_blank_cell(cast, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The staff pages' import kind (``entities.importers``), previewed and run inline."""
    settings.MEDIA_ROOT = tmp_path / "media"
    jobs = []
    for n, rows in enumerate(blank_status_files()):
        job = imports.import_job_create(kind="entities", department=cast.dept_a, user=cast.alice,
                                        upload=SimpleUploadedFile(f"r{n}.csv", csv_bytes(rows, "utf-8")),
                                        mode="all", preview_later=False)
        imports.import_job_preview(job=job)
        assert job.status == ImportJob.Status.PREVIEWED, job.errors
        preview = dict(job.counts)
        if n == 0:
            stamps = dict(Entity.objects.values_list("uscc", "updated_at"))  # the preview wrote nothing
            assert not stamps
        imports.import_job_confirm(job=job, user=cast.alice, background=False)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE and job.counts == preview
        if n == 0:
            stamps = dict(Entity.objects.values_list("uscc", "updated_at"))
        jobs.append(job)

    assert (jobs[1].counts["new"], jobs[1].counts["update"], jobs[1].counts["unchanged"]) == (2, 2, 4)
    assert dict(Entity.objects.values_list("uscc", "status")) == BLANK_STATUS_EXPECTED
    after = dict(Entity.objects.values_list("uscc", "updated_at"))
    assert {c: after[c] for c in BLANK_STATUS_UNCHANGED} == {c: stamps[c] for c in BLANK_STATUS_UNCHANGED}


def test_bad_rows_are_refused_with_their_row_number_and_the_validators_reason() -> None:
    rows, bad = entity_rows(400)
    result = EntityResource().import_data(dataset(rows), dry_run=True)
    invalid = {r.number + 1: " ".join(m for msgs in r.error_dict.values() for m in msgs) for r in result.invalid_rows}
    assert set(invalid) == set(bad)
    for number, reason in bad.items():
        assert reason in invalid[number]
    assert "统一社会信用代码" in result.invalid_rows[0].error_dict  # keyed by the Chinese heading
    assert not Entity.objects.exists()


def test_other_headings_the_validator_knows_are_accepted() -> None:
    data = tablib.Dataset([uscc_for(1), "别名公司", "个体工商户", "52", TOWN],
                          headers=["统一社会信用代码", "企业名称", "主体类型", "所属行业代码", "区划代码"])
    result = EntityResource().import_data(data, dry_run=False)
    assert not result.has_validation_errors(), result.invalid_rows
    assert Entity.objects.get(uscc=uscc_for(1)).entity_type == "individual"


def test_a_missing_required_column_is_a_clear_error() -> None:
    data = tablib.Dataset([uscc_for(1), "公司"], headers=["统一社会信用代码", "名称"])
    result = EntityResource().import_data(data, dry_run=True)
    assert result.has_errors()
    assert "缺少必需的列" in str(result.base_errors[0].error)


def test_one_audit_row_per_import_not_one_per_entity() -> None:
    before = AuditEntry.objects.count()
    EntityResource().import_data(dataset(good_rows(30)), dry_run=False)
    entries = AuditEntry.objects.filter(seq__gt=before)
    assert [(e.action, e.count) for e in entries] == [("import.entities", 30)]


def test_a_dry_run_writes_nothing_and_audits_nothing() -> None:
    before = AuditEntry.objects.count()
    EntityResource().import_data(dataset(good_rows(10)), dry_run=True)
    assert not Entity.objects.exists()
    assert AuditEntry.objects.count() == before


@pytest.fixture
def admin_client(client, django_user_model):  # type: ignore[no-untyped-def]
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "Correct-Horse-9")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("fmt", ["gbk", "utf-8-sig", "xlsx"])
def test_the_admin_imports_gbk_csv_and_xlsx_through_the_same_checks(admin_client, fmt) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows, bad = entity_rows(400)
    upload = SimpleUploadedFile(f"registry.{'xlsx' if fmt == 'xlsx' else 'csv'}", file_for(rows, fmt))
    page = admin_client.post("/admin/entities/entity/import/", {
        "import_file": upload, "format": 1 if fmt == "xlsx" else 0, "resource": 0,
    })
    text = page.content.decode()
    assert page.status_code == 200
    assert "统一社会信用代码校验位错误" in text and "未知的行业代码" in text
    assert not Entity.objects.exists()


def test_the_admin_list_does_not_count_the_whole_registry(admin_client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    EntityResource().import_data(dataset(good_rows(20)), dry_run=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = admin_client.get("/admin/entities/entity/")
    assert page.status_code == 200 and uscc_for(3) in page.content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "entities_entity" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_the_admin_finds_an_entity_by_its_code(admin_client) -> None:  # type: ignore[no-untyped-def]
    EntityResource().import_data(dataset(good_rows(20)), dry_run=False)
    page = admin_client.get("/admin/entities/entity/", {"q": uscc_for(7).lower()})
    text = page.content.decode()
    assert uscc_for(7) in text and uscc_for(8) not in text
