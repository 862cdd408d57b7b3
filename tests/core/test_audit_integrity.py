"""Audit integrity: the chain covers the draw records, its head is published daily, and
``verify_audit`` checks the chain against the published heads (issue 9, item 7)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agencies.models import Department
from core.audit import (
    GENESIS,
    _hashed_fields,
    audit_head_publish,
    entry_hash,
    verify_chain,
    verify_published_heads,
    verify_records,
)
from core.models import AuditEntry, AuditHead, OutboxItem, PublicationRecord

pytestmark = pytest.mark.django_db


def history(n: int = 6) -> None:
    start = Department.objects.count()
    for i in range(start, start + n):
        Department.objects.create(code=f"H{i}", name=f"历史局{i}")


def rewrite_from(seq: int, **forged: object) -> None:
    """What a forger with database access does: change a row, then recompute every hash after it."""
    with connection.cursor() as cursor:
        for column, value in forged.items():
            cursor.execute(f"UPDATE core_auditentry SET {column} = %s WHERE seq = %s", [value, seq])
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        new = entry_hash(prev_hash=prev, fields=_hashed_fields(entry))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, new, entry.seq])
        prev = new
    AuditHead.objects.filter(id=1).update(hash=prev)


def test_a_single_altered_row_is_found_by_verify_audit() -> None:
    history()
    audit_head_publish(day=date(2026, 11, 1))
    victim = AuditEntry.objects.order_by("seq")[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_label = %s WHERE seq = %s", ["someone-else", victim.seq])
    with pytest.raises(CommandError, match=f"第 {victim.seq} 条"):
        call_command("verify_audit")


def test_a_consistently_rewritten_chain_is_caught_by_a_published_head() -> None:
    history()
    published = audit_head_publish(day=date(2026, 11, 1))
    history_after = AuditEntry.objects.count()
    Department.objects.create(code="L1", name="后来局")
    call_command("verify_audit")  # all is well before the forgery

    rewrite_from(3, object_id="forged")
    # The chain on its own holds: every link was recomputed.
    report = verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count() > history_after
    # The head published before the rewrite does not.
    heads = verify_published_heads()
    assert not heads.ok and heads.first_bad_date == "2026-11-01"
    assert f"#{published.payload['seq']}" in heads.reason
    with pytest.raises(CommandError, match="2026-11-01 公布的链头不符"):
        call_command("verify_audit")


def test_a_rewrite_after_the_last_published_head_is_not_claimed_as_caught() -> None:
    """The heads vouch for history up to their sequence number, not beyond (honest limits)."""
    history()
    head = audit_head_publish(day=date(2026, 11, 1))
    Department.objects.create(code="L1", name="后来局")
    Department.objects.create(code="L2", name="后来局二")
    rewrite_from(head.payload["seq"] + 2, object_id="forged")
    assert verify_chain().ok and verify_published_heads().ok


def test_a_truncated_chain_is_caught_by_a_published_head() -> None:
    history()
    audit_head_publish(day=date(2026, 11, 1))
    head_seq = AuditHead.objects.get(id=1).seq
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq >= %s", [head_seq - 1])
    AuditHead.objects.filter(id=1).update(seq=head_seq - 2)
    assert verify_chain().ok
    assert not verify_published_heads().ok


def test_the_head_is_published_once_a_day_through_the_outbox(django_capture_on_commit_callbacks, settings) -> None:
    from core.tasks import publish_audit_head

    settings.CELERY_TASK_ALWAYS_EAGER = True  # in-process here; the worker round trip is tested below

    history()
    head_before = AuditHead.objects.get(id=1)
    with django_capture_on_commit_callbacks(execute=True):
        publish_audit_head()
    with django_capture_on_commit_callbacks(execute=True):
        publish_audit_head()  # beat fired twice, or a retry: still one record for the day
    records = PublicationRecord.objects.filter(kind="audit_head")
    assert records.count() == 1
    record = records.get()
    assert record.payload["seq"] == head_before.seq and record.payload["hash"] == head_before.hash
    item = OutboxItem.objects.get(handler="core.publish_audit_head")
    assert item.status == OutboxItem.Status.DONE and item.result["seq"] == head_before.seq
    assert verify_published_heads().ok and verify_published_heads().checked == 1


def test_the_public_page_lists_the_heads(client) -> None:
    history()
    first = audit_head_publish(day=date(2026, 11, 1))
    history(2)
    second = audit_head_publish(day=date(2026, 11, 2))
    response = client.get("/public/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert first.payload["hash"] in body and second.payload["hash"] in body
    assert body.index("2026-11-02") < body.index("2026-11-01")  # newest first
    data = client.get("/public/audit/?format=json").json()
    assert [d["seq"] for d in data] == [second.payload["seq"], first.payload["seq"]]


# --- Draw records ---------------------------------------------------------------------------
@pytest.fixture
def demo(db, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    # As `make demo` leaves it: the background work (evidence bundles, publications) done.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")


def test_the_demo_draw_records_match_the_chain(demo) -> None:
    from inspections.models import Draw, DrawAssignment, DrawSelection

    assert Draw.objects.filter(status="done").exists()
    assert DrawSelection.objects.exists() and DrawAssignment.objects.exists()
    report = verify_records()
    assert report.ok, report.problems
    assert report.checked >= Draw.objects.count() + 2
    call_command("verify_audit")


def test_an_altered_draw_selection_is_found(demo) -> None:
    from inspections.models import DrawSelection

    victim = DrawSelection.objects.order_by("pk").first()
    DrawSelection.objects.filter(pk=victim.pk).update(order_hex="0" * len(victim.order_hex))
    report = verify_records()
    assert not report.ok
    assert any("draw_selection" in p and f"draw={victim.draw_id}" in p for p in report.problems)
    with pytest.raises(CommandError, match="抽取记录"):
        call_command("verify_audit")


def test_a_removed_draw_assignment_is_found(demo) -> None:
    from inspections.models import DrawAssignment

    victim = DrawAssignment.objects.filter(substitutions__isnull=True).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inspections_drawassignment WHERE id = %s", [victim.pk])
    assert any("draw_matching" in p and "rows stored" in p for p in verify_records().problems)


def test_an_altered_draw_row_and_evidence_are_found(demo) -> None:
    from inspections.models import Draw, DrawEvidence

    draw = Draw.objects.filter(status="done").order_by("pk").first()
    Draw.objects.filter(pk=draw.pk).update(selected_count=draw.selected_count + 1)
    DrawEvidence.objects.filter(draw=draw).update(sha256_hex="f" * 64)
    problems = verify_records().problems
    assert f"inspections.draw:{draw.pk} differs from its chained record" in problems
    assert any(p.startswith("inspections.drawevidence:") for p in problems)


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_publishes_the_head_in_the_real_worker(celery_worker) -> None:
    from core.tasks import publish_audit_head
    from tests.conftest import wait_for

    history()
    head = AuditHead.objects.get(id=1)
    publish_audit_head.delay()  # as beat sends it: through Redis to the worker, then the outbox
    record = wait_for(lambda: PublicationRecord.objects.filter(kind="audit_head").first(), timeout=30)
    assert record is not None, "no head published"
    assert record.payload["seq"] == head.seq and record.payload["hash"] == head.hash
    item = OutboxItem.objects.get(handler="core.publish_audit_head")
    assert wait_for(lambda: OutboxItem.objects.get(pk=item.pk).status == OutboxItem.Status.DONE)
    assert verify_published_heads().ok
