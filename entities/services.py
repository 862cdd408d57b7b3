"""Writes to the departments' directories (检查对象名录库, 专项库). The registry itself is fed by
imports, not here. Callers check access first (``entities.permissions``); these check the state."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_bulk, rows_suppressed
from entities.models import Directory, DirectoryEntry, EntityType
from entities.selectors import entity_detail, industry_list, rule_queryset, tag_list

APPLY_BATCH = 5000


def clean_rule(rule: dict[str, Any] | None) -> dict[str, list[str]]:
    """Keep only known keys and codes that exist; drop empty parts."""
    rule = rule or {}
    known = {
        "tags": set(tag_list().values_list("code", flat=True)),
        "industries": set(industry_list().values_list("code", flat=True)),
        "entity_types": set(EntityType.values),
    }
    cleaned: dict[str, list[str]] = {}
    for key, allowed in known.items():
        values = sorted({str(v) for v in rule.get(key) or []})
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValidationError(_("规则中有未知的代码：%(codes)s") % {"codes": "、".join(unknown)})
        if values:
            cleaned[key] = values
    return cleaned


@transaction.atomic
def directory_create(
    *, department: Any, code: str, name: str, kind: str, description: str = "", rule: dict[str, Any] | None = None
) -> Directory:
    if Directory.objects.filter(department=department, code=code).exists():
        raise ValidationError({"code": _("本部门已有代码为 %(code)s 的名录库。") % {"code": code}})
    return Directory.objects.create(
        department=department, code=code, name=name, kind=kind, description=description, rule=clean_rule(rule)
    )


@transaction.atomic
def directory_update(
    *, directory: Directory, name: str, description: str = "", rule: dict[str, Any] | None = None
) -> Directory:
    directory.name = name
    directory.description = description
    directory.rule = clean_rule(rule)
    directory.save()
    return directory


@transaction.atomic
def directory_entry_add(
    *, directory: Directory, uscc: str, licence_no: str = "", licence_valid_until: dt.date | None = None
) -> tuple[DirectoryEntry, bool]:
    """Add one entity by hand. In a 专项库, adding an entity already there updates its licence."""
    uscc = uscc.strip().upper()
    if entity_detail(uscc=uscc) is None:
        raise ValidationError({"uscc": _("主体库中没有这个统一社会信用代码。")})
    thematic = directory.kind == Directory.Kind.THEMATIC
    if not thematic:
        licence_no, licence_valid_until = "", None
    entry = DirectoryEntry.objects.select_for_update().filter(directory=directory, entity_id=uscc).first()
    if entry is not None:
        if not thematic or not (licence_no or licence_valid_until):
            raise ValidationError({"uscc": _("该主体已在名录库中。")})
        entry.licence_no, entry.licence_valid_until = licence_no, licence_valid_until
        entry.save()
        return entry, False
    try:
        with transaction.atomic():
            entry = DirectoryEntry.objects.create(
                directory=directory, entity_id=uscc, source=DirectoryEntry.Source.MANUAL,
                licence_no=licence_no, licence_valid_until=licence_valid_until,
            )
    except IntegrityError as exc:  # added concurrently
        raise ValidationError({"uscc": _("该主体已在名录库中。")}) from exc
    return entry, True


@transaction.atomic
def directory_entry_remove(*, entry: DirectoryEntry) -> None:
    entry.delete()


@dataclass(frozen=True)
class RuleApplied:
    matched: int
    added: int


@transaction.atomic
def directory_apply_rule(*, directory: Directory, batch_size: int = APPLY_BATCH) -> RuleApplied:
    """Add every entity the rule matches, in keyset batches; entities already there stay as they are.

    Rows are not audited one by one (a rule can match millions); one chain row records the counts
    and a digest of the codes added.
    """
    if not directory.rule:
        raise ValidationError(_("该名录库没有纳入规则。"))
    matching = rule_queryset(rule=directory.rule).order_by("uscc").values_list("uscc", flat=True)
    today = timezone.localdate()
    digest = hashlib.sha256()
    matched = added = 0
    last = ""
    with rows_suppressed():
        while True:
            batch = list(matching.filter(uscc__gt=last)[:batch_size])
            if not batch:
                break
            last = batch[-1]
            present = set(
                DirectoryEntry.objects.filter(directory=directory, entity_id__in=batch).values_list("entity_id", flat=True)
            )
            new = [code for code in batch if code not in present]
            DirectoryEntry.objects.bulk_create(
                [DirectoryEntry(directory=directory, entity_id=code, source=DirectoryEntry.Source.RULE, added_on=today)
                 for code in new],
                ignore_conflicts=True,
            )
            for code in new:
                digest.update(f"{code}\n".encode())
            matched += len(batch)
            added += len(new)
    audit_bulk(
        action="directory_apply_rule",
        object_type="entities.directoryentry",
        count=added,
        digest=digest.hexdigest(),
        summary={"directory": directory.pk, "rule": directory.rule, "matched": matched, "added": added},
    )
    return RuleApplied(matched=matched, added=added)
