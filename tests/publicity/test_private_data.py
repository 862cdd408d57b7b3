"""No public output shows private data.

Unique markers are planted in every private field (inspectors' names, 执法证号, ID numbers and
phones, the team, conflict declarations, legal representatives and addresses, staff names,
review opinions, findings, the notice's code and contact, an objection's contact and text) and
a secret task's drawn list exists before its inspection starts. Then every URL pattern that is
open without login is resolved from config.urls, filled from the test data and fetched: pages,
API answers, downloads, the evidence bundle and error pages. No marker may appear anywhere.
"""

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from inspections.models import Objection
from inspections.objections import objection_decide
from tests.publicity.data import MARK, build

pytestmark = pytest.mark.django_db


def _open_patterns(resolver: URLResolver, namespace: str = "", params: frozenset = frozenset()):
    for pattern in resolver.url_patterns:
        groups = frozenset(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _open_patterns(pattern, inner, params | groups)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "login_required", True) is False:
            yield f"{namespace}{pattern.name}" if pattern.name else None, params | groups, str(pattern.pattern)


@pytest.fixture
def world(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = build(django_capture_on_commit_callbacks, secret=True, private=True)
    client = Client(REMOTE_ADDR="198.51.100.50")
    form = {"token": data.notice_token, "contact": f"{MARK}-objection-contact 13912345678",
            "text": f"{MARK}-objection-text"}
    assert client.post(f"/public/objections/{data.result_record.public_id}/", form).status_code == 200
    objection_decide(objection=Objection.objects.get(), user=data.chief, accept=False, decision="维持原结果。")
    data.markers += [f"{MARK}-objection-contact", "13912345678", f"{MARK}-objection-text", MARK]
    return data


def _values(data) -> dict[str, list]:
    code, secret = data.task.code, data.secret_task.code
    return {
        "uscc": [data.uscc, data.secret_usccs[0]],
        "code": [code, secret, data.plan_code],
        "department": ["SCJG"],
        "iteration": [1, 2],
        "year": ["2026"],
        "fmt": ["csv", "json"],
        "public_id": [data.result_record.public_id, f"task:{code}", f"draw:{code}:1", f"draw:{secret}:1",
                      f"task:{secret}", f"plan:{data.plan_code}", "item_list:SCJG"],
        "format": ["json"],
        # The notice's page (inspections.fieldwork) is keyed by the code printed on the notice:
        # without it, nothing. What it shows to the holder of the code is tested in test_fieldwork_notices.
        "token": ["AAAA-BBBB-CCCC-DDDD-EEEE"],
        "pk": [1, data.task.pk],  # the staff API (DRF marks its views open; its own permissions answer 403)
    }


def _urls(data) -> tuple[list[str], list[str]]:
    values, urls, unfilled = _values(data), [], []
    for name, params, route in _open_patterns(get_resolver()):
        if name is None or any(p not in values for p in params):
            unfilled.append(route)
            continue
        names = sorted(params)
        found = False
        for combo in itertools.product(*(values[p] for p in names)):
            try:
                urls.append(reverse(name, kwargs=dict(zip(names, combo, strict=True))))
                found = True
            except NoReverseMatch:
                continue
        if not found:
            unfilled.append(route)
    return sorted(set(urls)), unfilled


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace") + "\n" + "\n".join(f"{k}: {v}" for k, v in response.items())


def test_no_public_url_shows_any_private_data(world) -> None:
    urls, unfilled = _urls(world)
    # Every open pattern was reached, except the admin's and the API schema's own (no data there).
    assert unfilled == [], unfilled
    assert "/public/" in urls and f"/public/draws/{world.task.code}/1/bundle.json" in urls
    assert "/api/public/downloads/results-2026-SCJG.csv" in urls
    q = {"q": "秘密名单"}
    extra = [
        f"/public/search/?q={world.uscc}", "/public/search/?q=秘密名单", f"/public/search/?q={world.secret_usccs[0]}",
        "/public/search/?q=青禾&category=no_problem", f"/api/public/results/?name={q['q']}",
        f"/api/public/results/?uscc={world.secret_usccs[0]}", f"/api/public/results/{world.result_record.public_id}/versions/",
        f"/api/public/draws/draw:{world.secret_task.code}:1/versions/", "/public/entities/000000000000000000/",
        "/public/no-such-page/", "/api/public/results/no-such-id/", f"/public/draws/{world.secret_task.code}/1/bundle.json",
    ]
    client = Client(REMOTE_ADDR="198.51.100.51")
    fetched = 0
    for url in urls + extra:
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 400, 401, 403, 404, 405), (url, response.status_code)
        # A page may echo the visitor's own request (the search box, the language form's "next"):
        # that is not a leak, so the request's own path and values are taken out first.
        body = _body(response)
        for echoed in [url, url.split("?")[0], *(v for vs in parse_qs(urlsplit(url).query).values() for v in vs)]:
            body = body.replace(echoed, "")
        fetched += 1
        for marker in world.markers + world.secret_usccs:
            assert marker not in body, (url, marker)
    assert fetched >= 40
    # The secret task's own pages were among them, and said only what its announcement says.
    secret_draw = client.get(f"/public/draws/{world.secret_task.code}/").content.decode()
    assert world.secret_task.code in secret_draw and "检查开始后公布" in secret_draw


def test_the_objection_decision_is_public_but_the_objection_is_not(world) -> None:
    page = Client().get(f"/public/entities/{world.uscc}/").content.decode()
    assert "维持原结果。" in page and "异议不成立" in page
    assert f"{MARK}-objection-text" not in page
