from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from core.selectors import feed_for_user
from core.services import feed_mark_read


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    items = feed_for_user(user=request.user)
    before = request.GET.get("before")
    if before and before.isdigit():
        items = items.filter(pk__lt=int(before))
    page = list(items.order_by("-id")[:50])
    return render(
        request, "core/feed.html", {"items": page, "next_before": page[-1].pk if len(page) == 50 else None}
    )


@require_POST
def feed_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
    feed_mark_read(user=request.user, item_ids=ids or None)
    return redirect("core:feed")


@login_not_required
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
