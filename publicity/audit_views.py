"""The audit chain's published heads: one line a day (date, sequence number, hash).

Anyone may keep copies; ``verify_audit`` checks the chain against them, so a history rewritten
after a head was published is caught even when every hash after the rewrite was recomputed.
Like every public page, this reads publication records only.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from publicity import selectors
from publicity.caching import cache_page
from publicity.views import _cursor, _render

PAGE = 100
KIND = "audit_head"


@login_not_required
@require_GET
@cache_page
def audit_heads(request: HttpRequest) -> HttpResponse:
    qs = selectors.current(KIND).order_by("-id")
    before = _cursor(request)
    if before is not None:
        qs = qs.filter(id__lt=before)
    records = list(qs[:PAGE])
    if request.GET.get("format") == "json":
        body = json.dumps([{k: r.payload[k] for k in ("date", "seq", "hash", "at")} for r in records], ensure_ascii=False)
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    return _render(request, "publicity/audit_heads.html", {
        "records": records, "next_cursor": records[-1].pk if len(records) == PAGE else None,
    })
