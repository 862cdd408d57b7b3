import pytest

from entities.models import Entity
from tests.inspections.entities import code, registry

pytestmark = pytest.mark.django_db


def test_bulk_created_codes_keep_all_eighteen_characters() -> None:
    registry(5)
    assert sorted(Entity.objects.values_list("uscc", flat=True)) == sorted(code(i) for i in range(5))


def test_foreign_keys_to_a_code_keep_all_eighteen_characters() -> None:
    from agencies.models import Department
    from entities.models import Directory, DirectoryEntry

    registry(3)
    directory = Directory.objects.create(department=Department.objects.create(code="X", name="X"), code="main", name="库")
    DirectoryEntry.objects.bulk_create([DirectoryEntry(directory=directory, entity_id=code(i)) for i in range(3)])
    assert sorted(DirectoryEntry.objects.values_list("entity_id", flat=True)) == sorted(code(i) for i in range(3))
