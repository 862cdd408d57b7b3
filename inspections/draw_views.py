"""Staff pages of draws: announce, ceremony, randomness, progress, result, evidence, matching,
substitutions, redraw requests and the fairness report.

Who may see and do what: ``inspections.draw_permissions`` (404 for missing and not-yours alike).
Every change goes through a service: ``inspections.drawing`` and ``inspections.redraws``.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections import defaultdict
from typing import Any, cast

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from agencies.models import Department, Role
from agencies.selectors import department_ids, has_role, sees_all_departments
from core.models import OutboxItem
from entities.selectors import entity_names
from inspections import drawing, fairness, redraws
from inspections.draw import SKIP_REASONS_ZH, DrawError
from inspections.draw_forms import (
    EntityListForm,
    RandomnessForm,
    RedrawRequestForm,
    RejectForm,
    SourcesForm,
    SubstitutionForm,
)
from inspections.draw_permissions import (
    access_draw,
    access_draw_evidence,
    access_draw_task,
    access_redraw_request,
    may_write_task,
    sees_private,
)
from inspections.draw_words import EXCLUSION_WORDS, stratum_words
from inspections.drawing import DrawRefused
from inspections.models import (
    Draw,
    DrawAssignment,
    DrawEvidence,
    EntityList,
    RedrawRequest,
    Substitution,
    Task,
    TaskCommitment,
    TaskStatus,
    VisitTask,
)
from inspections.randomness import SourceError, fetch_beacon
from inspectors.models import Inspector

PAGE = 500
MATCHING_PAGE = 200
REFUSALS = (DrawRefused, SourceError, DrawError)
NOT_DRAWN = (Task.DrawMode.FULL_COVERAGE, Task.DrawMode.ASSIGNED)
SOURCE_KINDS = {
    "lottery": gettext_lazy("彩票开奖号码"),
    "witness": gettext_lazy("现场见证摇号"),
    "ceremony": gettext_lazy("现场见证摇号"),
    "beacon": gettext_lazy("公共随机信标"),
    "server": gettext_lazy("服务器熵"),
}


# --- Small helpers ----------------------------------------------------------------------------
def _page(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and 0 < len(value) < 7 and int(value) > 0 else 1


def _posted(request: HttpRequest) -> Any:
    """The POST data, even when empty (a form whose only source is server entropy has no fields)."""
    return request.POST if request.method == "POST" else None


def _refusal(exc: Exception) -> str:
    if isinstance(exc, DrawError):  # the engine's own check, worded in English for programmers
        return _("抽取引擎拒绝了该操作（%(e)s）。请联系系统管理员。") % {"e": exc}
    return str(exc)


def _private_keys(draw: Draw) -> dict[str, str]:
    def compute() -> dict[str, str]:
        return {s["key"]: s["private_key"] for s in drawing.frame_header(drawing.stored_frame_blob(draw))["strata"] if s.get("private_key")}

    return cast(dict[str, str], cache.get_or_set(f"draws:private-keys:{draw.pk}:{draw.frame_hash_hex}", compute, 86400))


def _stratum_labels(draw: Draw, user: Any) -> dict[str, str]:
    strata = draw.frame.summary.get("strata", [])
    private = _private_keys(draw) if any(s["private"] for s in strata) and sees_private(user, draw.task) else {}
    labels = {}
    for s in strata:
        if not s["private"]:
            labels[s["key"]] = stratum_words(s["key"])
        elif s["key"] in private:
            labels[s["key"]] = f"{stratum_words(private[s['key']])}（{private[s['key']]}）"
        else:
            labels[s["key"]] = _("内部分层（信用风险分类不公开）")
    return labels


def _sources(draw: Draw) -> list[dict[str, Any]]:
    """Announced sources with, once collected, their values."""
    collected = draw.randomness or []
    rows = []
    for i, source in enumerate(draw.sources):
        value = collected[i]["value"] if i < len(collected) else None
        rows.append({
            "kind": SOURCE_KINDS.get(source["kind"], source["kind"]), "description": source["description"],
            "hash": source.get("value_sha256_hex", ""), "date": source.get("date", ""),
            "value": " ".join(str(v) for v in value) if isinstance(value, list) else value,
        })
    return rows


def _hex_groups(value: str) -> list[str]:
    return [value[i:i + 8] for i in range(0, len(value), 8)]


def _visits_saved(task: Task) -> int:
    shared = VisitTask.objects.values("visit").annotate(n=Count("id")).filter(n__gt=1).values("visit")
    return VisitTask.objects.filter(task=task, visit__in=shared).count()


def _trial_allowed(task: Task) -> bool:
    return task.draw_mode not in NOT_DRAWN and not task.draws.filter(kind=Draw.Kind.ENTITIES, trial=False).exists()


def _task_actions(user: Any, task: Task) -> dict[str, bool]:
    if not may_write_task(user, task):
        return {}
    real = task.draws.filter(trial=False)
    ready = task.status == TaskStatus.READY
    return {
        "announce": ready and task.draw_mode not in NOT_DRAWN and not real.filter(kind=Draw.Kind.ENTITIES).exists(),
        "trial": _trial_allowed(task),
        "entity_list": ready and task.draw_mode in NOT_DRAWN and not EntityList.objects.filter(task=task).exists(),
        "match": task.status == TaskStatus.ENTITIES_DRAWN and not real.filter(kind=Draw.Kind.INSPECTORS).exists(),
    }


# --- Task level -------------------------------------------------------------------------------
@require_GET
def task_draws(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_draw_task(user=request.user, pk=task_id)
    draws = list(task.draws.select_related("approved_by", "created_by", "randomness_by").order_by("iteration"))
    successor = {d.supersedes_id: d for d in draws if d.supersedes_id}
    requests = RedrawRequest.objects.filter(draw__task=task, status=RedrawRequest.Status.PENDING).select_related("requested_by")
    pending = {r.draw_id: r for r in requests}
    return render(request, "inspections/draws/task_draws.html", {
        "task": task,
        "commitment": TaskCommitment.objects.filter(task=task).first(),
        "draws": [(d, successor.get(d.pk), _sources(d), pending.get(d.pk)) for d in reversed(draws)],
        "entity_list": EntityList.objects.filter(task=task).select_related("created_by").first(),
        "visits_saved": _visits_saved(task),
        "actions": _task_actions(request.user, task),
        "may_approve": drawing.may_approve_redraw(request.user, task),
    })


def announce(request: HttpRequest, task_id: int, kind: str) -> HttpResponse:
    task = access_draw_task(user=request.user, pk=task_id, write=True)
    if kind == Draw.Kind.ENTITIES and task.draw_mode in NOT_DRAWN:
        return redirect("draws:entity_list", task.pk)
    form = SourcesForm(_posted(request), trial_allowed=kind == Draw.Kind.ENTITIES and _trial_allowed(task))
    if request.method == "POST" and form.is_valid():
        try:
            if kind == Draw.Kind.ENTITIES:
                draw = drawing.draw_announce(task=task, user=request.user, trial=form.trial, **form.announce_kwargs())
            else:
                draw = drawing.matching_announce(task=task, user=request.user, **form.announce_kwargs())
        except REFUSALS as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("已公告。随机数产生后请录入，系统随即完成抽取。"))
            return redirect("draws:draw", draw.pk)
    return render(request, "inspections/draws/announce.html", {"task": task, "form": form, "kind": kind})


def entity_list(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_draw_task(user=request.user, pk=task_id, write=True)
    if task.draw_mode not in NOT_DRAWN:
        raise Http404
    form = EntityListForm(_posted(request), task=task)
    if request.method == "POST" and form.is_valid():
        try:
            drawing.entity_list_assign(task=task, user=request.user, usccs=form.codes, note=form.cleaned_data["note"])
        except REFUSALS as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("已登记指定检查名单（非抽取）。"))
            return redirect("draws:task", task.pk)
    return render(request, "inspections/draws/entity_list.html", {"task": task, "form": form})


# --- One draw ---------------------------------------------------------------------------------
def _draw_context(request: HttpRequest, draw: Draw) -> dict[str, Any]:
    task = draw.task
    chain = TaskCommitment.objects.filter(task=task).first()
    can_write = may_write_task(request.user, task)
    successor = Draw.objects.filter(supersedes=draw).first()
    pending = RedrawRequest.objects.filter(draw=draw, status=RedrawRequest.Status.PENDING).first()
    return {
        "task": task, "draw": draw, "chain": chain, "successor": successor, "can_write": can_write, "sources": _sources(draw),
        "sees_private": sees_private(request.user, task), "pending_request": pending,
        "can_request_redraw": can_write and not draw.trial and successor is None and pending is None,
        "redraw_form": RedrawRequestForm(),
    }


def _frame_facts(draw: Draw, labels: dict[str, str]) -> dict[str, Any]:
    summary = draw.frame.summary
    return {
        "exclusions": [(EXCLUSION_WORDS.get(e["rule"], e["rule"]), e["rule"], e["removed"]) for e in summary.get("exclusions", [])],
        "strata": [{**s, "label": labels.get(s["key"], s["key"])} for s in summary.get("strata", [])],
    }


def _entity_result(request: HttpRequest, draw: Draw) -> dict[str, Any]:
    labels = _stratum_labels(draw, request.user)
    page = _page(request)
    rows = list(draw.selections.filter(rank__gt=(page - 1) * PAGE, rank__lte=page * PAGE).order_by("rank"))
    names = entity_names(codes={r.entity_id for r in rows})
    pages = max(1, -(-draw.selected_count // PAGE))
    return {
        **_frame_facts(draw, labels),
        "selections": [(r, names.get(r.entity_id, ""), labels.get(r.stratum, r.stratum)) for r in rows],
        "page": page, "pages": pages, "page_range": range(1, pages + 1) if pages <= 40 else None,
    }


def _label(cert_no: str) -> str:
    return unicodedata.normalize("NFC", cert_no.strip())


def _matching_result(request: HttpRequest, draw: Draw) -> dict[str, Any]:
    if draw.status != Draw.Status.DONE:
        return {"teams": []}
    items = drawing.evidence_bundle(draw)["assignments"]
    order = list(dict.fromkeys(a["entity"] for a in items))
    page = _page(request)
    shown = set(order[(page - 1) * MATCHING_PAGE: page * MATCHING_PAGE])
    rows = DrawAssignment.objects.filter(draw=draw, entity_id__in=shown).select_related("inspector", "department")
    by_label = {(r.entity_id, _label(r.inspector.cert_no)): r for r in rows}
    subs = defaultdict(list)
    for s in Substitution.objects.filter(assignment__in=rows).select_related("new_inspector", "approved_by").order_by("at"):
        subs[s.assignment_id].append(s)
    skipped = {s["label"] for a in items if a["entity"] in shown for s in a["skipped"]}
    people = {_label(c): n for c, n in Inspector.objects.filter(cert_no__in=skipped).values_list("cert_no", "name")}
    names = entity_names(codes=shown)
    departments = {d.code: d.label for d in Department.objects.filter(code__in={a["department"] for a in items})}
    teams: dict[str, dict[str, Any]] = {}
    for a in items:
        if a["entity"] not in shown:
            continue
        team = teams.setdefault(a["entity"], {"entity": a["entity"], "name": names.get(a["entity"], ""), "groups": []})
        chosen = [(by_label.get((a["entity"], p["label"])), p) for p in a["chosen"]]
        team["groups"].append({
            "department": departments.get(a["department"], a["department"]), "need": a.get("need"), "shortfall": a.get("shortfall", 0),
            "chosen": [(row, p, subs.get(row.pk, []) if row else []) for row, p in chosen],
            "skipped": [(s, people.get(s["label"], ""), SKIP_REASONS_ZH.get(s["reason"], s["reason"])) for s in a["skipped"]],
        })
    pages = max(1, -(-len(order) // MATCHING_PAGE))
    return {"teams": [teams[e] for e in order if e in teams], "page": page, "pages": pages,
            "page_range": range(1, pages + 1) if pages <= 40 else None,
            "shortfalls": sum(a.get("shortfall", 0) for a in items)}


@require_GET
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw(user=request.user, pk=pk)
    context = _draw_context(request, draw)
    if draw.status == Draw.Status.DONE:
        context.update(_entity_result(request, draw) if draw.kind == Draw.Kind.ENTITIES else _matching_result(request, draw))
    elif draw.kind == Draw.Kind.ENTITIES:
        context.update(_frame_facts(draw, _stratum_labels(draw, request.user)))
    context["progress"] = _progress(draw)
    return render(request, "inspections/draws/draw_detail.html", context)


@require_GET
def ceremony(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw(user=request.user, pk=pk)
    chain = get_object_or_404(TaskCommitment, task=draw.task)
    return render(request, "inspections/draws/ceremony.html", {
        "draw": draw, "task": draw.task, "chain": chain, "sources": _sources(draw),
        "commitment_groups": _hex_groups(chain.commitment_hex), "frame_groups": _hex_groups(draw.frame_hash_hex),
    })


def randomness_entry(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw(user=request.user, pk=pk, write=True)
    if draw.randomness is not None:
        messages.info(request, _("随机数已经录入，不能更改。"))
        return redirect("draws:draw", draw.pk)
    form = RandomnessForm(_posted(request), draw=draw)
    if request.method == "POST" and "fetch" in request.POST:
        form = _with_beacon(request, draw)
    elif request.method == "POST" and form.is_valid():
        try:
            drawing.draw_record_randomness(draw=draw, raw_values=form.raw_values(), user=request.user)
        except REFUSALS as exc:
            form.add_error(None, _refusal(exc))
        else:
            return redirect("draws:draw", draw.pk)
    return render(request, "inspections/draws/randomness.html", {"draw": draw, "task": draw.task, "form": form})


def _with_beacon(request: HttpRequest, draw: Draw) -> RandomnessForm:
    """The "fetch" button: the beacon round's value, filled in for the operator to submit."""
    values = {k: v for k, v in request.POST.items() if k.startswith("value_")}
    index = request.POST.get("fetch", "")
    source = draw.sources[int(index)] if index.isdigit() and int(index) < len(draw.sources) else {}
    if source.get("kind") == "beacon":
        try:
            values[f"value_{index}"] = fetch_beacon(int(source["round"]))
        except (SourceError, OSError, ValueError) as exc:
            messages.error(request, _("无法获取随机信标：%(e)s") % {"e": exc})
    return RandomnessForm(initial=values, draw=draw)


PHASES = {
    "awaiting": (0, gettext_lazy("等待录入随机数")),
    "queued": (1, gettext_lazy("随机数已保存，排队等待抽取")),
    "running": (2, gettext_lazy("正在抽取")),
    "done": (3, gettext_lazy("已完成")),
    "failed": (3, gettext_lazy("抽取失败")),
}


def _progress(draw: Draw) -> dict[str, Any]:
    item = OutboxItem.objects.filter(dedupe_key=f"draw:{draw.pk}").first()
    if draw.status == Draw.Status.DONE:
        phase = "done"
    elif draw.status == Draw.Status.FAILED or (item and item.status == OutboxItem.Status.FAILED):
        phase = "failed"
    elif draw.randomness is None:
        phase = "awaiting"
    else:
        phase = "running" if item and item.queued_at else "queued"
    step, label = PHASES[phase]
    return {"phase": phase, "step": step, "steps": 3, "label": str(label), "status": draw.status,
            "selected_count": draw.selected_count, "error": (item.last_error if item else "") or draw.last_error,
            "finished": phase in ("done", "failed")}


@require_GET
def draw_status(request: HttpRequest, pk: int) -> JsonResponse:
    draw = access_draw(user=request.user, pk=pk)
    return JsonResponse(_progress(draw))


def _bundle_response(draw: Draw, blob: bytes | memoryview | None, suffix: str) -> HttpResponse:
    if blob is None:
        raise Http404
    name = f"{draw.task.code}-{draw.iteration}-{suffix}.json"
    return HttpResponse(zlib.decompress(bytes(blob)), content_type="application/json; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@require_GET
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw_evidence(user=request.user, pk=pk)
    return _bundle_response(draw, _evidence(draw).bundle, "evidence")


@require_GET
def evidence_public(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw_evidence(user=request.user, pk=pk)
    return _bundle_response(draw, _evidence(draw).public_bundle, "evidence-public")


def _evidence(draw: Draw) -> DrawEvidence:
    """The stored bundle, built now if the background work has not done it yet."""
    if draw.status != Draw.Status.DONE:
        raise Http404
    return drawing.ensure_evidence(draw)


# --- Substitutions and redraws ------------------------------------------------------------------
def substitute(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = DrawAssignment.objects.select_related("inspector", "department").filter(pk=pk).first()
    if assignment is None:
        raise Http404
    draw = access_draw(user=request.user, pk=assignment.draw_id, write=True)
    may_approve = drawing.may_approve_redraw(request.user, draw.task)
    form = SubstitutionForm(_posted(request), assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            drawing.assignment_substitute(assignment=assignment, new_inspector=form.cleaned_data["new_inspector"],
                                          reason=form.cleaned_data["reason"], approver=request.user)
        except REFUSALS as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("已记录人员替换。"))
            return redirect("draws:draw", draw.pk)
    return render(request, "inspections/draws/substitute.html", {
        "draw": draw, "task": draw.task, "assignment": assignment, "form": form, "may_approve": may_approve,
        "entity_name": entity_names(codes={assignment.entity_id}).get(assignment.entity_id, ""),
    })


@require_POST
def redraw_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    draw = access_draw(user=request.user, pk=pk, write=True)
    form = RedrawRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("申请重新抽取须说明理由。"))
        return redirect("draws:draw", draw.pk)
    try:
        redraws.redraw_request_create(draw=draw, user=request.user, reason=form.cleaned_data["reason"])
    except DrawRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已提交重新抽取申请，等待科所长或联席办批准。"))
    return redirect("draws:draw", draw.pk)


@require_GET
def redraw_requests(request: HttpRequest) -> HttpResponse:
    if not (department_ids(request.user, roles={Role.SECTION_CHIEF}) or has_role(request.user, Role.OFFICE)):
        raise Http404
    pending = redraws.redraw_requests_for_decider(user=request.user)
    return render(request, "inspections/draws/redraw_requests.html", {"pending": pending})


def redraw_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    redraw_request = access_redraw_request(user=request.user, pk=pk)
    approve_form = SourcesForm(request.POST if request.POST.get("decision") == "approve" else None, replaces=redraw_request.draw)
    reject_form = RejectForm(request.POST if request.POST.get("decision") == "reject" else None)
    form = approve_form if request.POST.get("decision") == "approve" else reject_form
    if request.method == "POST" and redraw_request.status == RedrawRequest.Status.PENDING and form.is_valid():
        approve = form is approve_form
        kwargs = approve_form.announce_kwargs() if approve else {"note": reject_form.cleaned_data["note"]}
        try:
            decided = redraws.redraw_request_decide(request=redraw_request, user=request.user, approve=approve, **kwargs)
        except REFUSALS as exc:
            form.add_error(None, _refusal(exc))
        else:
            if decided.new_draw_id:
                messages.success(request, _("已批准并公告重新抽取。"))
                return redirect("draws:draw", decided.new_draw_id)
            messages.success(request, _("已不予批准。"))
            return redirect("draws:redraw_requests")
    return render(request, "inspections/draws/redraw_request.html", {
        "req": redraw_request, "draw": redraw_request.draw, "task": redraw_request.draw.task,
        "sources": _sources(redraw_request.draw),
        "approve_form": approve_form, "reject_form": reject_form,
    })


# --- Fairness -----------------------------------------------------------------------------------
def _fairness_rows(draw: Draw, user: Any) -> list[dict[str, Any]]:
    privileged = sees_private(user, draw.task)
    rows = []
    for s in fairness.draw_fairness(draw):
        if s.private_key and privileged:
            label = f"{stratum_words(s.private_key)}（{s.private_key}）"
        elif s.private_key:
            label = f"{s.key} · {_('内部分层（信用风险分类不公开）')}"
        else:
            label = stratum_words(s.key)
        rows.append({"stratum": s, "label": label})
    return rows


@require_GET
def task_fairness(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_draw_task(user=request.user, pk=task_id)
    draws = [(d, _fairness_rows(d, request.user)) for d in fairness.task_draws_for_fairness(task=task)]
    return render(request, "inspections/draws/fairness_task.html", {"task": task, "draws": draws, "alpha": fairness.ALPHA})


@require_GET
def fairness_year(request: HttpRequest, year: int) -> HttpResponse:
    if not (department_ids(request.user) or sees_all_departments(request.user)):
        raise Http404
    tasks = fairness.tasks_for_year(user=request.user, year=year)
    departments = fairness.departments_in_view(request.user)
    draws = [(d, _fairness_rows(d, request.user)) for d in fairness.current_entity_draws(tasks=tasks)]
    repeated, repeated_total = fairness.repeat_inspections(year=year, tasks=tasks, departments=departments)
    return render(request, "inspections/draws/fairness_year.html", {
        "year": year, "draws": draws, "repeated": repeated, "repeated_total": repeated_total,
        "loads": fairness.inspector_loads(tasks=tasks, departments=departments), "alpha": fairness.ALPHA,
        "flagged": sum(1 for _d, rows in draws for r in rows if r["stratum"].fit.flagged),
        "years": range(year - 2, year + 2),
    })
