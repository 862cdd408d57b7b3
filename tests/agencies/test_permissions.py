import pytest
from django.http import Http404

from agencies.models import Membership, Role, Section
from agencies.permissions import access_department, access_membership, access_section
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db

HELPERS = {
    "department": (access_department, lambda dept: dept.pk),
    "section": (access_section, lambda dept: Section.objects.get(department=dept).pk),
    "membership": (access_membership, lambda dept: Membership.objects.filter(department=dept).first().pk),
}


@pytest.mark.parametrize("kind", HELPERS)
def test_the_department_admin_may_read_and_write(cast, kind) -> None:
    helper, pk_of = HELPERS[kind]
    assert helper(user=cast.alice, pk=pk_of(cast.dept_a), write=True)
    assert helper(user=cast.alice, pk=pk_of(cast.dept_a))


@pytest.mark.parametrize("kind", HELPERS)
def test_a_colleague_may_read_but_not_write(cast, kind) -> None:
    helper, pk_of = HELPERS[kind]
    assert helper(user=cast.bob, pk=pk_of(cast.dept_a))
    with pytest.raises(Http404):
        helper(user=cast.bob, pk=pk_of(cast.dept_a), write=True)


@pytest.mark.parametrize("kind", HELPERS)
def test_another_department_gets_404_for_reading_and_writing(cast, kind) -> None:
    helper, pk_of = HELPERS[kind]
    with pytest.raises(Http404):
        helper(user=cast.charlie, pk=pk_of(cast.dept_a))
    with pytest.raises(Http404):
        helper(user=cast.charlie, pk=pk_of(cast.dept_a), write=True)


@pytest.mark.parametrize("kind", HELPERS)
def test_a_missing_object_and_a_forbidden_one_look_the_same(cast, kind) -> None:
    helper, _ = HELPERS[kind]
    with pytest.raises(Http404):
        helper(user=cast.alice, pk=999_999)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DISCIPLINE])
def test_oversight_reads_every_department_and_writes_none(cast, role) -> None:
    overseer = person(f"over-{role}", DepartmentFactory(code=f"O-{role}"), role)
    assert access_department(user=overseer, pk=cast.dept_a.pk)
    with pytest.raises(Http404):
        access_department(user=overseer, pk=cast.dept_a.pk, write=True)


def test_the_assessor_sees_no_department_data(cast) -> None:
    assessor = person("assessor", DepartmentFactory(code="GGB"), Role.ASSESSOR)
    with pytest.raises(Http404):
        access_department(user=assessor, pk=cast.dept_a.pk)


def test_a_revoked_membership_no_longer_opens_the_door(cast) -> None:
    Membership.objects.filter(user=cast.bob).update(is_active=False)
    cast.bob.refresh_from_db()
    with pytest.raises(Http404):
        access_department(user=cast.bob, pk=cast.dept_a.pk)
