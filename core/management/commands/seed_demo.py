from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import steps


class Command(BaseCommand):
    help = "Build (or bring up to date) the demo district. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for _order, name, step in steps():
            self.stdout.write(f"· {name}")
            with transaction.atomic():
                step(self.stdout)
