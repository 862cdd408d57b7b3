import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agencies.models import Department
from core.audit import audit_bulk, verify_chain
from core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def make_history() -> None:
    dept = Department.objects.create(code="T1", name="测试一局")
    dept.name = "测试一局（改）"
    dept.save()
    Department.objects.create(code="T2", name="测试二局")
    audit_bulk(action="import", object_type="entities.entity", count=1000, digest="ab" * 32, summary={"rows": 1000})


def test_every_model_change_is_a_link_of_a_chain_that_verifies() -> None:
    make_history()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "object_type"))
    assert ("create", "agencies.department") in actions
    assert ("update", "agencies.department") in actions
    assert actions[-1] == ("import", "entities.entity")
    report = verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count()


def test_a_bulk_operation_writes_one_row_with_counts_and_a_digest() -> None:
    entry = audit_bulk(action="import", object_type="entities.entity", count=250_000, digest="cd" * 32)
    assert entry.count == 250_000 and entry.digest == "cd" * 32
    assert AuditEntry.objects.filter(action="import").count() == 1


def test_an_altered_row_is_named_by_verify_audit() -> None:
    make_history()
    victim = AuditEntry.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_id = %s WHERE seq = %s", ["forged", victim.seq]
        )
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == victim.seq
    with pytest.raises(CommandError, match=f"第 {victim.seq} 条"):
        call_command("verify_audit")


def test_a_removed_row_breaks_the_chain_at_the_gap() -> None:
    make_history()
    victim = AuditEntry.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [victim.seq])
    assert verify_chain().first_bad_seq == victim.seq


def test_audit_rows_cannot_be_edited_or_deleted_through_the_app() -> None:
    make_history()
    entry = AuditEntry.objects.first()
    entry.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_admin_offers_no_way_to_change_audit_rows(admin_client) -> None:
    make_history()
    entry = AuditEntry.objects.first()
    assert admin_client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200  # view only
    response = admin_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_verify_audit_passes_on_the_demo_data(capsys) -> None:
    call_command("seed_demo")
    call_command("verify_audit")
    assert "审计链完好" in capsys.readouterr().out


def test_personal_data_is_recorded_in_the_trail_by_digest_only() -> None:
    from inspectors.models import Inspector

    dept = Department.objects.create(code="TX", name="测试局")
    Inspector.objects.create(department=dept, name="张三", cert_no="X-1", id_number="370113199001011234", phone="13800138000")
    entry = AuditEntry.objects.filter(object_type="inspectors.inspector").get()
    assert "370113199001011234" not in str(entry.changes) and "13800138000" not in str(entry.changes)
    assert entry.changes["id_number"].startswith("sha256:")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_form_one_chain_whose_times_follow_its_order() -> None:
    """Appends from several connections (in transactions, with rollbacks, and in autocommit)
    make one chain: no fork, no link to a rolled-back row, each row timed no earlier than the
    one before it, and the head is the last row. One writer holds the head while another
    waits on it: the waiting one links after what the first appended meanwhile."""
    import threading
    import time

    from django.db import transaction

    from core.audit import audit_record
    from core.models import AuditHead

    audit_record(action="start")
    errors: list[BaseException] = []
    holding = threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                audit_record(action="holder-1")
                holding.set()
                time.sleep(0.3)  # the waiter is blocked on the head meanwhile
                audit_record(action="holder-2")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def waiter() -> None:
        try:
            holding.wait(10)
            audit_record(action="waiter")  # blocks on the head until the holder commits
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def churn(n: int) -> None:
        try:
            for i in range(15):
                try:
                    with transaction.atomic():
                        audit_record(action=f"churn-{n}-{i}")
                        if i % 4 == 0:
                            raise RuntimeError("roll back")
                except RuntimeError:
                    pass
                with transaction.atomic():
                    audit_record(action=f"kept-{n}-{i}")
                    try:
                        with transaction.atomic():
                            audit_record(action=f"savepoint-{n}-{i}")
                            raise RuntimeError("roll back to the savepoint")
                    except RuntimeError:
                        pass
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    threads += [threading.Thread(target=churn, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    report = verify_chain()
    assert report.ok, report
    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "at", "action"))
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))
    assert all(a[1] <= b[1] for a, b in zip(rows, rows[1:], strict=False)), "times out of order"
    actions = [action for _, _, action in rows]
    assert not any(a.startswith(("savepoint-",)) for a in actions)
    assert not any(a.startswith("churn-") and int(a.rsplit("-", 1)[1]) % 4 == 0 for a in actions)
    assert actions.index("holder-1") + 1 == actions.index("holder-2") < actions.index("waiter")
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.hash) == (rows[-1][0], AuditEntry.objects.get(seq=rows[-1][0]).hash)
