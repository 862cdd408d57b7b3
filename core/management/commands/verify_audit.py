from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit hash chain from the first row to the head and name the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                _("审计链在第 %(seq)s 条断裂：%(reason)s（此前 %(n)s 条完好）")
                % {"seq": report.first_bad_seq, "reason": report.reason, "n": report.checked}
            )
        self.stdout.write(
            _("审计链完好：共 %(n)s 条，链头 #%(seq)s %(hash)s")
            % {"n": report.checked, "seq": report.head_seq, "hash": report.head_hash}
        )
