"""Check a draw's evidence against the announcement recorded before its randomness, then re-derive.

    manage.py verify_draw 42             # a draw of this platform, by id
    manage.py verify_draw bundle.json    # a downloaded bundle (the recorded announcement is looked
                                         # up here, or given with --announcement FILE)
    manage.py verify_draw --all          # every completed draw
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.models import PublicationRecord
from inspections import draw as engine
from inspections.draw import DrawError
from inspections.drawing import evidence_bundle
from inspections.models import Draw


def recorded_announcement(draw: Draw) -> dict[str, Any]:
    """What was recorded before the randomness; for entity draws, also what was published."""
    published = (
        PublicationRecord.objects.filter(public_id=f"draw:{draw.task.code}:{draw.iteration}").order_by("version").first()
    )
    if published is not None and published.payload.get("announcement") != draw.announcement:
        raise CommandError(f"draw {draw.pk}: the published announcement differs from the recorded one")
    return draw.announcement


class Command(BaseCommand):
    help = "Verify draw evidence bundles (draw-evidence/1) against their recorded announcements."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("target", nargs="?", help="a draw id or a bundle file")
        parser.add_argument("--announcement", type=Path, help="the announcement JSON, for a bundle from elsewhere")
        parser.add_argument("--all", action="store_true", help="verify every completed draw")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            draws = Draw.objects.filter(status=Draw.Status.DONE).select_related("task")
            failures = sum(not self._check_draw(d) for d in draws)
            if failures:
                raise CommandError(f"{failures} draw(s) do not verify")
            self.stdout.write(self.style.SUCCESS(f"all {draws.count()} completed draws verify"))
            return
        target = options["target"] or ""
        if target.isdigit():
            draw = Draw.objects.select_related("task").get(pk=int(target))
            if not self._check_draw(draw):
                raise CommandError("the draw does not verify")
            return
        else:
            bundle = json.loads(Path(target).read_text(encoding="utf-8"))
            announcement = self._announcement_for(bundle, options["announcement"])
        if not self._check(bundle, announcement, target):
            raise CommandError("the draw does not verify")

    def _check_draw(self, draw: Draw) -> bool:
        """A stored draw: its bundle (built now if the background work has not yet), checked
        against the announcement recorded before its randomness."""
        try:
            bundle = evidence_bundle(draw)
        except DrawError as exc:
            self.stdout.write(self.style.ERROR(f"#{draw.pk}: {exc}"))
            return False
        return self._check(bundle, recorded_announcement(draw), f"#{draw.pk}")

    def _announcement_for(self, bundle: dict[str, Any], path: Path | None) -> dict[str, Any]:
        if path:
            return json.loads(path.read_text(encoding="utf-8"))
        info = bundle.get("draw", {})
        draw = Draw.objects.filter(task__code=info.get("task_code"), iteration=info.get("iteration")).first()
        if draw is None:
            raise CommandError("no recorded announcement for this bundle here: pass --announcement FILE")
        return recorded_announcement(draw)

    def _check(self, bundle: dict[str, Any], announcement: dict[str, Any], label: str) -> bool:
        report = engine.verify_bundle(bundle, announcement)
        if report.ok:
            self.stdout.write(f"{label}: ok ({', '.join(report.checked)})")
            return True
        for mismatch in report.mismatches:
            self.stdout.write(f"{label}: MISMATCH {mismatch.code}: {mismatch.detail} / {mismatch.message_zh}")
        return False
