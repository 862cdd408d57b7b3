"""The public site. Every view opts out of login and reads only publication records
(``publicity.selectors``); the one write, an objection, goes through ``inspections.objections``.

Pages are cached whole for anonymous visitors (``publicity.caching``) and invalidated by every
new publication record. Inspectors, review opinions and personal data are never in a record,
so they can never be on a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from publicity import links, selectors
from publicity.caching import cache_page, csrf_for
from publicity.selectors import Filters, QueryRefused, ResultRow
from publicity.throttling import client_ip

TASK_CODE = re.compile(r"[\w.\-]{1,64}")
DEPARTMENT_CODE = re.compile(r"[\w.\-]{1,32}")
STANDALONE = "verify/standalone.html"
STANDALONE_SCRIPTS = ["js/verify-draw.js", "verify/standalone.js"]  # inlined: the one algorithm file


# Labels repeated on every row of a page: translated once per page, not once per row.
LABELS = {
    "results": _("检查结果"), "item": _("检查事项"), "task": _("抽查任务"), "authorities": _("抽查机关"),
    "date": _("抽查完成日期"), "scope": _("抽查类型"), "plan": _("抽查计划"), "published": _("公示"),
    "objections": _("异议处理"), "draw": _("抽取过程与核验"), "object": _("对该结果有异议？"),
}
NAV = ("home", "search", "item_lists", "plans", "tasks", "downloads", "verifier", "audit_heads")


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    token = csrf_for(request)
    if token:
        context["csrf_token"] = token
    context["L"] = {key: str(label) for key, label in LABELS.items()}
    context["nav"] = {name: links.plain(f"publicity:{name}") for name in NAV}
    return render(request, template, context, status=status)


def _cursor(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _choices() -> dict[str, Any]:
    return {
        "departments": selectors.department_names(), "years": selectors.years(),
        "categories": selectors.result_categories(), "streets": list(selectors.result_street_names().items()),
    }


def _options(choices: Any, selected: Any) -> str:
    """<option> elements of a filter, built here: a template loop over 50 streets costs more
    than the rest of the page."""
    chosen = "" if selected is None else str(selected)
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == chosen else "", label) for value, label in choices),  # noqa: S308
    )


def _filter_options(filters: Filters, choices: dict[str, Any]) -> dict[str, str]:
    return {
        "department": _options(choices["departments"].items(), filters.department),
        "year": _options(((y, y) for y in choices["years"]), filters.year),
        "category": _options(choices["categories"], filters.category),
        "street": _options(choices["streets"], filters.street),
    }


def _code(value: str, pattern: re.Pattern[str]) -> str:
    if not pattern.fullmatch(value):
        raise Http404
    return value


# --- Home and search ------------------------------------------------------------------------------
@login_not_required
@require_GET
@cache_page
def home(request: HttpRequest) -> HttpResponse:
    latest = {
        "tasks": list(selectors.current("task").order_by("-id")[:8]),
        "plans": list(selectors.current("plan").order_by("-id")[:5]),
        "item_lists": list(selectors.current("item_list").order_by("-id")[:8]),
        "results": [ResultRow.of(r) for r in selectors.current("result").order_by("-id")[:10]],
    }
    return _render(request, "publicity/home.html", {"latest": latest, "last_updated": selectors.last_updated()})


@login_not_required
@require_GET
@cache_page
def search(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_params(request.GET)
    q = request.GET.get("q", "")
    error, rows, next_cursor = "", [], None
    try:
        records, next_cursor = selectors.result_page(filters, q=q, before=_cursor(request))
        rows = [ResultRow.of(r) for r in records]
    except QueryRefused as exc:
        error = str(exc)
    params = request.GET.copy()
    params.pop("before", None)
    return _render(request, "publicity/search.html", {
        "q": q, "filters": filters, "rows": rows, "error": error, "next_cursor": next_cursor,
        "query_string": params.urlencode(), "options": _filter_options(filters, _choices()),
    })


# --- Entities ---------------------------------------------------------------------------------------
@login_not_required
@require_GET
@cache_page
def entity(request: HttpRequest, uscc: str) -> HttpResponse:
    uscc = uscc.upper()
    if not selectors.USCC_RE.fullmatch(uscc):
        raise Http404
    histories = selectors.entity_results(uscc)
    if not histories:
        raise Http404
    newest = max(histories, key=lambda h: h.current.record.pk).current
    streets = selectors.street_names([newest.record.street])
    return _render(request, "publicity/entity.html", {
        "uscc": uscc, "name": newest.name, "street": streets.get(newest.record.street, ""), "histories": histories,
    })


# --- Item lists, plans, tasks --------------------------------------------------------------------
@login_not_required
@require_GET
@cache_page
def item_lists(request: HttpRequest) -> HttpResponse:
    records = list(selectors.current("item_list").order_by("department_code"))
    return _render(request, "publicity/item_lists.html", {"records": records})


@login_not_required
@require_GET
@cache_page
def item_list(request: HttpRequest, department: str) -> HttpResponse:
    record = selectors.latest(f"item_list:{_code(department, DEPARTMENT_CODE)}")
    if record is None:
        raise Http404
    return _render(request, "publicity/item_list.html", {"record": record, "versions": selectors.versions(record.public_id)})


@login_not_required
@require_GET
@cache_page
def plans(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_params(request.GET)
    records, next_cursor = selectors.page(selectors.listing("plan", filters, before=_cursor(request)))
    return _render(request, "publicity/plans.html", {"records": records, "filters": filters, "next_cursor": next_cursor,
                                                     "options": _filter_options(filters, _choices())})


@login_not_required
@require_GET
@cache_page
def plan(request: HttpRequest, code: str) -> HttpResponse:
    record = selectors.latest(f"plan:{_code(code, TASK_CODE)}")
    if record is None:
        raise Http404
    return _render(request, "publicity/plan.html", {"record": record, "versions": selectors.versions(record.public_id)})


@login_not_required
@require_GET
@cache_page
def tasks(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_params(request.GET)
    records, next_cursor = selectors.page(selectors.listing("task", filters, before=_cursor(request)))
    return _render(request, "publicity/tasks.html", {"records": records, "filters": filters, "next_cursor": next_cursor,
                                                     "options": _filter_options(filters, _choices())})


@login_not_required
@require_GET
@cache_page
def task(request: HttpRequest, code: str) -> HttpResponse:
    """The task announcement and its results (抽查结果公告)."""
    record = selectors.latest(f"task:{_code(code, TASK_CODE)}")
    if record is None:
        raise Http404
    results, next_cursor = selectors.page(selectors.results(Filters(task=code), before=_cursor(request)), size=50)
    return _render(request, "publicity/task.html", {
        "record": record, "draws": selectors.draws_of_task(code), "rows": [ResultRow.of(r) for r in results],
        "next_cursor": next_cursor,
    })


# --- Draws --------------------------------------------------------------------------------------
@login_not_required
@require_GET
@cache_page
def draw(request: HttpRequest, code: str) -> HttpResponse:
    """Draw transparency: the announcement as recorded before the randomness, the randomness, the
    selection, the evidence bundle, and a verification that runs in the visitor's browser."""
    draws = selectors.draws_of_task(_code(code, TASK_CODE))
    if not draws:
        raise Http404
    task_record = selectors.latest(f"task:{code}")
    items = []
    for first, last in draws:
        result, iteration = last.payload.get("result"), last.payload.get("iteration")
        items.append({
            "payload": last.payload, "recorded": first.payload.get("announcement", {}), "result": result,
            "iteration": iteration, "announcement_id": f"announcement-{iteration}", "published_id": f"published-{iteration}",
            "published": {"selected": result.get("selected"), "one_time_code_hex": result.get("one_time_code_hex")} if result else None,
        })
    return _render(request, "publicity/draw.html", {"code": code, "task": task_record, "draws": items})


@login_not_required
@require_GET
def draw_bundle(request: HttpRequest, code: str, iteration: int) -> HttpResponse:
    attachment = selectors.draw_bundle(_code(code, TASK_CODE), iteration)
    if attachment is None:
        raise Http404
    response = HttpResponse(selectors.attachment_bytes(attachment), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{code}-{iteration}.json"'
    response["ETag"] = f'"{attachment.sha256_hex}"'
    response["X-Content-SHA256"] = attachment.sha256_hex
    return response


@login_not_required
@require_GET
@cache_page
def verifier(request: HttpRequest) -> HttpResponse:
    return _render(request, "publicity/verifier.html", {})


def _static_text(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise Http404
    return Path(str(path)).read_text(encoding="utf-8")


@login_not_required
@require_GET
def verifier_download(request: HttpRequest) -> HttpResponse:
    """The standalone verifier: one HTML file with the same algorithm file inlined, for a visitor
    to save and open from disk. Sent as a download: it never runs on this site's origin."""
    page = _static_text(STANDALONE)
    for script in STANDALONE_SCRIPTS:
        marker = f"/*INLINE:{Path(script).name}*/"
        page = page.replace(marker, _static_text(script).replace("</script", "<\\/script"))
    response = HttpResponse(page.encode(), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="ssj-draw-verifier.html"'
    return response


# --- Downloads ------------------------------------------------------------------------------------
@login_not_required
@require_GET
@cache_page
def downloads(request: HttpRequest) -> HttpResponse:
    from publicity.downloads import available

    return _render(request, "publicity/downloads.html", {"files": available(), "departments": selectors.department_names(),
                                                         "last_updated": selectors.last_updated()})


# --- Objections ---------------------------------------------------------------------------------
class ObjectionForm(forms.Form):
    token = forms.CharField(label=_("检查通知书验证码"), max_length=40, help_text=_("印在检查通知书上，用于确认您是被检查的市场主体。不区分大小写，空格和短横线可省略。"),
                            widget=forms.TextInput(attrs={"aria-describedby": "id_token-hint", "autocomplete": "off"}))
    contact = forms.CharField(label=_("联系人及联系方式"), max_length=100, help_text=_("仅供检查部门与您联系，不会公开。"),
                              widget=forms.TextInput(attrs={"aria-describedby": "id_contact-hint"}))
    text = forms.CharField(label=_("异议内容及理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
    attachment = forms.FileField(label=_("证明材料（可选）"), required=False, help_text=_("PDF、PNG 或 JPEG，不超过 5 MB。"),
                                 widget=forms.ClearableFileInput(attrs={"aria-describedby": "id_attachment-hint"}))


@login_not_required
def objection(request: HttpRequest, public_id: str) -> HttpResponse:
    """An entity objects to a published result (异议), authenticated by its notice's code."""
    from inspections.objections import ObjectionRefused, objection_submit

    record = selectors.latest(public_id)
    if record is None or record.kind != selectors.RESULT:
        raise Http404
    row = ResultRow.of(record)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = objection_submit(
                public_id=public_id, token=form.cleaned_data["token"], contact=form.cleaned_data["contact"],
                text=form.cleaned_data["text"], attachment=form.cleaned_data["attachment"], client_ip=client_ip(request),
            )
        except ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _render(request, "publicity/objection_done.html", {"row": row, "reference": done.reference})
    status = 400 if request.method == "POST" else 200
    return _render(request, "publicity/objection.html", {"row": row, "form": form}, status=status)
