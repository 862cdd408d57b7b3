"""Bulk downloads per year and department: CSV (UTF-8 with BOM, formula-safe) and JSON."""

import csv
import io
import json

import pytest
from django.test import Client

from core.services import publication_write
from publicity.downloads import safe_cell
from tests.publicity.data import NAME, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(django_capture_on_commit_callbacks):
    return build(django_capture_on_commit_callbacks)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_are_quoted(value) -> None:
    assert safe_cell(value) == "'" + value


def test_ordinary_cells_are_left_alone() -> None:
    assert safe_cell("未发现问题") == "未发现问题" and safe_cell("2026-12-03") == "2026-12-03" and safe_cell(None) == ""


def test_the_csv_is_utf8_with_bom_and_formula_safe(data) -> None:
    record = data.result_record
    publication_write(kind="result", public_id=f"result:{data.task.code}:EVIL", department_code="SCJG", year=2026,
                      payload={**record.payload, "主体名称": "=cmd|' /C calc'!A0"}, filter_keys=record.filter_keys)
    response = Client().get("/api/public/downloads/results-2026-SCJG.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="results-2026-SCJG.csv"'
    assert response["Last-Modified"]
    raw = _body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["公开编号", "版本", "发布时间", "抽查计划编号"]
    names = {row[rows[0].index("主体名称")] for row in rows[1:]}
    assert names == {NAME, "'=cmd|' /C calc'!A0"}


def test_the_json_download_has_stable_ids_and_a_last_updated_stamp(data) -> None:
    response = Client().get("/api/public/downloads/results-2026-SCJG.json")
    body = json.loads(_body(response))
    assert body["format"] == "ssj-public-results/1" and body["last_updated"]
    assert [r["public_id"] for r in body["records"]] == [data.result_record.public_id]
    assert body["records"][0]["payload"]["主体名称"] == NAME


def test_the_download_list_names_every_year_and_department(data) -> None:
    files = Client().get("/api/public/downloads/").json()
    assert files == [{"year": 2026, "department_code": "SCJG", "department": "市场监管局",
                      "csv": "/api/public/downloads/results-2026-SCJG.csv",
                      "json": "/api/public/downloads/results-2026-SCJG.json"}]
    page = Client().get("/public/downloads/").content.decode()
    assert "results-2026-SCJG.csv" in page


def test_a_year_without_results_gives_an_empty_file_not_an_error(data) -> None:
    body = json.loads(_body(Client().get("/api/public/downloads/results-2019-SCJG.json")))
    assert body["records"] == []
