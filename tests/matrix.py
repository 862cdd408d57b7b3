"""Machinery of the permission matrix: every URL pattern, every demo user, GET and POST.

The declared answers live in ``tests/permission_table.py``; ``tests/test_permission_matrix.py``
compares what the site does with them. ``MATRIX_PRINT=1`` makes the test print what it observed
as a draft table (for review, never to be pasted without reading it).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ANONYMOUS = "anonymous"
DEMO_USERS = (
    "scj_staff", "scj_chief", "scj_liaison", "scj_admin", "scj_inspector", "ga_staff", "ga_chief",
    "zjj_staff", "wjj_staff", "xf_staff", "hb_staff", "office", "discipline", "assessor", "superior", "admin",
)
PEOPLE = (ANONYMOUS, *DEMO_USERS)
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# Django REST framework's ".json" twins of every route: the same view, covered by the plain name.
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>|<drf_format_suffix:format>")


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    callback: Any

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:") or self.route.startswith("admin/")

    @property
    def is_format_twin(self) -> bool:
        return bool(FORMAT_SUFFIX.search(self.route))


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the site, named with its namespace."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Pattern]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
                yield from walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}".strip(":") if p.name else ""
                yield Pattern(name, prefix + str(p.pattern), p.callback)

    return list(walk(get_resolver(), "", ""))


def classify(response: Any) -> str:
    """'ok' (answered), 'denied' (404, 403, 401, sent to a login page) or 'method' (405)."""
    status = response.status_code
    if status == 405:
        return "method"
    if status in (401, 403, 404):
        return "denied"
    if 300 <= status < 400 and any(response.get("Location", "").startswith(p) for p in LOGIN_PATHS):
        return "denied"
    return "ok"


def admin_model(name: str) -> Any | None:
    """The model behind ``admin:<app>_<model>_<view>``, if any."""
    match = re.match(r"admin:([a-z_]+?)_([a-z]+)_(changelist|add|change|delete|history)$", name)
    if not match:
        return None
    for model in apps.get_models():
        if model._meta.app_label == match.group(1) and model._meta.model_name == match.group(2):
            return model
    return None


def answer(client: Client, method: str, path: str) -> str:
    """One request whose effects are rolled back, so the walk can't change what it walks (its
    cookies too: a POST to the logout or language URL must not change the next request's person)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path, {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return classify(response)
