"""Small registries for draw tests: valid codes, chosen types, risk classes and streets."""

from stdnum.cn import uscc as stdnum_uscc

from entities.models import Entity


def code(n: int, prefix: str = "91370113") -> str:
    body = f"{prefix}{n:09d}"[:17]
    body = body[:8] + "".join("0123456789ABCDEFGH"[int(c) % 18] if i % 5 == 0 else c for i, c in enumerate(body[8:]))
    return body + stdnum_uscc.calc_check_digit(body)


def registry(n: int, *, start: int = 0, status: str = "active", region: str = "370113001") -> list[Entity]:
    kinds = ["enterprise", "individual", "individual", "cooperative"]
    risks = ["A", "B", "B", "C", "D"]
    rows = [
        Entity(
            uscc=code(start + i), name=f"测试商户{start + i}", entity_type=kinds[i % 4], industry_id="61",
            region_id=region, status=status, risk_class=risks[i % 5],
        )
        for i in range(n)
    ]
    Entity.objects.bulk_create(rows)
    return rows
