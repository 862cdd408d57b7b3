"""Rate limits for the open-data API: per client address, counted in the cache.

``PUBLIC_RATE_LIMIT`` ("120/min", "10/s", "5000/day"; empty disables) is read per request, so
an operator changes it without a code change. A client over the limit gets 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw.

    Only the last ``TRUSTED_PROXY_COUNT`` entries of X-Forwarded-For were written by our own
    proxies; anything to their left is what the client claims and is not trusted.
    """
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


class PublicRateThrottle(SimpleRateThrottle):
    scope = "public"

    def get_rate(self) -> str | None:
        return getattr(settings, "PUBLIC_RATE_LIMIT", "") or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
