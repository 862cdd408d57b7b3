"""PDF of letters and assessment reports, in Chinese, with reportlab's built-in CID font.

STSong-Light is one of the Adobe Asian fonts every PDF reader carries: no font file ships with
us, and the text stays extractable (copy, search, screen readers).
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6)
SUB = ParagraphStyle("sub", fontName=FONT, fontSize=10.5, leading=16, alignment=TA_CENTER, textColor=colors.grey)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
RIGHT = ParagraphStyle("right", parent=BODY, alignment=2)


def _p(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _build(story: list[Flowable], *, pagesize: Any = A4, title: str = "") -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=title, author=_("双随机联合抽查平台"))
    doc.build(story)
    return buffer.getvalue()


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table([[_p(c, CELL) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def letter_pdf(letter: Any) -> bytes:
    items = list(letter.items.order_by("seq"))
    story: list[Flowable] = [
        _p(letter.issuer.name, TITLE),
        _p(_("工作提醒函"), TITLE),
        _p(letter.reference or _("（草稿，未签发）"), SUB),
        Spacer(1, 6 * mm),
        _p(f"{letter.department.name}："),
        _p(letter.title),
        _p(letter.body),
        Spacer(1, 4 * mm),
    ]
    rows = [[_("序号"), _("改进要求"), _("答复期限"), _("答复")]]
    for i in items:
        answer = f"{i.answer}（{i.answered_on}）" if i.answered_at else _("未答复")
        rows.append([str(i.seq), i.text, str(i.due or _("签发后计算")) + (f" · {_('按周末推算')}" if i.due_estimated else ""), answer])
    story += [
        _grid(rows, [12 * mm, 78 * mm, 28 * mm, 52 * mm]),
        Spacer(1, 10 * mm),
        _p(letter.issuer.name, RIGHT),
        _p(str(letter.sent_on or ""), RIGHT),
    ]
    return _build(story, title=f"{_('工作提醒函')} {letter.reference}")


def assessment_pdf(assessment: Any, *, title: str) -> bytes:
    header = [_("排名"), _("部门"), *[f"{label}（{w}）" for _k, label, w in assessment.kpis], _("得分")]
    rows = [header]
    for row in assessment.rows:
        rows.append([str(row.rank or "—"), row.department.name, *[r.percent for r in row.cells()], row.score_text])
    width = (297 - 30) * mm
    widths = [10 * mm, 32 * mm, *[(width - 60 * mm) / len(assessment.kpis)] * len(assessment.kpis), 18 * mm]
    story: list[Flowable] = [
        _p(title, TITLE),
        _p(_("统计期间 %(start)s 至 %(end)s，数据截至 %(as_of)s；生成于 %(now)s") % {
            "start": assessment.period_start, "end": assessment.period_end, "as_of": assessment.as_of,
            "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }, SUB),
        Spacer(1, 5 * mm),
        _grid(rows, widths),
        Spacer(1, 4 * mm),
        _p(_("括号内为权重。得分为有数据的指标按权重加权平均（百分制），重复检查率按“1 − 比率”计分；“—”表示本期无可计算的数据。指标定义见 docs/assessment.md。"), CELL),
    ]
    return _build(story, pagesize=landscape(A4), title=title)
