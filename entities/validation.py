"""One entity row from a clerk's file: checked, normalised, or refused with reasons in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from entities.models import EntityStatus, EntityType, RiskClass

COLUMNS = {
    # column heading in the template -> field
    "统一社会信用代码": "uscc",
    "名称": "name",
    "企业名称": "name",
    "主体名称": "name",
    "主体类型": "entity_type",
    "行业代码": "industry",
    "所属行业代码": "industry",
    "区划代码": "region",
    "所在街道（乡镇）代码": "region",
    "住所": "address",
    "住所（经营场所）": "address",
    "地址": "address",
    "法定代表人": "legal_rep",
    "法定代表人（负责人）": "legal_rep",
    "登记机关": "reg_authority",
    "成立日期": "reg_date",
    "登记状态": "status",
    "信用风险分类": "risk_class",
    "分类日期": "risk_date",
    "标签": "tags",
    # English headings work too.
    **{f: f for f in ("uscc", "name", "entity_type", "industry", "region", "address", "legal_rep",
                      "reg_authority", "reg_date", "status", "risk_class", "risk_date", "tags")},
}
REQUIRED = {"uscc", "name", "entity_type", "industry", "region"}
TEMPLATE_HEADINGS = ["统一社会信用代码", "名称", "主体类型", "行业代码", "区划代码", "住所（经营场所）",
                     "法定代表人（负责人）", "登记机关", "成立日期", "登记状态", "信用风险分类", "分类日期", "标签"]

TYPE_WORDS = {str(t.label): t.value for t in EntityType} | {t.value: t.value for t in EntityType} | {
    "公司": EntityType.ENTERPRISE, "个体": EntityType.INDIVIDUAL, "合作社": EntityType.COOPERATIVE,
    "分公司": EntityType.BRANCH,
}
STATUS_WORDS = {s.value: s.value for s in EntityStatus} | {
    "存续": "active", "在业": "active", "在营": "active", "开业": "active", "在册": "active", "存续（在营）": "active",
    "注销": "deregistered", "吊销": "revoked", "撤销": "cancelled", "迁出": "moved_out",
}
# ``CleanEntity.status`` when the row's status cell is blank (or the file has no status column):
# the writer makes a new entity active and leaves an existing entity's status as it is.
STATUS_UNSTATED = ""
TAG_SPLIT = re.compile(r"[;；,，、|\s]+")
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


def uscc_reason(code: str) -> str | None:
    """None when the code is valid (check character included), else why not, in Chinese."""
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，实为 %(n)s 位") % {"n": len(code)}
    if not USCC_SHAPE.match(code):
        return _("统一社会信用代码含有不允许的字符")
    try:
        stdnum_uscc.validate(code)
    except StdnumError:
        return _("统一社会信用代码校验位错误")
    return None


def _date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")[:10]
    if not text:
        return None
    return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))


@dataclass
class CleanEntity:
    uscc: str
    name: str
    entity_type: str
    industry: str
    region: str
    address: str = ""
    legal_rep: str = ""
    reg_authority: str = ""
    reg_date: dt.date | None = None
    status: str = EntityStatus.ACTIVE  # STATUS_UNSTATED: new -> active, existing -> unchanged
    risk_class: str = ""
    risk_date: dt.date | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    value: str = ""


class EntityRowValidator:
    """Validates rows in file order; remembers codes already seen to report duplicates."""

    def __init__(
        self,
        *,
        industries: set[str],
        regions: set[str],
        tags: dict[str, str],
        uscc_check: Callable[[str], str | None] = uscc_reason,
    ) -> None:
        self.industries, self.regions, self.uscc_check = industries, regions, uscc_check
        self.tags = tags  # name or code -> code
        self.seen: dict[str, int] = {}

    def validate(self, number: int, row: dict[str, str]) -> tuple[CleanEntity | None, list[RowError]]:
        errors: list[RowError] = []

        def err(column: str, reason: str) -> None:
            errors.append(RowError(number, column, reason, row.get(column, "")[:60]))

        for col in REQUIRED:
            if not row.get(col, "").strip():
                err(col, _("必填项为空"))
        uscc = row.get("uscc", "").strip().upper()
        if uscc and (reason := self.uscc_check(uscc)):
            err("uscc", reason)
        elif uscc in self.seen:
            err("uscc", _("与第 %(row)s 行的统一社会信用代码重复") % {"row": self.seen[uscc]})
        elif uscc:
            self.seen[uscc] = number
        name = row.get("name", "").strip()
        if len(name) > 200:
            err("name", _("名称超过 200 字"))
        entity_type = TYPE_WORDS.get(row.get("entity_type", "").strip(), "")
        if row.get("entity_type", "").strip() and not entity_type:
            err("entity_type", _("未知的主体类型"))
        industry = row.get("industry", "").strip().upper()
        industry = industry[1:] if len(industry) >= 3 and industry[0].isalpha() else industry
        industry = industry[:2]
        if row.get("industry", "").strip() and industry not in self.industries:
            err("industry", _("未知的行业代码（GB/T 4754 门类或大类）"))
        region = row.get("region", "").strip()
        if region and region not in self.regions:
            err("region", _("未知的区划代码"))
        # A blank cell says nothing: a new entity is active, an existing one keeps its status.
        status_word = row.get("status", "").strip()
        status = STATUS_WORDS.get(status_word, "") if status_word else STATUS_UNSTATED
        if status_word and not status:
            err("status", _("未知的登记状态"))
        risk = row.get("risk_class", "").strip().upper()[:1]
        if risk and risk not in RiskClass.values:
            err("risk_class", _("信用风险分类应为 A、B、C、D 之一"))
        dates: dict[str, dt.date | None] = {}
        for col in ("reg_date", "risk_date"):
            try:
                dates[col] = _date(row.get(col, ""))
            except ValueError:
                err(col, _("日期格式应为 YYYY-MM-DD"))
        tag_codes = []
        for word in TAG_SPLIT.split(row.get("tags", "").strip()):
            if word:
                if word in self.tags:
                    tag_codes.append(self.tags[word])
                else:
                    err("tags", _("未知标签：%(tag)s") % {"tag": word})
        for col, limit in (("address", 300), ("legal_rep", 50), ("reg_authority", 100)):
            if len(row.get(col, "")) > limit:
                err(col, _("超过 %(n)s 字") % {"n": limit})
        if errors:
            return None, errors
        return CleanEntity(
            uscc=uscc, name=name, entity_type=entity_type, industry=industry, region=region,
            address=row.get("address", "").strip(), legal_rep=row.get("legal_rep", "").strip(),
            reg_authority=row.get("reg_authority", "").strip(), reg_date=dates.get("reg_date"),
            status=status, risk_class=risk, risk_date=dates.get("risk_date"), tags=sorted(set(tag_codes)),
        ), []


def validator_from_db(**kwargs: object) -> EntityRowValidator:
    from entities.models import Industry, Region, Tag

    tags: dict[str, str] = {}
    for code, name in Tag.objects.values_list("code", "name"):
        tags[code] = code
        tags[name] = code
    return EntityRowValidator(
        industries=set(Industry.objects.exclude(code__regex=r"^[A-Z]$").values_list("code", flat=True)),
        regions=set(Region.objects.filter(level=Region.Level.TOWN).values_list("code", flat=True)),
        tags=tags,
        **kwargs,  # type: ignore[arg-type]
    )
