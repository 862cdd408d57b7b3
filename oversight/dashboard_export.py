"""The dashboard's tables as an Excel workbook (openpyxl): departments, tasks, cards."""

from __future__ import annotations

import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from oversight import dashboard as d


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[object]], *, first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "B2"


def dashboard_workbook(*, period: d.Period, today: dt.date) -> bytes:
    board = d.dashboard(period=period, today=today)
    stage_labels = [str(label) for _k, label in d.STAGES]
    flag_labels = [str(label) for _k, label in d.RESULT_FLAGS]
    wb = Workbook()
    dept_rows = [
        [r.department.name, *[r.stages.get(k, 0) for k, _l in d.STAGES], r.joint, r.claim_overdue, r.red, r.yellow,
         *[r.results.get(k, 0) for k, _l in d.RESULT_FLAGS]]
        for r in [*board.departments, board.totals]
    ]
    _sheet(wb, _("部门进度"), [_("部门"), *stage_labels, _("联合任务"), _("逾期未认领"), _("红牌"), _("黄牌"), *flag_labels],
           dept_rows, first=True)
    task_rows = [
        [t["task"].code, t["task"].title, t["task"].department.name, t["task"].get_scope_display(), t["task"].get_status_display(),
         t["task"].window_end, t["due"], t["entities"], *[t["results"][k] for k, _l in d.RESULT_FLAGS],
         {"red": _("红牌"), "yellow": _("黄牌")}.get(t["card"], "")]
        for t in d.task_table(period=period, today=today)
    ]
    _sheet(wb, _("任务进度"), [_("任务编号"), _("任务名称"), _("发起部门"), _("类型"), _("状态"), _("检查结束日期"),
                               _("公示期限"), _("检查对象"), *flag_labels, _("警示")], task_rows)
    card_rows = [
        [{"red": _("红牌"), "yellow": _("黄牌")}[c["colour"]], c["department"].name, c["task"].code, c["task"].title,
         _("结果公示") if c["kind"] == "publication" else _("任务认领"), c["due"], c["days"]]
        for c in board.cards
    ]
    _sheet(wb, _("红黄牌"), [_("警示"), _("部门"), _("任务编号"), _("任务名称"), _("事项"), _("期限"), _("逾期天数")], card_rows)
    summary: list[list[object]] = [
        [_("期间"), board.period.label], [_("联合任务占比"), board.joint_share if board.joint_share is not None else ""],
        [_("联合任务"), board.joint_tasks], [_("已发起任务"), board.launched_tasks], [_("入户检查"), board.visits],
        [_("联合入户"), board.joint_visits], [_("节省入户次数"), board.visits_saved], [_("多次被检查的主体"), board.repeat_entities],
        [_("参与检查的执法人员"), board.inspectors], [_("人均检查户数"), board.load_avg], [_("最高检查户数"), board.load_max],
    ]
    _sheet(wb, _("概况"), [_("指标"), _("数值")], summary)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
