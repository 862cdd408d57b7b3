"""The UI shell: login with lockout, navigation by role, language switch."""

import pytest
from django.core.management import call_command

from agencies.models import Role
from tests.factories import PASSWORD, DepartmentFactory, person

pytestmark = pytest.mark.django_db

NAV = {
    Role.STAFF: "工作台",
    Role.OFFICE: "联席办",
    Role.DISCIPLINE: "纪检监督",
    Role.ASSESSOR: "考核",
    Role.SUPERIOR: "上级任务",
}


@pytest.mark.parametrize("role", list(NAV))
def test_each_role_lands_on_its_own_workspace(client, role) -> None:
    user = person(f"u-{role}", DepartmentFactory(code=f"D-{role}"), role)
    client.force_login(user)
    page = client.get("/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-nav="{page.resolver_match.url_name}"' in html or NAV[role] in html
    for other_role, label in NAV.items():
        if other_role != role:
            assert f">{label}<" not in html, (role, label)


def test_login_locks_out_after_repeated_failures(client) -> None:
    person("alice", DepartmentFactory(code="A"), Role.STAFF)
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_a_correct_login_reaches_the_workspace(client) -> None:
    person("alice", DepartmentFactory(code="A"), Role.STAFF)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/workspace/"


def test_the_language_switch_gives_english(client) -> None:
    client.force_login(person("alice", DepartmentFactory(code="A"), Role.STAFF))
    assert "工作台" in client.get("/workspace/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/workspace/"})
    html = client.get("/workspace/").content.decode()
    assert "Workspace" in html and 'lang="en"' in html


def test_the_public_site_needs_no_login(client) -> None:
    response = client.get("/public/")
    assert response.status_code == 200 and "信息公示" in response.content.decode()


def test_seed_demo_is_idempotent() -> None:
    from agencies.models import Department, Membership, User

    call_command("seed_demo")
    counts = (Department.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Department.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert Department.objects.filter(kind="regulator", level="district").count() == 10
