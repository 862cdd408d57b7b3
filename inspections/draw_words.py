"""Words for a draw's codes (exclusion rules, stratum keys), shared by staff and public pages.

The codes stay in the evidence and the hashes; people read these words beside them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entities.models import EntityType, RiskClass

EXCLUSION_WORDS = {
    "not_in_existence": gettext_lazy("非存续状态（注销、吊销、撤销、迁出）"),
    "inspected_this_year_for_item": gettext_lazy("本年度已就同一事项检查过"),
    "inspected_this_quarter_by_other_department": gettext_lazy("本季度已被任务以外的部门检查过"),
}


def exclusion_words(rule: str) -> str:
    return str(EXCLUSION_WORDS.get(rule, rule))


def stratum_words(key: str) -> str:
    """'risk:B|type:individual' -> 'B 类（一般风险）· 个体工商户'; an opaque key 'x-…' -> words
    saying that the stratum is internal (its credit-risk class is not published)."""
    if key.startswith("x-"):
        return _("内部分层（信用风险分类不公开）")
    risks, types = dict(RiskClass.choices), dict(EntityType.choices)
    words = []
    for part in key.split("|"):
        name, _sep, value = part.partition(":")
        if name == "risk":
            words.append(str(risks.get(value, _("未分类"))))
        elif name == "type":
            words.append(str(types.get(value, value)))
        else:
            words.append(part)
    return " · ".join(words)
