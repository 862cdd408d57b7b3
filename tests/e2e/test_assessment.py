"""The assessor lands on the assessment and reads the ranking; discipline reads the draw changes."""

import pytest

from agencies.models import Department, Role
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD, DepartmentFactory, person

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_assessor_lands_on_the_ranking_and_discipline_on_its_views(page, live_server, official_calendar) -> None:
    DepartmentFactory(code="SCJG", name="区市场监督管理局")
    DepartmentFactory(code="GA", name="公安分局")
    person("assessor", DepartmentFactory(code="GGB", name="营商办", kind=Department.Kind.ASSESSOR), Role.ASSESSOR)
    person("discipline", DepartmentFactory(code="JJZ", name="纪检组", kind=Department.Kind.DISCIPLINE), Role.DISCIPLINE)
    login(page, live_server, "assessor", PASSWORD)
    assert page.url.endswith("/oversight/assessment/"), page.url
    table = page.locator("#ranking")
    assert "跨部门监管率" in table.inner_text() and "区市场监督管理局" in table.inner_text()
    nav = {a.get_attribute("data-nav") for a in page.locator("nav.mainnav a").all()}
    assert nav & {"tasks", "entities", "inspectors", "letters"} == set()
    shot(page, "assessment-assessor")
    page.click("form[action='/accounts/logout/'] button")
    login(page, live_server, "discipline", PASSWORD)
    page.goto(f"{live_server.url}/oversight/discipline/changes/")
    assert page.locator("#redraws").is_visible() and page.locator("#substitutions").is_visible()
    page.get_by_role("link", name="查看完整审计链").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/discipline/")
    shot(page, "discipline-audit-linked")
