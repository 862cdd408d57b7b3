"""CSP without inline code, checked on what users get: every template-based page reachable in the
demo, as each demo person and as the public, and every template file in the repository."""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
# An executable <script> without src (a JSON data block, type="application/json", is data).
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
EVENT_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
HREF = re.compile(r'href="(/[^"]*)"')
SKIP = ("/static/", "/admin/", "/api/", "/accounts/logout/", "/i18n/")
DOWNLOAD = re.compile(r"\.(csv|json|xlsx|zip|html|txt|pdf)$|[?&](format|download)=")
PER_PERSON = 80


def offences(html: str) -> list[str]:
    return [m.group(0)[:120] for rx in (INLINE_SCRIPT, STYLE_ATTR, EVENT_ATTR) for m in rx.finditer(html)]


def test_the_checks_bite() -> None:
    assert offences('<div style="color:red">') and offences("<script>alert(1)</script>")
    assert offences('<button onclick="x()">')
    assert not offences('<script src="/static/js/app.js"></script><script id="d" type="application/json">{}</script>')


def template_files() -> list[Path]:
    return [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts and "node_modules" not in p.parts]


def test_no_template_file_has_inline_script_or_style() -> None:
    files = template_files()
    assert len(files) > 50
    bad = {str(p.relative_to(ROOT)): found for p in files if (found := offences(p.read_text()))}
    # The standalone verifier is a downloaded file opened from disk, outside the site's CSP.
    bad.pop("templates/verify/standalone.html", None)
    bad = {k: v for k, v in bad.items() if not k.endswith("verify/standalone.html")}
    assert not bad, bad


def shape(url: str) -> str:
    """One visit per page kind: /tasks/12/ and /tasks/13/ are the same template."""
    path, _, query = url.partition("?")
    path = re.sub(r"/\d+(?=/|$)", "/N", path)
    path = re.sub(r"/[0-9A-Z]{18}(?=/|$)", "/USCC", path)
    return path + ("?" + re.sub(r"=[^&]*", "=", query) if query else "")


def crawl(client: Client, start: str, limit: int, shapes_all: set[str]) -> tuple[int, dict[str, list[str]], list[str]]:
    seen_shapes: set[str] = set()
    queue, pages, bad, errors = deque([start]), 0, {}, []
    while queue and pages < limit:
        url = queue.popleft()
        if shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
            continue
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.appendleft(response["Location"])
            seen_shapes.discard(shape(response["Location"]))
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        shapes_all.add(shape(url))
        html = response.content.decode()
        if found := offences(html):
            bad[url] = found
        for href in HREF.findall(html):
            link = urldefrag(href.replace("&amp;", "&")).url
            if link.startswith(SKIP) or DOWNLOAD.search(urlsplit(link).path + "?" + urlsplit(link).query):
                continue
            if shape(link) not in seen_shapes:
                queue.append(link)
    return pages, bad, errors


@pytest.mark.django_db
def test_every_reachable_demo_page_has_no_inline_script_or_style() -> None:
    from agencies.demo import PEOPLE
    from agencies.models import User

    call_command("seed_demo")
    total, bad, errors = 0, {}, []
    anon = Client()
    shapes_all: set[str] = set()
    pages, found, failed = crawl(anon, "/public/", PER_PERSON, shapes_all)
    total += pages
    bad.update(found)
    errors += failed
    assert anon.get("/accounts/login/").status_code == 200
    bad.update({"/accounts/login/": f} if (f := offences(anon.get("/accounts/login/").content.decode())) else {})
    for username, *_ in [*PEOPLE, ("admin",)]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        pages, found, failed = crawl(client, "/", PER_PERSON, shapes_all)
        total += pages
        bad.update(found)
        errors += [f"{username} {e}" for e in failed]
    print(f"CSP crawl: {total} pages rendered, {len(shapes_all)} page kinds")
    assert total > 150, total
    assert not errors, errors
    assert not bad, bad
