"""The assessment report as an Excel workbook: the ranking, then each KPI's numerator and denominator."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from oversight.assessment import Assessment


def assessment_xlsx(assessment: Assessment, *, title: str) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = _("排名")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("统计期间"), f"{assessment.period_start} — {assessment.period_end}", _("数据截至"), str(assessment.as_of)])
    header = [_("排名"), _("部门"), *[f"{label}（{_('权重')} {w}）" for _k, label, w in assessment.kpis], _("得分")]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for row in assessment.rows:
        values = [None if r.value is None else round(float(r.value), 4) for r in row.cells()]
        sheet.append([row.rank, row.department.name, *values, None if row.score is None else round(float(row.score), 2)])
        for cell in sheet[sheet.max_row][2:2 + len(values)]:
            cell.number_format = "0.0%"
    sheet.column_dimensions["B"].width = 24
    detail = book.create_sheet(_("分子分母"))
    detail.append([_("部门"), _("指标"), _("分子"), _("分母"), _("比率")])
    for row in assessment.rows:
        for (_kpi, label, _w), ratio in zip(assessment.kpis, row.cells(), strict=True):
            detail.append([row.department.name, str(label), ratio.num, ratio.den, None if ratio.value is None else float(ratio.value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
