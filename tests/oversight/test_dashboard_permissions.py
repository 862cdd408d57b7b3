"""The office and discipline read the dashboard; department people, assessors and the public do not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Department, Role
from tests.entities.factories import member

pytestmark = pytest.mark.django_db

URLS = [
    reverse("oversight:dashboard"),
    reverse("oversight:dashboard_tasks"),
    reverse("oversight:dashboard_drill", args=["results"]) + "?flag=overdue",
    reverse("oversight:dashboard_drill", args=["tasks"]) + "?stage=planned",
    reverse("oversight:dashboard_export"),
    reverse("oversight:dashboard_liaisons"),
]


@pytest.fixture
def readers(db):  # type: ignore[no-untyped-def]
    lxb = Department.objects.create(code="LXB", name="联席办", kind=Department.Kind.OFFICE)
    jjz = Department.objects.create(code="JJZ", name="纪检组", kind=Department.Kind.DISCIPLINE)
    ggb = Department.objects.create(code="GGB", name="改革办", kind=Department.Kind.ASSESSOR)
    return {"office": member("o", lxb, Role.OFFICE), "discipline": member("j", jjz, Role.DISCIPLINE),
            "assessor": member("g", ggb, Role.ASSESSOR)}


@pytest.mark.parametrize("url", URLS)
def test_the_office_and_discipline_read_every_page(client, readers, url) -> None:
    for who in ("office", "discipline"):
        client.force_login(readers[who])
        assert client.get(url).status_code == 200, (who, url)


@pytest.mark.parametrize("url", URLS)
def test_department_people_and_assessors_get_404(client, cast, readers, url) -> None:
    for user in (cast.alice, cast.bob, cast.charlie, readers["assessor"]):
        client.force_login(user)
        assert client.get(url).status_code == 404, (user, url)


@pytest.mark.parametrize("url", URLS)
def test_the_public_is_sent_to_the_login_page(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", URLS)
def test_the_dashboard_changes_nothing_it_refuses_writes(client, readers, url) -> None:
    client.force_login(readers["discipline"])
    assert client.post(url).status_code == 405


def test_the_office_nav_entry_leads_to_the_dashboard_and_discipline_has_one_too(client, readers) -> None:
    client.force_login(readers["office"])
    page = client.get(reverse("oversight:dashboard")).content.decode()
    assert 'href="/oversight/" data-nav="office"' in page
    client.force_login(readers["discipline"])
    page = client.get(reverse("agencies:discipline")).content.decode()
    assert 'href="/oversight/" data-nav="progress"' in page
