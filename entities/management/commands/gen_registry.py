"""A large synthetic registry for benchmarks, loaded with COPY.

Synthetic data, not a draw: the ``random`` module with a seed is right here. Codes are valid
统一社会信用代码 built from a counter through a bijection, so two runs with disjoint counter ranges
never collide (the bench imports a file of "other" entities into a registry built this way).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any, NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_bulk, digest_of, rows_suppressed
from entities.bulk import copy_lines, progress_bar
from entities.models import Entity, EntityStatus, EntityTag, EntityType, Region
from entities.uscc import ALPHABET, make_uscc

TAIL_SPACE = 31**7
# Any multiplier coprime to 31 makes n -> n * MULT + OFFSET (mod 31**7) a bijection; one near
# the golden section of 31**7 scatters neighbouring counters over the whole code space.
MULT, OFFSET = 17_003_730_639, 1_234_567

TYPE_WEIGHTS: dict[str, int] = {
    EntityType.INDIVIDUAL: 60, EntityType.ENTERPRISE: 35, EntityType.COOPERATIVE: 3, EntityType.BRANCH: 2,
}
TYPE_PREFIX: dict[str, str] = {EntityType.INDIVIDUAL: "92", EntityType.ENTERPRISE: "91", EntityType.COOPERATIVE: "93",
               EntityType.BRANCH: "91"}
RISK_WEIGHTS: dict[str, int] = {"A": 30, "B": 55, "C": 12, "D": 3}
STATUS_WEIGHTS: dict[str, int] = {
    EntityStatus.ACTIVE: 920, EntityStatus.DEREGISTERED: 50, EntityStatus.REVOKED: 20,
    EntityStatus.CANCELLED: 5, EntityStatus.MOVED_OUT: 5,
}
# Division -> weight, and the words a name in that trade uses (shop for 个体, business for 企业).
INDUSTRIES: dict[str, tuple[int, list[str], list[str]]] = {
    "52": (26, ["超市", "便利店", "百货商店", "五金店", "日用品商行", "食品商行", "烟酒店", "服装店"], ["商贸", "百货"]),
    "51": (12, ["批发部", "建材经营部", "农资经营部", "粮油批发部"], ["贸易", "商贸", "建材", "农资"]),
    "62": (12, ["饭店", "餐馆", "小吃店", "快餐店", "烧烤店", "面馆"], ["餐饮管理", "餐饮"]),
    "80": (8, ["理发店", "美容美发店", "洗衣店", "家政服务部", "摄影部"], ["家政服务", "物业管理"]),
    "72": (7, ["广告部", "信息咨询部"], ["企业管理咨询", "商务信息咨询", "广告", "人力资源"]),
    "81": (5, ["汽车修理部", "家电维修部", "电动车维修店"], ["汽车服务", "机电设备维修"]),
    "61": (3, ["宾馆", "旅馆", "快捷宾馆"], ["酒店管理", "酒店"]),
    "54": (3, ["货运部", "运输服务部"], ["物流", "运输"]),
    "65": (3, ["电脑服务部"], ["网络科技", "信息技术", "软件"]),
    "01": (4, ["家庭农场", "种植园"], ["农业科技", "生态农业"]),
    "03": (2, ["养殖场"], ["牧业", "养殖"]),
    "50": (3, ["装饰部", "装修队"], ["装饰工程", "建筑装饰"]),
    "47": (2, ["建筑队"], ["建筑工程", "建设工程"]),
    "30": (2, ["石材加工厂"], ["建材", "新型建材"]),
    "13": (2, ["粮油加工坊", "面粉加工厂"], ["粮油", "食品"]),
    "14": (2, ["糕点坊", "食品加工坊"], ["食品"]),
    "33": (1, ["铁艺加工部"], ["金属制品", "机械"]),
    "70": (1, ["房产中介"], ["房地产开发", "置业"]),
    "83": (1, ["培训部"], ["教育咨询", "培训"]),
    "90": (1, ["棋牌室", "网吧"], ["文化娱乐"]),
}
COOP_INDUSTRIES = ["01", "01", "03", "05"]
COOP_WORDS = ["果蔬种植", "小米种植", "茶叶种植", "核桃种植", "生猪养殖", "肉鸡养殖", "农机服务", "苗木种植"]
TAG_RULES: dict[str, list[tuple[str, float]]] = {
    # industry -> (tag, probability)
    "62": [("food-licence", 0.9), ("fire-key", 0.02)],
    "52": [("food-licence", 0.4)],
    "14": [("food-production", 0.9), ("special-equipment", 0.3)],
    "13": [("food-production", 0.8)],
    "61": [("hotel", 1.0), ("fire-key", 0.2), ("special-equipment", 0.2)],
    "90": [("entertainment", 0.7), ("internet-cafe", 0.3)],
    "47": [("construction", 1.0), ("special-equipment", 0.4)],
    "30": [("key-pollutant", 0.2), ("special-equipment", 0.3)],
    "83": [("school", 0.5)],
}
TOWN_WEIGHTS = {"370113001": 25, "370113002": 10, "370113003": 12, "370113004": 5, "370113005": 10,
                "370113006": 8, "370113007": 8, "370113101": 8, "370113102": 6, "370113103": 8}
ZIHAO_A = list("鑫恒华宏金瑞永盛众顺天佳福德兴聚和鼎汇博润嘉泰康明利益信惠源祥隆昌达丰诚通安广富荣新")
ZIHAO_B = list("源达泰发鼎丰盛诚达成美润隆旺鑫顺盛远泽禾和源辉民诚兴昌祥瑞利通宇茂康恒信华泉")
ENT_PREFIX = ["济南市", "济南", "山东", "济南市长清区", "山东省"]
ENT_PREFIX_W = [45, 25, 15, 12, 3]
ENT_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
ENT_FORMS_W = [90, 8, 2]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文斌海燕雪梅鹏飞宇浩然晓东春")
ROADS = ["经十西路", "大学路", "峰山路", "清河街", "龙泉街", "凤凰路", "芙蓉路", "紫薇路", "长清大道", "乐天路",
         "丹凤路", "平安路", "104国道", "220国道", "孝里中街", "马山大街"]
AUTHORITY = "济南市长清区市场监督管理局"
REG_START = dt.date(1995, 1, 1).toordinal()
REG_SPAN = dt.date(2025, 12, 31).toordinal() - REG_START
RISK_DAY = dt.date(2025, 3, 31)


class Synthetic(NamedTuple):
    uscc: str
    name: str
    entity_type: str
    industry: str
    region: str
    address: str
    legal_rep: str
    reg_authority: str
    reg_date: dt.date | None
    status: str
    risk_class: str
    risk_date: dt.date | None
    tags: tuple[str, ...]


def scramble(counter: int) -> int:
    """Counter -> code tail number: a bijection on [0, 31**7), so distinct counters never collide."""
    return (counter * MULT + OFFSET) % TAIL_SPACE


def uscc_for(tail: int, prefix: str) -> str:
    """A valid code; the tail's digits are written most significant first, so codes with one
    prefix sort as their tail numbers do."""
    digits = []
    for _place in range(7):
        tail, d = divmod(tail, 31)
        digits.append(ALPHABET[d])
    return make_uscc(f"{prefix}370113MA{''.join(reversed(digits))}")


def _cum(weights: dict[Any, int] | list[int]) -> list[int]:
    return list(accumulate(weights.values() if isinstance(weights, dict) else weights))


class RegistryGenerator:
    """Believable entities of 长清区: names, trades, towns, risk classes, statuses, tags."""

    def __init__(self, *, seed: int, towns: dict[str, str]) -> None:
        if not towns:
            raise ValueError("no town codes: load the code tables first (migrate / load_codes)")
        self.rng = random.Random(seed)
        self.towns = list(towns.items())
        self.town_cw = _cum([TOWN_WEIGHTS.get(code, 5) for code, _ in self.towns])
        self.types, self.type_cw = list(TYPE_WEIGHTS), _cum(TYPE_WEIGHTS)
        self.risks, self.risk_cw = list(RISK_WEIGHTS), _cum(RISK_WEIGHTS)
        self.statuses, self.status_cw = list(STATUS_WEIGHTS), _cum(STATUS_WEIGHTS)
        self.industries = list(INDUSTRIES)
        self.industry_cw = _cum([w for w, _, _ in INDUSTRIES.values()])

    def rows(self, *, count: int, start: int = 0, chunk: int = 10_000) -> Iterator[Synthetic]:
        """Entities for counters ``start`` .. ``start + count - 1``, in random code order (as files come)."""
        if start + count > TAIL_SPACE:
            raise ValueError("counter range exhausted")
        for base in range(start, start + count, chunk):
            n = min(chunk, start + count - base)
            types = self.rng.choices(self.types, cum_weights=self.type_cw, k=n)
            codes = [(scramble(base + i), types[i]) for i in range(n)]
            self.rng.shuffle(codes)
            yield from self._chunk(codes)

    def rows_in_code_order(self, *, count: int, start: int = 0, chunk: int = 10_000) -> Iterator[Synthetic]:
        """The same kind of entities, sorted by code: a load that only ever appends to the key's
        index (and to each group of the composite ones) runs several times faster."""
        if start + count > TAIL_SPACE:
            raise ValueError("counter range exhausted")
        tails = sorted(scramble(n) for n in range(start, start + count))
        types = self.rng.choices(self.types, cum_weights=self.type_cw, k=count)
        for prefix in sorted(set(TYPE_PREFIX.values())):
            picked = [(tail, t) for tail, t in zip(tails, types, strict=True) if TYPE_PREFIX[t] == prefix]
            for i in range(0, len(picked), chunk):
                yield from self._chunk(picked[i:i + chunk])

    def _chunk(self, codes: list[tuple[int, str]]) -> Iterator[Synthetic]:
        rng, n = self.rng, len(codes)
        towns = rng.choices(self.towns, cum_weights=self.town_cw, k=n)
        risks = rng.choices(self.risks, cum_weights=self.risk_cw, k=n)
        statuses = rng.choices(self.statuses, cum_weights=self.status_cw, k=n)
        industries = rng.choices(self.industries, cum_weights=self.industry_cw, k=n)
        for i, (tail, etype) in enumerate(codes):
            (town, town_name), industry = towns[i], industries[i]
            if etype == EntityType.COOPERATIVE:
                industry = rng.choice(COOP_INDUSTRIES)
            name = self._name(etype, industry, town_name)
            yield Synthetic(
                uscc=uscc_for(tail, TYPE_PREFIX[etype]), name=name, entity_type=etype,
                industry=industry, region=town,
                address=f"山东省济南市长清区{town_name}{rng.choice(ROADS)}{rng.randint(1, 3999)}号",
                legal_rep=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                reg_authority=AUTHORITY,
                reg_date=dt.date.fromordinal(REG_START + int(REG_SPAN * rng.random() ** 0.5)),
                status=statuses[i], risk_class=risks[i], risk_date=RISK_DAY, tags=self._tags(industry),
            )

    def _zihao(self) -> str:
        return self.rng.choice(ZIHAO_A) + self.rng.choice(ZIHAO_B)

    def _name(self, etype: str, industry: str, town_name: str) -> str:
        rng = self.rng
        if etype == EntityType.INDIVIDUAL:
            return f"长清区{town_name}{self._zihao()}{rng.choice(INDUSTRIES[industry][1])}"
        if etype == EntityType.COOPERATIVE:
            return f"济南市长清区{town_name}{self._zihao()}{rng.choice(COOP_WORDS)}专业合作社"
        prefix = rng.choices(ENT_PREFIX, cum_weights=_cum(ENT_PREFIX_W))[0]
        words = INDUSTRIES[industry][2] if industry in INDUSTRIES else ["农业科技"]
        company = f"{prefix}{self._zihao()}{rng.choice(words)}{rng.choices(ENT_FORMS, cum_weights=_cum(ENT_FORMS_W))[0]}"
        if etype == EntityType.BRANCH:
            return f"{company}长清分公司"
        return company

    def _tags(self, industry: str) -> tuple[str, ...]:
        rules = TAG_RULES.get(industry)
        if not rules:
            return ()
        return tuple(sorted({tag for tag, p in rules if self.rng.random() < p}))


def town_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=Region.Level.TOWN).order_by("code").values_list("code", "name"))


def _entity_line(e: Synthetic, now: str) -> str:
    reg = e.reg_date.isoformat() if e.reg_date else r"\N"
    risk = e.risk_date.isoformat() if e.risk_date else r"\N"
    return (f"{e.uscc}\t{e.name}\t{e.entity_type}\t{e.industry}\t{e.region}\t{e.address}\t{e.legal_rep}\t"
            f"{e.reg_authority}\t{reg}\t{e.status}\t{e.risk_class}\t{risk}\t{now}\n")


ENTITY_COLUMNS = ["uscc", "name", "entity_type", "industry_id", "region_id", "address", "legal_rep",
                  "reg_authority", "reg_date", "status", "risk_class", "risk_date", "updated_at"]


def copy_registry(
    cursor: Any, *, count: int, seed: int, start: int, progress: Callable[[int], None] | None = None,
) -> int:
    """COPY ``count`` generated entities and their tags; the caller owns the transaction."""
    gen = RegistryGenerator(seed=seed, towns=town_names())
    now = timezone.now().isoformat()
    tags: list[str] = []
    done = 0

    def lines() -> Iterator[str]:
        nonlocal done
        for e in gen.rows_in_code_order(count=count, start=start):
            tags.extend(f"{e.uscc}\t{t}\n" for t in e.tags)
            done += 1
            if progress and done % 20_000 == 0:
                progress(done)
            yield _entity_line(e, now)

    copy_lines(cursor, Entity._meta.db_table, ENTITY_COLUMNS, lines())
    copy_lines(cursor, EntityTag._meta.db_table, ["entity_id", "tag_id"], iter(tags))
    if progress:
        progress(done)
    return len(tags)


def load_registry(
    *, count: int, seed: int = 0, start: int | None = None, progress: Callable[[int], None] | None = None,
) -> int:
    """Add ``count`` generated entities to the registry in one transaction, with one audit row."""
    if connection.vendor != "postgresql":
        raise CommandError(_("gen_registry 需要 PostgreSQL（COPY）。"))
    before = Entity.objects.count()
    start = before if start is None else start
    with transaction.atomic(), rows_suppressed(), connection.cursor() as cursor:
        n_tags = copy_registry(cursor, count=count, seed=seed, start=start, progress=progress)
        # The rows follow from (seed, start, count): that is what the digest pins down.
        audit_bulk(action="generate", object_type="entities.entity", count=count,
                   digest=digest_of([f"gen_registry seed={seed} start={start} count={count}"]),
                   summary={"synthetic": True, "seed": seed, "start": start, "tags": n_tags})
    if count >= before:
        # Rows copied into an indexed table in random code order leave its B-trees about half
        # full: the draw's frame export then reads twice the pages it needs (measured: 0.95 s
        # against 0.56 s for a city frame at 10M). A load at least as large as what was there
        # rebuilds them compactly, as one would after any initial bulk import of a registry.
        table = connection.ops.quote_name(Entity._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"REINDEX TABLE {table}")
            cursor.execute(f"ANALYZE {table}")
    return count


class Command(BaseCommand):
    help = "Build a large synthetic registry fast (PostgreSQL COPY), for benchmarks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--entities", type=int, required=True, help="how many entities to add")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--start", type=int, default=None,
                            help="first code counter (default: the registry's current size)")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["entities"]
        bar = progress_bar(total=n, out=self.stderr)
        t0 = time.perf_counter()
        load_registry(count=n, seed=options["seed"], start=options["start"], progress=bar)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Entity._meta.db_table)}")
        seconds = time.perf_counter() - t0
        self.stderr.write("")
        self.stdout.write(_("已生成 %(n)s 个市场主体，用时 %(s).1f 秒（%(r).0f 行/秒）")
                          % {"n": n, "s": seconds, "r": n / seconds})
