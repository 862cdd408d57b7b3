"""The public site in a browser: find an entity by a two-character fragment, open its page,
follow the task's draw page and see the draw verified in the browser (WebCrypto); a tampered
bundle is reported as not matching. Also: the standalone verifier opened from disk, the JS
algorithm against the specification's vectors, and WCAG 2.1 AA basics."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.conftest import shot
from tests.publicity.data import NAME, build

pytestmark = pytest.mark.django_db(transaction=True)
VECTORS = json.loads((Path(settings.BASE_DIR) / "docs" / "draw-vectors.json").read_text())


@pytest.fixture
def site(live_server, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PUBLIC_CACHE_SECONDS = 0  # the browser sees what the database holds, nothing cached
    data = build(django_capture_on_commit_callbacks)
    # WebCrypto needs a secure context: localhost is one, 127.0.0.1 over plain HTTP is too, but
    # keep to the name browsers document.
    data.base = live_server.url.replace("127.0.0.1", "localhost")
    return data


def _verdict(page, iteration: int = 1) -> str:
    box = page.locator(f'[data-iteration="{iteration}"] [data-verify-output]')
    page.wait_for_function(
        "el => ['ok', 'bad', 'error'].includes(el.getAttribute('data-state'))", arg=box.element_handle(), timeout=30000
    )
    return box.inner_text()


def test_search_open_follow_the_draw_and_see_it_verified_in_the_browser(page, site) -> None:
    page.goto(f"{site.base}/public/")
    page.fill("#pub-q", "青禾")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/public/search/" in page.url
    page.click(f"text={NAME}")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/public/entities/{site.uscc}/")
    assert "未发现问题" in page.content()
    shot(page, "public-entity")
    page.click("text=抽取过程与核验")
    page.wait_for_load_state("networkidle")
    assert f"/public/draws/{site.task.code}/" in page.url
    verdict = _verdict(page)
    assert "已验证 / verified" in verdict, verdict
    shot(page, "public-draw-verified")


def test_a_tampered_bundle_does_not_match_and_says_why(page, site) -> None:
    def tamper(route):  # type: ignore[no-untyped-def]
        bundle = route.fetch().json()
        first = bundle["selected"][0]
        others = [label for s in bundle["frame"]["strata"] for label in (s["labels"] or []) if s["key"] == first["stratum"]]
        first["label"] = next(label for label in others if label != first["label"]
                              and label not in {r["label"] for r in bundle["selected"]})
        route.fulfill(status=200, content_type="application/json", body=json.dumps(bundle, ensure_ascii=False))

    page.route("**/bundle.json", tamper)
    page.goto(f"{site.base}/public/draws/{site.task.code}/")
    verdict = _verdict(page)
    assert "不一致 / does not match" in verdict, verdict
    assert "按公开算法重新抽取的结果与证据包不一致" in verdict and "selected.rederive" in verdict
    shot(page, "public-draw-tampered")


def test_a_bundle_from_a_forged_announcement_does_not_match(page, site) -> None:
    def forge(route):  # type: ignore[no-untyped-def]
        bundle = route.fetch().json()
        bundle["announcement"]["commitment_hash_hex"] = "0" * 64
        route.fulfill(status=200, content_type="application/json", body=json.dumps(bundle, ensure_ascii=False))

    page.route("**/bundle.json", forge)
    page.goto(f"{site.base}/public/draws/{site.task.code}/")
    verdict = _verdict(page)
    assert "不一致 / does not match" in verdict and "announcement.commitment_hash_hex" in verdict


def test_the_browser_algorithm_reproduces_the_specifications_vectors(page, site) -> None:
    page.goto(f"{site.base}/public/draws/{site.task.code}/")
    draw = VECTORS["entity_draw"]
    result = page.evaluate(
        """async ([pub, full, announcement, values]) => {
            const out = {};
            out.pub = (await SsjVerify.verifyBundle(pub, announcement)).ok;
            out.full = (await SsjVerify.verifyBundle(full, announcement)).ok;
            out.orders = [];
            for (const v of values.labels) {
              out.orders.push(await SsjVerify.orderValue("ssj-draw/1", values.key_entities_hex, v.label) === v["ssj-draw/1"]);
              out.orders.push(await SsjVerify.orderValue("ssj-draw/1-hmac", values.key_entities_hex, v.label) === v["ssj-draw/1-hmac"]);
            }
            return out;
        }""",
        [draw["public_bundle"], draw["bundle"], draw["announcement"], VECTORS["order_values"]],
    )
    assert result["pub"] and result["full"] and all(result["orders"]), result


def test_the_standalone_verifier_works_from_disk(page, site, tmp_path) -> None:
    page.goto(f"{site.base}/public/verify/")
    with page.expect_download() as download:
        page.click("text=下载独立核验工具")
    verifier = tmp_path / "verifier.html"
    download.value.save_as(verifier)
    bundle = page.request.get(f"{site.base}/public/draws/{site.task.code}/1/bundle.json").json()
    announcement = site.draw.announcement
    (tmp_path / "bundle.json").write_text(json.dumps(bundle, ensure_ascii=False))
    (tmp_path / "announcement.json").write_text(json.dumps(announcement, ensure_ascii=False))
    bundle["selected"][0]["order_hex"] = "0" * 32
    (tmp_path / "forged.json").write_text(json.dumps(bundle, ensure_ascii=False))

    page.goto(verifier.as_uri())
    page.set_input_files("#bundle", str(tmp_path / "bundle.json"))
    page.set_input_files("#announcement", str(tmp_path / "announcement.json"))
    page.click("#run")
    page.wait_for_function("document.getElementById('result').dataset.state !== 'running' && document.getElementById('result').dataset.state !== 'idle'")
    assert "已验证 / verified" in page.inner_text("#result")
    page.set_input_files("#bundle", str(tmp_path / "forged.json"))
    page.click("#run")
    page.wait_for_function("document.getElementById('result').dataset.state === 'bad'")
    assert "不一致 / does not match" in page.inner_text("#result")
    shot(page, "public-standalone-verifier")


CONTRAST = """
() => {
  function rgb(c) { const m = c.match(/[\\d.]+/g).map(Number); return m.slice(0, 3); }
  function lum(c) {
    const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    while (el) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && !bg.startsWith("rgba(0, 0, 0, 0)") && bg !== "transparent") return bg;
      el = el.parentElement;
    }
    return "rgb(255, 255, 255)";
  }
  const out = [];
  const selectors = ["body", "main p", "main a", ".pub-nav a", ".muted", "h1", "h2", ".pub-verify-title",
                     ".pub-facts dt", "label", "button.primary", ".topbar a", "footer"];
  for (const sel of selectors) {
    for (const el of Array.from(document.querySelectorAll(sel)).slice(0, 5)) {
      if (!el.offsetParent && sel !== "body") continue;
      const a = lum(getComputedStyle(el).color), b = lum(background(el));
      out.push([sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
  }
  return out;
}
"""

UNLABELLED = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter(el => el.type !== "hidden" && !el.closest("[hidden]"))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map(el => el.outerHTML)
"""


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_public_pages_meet_wcag_basics(browser, site, viewport) -> None:
    size = {"width": 1280, "height": 800} if viewport == "desktop" else {"width": 390, "height": 844}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=viewport == "phone")
    page = context.new_page()
    paths = ["/public/", "/public/search/?q=青禾", f"/public/entities/{site.uscc}/", f"/public/draws/{site.task.code}/",
             f"/public/tasks/{site.task.code}/", "/public/items/SCJG/", "/public/plans/", "/public/downloads/",
             "/public/verify/", f"/public/objections/{site.result_record.public_id}/"]
    for path in paths:
        page.goto(site.base + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == "zh-hans", path
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("img:not([alt])").count() == 0, path
        assert page.locator("h1").count() == 1, path
        low = [(sel, round(ratio, 2)) for sel, ratio in page.evaluate(CONTRAST) if ratio < 4.5]
        assert low == [], (path, low)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"] + 1, (path, width)  # no sideways scrolling of the page
    # The skip link is the first stop of the keyboard and moves focus to the content.
    page.goto(site.base + f"/public/entities/{site.uscc}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).left") != "-9999px"  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Keyboard only: Tab reaches the search box and the results' links.
    page.goto(site.base + "/public/search/")
    page.focus("#pub-q")
    page.keyboard.type("青禾")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert NAME in page.content()
    page.goto(site.base + f"/public/draws/{site.task.code}/")
    _verdict(page)
    shot(page, f"public-draw-{viewport}")
    page.goto(site.base + f"/public/entities/{site.uscc}/")
    shot(page, f"public-entity-{viewport}")
    context.close()
