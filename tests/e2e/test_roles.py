"""Each demo role logs in and sees its own navigation, in Chinese; the switch gives English."""

import pytest
from django.core.management import call_command

from core.demo import DEMO_PASSWORD
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)

# username -> (landing path, the navigation entry only this role has, in Chinese and English)
ROLES = {
    "scj_staff": ("/workspace/", "工作台", "Workspace"),
    "scj_chief": ("/workspace/", "工作台", "Workspace"),
    "scj_admin": ("/workspace/", "工作台", "Workspace"),
    "ga_staff": ("/workspace/", "工作台", "Workspace"),
    "office": ("/oversight/", "联席办", "Joint-Meeting Office"),
    "discipline": ("/discipline/", "纪检监督", "Discipline"),
    "assessor": ("/assessment/", "考核", "Assessment"),
    "superior": ("/superior/", "上级任务", "Superior"),
}
ROLE_ONLY_ENTRIES = {"workspace", "office", "discipline", "assessment", "superior"}


@pytest.fixture
def demo(live_server):  # type: ignore[no-untyped-def]
    call_command("seed_demo")
    return live_server


@pytest.mark.parametrize("username", list(ROLES))
def test_each_demo_role_logs_in_and_sees_its_own_navigation_in_chinese(page, demo, username) -> None:
    landing, label_zh, _label_en = ROLES[username]
    login(page, demo, username, DEMO_PASSWORD)
    assert page.url.endswith(landing), page.url
    nav = page.locator("nav.mainnav")
    entries = {e.get_attribute("data-nav") for e in nav.locator("a").all()}
    assert label_zh in nav.inner_text()
    own = {{"/workspace/": "workspace", "/oversight/": "office"}.get(landing, landing.strip("/"))}
    assert entries & ROLE_ONLY_ENTRIES == own, entries
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shot(page, f"role-{username}")


def test_the_language_switch_gives_english(page, demo) -> None:
    login(page, demo, "office", DEMO_PASSWORD)
    with page.expect_navigation():
        page.select_option("#lang-select", "en")  # app.js submits the form on change
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    nav_text = page.locator("nav.mainnav").inner_text()
    assert "Joint-Meeting Office" in nav_text and "联席办" not in nav_text
    shot(page, "office-english")


def test_a_department_admin_adds_a_section_in_the_browser(page, demo) -> None:
    from agencies.models import Department, Section

    login(page, demo, "scj_admin", DEMO_PASSWORD)
    scjg = Department.objects.get(code="SCJG")
    page.goto(f"{demo.url}/departments/{scjg.pk}/")
    page.click("text=新增科室/所")
    page.fill("#id_code", "NJS")
    page.fill("#id_name", "南郊市场监管所")
    page.select_option("#id_kind", "station")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "南郊市场监管所" in page.content()
    assert Section.objects.filter(department=scjg, code="NJS").exists()
    shot(page, "department-admin-section")


def test_the_public_site_and_login_page_on_a_phone(phone, demo) -> None:
    phone.goto(f"{demo.url}/public/")
    assert "信息公示" in phone.content()
    shot(phone, "public-phone")
    phone.goto(f"{demo.url}/accounts/login/")
    shot(phone, "login-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"
