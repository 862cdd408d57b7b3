"""An inspector's ID number and phone: unmasked only to the dept_admin, the chief of the inspector's
section and the inspector themself; masked for every other reader; absent everywhere else."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.models import Role, Section
from inspectors.masking import mask_id_number, mask_phone
from tests.entities.factories import make_inspector, member, oversight
from tests.factories import SectionFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = "37011319870605421X"
PHONE = "13987650123"
MASKED_ID = "3701**********421X"
MASKED_PHONE = "139****0123"


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(" 13812345678 ") == "138****5678"
    assert mask_phone("0531-8765432") == "053*****5432"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == "" and mask_phone(None) == ""


def test_mask_id_number() -> None:
    assert mask_id_number("370113199001011234") == "3701**********1234"
    assert mask_id_number(ID_NUMBER) == MASKED_ID
    assert mask_id_number("123456789") == "*********"
    assert mask_id_number("") == ""


def test_the_template_filters_mask() -> None:
    from django.template import engines

    template = engines["django"].from_string("{% load masking %}{{ p|mask_phone }} {{ i|mask_id_number }}")
    assert template.render({"p": PHONE, "i": ID_NUMBER}) == f"{MASKED_PHONE} {MASKED_ID}"



@pytest.fixture
def planted(cast):  # type: ignore[no-untyped-def]
    """An inspector of A's section A1, with a login, and everyone who might look at them."""
    a1 = Section.objects.get(department=cast.dept_a)
    a2 = SectionFactory(department=cast.dept_a, code="A2", name="甲二科")
    b1 = Section.objects.get(department=cast.dept_b)
    account = member("xavier", cast.dept_a, Role.INSPECTOR, section=a1)
    inspector = make_inspector(cast.dept_a, section=a1, user=account, id_number=ID_NUMBER, phone=PHONE)
    people = {
        "alice (A dept_admin)": cast.alice,
        "xavier (the inspector)": account,
        "chief of A1": member("chief_a1", cast.dept_a, Role.SECTION_CHIEF, section=a1),
        "bob (A staff)": cast.bob,
        "chief of A2": member("chief_a2", cast.dept_a, Role.SECTION_CHIEF, section=a2),
        "chief without section": member("chief_a", cast.dept_a, Role.SECTION_CHIEF),
        "liaison of A1": member("liaison_a1", cast.dept_a, Role.LIAISON, section=a1),
        "another inspector of A1": member("yvonne", cast.dept_a, Role.INSPECTOR, section=a1),
        "office": oversight(Role.OFFICE),
        "discipline": oversight(Role.DISCIPLINE),
        "charlie (B)": cast.charlie,
        "chief of B1": member("chief_b1", cast.dept_b, Role.SECTION_CHIEF, section=b1),
        "assessor": oversight(Role.ASSESSOR),
        "superior": oversight(Role.SUPERIOR),
    }
    return inspector, people


UNMASKED = ["alice (A dept_admin)", "xavier (the inspector)", "chief of A1"]
MASKED = ["bob (A staff)", "chief of A2", "chief without section", "liaison of A1", "another inspector of A1",
          "office", "discipline"]
NOT_FOUND = ["charlie (B)", "chief of B1", "assessor", "superior"]


@pytest.mark.parametrize("who", UNMASKED)
def test_personal_data_is_unmasked_for_the_allowed_people(planted, client, who) -> None:
    inspector, people = planted
    client.force_login(people[who])
    html = client.get(f"/inspectors/{inspector.pk}/").content.decode()
    assert ID_NUMBER in html and PHONE in html
    assert MASKED_ID not in html and MASKED_PHONE not in html


@pytest.mark.parametrize("who", MASKED)
def test_personal_data_is_masked_for_other_readers(planted, client, who) -> None:
    inspector, people = planted
    client.force_login(people[who])
    page = client.get(f"/inspectors/{inspector.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert ID_NUMBER not in html and PHONE not in html
    assert MASKED_ID in html and MASKED_PHONE in html


@pytest.mark.parametrize("who", NOT_FOUND)
def test_people_outside_the_department_get_404(planted, client, who) -> None:
    inspector, people = planted
    client.force_login(people[who])
    page = client.get(f"/inspectors/{inspector.pk}/")
    assert page.status_code == 404
    html = page.content.decode()
    assert ID_NUMBER not in html and PHONE not in html and MASKED_ID not in html


@pytest.mark.parametrize("who", UNMASKED + MASKED)
def test_lists_and_forms_never_show_personal_data(planted, client, who) -> None:
    inspector, people = planted
    client.force_login(people[who])
    for url in ("/inspectors/", "/inspectors/conflicts/?status=all", f"/inspectors/{inspector.pk}/edit/",
                f"/inspectors/{inspector.pk}/conflicts/new/"):
        html = client.get(url).content.decode()
        assert ID_NUMBER not in html and PHONE not in html, url


def _open_urls(patterns=None, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Every URL without parameters whose view opts out of login."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _open_urls(p.url_patterns, route)
        elif (
            isinstance(p, URLPattern)
            and getattr(p.callback, "login_required", True) is False
            and not any(c in route for c in "<(^$*")
        ):
            yield "/" + route


def test_no_page_without_login_shows_personal_data(planted) -> None:
    inspector, _people = planted
    urls = {"/public/", *_open_urls()}
    assert "/public/" in urls and "/accounts/login/" in urls
    anonymous = Client()
    for url in sorted(urls) + [f"/inspectors/{inspector.pk}/", "/inspectors/"]:
        response = anonymous.get(url, follow=True)
        html = response.content.decode()
        for secret in (ID_NUMBER, PHONE, MASKED_ID, MASKED_PHONE, inspector.name):
            assert secret not in html, (url, secret)
