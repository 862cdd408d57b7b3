import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
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


log = logging.getLogger(__name__)
LOST_CONNECTION = ("connection", "server closed", "terminating", "shutting down", "could not connect", "starting up",
                   "recovery mode", "admin_shutdown", "cannot connect")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database that is restarting or unreachable is a 503 with a clear page and
    Retry-After (the request's transaction did not commit, so nothing was half-saved)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError) and any(m in str(exc).lower() for m in LOST_CONNECTION):
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        connection.close()  # the next request on this thread connects afresh
        body = loader.render_to_string(
            "503.html", {"message": _("数据库暂时不可用（可能正在重启），这次请求未能完成。请稍后刷新页面，确认操作是否已生效后再决定是否重试。")}
        )
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "5"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
