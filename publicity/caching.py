"""Whole-page caching for the public site, invalidated by a version number.

Every new publication record bumps the version (``publicity.signals``), and every cache key
carries it, so a page is never served from before the latest publication. Keys also carry the
database name (two test runs sharing one Redis never see each other's pages) and the language.
Pages are cached for anonymous visitors only: a signed-in person's header differs.

The language form in the site header needs a CSRF token, which must not be shared between
visitors: cached pages hold a placeholder that is replaced by the visitor's own token.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

CSRF_PLACEHOLDER = "PUBLICITYCSRFPLACEHOLDER0"
_ATTRIBUTE = "_publicity_cacheable"
# The version read at the start of a page request, so one page asks the cache for it once.
_request_version: ContextVar[int | None] = ContextVar("publicity_request_version", default=None)
# Values derived from the records (filter choices, the last-updated stamp), kept in the process
# for the current version only: a page needs them all and they change only with a publication.
_values: dict[tuple[str, int, str], Any] = {}
_values_lock = threading.Lock()


def _prefix() -> str:
    return f"publicity:{connection.settings_dict.get('NAME')}"


def _version_key() -> str:
    return f"{_prefix()}:version"


def cache_version() -> int:
    """The current version; created from the clock so a lost key never revives old pages."""
    memo = _request_version.get()
    if memo is not None:
        return memo
    key = _version_key()
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns() // 1000, timeout=None)
        version = cache.get(key) or 0
    return int(version)


def bump_version() -> None:
    key = _version_key()
    try:
        cache.incr(key)
    except ValueError:  # no version yet (or evicted): any fresh value newer than the old ones
        cache.add(key, time.time_ns() // 1000, timeout=None)


def cached(name: str, compute: Callable[[], Any], *, seconds: int | None = None) -> Any:
    """A value derived from publication records, recomputed after the next publication."""
    version, prefix = cache_version(), _prefix()
    local = (prefix, version, name)
    if local in _values:
        return _values[local]
    key = f"{prefix}:value:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds if seconds is not None else max(settings.PUBLIC_CACHE_SECONDS, 60))
    with _values_lock:
        for old in [k for k in _values if k[0] == prefix and k[1] != version]:
            del _values[old]
        _values[local] = value
    return value


def csrf_for(request: HttpRequest) -> str | None:
    """The token a public template renders: a placeholder when the page is to be cached."""
    return CSRF_PLACEHOLDER if getattr(request, _ATTRIBUTE, False) else None


def _page_key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"{_prefix()}:page:{cache_version()}:{language}:{path}"


def _personalise(request: HttpRequest, body: bytes) -> bytes:
    if CSRF_PLACEHOLDER.encode() not in body:
        return body
    return body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def cache_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a public GET page from the cache when possible; store successful renders."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if (
            seconds <= 0
            or request.method != "GET"
            or request.user.is_authenticated
            or "messages" in request.COOKIES
        ):
            return view(request, *args, **kwargs)
        token = _request_version.set(cache_version())
        try:
            key = _page_key(request)
            hit = cache.get(key)
            if hit is not None:
                content_type, body = hit
                return HttpResponse(_personalise(request, body), content_type=content_type)
            setattr(request, _ATTRIBUTE, True)
            response = view(request, *args, **kwargs)
        finally:
            _request_version.reset(token)
        if response.streaming:
            return response
        if response.status_code == 200 and not response.cookies:
            cache.set(key, (response["Content-Type"], response.content), seconds)
        response.content = _personalise(request, response.content)
        return response

    return wrapper
