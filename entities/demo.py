"""The demo registry: about 20,000 entities of 长清区 with valid codes and believable
distributions, and each regulator's main directory (by industry and tags)."""

from __future__ import annotations

from typing import Any

from agencies.models import Department
from core.audit import audit_bulk, rows_suppressed
from core.bulk import bulk_insert
from core.demo import demo_step
from entities.models import Directory, DirectoryEntry, Entity, EntityTag

DEMO_ENTITIES = 20_000
DIRECTORY_RULES = {  # department: rule for its main directory
    "SCJG": {"entity_types": ["enterprise", "individual", "cooperative", "branch"]},
    "GA": {"tags": ["hotel", "internet-cafe", "entertainment"]},
    "ZJJ": {"tags": ["hotel", "construction"]},
    "WJJ": {"tags": ["hotel", "medical"], "industries": ["84"]},
    "XF": {"tags": ["hotel", "fire-key", "entertainment", "internet-cafe"]},
    "HB": {"tags": ["key-pollutant"]},
    "WL": {"tags": ["entertainment", "internet-cafe"]},
    "YJ": {"tags": ["hazardous-chemicals"]},
    "JT": {"tags": ["school"]},
    "NY": {"entity_types": ["cooperative"]},
}


@demo_step(20, "entities: registry of about 20,000 entities and the departments' directories")
def seed(out: Any) -> None:
    from entities import codes
    from entities.management.commands.gen_registry import RegistryGenerator, town_names
    from entities.models import Industry, Region, Tag

    if not Region.objects.exists():  # a flushed test database: the code tables come back
        codes.load_industries(Industry)
        codes.load_regions(Region)
        codes.load_tags(Tag)
    have = Entity.objects.count()
    if have < DEMO_ENTITIES:
        generator = RegistryGenerator(seed=20260101, towns=town_names())
        rows = list(generator.rows(count=DEMO_ENTITIES - have, start=have))
        with rows_suppressed():
            Entity.objects.bulk_create(
                [
                    Entity(uscc=r.uscc, name=r.name, entity_type=r.entity_type, industry_id=r.industry, region_id=r.region,
                           address=r.address, legal_rep=r.legal_rep, reg_authority=r.reg_authority, reg_date=r.reg_date,
                           status=r.status, risk_class=r.risk_class, risk_date=r.risk_date)
                    for r in rows
                ],
                batch_size=2000, ignore_conflicts=True,
            )
            bulk_insert(EntityTag, ["entity_id", "tag_id"], ((r.uscc, t) for r in rows for t in r.tags))
        audit_bulk(action="demo", object_type="entities.entity", count=len(rows), digest="", summary={"seed": 20260101})
    for code, rule in DIRECTORY_RULES.items():
        dept = Department.objects.filter(code=code).first()
        if dept is None:
            continue
        directory, _ = Directory.objects.get_or_create(department=dept, code="main", defaults={"name": "检查对象名录库", "rule": rule})
        if not directory.entries.exists():
            from entities.services import directory_apply_rule

            directory_apply_rule(directory=directory)
    out.write(f"  entities: {Entity.objects.count()}, directory entries: {DirectoryEntry.objects.count()}\n")
