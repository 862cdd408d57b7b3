from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from entities import codes
from entities.models import Industry, Region, Tag


class Command(BaseCommand):
    help = "Load the industry, region and tag code tables (the shipped ones, or files you name)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--industries", type=Path, help="CSV: code,section,name")
        parser.add_argument("--regions", type=Path, help="CSV: code,level,parent,name (统计用区划代码)")
        parser.add_argument("--tags", type=Path, help="CSV: code,name")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        n_i = codes.load_industries(Industry, options["industries"])
        n_r = codes.load_regions(Region, options["regions"])
        n_t = codes.load_tags(Tag, options["tags"])
        self.stdout.write(f"industries {n_i}, regions {n_r}, tags {n_t}")
