"""Thin pages over ``oversight.dashboard``: read-only, for the office and discipline."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies.decorators import role_required
from agencies.models import Role
from oversight import dashboard as d
from oversight import dashboard_lists as lists
from oversight.dashboard_export import dashboard_workbook
from oversight.letter_selectors import letters_summary

READERS = (Role.OFFICE, Role.DISCIPLINE)


def _period(request: HttpRequest) -> tuple[d.Period, Any]:
    today = timezone.localdate()
    return d.period_parse(request.GET.get("period"), today=today), today


@require_safe
@role_required(*READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    period, today = _period(request)
    board = d.dashboard(period=period, today=today)
    letters = letters_summary(period_start=period.start, period_end=period.end, today=today)
    return render(request, "oversight/dashboard/index.html", {
        "board": board, "letters_summary": letters, "stages": d.STAGES, "flags": d.RESULT_FLAGS, "chart": board.chart_data(),
        "choices": d.period_choices(today=today, current=period), "pq": f"period={period.key}", "period": period,
    })


@require_safe
@role_required(*READERS)
def dashboard_tasks(request: HttpRequest) -> HttpResponse:
    period, today = _period(request)
    page = Paginator(d.task_table(period=period, today=today), 50).get_page(request.GET.get("page"))
    return render(request, "oversight/dashboard/tasks.html", {
        "period": period, "page": page, "stages": d.STAGES, "flags": d.RESULT_FLAGS, "pq": f"period={period.key}",
        "choices": d.period_choices(today=today, current=period),
    })


@require_safe
@role_required(*READERS)
def drill(request: HttpRequest, kind: str) -> HttpResponse:
    period, today = _period(request)
    try:
        listing = lists.listing(kind=kind, period=period, today=today, params=request.GET)
    except lists.BadFilter as exc:
        raise Http404 from exc
    with d.planned_plainly():
        page = Paginator(listing.rows, 100).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
    if listing.kind in ("results", "cards"):
        for obj in page.object_list:
            obj.due = d.due_for((obj.task if listing.kind == "results" else obj).window_end)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "oversight/dashboard/list.html", {
        "listing": listing, "page": page, "period": period, "query": query.urlencode(), "pq": f"period={period.key}",
    })


@require_safe
@role_required(*READERS)
def export(request: HttpRequest) -> HttpResponse:
    period, today = _period(request)
    content = dashboard_workbook(period=period, today=today)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{period.key}.xlsx"'
    return response


@require_safe
@role_required(*READERS)
def liaisons(request: HttpRequest) -> HttpResponse:
    period, today = _period(request)
    return render(request, "oversight/dashboard/liaisons.html", {
        "period": period, "sections": lists.liaison_directory(), "chiefs": lists.chief_participation(period=period),
        "choices": d.period_choices(today=today, current=period), "pq": f"period={period.key}",
    })
