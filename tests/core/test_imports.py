"""Imports from the staff pages: upload, dry-run preview, confirm, background run, cancel, reports.

The three people: alice (A's admin and staff) may act; dora (A, inspector role only) may read the
job but not start, confirm or cancel; charlie (B) gets 404 everywhere. bob (A's staff) may import
into A but may not confirm alice's job.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from agencies.models import Role
from core import imports
from core.imports import import_job_run, import_progress, progress_key
from core.models import AuditEntry, ImportJob, OutboxItem
from entities.importers import EntityImporter
from entities.models import DirectoryEntry, Entity
from inspectors.models import Inspector
from tests.entities.test_resources import entity_rows, file_for, good_rows, uscc_for
from tests.entities.test_resources import wrong_check as wrong_uscc_check
from tests.factories import DepartmentFactory, person
from tests.inspectors.test_resources import HEADINGS as INSPECTOR_HEADINGS
from tests.inspectors.test_resources import (
    good_inspector_rows,
    id_number_for,
    inspector_rows,
    make_fields,
    phone_for,
)

pytestmark = pytest.mark.django_db

FORMATS = ["utf-8", "utf-8-sig", "gbk", "xlsx"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.clear()


@pytest.fixture
def dora(cast):  # type: ignore[no-untyped-def]
    return person("dora", cast.dept_a, Role.INSPECTOR)


def upload(client, kind: str, content: bytes, *, name: str = "file.csv", mode: str = "all", capture=None, **extra):  # type: ignore[no-untyped-def]
    data = {"file": SimpleUploadedFile(name, content), "mode": mode, **extra}
    with capture(execute=True):
        return client.post(f"/imports/new/{kind}/", data)


def last_job() -> ImportJob:
    return ImportJob.objects.latest("id")


def entity_file(fmt: str, rows: list[list[str]] | None = None) -> tuple[bytes, str]:
    content = file_for(rows if rows is not None else entity_rows()[0], fmt)
    return content, "registry.xlsx" if fmt == "xlsx" else "registry.csv"


def inspector_file(fmt: str, rows: list[list[str]] | None = None) -> tuple[bytes, str]:
    content = file_for(rows if rows is not None else inspector_rows()[0], fmt, INSPECTOR_HEADINGS)
    return content, "people.xlsx" if fmt == "xlsx" else "people.csv"


def confirm(client, job: ImportJob, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(f"/imports/{job.pk}/confirm/")


def report_rows(client, job: ImportJob) -> list[list[str]]:
    response = client.get(f"/imports/{job.pk}/errors.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- 1% bad rows, every encoding, both kinds ------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_by_default_one_bad_row_means_nothing_is_written_and_the_page_says_so(cast, client, fmt,
                                                                              django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    content, name = entity_file(fmt)
    response = upload(client, "entities", content, name=name, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportJob.Status.REJECTED
    assert (job.rows_total, job.error_count) == (400, 4)
    assert not Entity.objects.exists() and not DirectoryEntry.objects.exists()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "没有写入任何数据" in page and "确认导入" not in page


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_bad_entity_row_is_reported_with_its_number_and_reason(cast, client, fmt,
                                                                   django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    _rows, bad = entity_rows()
    upload(client, "entities", *[entity_file(fmt)[0]], name=entity_file(fmt)[1], mode="good",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEWED
    reported = {e["row"]: e["reason"] for e in job.errors}
    assert set(reported) == set(bad)
    for number, reason in bad.items():
        assert reason in reported[number]
    page = client.get(f"/imports/{job.pk}/").content.decode()
    for number, reason in bad.items():
        assert f"<td>{number}</td>" in page and reason.split("（")[0] in page
    lines = report_rows(client, job)
    assert lines[0] == ["行号", "列", "原值", "错误原因"]
    assert {int(line[0]) for line in lines[1:]} == set(bad)


@pytest.mark.parametrize("fmt", FORMATS)
def test_in_good_rows_mode_the_good_rows_are_imported_and_the_bad_reported(cast, client, fmt,
                                                                          django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    content, name = entity_file(fmt)
    upload(client, "entities", content, name=name, mode="good", capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.counts == {"new": 396, "update": 0, "unchanged": 0, "directory_added": 396}
    assert not Entity.objects.exists()  # the preview is a dry run
    assert confirm(client, job, django_capture_on_commit_callbacks).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.error_count == 4
    assert Entity.objects.count() == 396
    assert not Entity.objects.filter(uscc=wrong_uscc_check(uscc_for(51))).exists()
    assert DirectoryEntry.objects.filter(directory__department=cast.dept_a, directory__code="main").count() == 396
    assert Entity.objects.get(uscc=uscc_for(11)).name == "长清测试商贸有限公司0010"  # the first of the duplicates


@pytest.mark.parametrize("fmt", FORMATS)
def test_inspector_files_report_every_bad_row_and_import_the_good_ones(cast, client, fmt,
                                                                      django_capture_on_commit_callbacks) -> None:
    make_fields()
    client.force_login(cast.alice)
    _rows, bad = inspector_rows()
    content, name = inspector_file(fmt)
    upload(client, "inspectors", content, name=name, mode="good", capture=django_capture_on_commit_callbacks)
    job = last_job()
    reported = {e["row"]: e["reason"] for e in job.errors}
    assert set(reported) == set(bad)
    for number, reason in bad.items():
        assert reason in reported[number]
    confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.counts["new"] == 495
    assert Inspector.objects.filter(department=cast.dept_a).count() == 495
    assert sorted(Inspector.objects.get(cert_no="执A00001").fields.values_list("code", flat=True)) == [
        "food", "special-equipment"]


def test_a_bad_inspector_file_in_the_default_mode_writes_nothing(cast, client, django_capture_on_commit_callbacks) -> None:
    make_fields()
    client.force_login(cast.alice)
    content, name = inspector_file("gbk")
    upload(client, "inspectors", content, name=name, capture=django_capture_on_commit_callbacks)
    assert last_job().status == ImportJob.Status.REJECTED and not Inspector.objects.exists()


# --- Re-import, crash, double click, cancel -------------------------------------------------
def _import(client, kind: str, content: bytes, name: str, capture) -> ImportJob:  # type: ignore[no-untyped-def]
    upload(client, kind, content, name=name, mode="good", capture=capture)
    job = last_job()
    confirm(client, job, capture)
    job.refresh_from_db()
    return job


def test_the_same_entity_file_imported_twice_changes_nothing_the_second_time(cast, client,
                                                                            django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    content, name = entity_file("gbk")
    first = _import(client, "entities", content, name, django_capture_on_commit_callbacks)
    stamps = dict(Entity.objects.values_list("uscc", "updated_at"))
    second = _import(client, "entities", content, name, django_capture_on_commit_callbacks)
    assert first.counts["new"] == 396
    assert second.counts == {"new": 0, "update": 0, "unchanged": 396, "directory_added": 0}
    assert dict(Entity.objects.values_list("uscc", "updated_at")) == stamps
    assert DirectoryEntry.objects.count() == 396


def test_a_changed_row_updates_the_entity_and_leaves_absent_columns_alone(cast, client,
                                                                         django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    _import(client, "entities", *entity_file("utf-8", good_rows(5)), django_capture_on_commit_callbacks)
    Entity.objects.filter(uscc=uscc_for(2)).update(status="revoked", legal_rep="张三")
    rows = [row[:5] for row in good_rows(5)]
    rows[2][1] = "改名后的公司"
    content = file_for(rows, "utf-8", ["统一社会信用代码", "名称", "主体类型", "行业代码", "区划代码"])
    job = _import(client, "entities", content, "short.csv", django_capture_on_commit_callbacks)
    assert (job.counts["new"], job.counts["update"], job.counts["unchanged"]) == (0, 1, 4)
    assert Entity.objects.get(uscc=uscc_for(3)).name == "改名后的公司"
    kept = Entity.objects.get(uscc=uscc_for(2))
    assert (kept.status, kept.legal_rep) == ("revoked", "张三")


def test_the_same_inspector_file_imported_twice_changes_nothing(cast, client, django_capture_on_commit_callbacks) -> None:
    make_fields()
    client.force_login(cast.alice)
    content, name = inspector_file("xlsx", good_inspector_rows(50))
    _import(client, "inspectors", content, name, django_capture_on_commit_callbacks)
    second = _import(client, "inspectors", content, name, django_capture_on_commit_callbacks)
    assert second.counts == {"new": 0, "update": 0, "unchanged": 50}


def test_an_inspector_of_another_department_is_never_moved(cast, client, django_capture_on_commit_callbacks) -> None:
    make_fields()
    Inspector.objects.create(department=cast.dept_b, cert_no="执A00002", name="乙局的人")
    client.force_login(cast.alice)
    job = _import(client, "inspectors", *inspector_file("utf-8", good_inspector_rows(5)),
                  django_capture_on_commit_callbacks)
    assert [(e["row"], e["reason"]) for e in job.errors] == [(4, "该执法证号已登记在其他部门，导入不能调动人员")]
    assert Inspector.objects.get(cert_no="执A00002").department == cast.dept_b
    assert Inspector.objects.filter(department=cast.dept_a).count() == 4


def test_a_crash_mid_import_writes_nothing_and_the_job_says_failed(cast, client, monkeypatch,
                                                                  django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    monkeypatch.setattr("entities.importers.BATCH", 100)
    upload(client, "entities", *[entity_file("utf-8", good_rows(450))[0]], name="x.csv",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEWED
    real = EntityImporter._write_batch
    calls = []

    def explode(self, batch, directory, result):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(self, batch, directory, result)

    monkeypatch.setattr(EntityImporter, "_write_batch", explode)
    confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert calls == [100, 100, 100]
    assert job.status == ImportJob.Status.FAILED
    assert "已全部撤销，未写入任何数据" in job.errors[0]["reason"]
    assert not Entity.objects.exists() and not DirectoryEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="import.entities").exists()
    item = OutboxItem.objects.get(handler="core.run_import")
    assert item.status == OutboxItem.Status.DONE
    assert import_job_run(job_id=job.pk) == ImportJob.Status.FAILED  # a retry finds the job finished
    assert "失败" in client.get(f"/imports/{job.pk}/").content.decode()


def test_a_double_confirm_runs_the_import_once(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    upload(client, "entities", *[entity_file("utf-8", good_rows(20))[0]], name="x.csv",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    confirm(client, job, django_capture_on_commit_callbacks)
    second = client.post(f"/imports/{job.pk}/confirm/", follow=True)
    assert "不能再次确认" in second.content.decode()
    assert OutboxItem.objects.filter(handler="core.run_import").count() == 1
    assert list(AuditEntry.objects.filter(action="import.entities").values_list("count", flat=True)) == [20]
    assert not AuditEntry.objects.filter(object_type="entities.entity").exclude(action="import.entities").exists()


def test_two_clicks_racing_move_the_job_once(cast, django_capture_on_commit_callbacks) -> None:
    job = ImportJob.objects.create(kind="entities", department=cast.dept_a, created_by=cast.alice,
                                   file="x.csv", status=ImportJob.Status.PREVIEWED)
    stale = ImportJob.objects.get(pk=job.pk)
    with django_capture_on_commit_callbacks(execute=False):
        imports.import_job_confirm(job=job, user=cast.alice)
        with pytest.raises(imports.ImportStateError):
            imports.import_job_confirm(job=stale, user=cast.alice)
    assert OutboxItem.objects.filter(handler="core.run_import").count() == 1


def test_a_cancelled_job_writes_nothing_and_cannot_be_confirmed(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    upload(client, "entities", *[entity_file("utf-8", good_rows(20))[0]], name="x.csv",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    client.post(f"/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and not Entity.objects.exists()


def test_a_cancel_during_the_run_rolls_back_what_was_written(cast, client, monkeypatch,
                                                            django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    monkeypatch.setattr("entities.importers.BATCH", 100)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 100)
    upload(client, "entities", *[entity_file("utf-8", good_rows(450))[0]], name="x.csv",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    real = EntityImporter._write_batch

    def cancel_midway(self, batch, directory, result):  # type: ignore[no-untyped-def]
        real(self, batch, directory, result)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)  # another request

    monkeypatch.setattr(EntityImporter, "_write_batch", cancel_midway)
    confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not Entity.objects.exists() and not DirectoryEntry.objects.exists()


# --- Files that are not spreadsheets --------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def _zip_without_workbook() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(("content", "name", "message"), [
    (PNG, "registry.csv", "只能导入 xlsx 或 CSV 文件"),
    (EXE, "registry.xlsx", "只能导入 xlsx 或 CSV 文件"),
    (EXE, "setup.exe", "只能导入 xlsx 或 CSV 文件"),
    (_zip_without_workbook(), "registry.xlsx", "不是 Excel 工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "registry.xls", "旧版 Excel"),
    (b"\n\n", "empty.csv", "文件是空的"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_clear_message(cast, client, content, name, message,
                                                                          django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    page = upload(client, "entities", content, name=name, capture=django_capture_on_commit_callbacks)
    assert page.status_code == 200 and message in page.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(cast, client, monkeypatch, django_capture_on_commit_callbacks) -> None:
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(cast.alice)
    page = upload(client, "entities", entity_file("utf-8")[0], capture=django_capture_on_commit_callbacks)
    assert "超过 200 MB" in page.content.decode() and not ImportJob.objects.exists()


def test_a_file_without_the_required_columns_fails_with_the_reason(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    upload(client, "entities", "名称,地址\n某公司,某地\n".encode(), capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == ImportJob.Status.FAILED
    assert "缺少必需的列" in job.errors[0]["reason"] and "统一社会信用代码" in job.errors[0]["reason"]


# --- Who may do what ------------------------------------------------------------------------
def _alices_job(cast, client, capture) -> ImportJob:  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    upload(client, "entities", *[entity_file("utf-8")[0]], name="x.csv", mode="good", capture=capture)
    return last_job()


def test_the_job_pages_three_people(cast, client, dora, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    job = _alices_job(cast, client, django_capture_on_commit_callbacks)
    pages = [f"/imports/{job.pk}/", f"/imports/{job.pk}/progress.json", f"/imports/{job.pk}/errors.csv"]
    for url in pages:
        assert client.get(url).status_code == 200
    client.force_login(dora)
    for url in pages:
        assert client.get(url).status_code == 200
    assert "确认导入" not in client.get(pages[0]).content.decode()
    client.force_login(cast.charlie)
    for url in pages:
        assert client.get(url).status_code == 404


def test_confirm_and_cancel_three_people(cast, client, dora, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    job = _alices_job(cast, client, django_capture_on_commit_callbacks)
    for who in (cast.charlie, dora, cast.bob):
        client.force_login(who)
        assert confirm(client, job, django_capture_on_commit_callbacks).status_code == 404
        assert client.post(f"/imports/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and not Entity.objects.exists()
    client.force_login(cast.alice)
    assert confirm(client, job, django_capture_on_commit_callbacks).status_code == 302
    assert Entity.objects.count() == 396


def test_a_department_admin_may_confirm_a_colleagues_import(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.bob)
    upload(client, "entities", *[entity_file("utf-8", good_rows(10))[0]], name="x.csv",
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.department == cast.dept_a and job.created_by == cast.bob
    client.force_login(cast.alice)
    confirm(client, job, django_capture_on_commit_callbacks)
    assert Entity.objects.count() == 10


def test_starting_an_import_three_people(cast, client, dora, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    for kind in ("entities", "inspectors"):
        client.force_login(dora)
        assert client.get(f"/imports/new/{kind}/").status_code == 404
        assert client.get(f"/imports/template/{kind}.xlsx").status_code == 404
        client.force_login(cast.bob)
        assert client.get(f"/imports/new/{kind}/").status_code == 200
    assert client.get("/imports/new/nonsense/").status_code == 404


def test_nobody_can_import_into_a_department_that_is_not_theirs(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    upload(client, "entities", entity_file("utf-8", good_rows(3))[0], department=cast.dept_b.pk,
           capture=django_capture_on_commit_callbacks)
    assert last_job().department == cast.dept_a  # one department: the choice in the request is ignored
    person("erin", cast.dept_a, Role.STAFF)
    erin = person("erin", DepartmentFactory(code="C"), Role.STAFF)
    client.force_login(erin)
    page = upload(client, "entities", entity_file("utf-8", good_rows(3))[0], department=cast.dept_b.pk,
                  capture=django_capture_on_commit_callbacks)
    assert page.status_code == 200 and ImportJob.objects.count() == 1


def test_a_person_of_two_departments_imports_into_the_one_they_pick(cast, client,
                                                                   django_capture_on_commit_callbacks) -> None:
    make_fields()
    person("erin", cast.dept_a, Role.STAFF)
    erin = person("erin", cast.dept_b, Role.STAFF)
    client.force_login(erin)
    page = client.get("/imports/new/inspectors/").content.decode()
    assert "甲局" in page and "乙局" in page
    content, name = inspector_file("utf-8", good_inspector_rows(3, department="B"))
    upload(client, "inspectors", content, name=name, department=cast.dept_b.pk,
           capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.department == cast.dept_b and job.status == ImportJob.Status.PREVIEWED and job.error_count == 0


def test_uploaded_files_are_served_by_no_url(cast, client, django_capture_on_commit_callbacks) -> None:
    job = _alices_job(cast, client, django_capture_on_commit_callbacks)
    assert job.file.path.startswith(str(job.file.storage.location))
    for url in (f"/media/{job.file.name}", f"/{job.file.name}", f"/static/{job.file.name}"):
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(f"/imports/{job.pk}/errors.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Personal data --------------------------------------------------------------------------
def test_inspector_id_numbers_and_phones_never_appear_unmasked(cast, client, dora,
                                                               django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_fields()
    client.force_login(cast.alice)
    rows, _bad = inspector_rows()
    rows[7][6] = "110105198001010011"  # a bad checksum on a row that is otherwise fine
    content, name = inspector_file("utf-8", rows)
    upload(client, "inspectors", content, name=name, mode="good", capture=django_capture_on_commit_callbacks)
    job = last_job()
    secrets = {r[6] for r in rows} | {r[7] for r in rows}
    for who in (cast.alice, dora):
        client.force_login(who)
        page = client.get(f"/imports/{job.pk}/").content.decode()
        report = "\n".join(",".join(line) for line in report_rows(client, job))
        leaked = [s for s in secrets if s and (s in page or s in report)]
        assert leaked == []
    assert "1101**********0011" in page and "138***3800" in page


# --- Progress, templates, landing page, audit -----------------------------------------------
def test_progress_is_read_from_the_cache_while_the_job_runs(cast) -> None:
    job = ImportJob.objects.create(kind="entities", department=cast.dept_a, created_by=cast.alice, file="x.csv",
                                   status=ImportJob.Status.IMPORTING, rows_total=1000)
    cache.set(progress_key(job.pk), {"done": 250})
    progress = import_progress(job=job)
    assert (progress["running"], progress["done"], progress["total"]) == (True, 250, 1000)
    assert progress["text"] == "已处理 250 / 1000 行"


def test_the_progress_page_polls_with_an_external_script_only(cast, client) -> None:
    job = ImportJob.objects.create(kind="entities", department=cast.dept_a, created_by=cast.alice, file="x.csv",
                                   status=ImportJob.Status.IMPORTING, rows_total=1000)
    client.force_login(cast.alice)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "js/progress.js" in page and f"/imports/{job.pk}/progress.json" in page and "<progress" in page
    assert "<script>" not in page
    data = client.get(f"/imports/{job.pk}/progress.json").json()
    assert data["status"] == "importing" and data["running"] is True


@pytest.mark.parametrize(("kind", "first", "last"), [("entities", "统一社会信用代码*", "标签"),
                                                      ("inspectors", "执法证号*", "责任区")])
def test_the_template_has_the_chinese_headings(cast, client, kind, first, last) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.bob)
    response = client.get(f"/imports/template/{kind}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headings = [c.value for c in sheet[1]]
    assert headings[0] == first and headings[-1] == last


def test_the_landing_page_lists_recent_jobs_and_the_menu_has_an_entry(cast, client, dora,
                                                                      django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    job = _alices_job(cast, client, django_capture_on_commit_callbacks)
    page = client.get("/imports/").content.decode()
    assert f"/imports/{job.pk}/" in page and "/imports/new/inspectors/" in page and 'data-nav="imports"' in page
    client.force_login(dora)
    page = client.get("/imports/").content.decode()
    assert f"/imports/{job.pk}/" in page and "/imports/new/" not in page and 'data-nav="imports"' not in page
    client.force_login(cast.charlie)
    assert f"/imports/{job.pk}/" not in client.get("/imports/").content.decode()


def test_one_import_writes_exactly_one_audit_row(cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    before = AuditEntry.objects.count()
    job = _import(client, "entities", *entity_file("xlsx", good_rows(30)), django_capture_on_commit_callbacks)
    entries = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.action, e.count, e.actor_id) for e in entries] == [("import.entities", 30, cast.alice.pk)]
    assert entries[0].changes["job"] == job.pk and entries[0].digest


def test_the_inline_path_runs_without_the_outbox(cast, tmp_path) -> None:
    """What the command line does: create, preview and import in one go, no background work."""
    content, _name = entity_file("gbk", good_rows(12))
    job = imports.import_job_create(kind="entities", department=cast.dept_a, user=cast.alice,
                                    upload=SimpleUploadedFile("x.csv", content), mode="all", preview_later=False)
    imports.import_job_preview(job=job)
    assert job.status == ImportJob.Status.PREVIEWED
    imports.import_job_confirm(job=job, user=cast.alice, background=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Entity.objects.count() == 12
    assert not OutboxItem.objects.exists()


def test_masked_values_keep_what_is_stored(cast, client, django_capture_on_commit_callbacks) -> None:
    make_fields()
    client.force_login(cast.alice)
    rows = good_inspector_rows(2)
    _import(client, "inspectors", *inspector_file("utf-8", rows), django_capture_on_commit_callbacks)
    rows[1][6], rows[1][7] = "1101**********0011", "138****0001"
    job = _import(client, "inspectors", *inspector_file("utf-8", rows), django_capture_on_commit_callbacks)
    assert job.counts["update"] == 0
    kept = Inspector.objects.get(cert_no="执A00001")
    assert (kept.id_number, kept.phone) == (id_number_for(1), phone_for(1))
