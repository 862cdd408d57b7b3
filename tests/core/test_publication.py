import pytest

from core.models import AppendOnlyError, PublicationRecord
from core.selectors import publications_current
from core.services import publication_withdraw, publication_write

pytestmark = pytest.mark.django_db


def test_a_new_version_supersedes_the_previous_without_editing_it() -> None:
    first = publication_write(kind="task", public_id="task:GA-2026-001", payload={"title": "旅馆业联合抽查"})
    second = publication_write(kind="task", public_id="task:GA-2026-001", payload={"title": "旅馆业联合抽查（更正）"})
    first.refresh_from_db()
    assert second.version == 2 and second.supersedes == first
    assert first.payload == {"title": "旅馆业联合抽查"}
    assert list(publications_current()) == [second]


def test_a_withdrawal_is_a_new_record_and_the_original_stays() -> None:
    first = publication_write(kind="result", public_id="result:1", payload={"result": "未发现问题"})
    withdrawal = publication_withdraw(public_id="result:1", reason="保留期满")
    assert withdrawal.withdrawn and withdrawal.supersedes == first
    assert PublicationRecord.objects.filter(pk=first.pk, payload={"result": "未发现问题"}).exists()
    assert not publications_current().exists()


def test_publication_records_cannot_be_changed_or_deleted() -> None:
    record = publication_write(kind="plan", public_id="plan:1", payload={})
    record.payload = {"tampered": True}
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
