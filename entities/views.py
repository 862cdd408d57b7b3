"""Staff pages of the registry (read-only) and the departments' directories.

Who may see and do what: ``entities.permissions``. Lists page by keyset on the 统一社会信用代码
(``after`` / ``before``) and count with a cap, so they stay fast on ten million rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies.selectors import department_list_for_user
from entities import permissions, selectors, services
from entities.forms import DirectoryForm, EntityFilterForm, EntryForm
from entities.models import Directory, EntityType
from entities.validation import USCC_SHAPE


def _code(value: str | None) -> str:
    value = (value or "").strip().upper()
    return value if USCC_SHAPE.match(value) else ""


def _rule_labels(rule: dict[str, Any]) -> list[tuple[str, str]]:
    """A directory rule in words: (part, the names of its values)."""
    names: dict[str, dict[str, Any]] = {
        "tags": dict(selectors.tag_list().values_list("code", "name")),
        "industries": {i.code: str(i) for i in selectors.industry_list()},
        "entity_types": dict(EntityType.choices),
    }
    parts = [("tags", _("标签")), ("industries", _("行业")), ("entity_types", _("主体类型"))]
    return [
        (label, "、".join(str(names[key].get(v, v)) for v in rule[key])) for key, label in parts if rule.get(key)
    ]


@require_safe
def entity_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_registry(request.user):
        raise Http404
    form = EntityFilterForm(request.GET, directories=selectors.directories_for_user(user=request.user))
    filters = form.filters()
    after, before = _code(request.GET.get("after")), _code(request.GET.get("before"))
    size = selectors.PAGE_SIZE
    if before:
        rows = selectors.entity_page_before(filters=filters, before=before, size=size + 1)
        more = len(rows) > size
        rows = rows[1:] if more else rows
    else:
        rows = selectors.entity_page(filters=filters, after=after, size=size + 1)
        more = len(rows) > size
        rows = rows[:size]
    count, capped = selectors.entity_count(filters=filters, cap=selectors.COUNT_CAP)
    return render(request, "entities/list.html", {
        "form": form,
        "entities": rows,
        "count": f"{count:,}",
        "total": count,  # picks the plural form; ``count`` is what is shown
        "capped": capped,
        "next_after": rows[-1].uscc if rows and (more or before) else None,
        "prev_before": rows[0].uscc if rows and (after or (before and more)) else None,
    })


@require_safe
def entity_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    entity = permissions.access_entity(user=request.user, pk=uscc)
    return render(request, "entities/detail.html", {
        "entity": entity,
        "tags": selectors.entity_tags(uscc=entity.uscc),
        "entries": selectors.entity_directory_entries(user=request.user, uscc=entity.uscc),
        "reports": selectors.entity_annual_reports(uscc=entity.uscc),
        "listings": selectors.entity_abnormal_listings(uscc=entity.uscc),
        "today": timezone.localdate(),
    })


@require_safe
def directory_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_registry(request.user):
        raise Http404
    return render(request, "entities/directory_list.html", {
        "directories": selectors.directories_for_user(user=request.user),
        "can_create": bool(permissions.managed_department_ids(request.user)),
    })


@require_safe
def directory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    directory = permissions.access_directory(user=request.user, pk=pk)
    can_manage = permissions.can_manage_directories_of(request.user, directory.department_id)
    size = selectors.PAGE_SIZE
    rows = selectors.directory_entry_page(directory=directory, after=_code(request.GET.get("after")), size=size + 1)
    more, rows = len(rows) > size, rows[:size]
    count, capped = selectors.directory_entry_count(directory=directory, cap=selectors.COUNT_CAP)
    thematic = directory.kind == Directory.Kind.THEMATIC
    return render(request, "entities/directory_detail.html", {
        "directory": directory,
        "rule_labels": _rule_labels(directory.rule or {}),
        "entries": rows,
        "count": f"{count:,}",
        "total": count,  # picks the plural form; ``count`` is what is shown
        "capped": capped,
        "next_after": rows[-1].entity_id if more else None,
        "is_first_page": not request.GET.get("after"),
        "can_manage": can_manage,
        "thematic": thematic,
        "entry_form": EntryForm(thematic=thematic) if can_manage else None,
        "today": timezone.localdate(),
    })


def directory_create(request: HttpRequest) -> HttpResponse:
    managed = permissions.managed_department_ids(request.user)
    departments = department_list_for_user(user=request.user).filter(pk__in=managed)
    if not departments.exists():
        raise Http404
    form = DirectoryForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            directory = services.directory_create(
                department=data["department"], code=data["code"], name=data["name"], kind=data["kind"],
                description=data["description"], rule=form.rule(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已创建名录库。"))
            return redirect("entities:directory", pk=directory.pk)
    return render(request, "entities/directory_form.html", {"form": form, "directory": None})


def directory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    directory = permissions.access_directory(user=request.user, pk=pk, write=True)
    form = DirectoryForm(request.POST or None, directory=directory)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.directory_update(
                directory=directory, name=data["name"], description=data["description"], rule=form.rule()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("entities:directory", pk=directory.pk)
    return render(request, "entities/directory_form.html", {"form": form, "directory": directory})


@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    directory = permissions.access_directory(user=request.user, pk=pk, write=True)
    form = EntryForm(request.POST, thematic=directory.kind == Directory.Kind.THEMATIC)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        _entry, created = services.directory_entry_add(directory=directory, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已加入名录库。") if created else _("已更新许可证信息。"))
    return redirect("entities:directory", pk=directory.pk)


@require_POST
def entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = permissions.access_directory_entry(user=request.user, pk=pk, write=True)
    services.directory_entry_remove(entry=entry)
    messages.success(request, _("已移出名录库。"))
    return redirect("entities:directory", pk=entry.directory_id)


@require_POST
def directory_apply(request: HttpRequest, pk: int) -> HttpResponse:
    directory = permissions.access_directory(user=request.user, pk=pk, write=True)
    try:
        result = services.directory_apply_rule(directory=directory)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已按规则纳入：符合规则 %(matched)s 户，新增 %(added)s 户。") % {
            "matched": result.matched, "added": result.added,
        })
    return redirect("entities:directory", pk=directory.pk)
