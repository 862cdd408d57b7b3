"""What the django-import-export resources (admin imports) share: file formats that read CSV in
UTF-8 or GBK as Chinese Excel writes it and xlsx through python-calamine (openpyxl crawls on large
files), and an instance loader that finds existing rows by natural key in chunks, not row by row."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

import tablib
from import_export.formats import base_formats
from import_export.instance_loaders import ModelInstanceLoader

from core.tabular import detect_encoding

CHUNK = 2000
T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``itertools.batched`` before Python 3.12."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def cell_text(value: Any) -> str:
    """A cell as the clerk typed it: 1.0 -> "1", a date -> "2024-01-31", None -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text
    return str(value).strip()


class AutoCSV(base_formats.CSV):
    """CSV whose encoding (UTF-8, UTF-8 with BOM, GBK/GB18030) is read from the bytes."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(detect_encoding(in_stream[: 1 << 20]))
        return tablib.import_set(in_stream, format="csv", **kwargs)


class CalamineXLSX(base_formats.XLSX):
    """xlsx read with python-calamine: the first sheet, the first row as headings."""

    def create_dataset(self, in_stream: Any) -> tablib.Dataset:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(in_stream)).get_sheet_by_index(0)
        rows = iter(sheet.iter_rows())
        dataset = tablib.Dataset()
        headers = [cell_text(c) for c in next(rows, [])]
        while headers and not headers[-1]:
            headers.pop()
        dataset.headers = headers
        width = len(headers)
        for row in rows:
            values = [None if c == "" else c for c in list(row)[:width]]
            if any(v is not None for v in values):
                dataset.append(values + [None] * (width - len(values)))
        return dataset


IMPORT_FORMATS = [AutoCSV, CalamineXLSX]


class NaturalKeyLoader(ModelInstanceLoader):
    """Loads the existing rows for every key in the dataset, ``CHUNK`` keys per query.

    The resource may define ``normalize_key(value) -> str`` so that " 91370113...x " in the file
    finds 91370113...X in the database.
    """

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        key_field = resource.fields[resource.get_import_id_fields()[0]]
        self.column, self.attribute = key_field.column_name, key_field.attribute
        self.normalize: Callable[[Any], str] = getattr(resource, "normalize_key", cell_text)
        self.cache: dict[str, Any] = {}
        if dataset is None or self.column not in (dataset.headers or []):
            return
        keys = sorted({k for k in (self.normalize(v) for v in dataset[self.column]) if k})
        for chunk in batches(keys, CHUNK):
            for obj in self.get_queryset().filter(**{f"{self.attribute}__in": chunk}):
                self.cache[getattr(obj, self.attribute)] = obj

    def get_instance(self, row: Any) -> Any:
        return self.cache.get(self.normalize(row.get(self.column)))
