"""Randomness sources for draws (DRAW.md guarantee 3).

At least one source of every real draw is outside the operator's control: public lottery results
of a named future date (the default: 福彩3D and 体彩排列5, checkable by anyone), a public beacon
round fixed in advance, or numbers drawn at a witnessed ceremony by a named person who is not
the operator. Server entropy may be added, its hash announced first, but never alone (trial draws
excepted). Values are encoded canonically by the engine (RFC 3797 section 4 for numbers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

EXTERNAL_KINDS = {"lottery", "beacon", "ceremony"}


class SourceError(Exception):
    """A source or a value that cannot be used; the message is for the person entering it."""


@dataclass(frozen=True)
class Lottery:
    code: str
    name: str
    digits: int


LOTTERIES = {
    "fc3d": Lottery("fc3d", "中国福利彩票3D", 3),
    "pl5": Lottery("pl5", "中国体育彩票排列5", 5),
    "pl3": Lottery("pl3", "中国体育彩票排列3", 3),
}


def lottery_source(code: str, date: dt.date) -> dict[str, Any]:
    lottery = LOTTERIES[code]
    return {
        "kind": "lottery",
        "lottery": code,
        "date": date.isoformat(),
        "description": _("%(name)s %(date)s 开奖号码（%(n)s 位，按开奖顺序读作一个整数）")
        % {"name": lottery.name, "date": date.isoformat(), "n": lottery.digits},
    }


def witness_source(*, witness: str, ceremony: dt.date, count: int) -> dict[str, Any]:
    if not witness.strip():
        raise SourceError(_("现场摇号须写明见证人姓名。"))
    return {
        "kind": "ceremony",
        "witness": witness.strip(),
        "date": ceremony.isoformat(),
        "count": count,
        "description": _("%(date)s 抽取仪式上由 %(who)s 当众摇出的 %(n)s 个号码（0–99）")
        % {"date": ceremony.isoformat(), "who": witness.strip(), "n": count},
    }


def beacon_source(*, round_id: int) -> dict[str, Any]:
    return {
        "kind": "beacon",
        "round": round_id,
        "description": _("公共随机信标第 %(round)s 轮的输出值") % {"round": round_id},
    }


def server_source() -> tuple[dict[str, Any], str]:
    """Server entropy: the value is kept back, its SHA-256 goes into the announcement."""
    value = secrets.token_hex(32)
    return {
        "kind": "server",
        "description": _("平台服务器生成的 256 位随机数（公告时先公布其哈希值）"),
        "value_sha256_hex": hashlib.sha256(value.encode()).hexdigest(),
    }, value


def default_sources(*, today: dt.date) -> list[dict[str, Any]]:
    """The next day's 福彩3D and 体彩排列5 results: unknown to anyone when the frame freezes."""
    day = today + dt.timedelta(days=1)
    return [lottery_source("fc3d", day), lottery_source("pl5", day)]


def has_external(sources: list[dict[str, Any]]) -> bool:
    return any(s.get("kind") in EXTERNAL_KINDS for s in sources)


def parse_value(source: dict[str, Any], raw: str, *, today: dt.date) -> list[int] | str:
    """Check one value as entered (or fetched) against its announced source."""
    kind, text = source["kind"], raw.strip()
    if kind in {"lottery", "ceremony"} and dt.date.fromisoformat(source["date"]) > today:
        raise SourceError(_("%(desc)s 尚未产生，不能提前录入。") % {"desc": source["description"]})
    if kind == "lottery":
        digits = LOTTERIES[source["lottery"]].digits
        compact = re.sub(r"[\s,，、]", "", text)
        if not re.fullmatch(rf"\d{{{digits}}}", compact):
            raise SourceError(_("%(desc)s 应为 %(n)s 位数字。") % {"desc": source["description"], "n": digits})
        return [int(compact)]
    if kind == "ceremony":
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if len(numbers) != int(source["count"]) or any(n > 99 for n in numbers):
            raise SourceError(_("应录入 %(n)s 个 0–99 的号码。") % {"n": source["count"]})
        return numbers
    if kind in {"beacon", "server"}:
        if not re.fullmatch(r"[0-9a-fA-F]{16,256}", text):
            raise SourceError(_("应为十六进制数值。"))
        if kind == "server" and hashlib.sha256(text.lower().encode()).hexdigest() != source["value_sha256_hex"]:
            raise SourceError(_("服务器熵与公告的哈希值不符。"))
        return text.lower()
    raise SourceError(_("未知的随机数来源。"))


def fetch_beacon(round_id: int) -> str:
    """Fetch a beacon round's output (NIST Randomness Beacon 2.0 JSON shape) from DRAW_BEACON_URL."""
    url = settings.DRAW_BEACON_URL.format(round=round_id)
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise SourceError(_("随机信标地址必须使用 HTTPS。"))
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (scheme checked above)
        body = json.load(response)
    value = (body.get("pulse") or body).get("outputValue", "")
    if not value:
        raise SourceError(_("随机信标未返回该轮的输出值。"))
    return str(value).lower()
