"""The office opens its dashboard on the demo district, looks at the charts, follows a number to
the list behind it, and prints; discipline reads the same page."""

import re

import pytest
from django.core.management import call_command

from core.demo import DEMO_PASSWORD
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server):  # type: ignore[no-untyped-def]
    call_command("seed_demo")
    return live_server


def _painted(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    """How many pixels of the canvas are not transparent: a drawn chart has thousands."""
    return page.evaluate(
        """sel => { const c = document.querySelector(sel); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }""",
        selector,
    )


def test_the_office_reads_the_charts_and_follows_a_number_to_its_list(page, demo) -> None:
    login(page, demo, "office", DEMO_PASSWORD)
    assert page.url.endswith("/oversight/"), page.url  # the office lands on its dashboard
    page.wait_for_selector("html[data-charts='2']")
    assert _painted(page, "#chart-funnel") > 2000 and _painted(page, "#chart-departments") > 2000
    assert page.locator(".dash-card-red").count() > 0  # the demo year has late publications
    shot(page, "dashboard-office")

    link = page.locator("table[data-table='results'] tbody a[data-flag='overdue']").filter(has_text=re.compile(r"^[1-9]\d*$")).first
    expected = int(link.inner_text())
    department = link.locator("xpath=ancestor::tr/th").inner_text()
    link.click()
    page.wait_for_load_state("networkidle")
    assert "flag=overdue" in page.url and department in page.locator("h1").inner_text()
    assert f"共 {expected} 条" in page.locator("main").inner_text()
    assert page.locator("table[data-list='results'] tbody tr").count() == min(expected, 100)
    shot(page, "dashboard-drill-overdue")

    page.goto(f"{demo.url}/oversight/")
    page.wait_for_selector("html[data-charts='2']")
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible() and page.locator(".dash-printonly").is_visible()
    assert page.locator("table[data-table='stages']").is_visible()  # the plain table beside the chart
    shot(page, "dashboard-print")


def test_discipline_reads_the_dashboard_from_its_own_navigation(page, demo) -> None:
    login(page, demo, "discipline", DEMO_PASSWORD)
    page.click("nav.mainnav a[data-nav='progress']")
    page.wait_for_selector("html[data-charts='2']")
    assert "工作进度" in page.locator("h1").inner_text()
    page.click("text=联络员与科所长")
    page.wait_for_load_state("networkidle")
    assert page.locator("table[data-table='liaisons'] tbody tr").count() > 5
    shot(page, "dashboard-discipline-liaisons")
