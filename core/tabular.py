"""Reading the spreadsheets clerks upload: CSV (UTF-8 with or without BOM, or GBK, which Chinese
Excel writes) and xlsx (through python-calamine: about 17x faster than openpyxl here).

Rows stream; a file is never loaded whole. Row numbers are the ones the clerk sees in Excel:
the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
MAX_CELL_CHARS = 10_000
# python-calamine loads a whole sheet, as a dense grid from A1 to its farthest cell, before the
# first row comes out: the workbook is checked first, streaming, with real (not declared) sizes.
MAX_XLSX_UNCOMPRESSED = 1024**3  # real bytes of XML, all parts together
MAX_XLSX_COLUMNS = 200
MAX_XLSX_CELLS = 20_000_000  # rows x columns of the grid calamine would allocate (about 640 MB)
CSV_FIELD_LIMIT = 1024**2  # characters; longer cells are refused (the csv module's own limit is 128 K)
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,7})\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


class TabularError(Exception):
    """The file as a whole cannot be read; the message is for the clerk."""


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"  # a superset of GBK and GB2312
    except UnicodeDecodeError:
        raise TabularError(_("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 xlsx 文件。")) from None


def _header_map(header: list[str], aliases: Mapping[str, str]) -> list[str | None]:
    mapped: list[str | None] = []
    for cell in header:
        key = str(cell or "").strip().replace("\ufeff", "").replace("*", "").strip()
        mapped.append(aliases.get(key) or aliases.get(key.lower()))
    return mapped


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if not hasattr(value, "hour") or not any(
            (value.hour, value.minute, value.second)
        ) else value.isoformat()
    return str(value).strip()


def _rows_from(matrix: Iterator[list[Any]], aliases: Mapping[str, str], required: set[str]) -> Iterator[Row]:
    try:
        header = next(matrix)
    except StopIteration:
        raise TabularError(_("文件是空的。")) from None
    keys = _header_map([_as_text(c) for c in header], aliases)
    missing = required - {k for k in keys if k}
    if missing:
        names = {v: k for k, v in aliases.items()}
        raise TabularError(
            _("缺少必需的列：%(cols)s。请使用导入模板。") % {"cols": "、".join(sorted(names.get(m, m) for m in missing))}
        )
    for number, cells in enumerate(matrix, start=2):
        values: dict[str, str] = {}
        for key, cell in zip(keys, cells, strict=False):
            if key:
                text = _as_text(cell)
                values[key] = text[:MAX_CELL_CHARS + 1]
        if any(values.values()):
            yield Row(number, values)


def _csv_matrix(fh: IO[bytes]) -> Iterator[list[Any]]:
    sample = fh.read(1 << 20)
    encoding = detect_encoding(sample)
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline="")
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(text)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise TabularError(_("文件中有无法按 %(enc)s 解码的字符。") % {"enc": encoding.upper()}) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TabularError(
                _("第 %(line)s 行附近有超长的单元格（超过 %(n)s 个字符），或有未闭合的引号。")
                % {"line": reader.line_num, "n": f"{CSV_FIELD_LIMIT:,}"}
            ) from None
        raise TabularError(_("CSV 格式错误（第 %(line)s 行附近）：引号或分隔符不匹配。") % {"line": reader.line_num}) from None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_xlsx_bounds(path: Path | str) -> None:
    """Refuse zip bombs and sheets whose grid would not fit in memory, reading the parts as a stream.

    Declared sizes in a zip can lie; here every byte is really inflated and counted, and every cell
    reference is bounded, before calamine sees the file.
    """
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_XLSX_UNCOMPRESSED:
                    raise TabularError(_("文件解压后过大（疑似压缩炸弹），已拒绝。"))
                is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                max_row = max_col = rows = cells = 0
                tail = b""
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_UNCOMPRESSED:
                            raise TabularError(_("文件解压后过大（疑似压缩炸弹），已拒绝。"))
                        if not is_sheet:
                            continue
                        text = tail + chunk
                        cut = max(0, len(text) - 256)
                        # References fully inside [0, cut) are counted now; the rest comes again with the next chunk.
                        for m in _CELL_REF.finditer(text, 0, len(text)):
                            if m.start() >= cut and chunk:
                                break
                            max_col = max(max_col, _column_number(m.group(1)))
                            max_row = max(max_row, int(m.group(2)))
                        for m in _ROW_REF.finditer(text):
                            if m.start() >= cut:
                                break
                            max_row = max(max_row, int(m.group(1)))
                        rows += sum(1 for m in _ROW_TAG.finditer(text) if m.start() < cut)
                        cells += sum(1 for m in _CELL_TAG.finditer(text) if m.start() < cut)
                        tail = text[cut:]
                        if max_col > MAX_XLSX_COLUMNS:
                            raise TabularError(
                                _("工作表的列数超过 %(n)s 列（最远的单元格在第 %(c)s 列），请只保留需要导入的列。")
                                % {"n": MAX_XLSX_COLUMNS, "c": max_col}
                            )
                        if max(max_row, rows) * max(max_col, 1) > MAX_XLSX_CELLS or cells > MAX_XLSX_CELLS:
                            raise TabularError(
                                _("工作表过大（超过 %(n)s 个单元格），请删除多余的空行空列或拆分后分批导入。")
                                % {"n": f"{MAX_XLSX_CELLS:,}"}
                            )
                    if is_sheet and tail:
                        for m in _CELL_REF.finditer(tail):
                            max_col = max(max_col, _column_number(m.group(1)))
                            max_row = max(max_row, int(m.group(2)))
                        if max_col > MAX_XLSX_COLUMNS or max(max_row, rows) * max(max_col, 1) > MAX_XLSX_CELLS:
                            raise TabularError(_("工作表过大，请删除多余的空行空列或拆分后分批导入。"))
    except zipfile.BadZipFile:
        raise TabularError(_("xlsx 文件已损坏或不完整。")) from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError, ValueError) as exc:
        # A lying size header, an unknown compression method, a password, a cut-off member.
        raise TabularError(_("xlsx 文件已损坏或格式不受支持：%(err)s") % {"err": type(exc).__name__}) from None


def _xlsx_matrix(path: Path) -> Iterator[list[Any]]:
    check_xlsx_bounds(path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except TabularError:
        raise
    except Exception as exc:
        raise TabularError(_("无法读取 xlsx 文件：%(err)s") % {"err": exc}) from None
    except BaseException as exc:
        # A panic inside the Rust reader arrives as pyo3's PanicException (a BaseException).
        if type(exc).__name__ != "PanicException":
            raise
        raise TabularError(_("无法读取 xlsx 文件：文件结构异常。")) from None


def read_rows(path: Path | str, *, aliases: Mapping[str, str], required: set[str]) -> Iterator[Row]:
    """Rows of the first sheet (xlsx) or the CSV, with columns renamed through ``aliases``."""
    path = Path(path)
    with path.open("rb") as fh:
        is_xlsx = fh.read(4) == XLSX_MAGIC
    if is_xlsx:
        yield from _rows_from(_xlsx_matrix(path), aliases, required)
        return
    with path.open("rb") as fh:
        yield from _rows_from(_csv_matrix(fh), aliases, required)
