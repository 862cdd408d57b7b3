from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Department, Section
from entities.validation import uscc_reason
from inspectors.models import ConflictDeclaration, Field
from inspectors.selectors import InspectorFilters

YES_NO_ANY = [("", _("全部")), ("1", _("是")), ("0", _("否"))]
YES_NO = [("1", _("是")), ("0", _("否"))]


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


class DateInput(forms.DateInput):
    input_type = "date"


class InspectorFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或执法证号"), required=False, max_length=50)
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    section = forms.ModelChoiceField(label=_("科室/所"), queryset=Section.objects.none(), required=False)
    field = forms.ModelChoiceField(label=_("专业领域"), queryset=Field.objects.none(), required=False)
    active = forms.ChoiceField(label=_("在岗"), choices=YES_NO_ANY, required=False)
    on_leave = forms.ChoiceField(label=_("今日请假"), choices=YES_NO_ANY, required=False)

    def __init__(self, *args: Any, departments: Any, sections: Any, fields: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_fields: dict[str, Any] = self.fields
        form_fields["department"].queryset = departments
        form_fields["section"].queryset = sections
        form_fields["field"].queryset = fields
        if departments.count() < 2:
            del form_fields["department"]

    def filters(self) -> InspectorFilters:
        """The filters from the fields that are valid; an invalid one is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        department, section, field = data.get("department"), data.get("section"), data.get("field")
        return InspectorFilters(
            q=data.get("q") or "",
            department=department.pk if department else None,
            section=section.pk if section else None,
            field=field.pk if field else "",
            active=_flag(data.get("active") or ""),
            on_leave=_flag(data.get("on_leave") or ""),
        )


class InspectorForm(forms.Form):
    section = forms.ModelChoiceField(label=_("科室/所"), queryset=Section.objects.none(), required=False)
    fields_ = forms.ModelMultipleChoiceField(
        label=_("专业领域"), queryset=Field.objects.all(), required=False,
        help_text=_("可多选（按住 Ctrl 或 ⌘）。"),
    )
    is_expert = forms.TypedChoiceField(label=_("专家"), choices=YES_NO, coerce=_flag)
    expert_field = forms.ModelChoiceField(label=_("专家领域"), queryset=Field.objects.all(), required=False)
    home_area = forms.CharField(label=_("责任区（街道/乡镇代码）"), max_length=12, required=False)
    cert_valid_until = forms.DateField(label=_("证件有效期至"), required=False, widget=DateInput)
    is_active = forms.TypedChoiceField(label=_("在岗"), choices=YES_NO, coerce=_flag)

    def __init__(self, *args: Any, sections: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_fields: dict[str, Any] = self.fields
        form_fields["section"].queryset = sections
        form_fields["fields_"].widget.attrs["size"] = 6


class LeaveForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DateInput)
    end = forms.DateField(label=_("结束日期"), widget=DateInput)
    reason = forms.CharField(label=_("事由"), max_length=100, required=False)


class ConflictForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    ground = forms.ChoiceField(label=_("回避事由"), choices=ConflictDeclaration.Ground.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def clean_uscc(self) -> str:
        code = str(self.cleaned_data["uscc"]).strip().upper()
        reason = uscc_reason(code)
        if reason:
            raise forms.ValidationError(reason)
        return code


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("不予批准"))])
