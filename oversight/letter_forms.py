"""Forms of the office's pages: parse and validate only; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from oversight.letter_services import MAX_WORKING_DAYS
from oversight.models import Kpi

ITEM_ROWS = 6


def regulators() -> Any:
    return Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR).order_by("code")


class LetterForm(forms.Form):
    issuer = forms.ModelChoiceField(label=_("以谁的名义发函"), queryset=Department.objects.none(), empty_label=None)
    department = forms.ModelChoiceField(label=_("收函部门"), queryset=Department.objects.none())
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, issuers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers  # type: ignore[attr-defined]
        self.fields["department"].queryset = regulators()  # type: ignore[attr-defined]
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item_{n}_text"] = forms.CharField(
                label=_("改进要求 %(n)s") % {"n": n}, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"item_{n}_days"] = forms.IntegerField(
                label=_("时限（工作日）"), required=False, min_value=1, max_value=MAX_WORKING_DAYS
            )

    def item_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"item_{n}_text"], self[f"item_{n}_days"]) for n in range(1, ITEM_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = []
        for n in range(1, ITEM_ROWS + 1):
            text, days = (data.get(f"item_{n}_text") or "").strip(), data.get(f"item_{n}_days")
            if text and not days:
                self.add_error(f"item_{n}_days", _("请填写办理时限。"))
            elif text:
                items.append((text, days))
        if not items and not self.errors:
            raise forms.ValidationError(_("提醒函至少要有一项改进要求。"))
        data["items"] = items
        return data


def letter_initial(*, items: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    initial = dict(fields)
    for n, (text, days) in enumerate(items[:ITEM_ROWS], 1):
        initial[f"item_{n}_text"], initial[f"item_{n}_days"] = text, days
    return initial


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class IssueForm(forms.Form):
    meeting = forms.CharField(label=_("会议"), max_length=200)
    meeting_date = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    raised_by = forms.ModelChoiceField(label=_("提出单位"), queryset=Department.objects.none(), required=False)
    assignees = forms.ModelMultipleChoiceField(
        label=_("承办部门"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].queryset = regulators()  # type: ignore[attr-defined]
        self.fields["assignees"].queryset = regulators()  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("研究意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ProposalForm(forms.Form):
    proposal = forms.CharField(label=_("解决问题的合理化建议"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class WeightsForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kpi in Kpi:
            self.fields[f"w_{kpi.value}"] = forms.IntegerField(label=kpi.label, min_value=0, max_value=100)

    def weights(self) -> dict[str, int]:
        return {k: self.cleaned_data[f"w_{k}"] for k in Kpi.values}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and sum(data.get(f"w_{k}") or 0 for k in Kpi.values) <= 0:
            raise forms.ValidationError(_("至少一项指标的权重须大于 0。"))
        return data


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2019, max_value=2100)
    period = forms.ChoiceField(label=_("考核期"), choices=[("h1", _("年中")), ("year", _("年度"))])
