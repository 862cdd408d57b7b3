"""Forms of the field-work pages: teams, notices and dates, trainings, follow-up visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from inspections.fieldwork_services import CHIEF_MODES, NON_DRAWN
from inspections.models import InspectionItem, NoticeEvent, Task, TeamMember, TrainingSession
from inspectors.models import Inspector


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class MemberForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[(k.value, k.label) for k in TeamMember.Kind if k in NON_DRAWN])
    inspector = forms.ModelChoiceField(label=_("本部门人员（协助人员可选）"), queryset=Inspector.objects.none(), required=False)
    name = forms.CharField(label=_("姓名或机构名称"), max_length=100, required=False,
                           help_text=_("选择了本部门人员时可不填。"))
    department = forms.ModelChoiceField(label=_("所属部门"), queryset=Department.objects.none(), required=False)
    item = forms.ModelChoiceField(label=_("辅助的检查事项"), queryset=InspectionItem.objects.none(), required=False,
                                  help_text=_("委托专业机构辅助时必填。"))
    reason = forms.CharField(label=_("参与理由"), max_length=300)

    def __init__(self, *args: Any, departments: QuerySet[Department], items: QuerySet[InspectionItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["inspector"].queryset = (Inspector.objects.filter(department__in=departments, is_active=True)
                                  .select_related("department").order_by("department__code", "name"))
        f["department"].queryset = departments
        f["item"].queryset = items.select_related("department")
        f["item"].label_from_instance = lambda i: f"{i.department.name}：{i.name}"
        f["inspector"].label_from_instance = lambda p: f"{p.department.name} {p.name}（{p.cert_no}）"


class ChiefForm(forms.Form):
    mode = forms.ChoiceField(label=_("参与方式"), choices=[(k, _(v)) for k, v in CHIEF_MODES.items()], widget=forms.RadioSelect, initial="lead")


def _dates(value: str) -> list[dt.date]:
    try:
        return [dt.date.fromisoformat(v.strip()) for v in value.replace("，", ",").split(",") if v.strip()]
    except ValueError as exc:
        raise forms.ValidationError(_("日期格式为 YYYY-MM-DD。")) from exc


class ProposeForm(forms.Form):
    first = forms.DateField(label=_("拟检查日期 1"), widget=DateInput)
    second = forms.DateField(label=_("拟检查日期 2"), widget=DateInput, required=False)
    third = forms.DateField(label=_("拟检查日期 3"), widget=DateInput, required=False)

    def dates(self) -> list[dt.date]:
        return [d for d in (self.cleaned_data.get(k) for k in ("first", "second", "third")) if d]


class DeliveryForm(forms.Form):
    via = forms.ChoiceField(label=_("送达方式"), choices=[(v.value, v.label) for v in NoticeEvent.Via if v != NoticeEvent.Via.LINK])
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class AgreedDateForm(forms.Form):
    day = forms.DateField(label=_("约定检查日期"), widget=DateInput)
    note = forms.CharField(label=_("说明（如电话约定）"), max_length=300, required=False)


class ConfirmForm(forms.Form):
    """The entity's answer on the token page."""

    signer = forms.CharField(label=_("签收人"), max_length=100, help_text=_("请填写阅读并签收本通知书的人员姓名。"))
    day = forms.ChoiceField(label=_("选择检查日期"), widget=forms.RadioSelect, required=False)
    other_day = forms.DateField(label=_("以上日期均不方便时，建议的日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, proposed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["day"].choices = [(d, d) for d in proposed]

    def chosen(self) -> dt.date | None:
        value = self.cleaned_data.get("day")
        return dt.date.fromisoformat(value) if value else None


class AvoidanceForm(forms.Form):
    text = forms.CharField(label=_("申请回避的人员及理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class TrainingForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["title", "held_on", "location", "provider_kind", "provider", "audience", "task"]
        widgets = {"held_on": DateInput}

    def __init__(self, *args: Any, tasks: QuerySet[Task], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["task"].queryset = tasks
        f["provider"].help_text = _("部门工作人员授课时可填写授课人；邀请第三方机构时必填机构名称。")


class InviteForm(forms.Form):
    task = forms.ModelChoiceField(label=_("邀请该任务的全部检查对象"), queryset=Task.objects.none())

    def __init__(self, *args: Any, tasks: QuerySet[Task], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["task"].queryset = tasks


class FeedbackForm(forms.Form):
    entity = forms.ChoiceField(label=_("回访的检查对象"))
    department = forms.ModelChoiceField(label=_("回访部门"), queryset=Department.objects.none())
    visited_on = forms.DateField(label=_("回访日期"), widget=DateInput)
    satisfaction = forms.TypedChoiceField(label=_("满意度"), coerce=int, widget=forms.RadioSelect,
                                          choices=[(5, _("5 非常满意")), (4, _("4 满意")), (3, _("3 基本满意")), (2, _("2 不满意")), (1, _("1 非常不满意"))])
    opinion = forms.CharField(label=_("意见建议"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, entities: list[tuple[str, str]], departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["entity"].choices = entities
        f["department"].queryset = Department.objects.filter(pk__in=[d.pk for d in departments])
        if len(departments) == 1:
            f["department"].initial = departments[0].pk
