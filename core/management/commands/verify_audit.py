from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.audit import verify_chain, verify_published_heads, verify_records


class Command(BaseCommand):
    help = (
        "Check the audit hash chain from the first row to the head and name the first broken row; "
        "check the chain against the heads published on the public site, and the draw records "
        "against what the chain says about them."
    )

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
        heads = verify_published_heads()
        if not heads.ok:
            raise CommandError(
                _("审计链与 %(date)s 公布的链头不符：%(reason)s") % {"date": heads.first_bad_date, "reason": heads.reason}
            )
        self.stdout.write(_("已公布的链头 %(n)s 个，均与审计链一致") % {"n": heads.checked})
        records = verify_records()
        if not records.ok:
            for problem in records.problems[:50]:
                self.stderr.write(problem)
            raise CommandError(
                _("有 %(n)s 条抽取记录与审计链不符（首条：%(first)s）")
                % {"n": len(records.problems), "first": records.problems[0]}
            )
        self.stdout.write(_("抽取记录 %(n)s 项与审计链一致") % {"n": records.checked})
