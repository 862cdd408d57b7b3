"""Demo inspector pools: about 300 inspectors across the district's departments, with
qualification fields, a few on leave and a few conflict declarations (pending and approved)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.utils import timezone

from agencies.models import Department, Section
from core.demo import demo_step
from entities.models import Entity
from inspectors.models import ConflictDeclaration, Field, Inspector, Leave

POOLS = {  # department code: (how many, fields)
    "SCJG": (90, ["food", "special-equipment", "credit", "product-quality", "drugs", "pricing", "advertising"]),
    "GA": (40, ["public-security"]), "ZJJ": (30, ["construction"]), "WJJ": (30, ["health"]),
    "XF": (30, ["fire"]), "HB": (25, ["environment"]), "WL": (15, ["culture"]), "YJ": (15, ["work-safety"]),
    "JT": (12, ["education"]), "NY": (13, ["agriculture"]),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文斌海燕雪梅鹏飞宇浩然晓东春"
TOWNS = ["370113001", "370113002", "370113003", "370113004", "370113005", "370113006", "370113007",
         "370113101", "370113102", "370113103"]


def _pick(seq: str | list[Any], key: str, salt: str) -> Any:
    """Deterministic choice from a digest, so the demo is the same every time it is built."""
    return seq[int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest(), 16) % len(seq)]


def _id_number(n: int) -> str:
    from stdnum.cn import ric

    body = f"370113{1970 + n % 30:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body)


@demo_step(25, "inspectors: pools, fields, leave, conflicts")
def seed(out: Any) -> None:
    if not Field.objects.exists():  # a flushed test database: the code table comes back
        from inspectors.codes import load_fields

        load_fields(Field)
    fields = {f.code: f for f in Field.objects.all()}
    created = 0
    for code, (count, field_codes) in POOLS.items():
        dept = Department.objects.filter(code=code).first()
        if dept is None:
            continue
        sections = list(Section.objects.filter(department=dept))
        for i in range(count):
            cert = f"37011300{code}{i:04d}"
            name = _pick(SURNAMES, cert, "s") + _pick(GIVEN, cert, "g") + (_pick(GIVEN, cert, "h") if i % 3 else "")
            inspector, was_created = Inspector.objects.get_or_create(
                cert_no=cert,
                defaults={
                    "department": dept, "section": sections[i % len(sections)] if sections else None, "name": name,
                    "cert_valid_until": dt.date(2028, 12, 31), "id_number": _id_number(hash_int(cert)),
                    "phone": f"13{hash_int(cert) % 10**9:09d}", "is_expert": i % 17 == 0,
                    "home_area": TOWNS[i % len(TOWNS)],
                },
            )
            if was_created:
                created += 1
                inspector.fields.set([fields[c] for c in field_codes[: 1 + i % len(field_codes)] if c in fields])
    today = timezone.localdate()
    for inspector in Inspector.objects.filter(cert_no__endswith="7")[:12]:
        Leave.objects.get_or_create(inspector=inspector, start=today, defaults={"end": today + dt.timedelta(days=14), "reason": "年休假"})
    entities = list(Entity.objects.order_by("uscc").values_list("uscc", flat=True)[:40])
    for n, inspector in enumerate(Inspector.objects.filter(cert_no__endswith="3")[:20]):
        if n < len(entities):
            ConflictDeclaration.objects.get_or_create(
                inspector=inspector, entity_id=entities[n],
                defaults={"ground": "interest" if n % 2 else "relative", "note": "亲属在该主体任职",
                          "status": "approved" if n % 3 else "pending"},
            )
    out.write(f"  inspectors: {Inspector.objects.count()} ({created} new)\n")


def hash_int(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
