"""``manage.py import_entities FILE``: the bulk path for a province's registry file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Department
from core.tabular import XLSX_MAGIC, TabularError
from entities.bulk import MODE_ALL, MODE_GOOD, BulkResult, import_entities_file, progress_bar


def estimate_rows(path: Path) -> int | None:
    """Data rows in a CSV, counted as lines (a quoted line break makes it a little high)."""
    with path.open("rb") as fh:
        if fh.read(4) == XLSX_MAGIC:
            return None
        fh.seek(0)
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    return max(lines - 1, 0)


class Command(BaseCommand):
    help = "Import market entities from a CSV or xlsx file (COPY into staging, validated upsert)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mode", choices=[MODE_ALL, MODE_GOOD], default=MODE_ALL,
                            help="all: any bad row rejects the file (default); good: import the good rows")
        parser.add_argument("--errors", type=Path, default=None,
                            help="where to write the bad rows (default: FILE.errors.csv)")
        parser.add_argument("--department", default=None,
                            help="department code: also add the entities to its main directory")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(_("未知的部门代码：%(code)s") % {"code": options["department"]})
        error_path = options["errors"] or path.with_name(path.name + ".errors.csv")
        bar = progress_bar(total=estimate_rows(path), out=self.stderr)
        try:
            result = import_entities_file(path=path, mode=options["mode"], department=department,
                                          progress=bar, error_path=error_path)
        except TabularError as exc:
            raise CommandError(str(exc)) from None
        finally:
            self.stderr.write("")
        self._report(result)

    def _report(self, result: BulkResult) -> None:
        c = result.counts
        self.stdout.write(
            _("共 %(rows)s 行：新增 %(new)s，更新 %(updated)s，未变 %(unchanged)s，错误 %(errors)s")
            % {"rows": c.rows, "new": c.new, "updated": c.updated, "unchanged": c.unchanged, "errors": c.errors}
        )
        if result.error_path:
            self.stdout.write(_("错误行已写入：%(path)s") % {"path": result.error_path})
        if not result.imported:
            raise CommandError(_("文件有 %(n)s 行错误，未导入任何数据（可用 --mode good 只导入正确的行）。")
                               % {"n": c.errors})
