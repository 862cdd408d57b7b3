"""The backup is only as good as its restore: dump the database with scripts/backup.sh, restore it
into a new database with scripts/restore_check.sh, and run verify_audit there (docs/operations.md)."""

import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from core.audit import audit_head_publish
from core.models import AuditEntry

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def server_and_db() -> tuple[str, str]:
    db = settings.DATABASES["default"]
    server = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return server, db["NAME"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_a_dump_restores_into_a_new_database_and_verifies(tmp_path) -> None:
    call_command("seed_demo")
    head = audit_head_publish(day=date(2026, 11, 26))
    assert head.payload["seq"] > 100
    server, name = server_and_db()
    dump = tmp_path / "ssj.dump"

    made = run("bash", "scripts/backup.sh", f"{server}/{name}", str(dump))
    assert made.returncode == 0, made.stderr
    checked = run("bash", "scripts/restore_check.sh", str(dump), server)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "审计链完好" in checked.stdout and "已公布的链头 1 个" in checked.stdout
    assert "restore check: OK" in checked.stdout
    # The scratch database is gone again.
    left = run("psql", f"{server}/postgres", "-XAtqc", "SELECT count(*) FROM pg_database WHERE datname LIKE 'ssj_restore_check_%'")
    assert left.stdout.strip() == "0"

    # The check can fail: a dump of a tampered database does not pass.
    victim = AuditEntry.objects.order_by("seq")[5]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_label = 'x' WHERE seq = %s", [victim.seq])
    bad = tmp_path / "tampered.dump"
    assert run("bash", "scripts/backup.sh", f"{server}/{name}", str(bad)).returncode == 0
    refused = run("bash", "scripts/restore_check.sh", str(bad), server)
    assert refused.returncode != 0 and f"第 {victim.seq} 条" in refused.stderr
