"""Forms of result entry, review, follow-ups, consequences and the inspection history."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from inspections.draw_forms import DateInput
from inspections.models import (
    CaseItem,
    FollowUpMeasure,
    InspectionItem,
    InspectionRecord,
    Method,
    ResultCategory,
    Violation,
)
from inspectors.models import Inspector


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; their type and size are checked by ``inspections.uploads``."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class ResultForm(forms.Form):
    categories = forms.MultipleChoiceField(label=_("检查结果（可多选）"), choices=ResultCategory.choices, widget=forms.CheckboxSelectMultiple)
    violations = forms.MultipleChoiceField(label=_("发现的问题（选择“发现问题待后续处理”时填写）"), choices=Violation.choices,
                                           widget=forms.CheckboxSelectMultiple, required=False)
    other_department = forms.ModelChoiceField(label=_("涉及的其他部门"), queryset=Department.objects.filter(is_active=True).order_by("code"),
                                              required=False)
    methods = forms.MultipleChoiceField(label=_("检查方式"), choices=Method.choices, widget=forms.CheckboxSelectMultiple)
    inspected_on = forms.DateField(label=_("检查日期"), widget=DateInput, required=False)
    findings = forms.CharField(label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    avoidance_on_site = forms.CharField(label=_("现场申请回避（主体当场提出的回避申请及处理）"), widget=forms.Textarea(attrs={"rows": 2}),
                                        required=False)
    photos = MultipleFileField(label=_("照片和文件（JPEG、PNG、PDF、Word、Excel）"), required=False,
                            widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf,.docx,.xlsx"}))
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4().hex)
            self.initial.setdefault("inspected_on", timezone.localdate())

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        other = d.get("other_department")
        return {"categories": d["categories"], "violations": d.get("violations") or [], "methods": d["methods"],
                "findings": d.get("findings", ""), "avoidance_on_site": d.get("avoidance_on_site", ""),
                "inspected_on": d.get("inspected_on"), "other_department": other.pk if other else None}


def result_initial(result: Any) -> dict[str, Any]:
    return {"categories": result.categories, "violations": result.violations, "methods": result.methods,
            "findings": result.findings, "avoidance_on_site": result.avoidance_on_site, "inspected_on": result.inspected_on,
            "other_department": result.other_department_id}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("审核通过")), ("return", _("退回修改"))], widget=forms.RadioSelect, label=_("审核结论"))
    opinion = forms.CharField(label=_("审核意见（退回时必填）"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class FollowUpForm(forms.Form):
    measure = forms.ChoiceField(label=_("后续处置措施"), choices=FollowUpMeasure.choices)
    referred_to = forms.ModelChoiceField(label=_("抄告/反馈部门"), queryset=Department.objects.filter(is_active=True).order_by("code"), required=False)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("完结日期"), widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(label=_("完结说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[c for c in CaseItem.Kind.choices])
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none())
    entity = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    reason = forms.CharField(label=_("事由"), max_length=300)
    clock_start = forms.DateField(label=_("起算日期（核查日、7月1日或申请日）"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments

    def clean_entity(self) -> str:
        return str(self.cleaned_data["entity"]).strip().upper()


class DecideForm(forms.Form):
    decision = forms.CharField(label=_("决定内容（如：列入经营异常名录、不予列入、准予移出、吊销营业执照）"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput, initial=timezone.localdate)


class HistoryForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none())
    kind = forms.ChoiceField(label=_("检查类型"), choices=[c for c in InspectionRecord.Kind.choices if c[0] != InspectionRecord.Kind.RANDOM])
    entity = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    item = forms.ModelChoiceField(label=_("抽查事项（可选）"), queryset=InspectionItem.objects.none(), required=False)
    inspected_on = forms.DateField(label=_("检查日期"), widget=DateInput, initial=timezone.localdate)
    inspectors = forms.ModelMultipleChoiceField(label=_("执法人员"), queryset=Inspector.objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("department", departments), ("item", InspectionItem.objects.filter(department__in=departments).order_by("code")),
                         ("inspectors", Inspector.objects.filter(department__in=departments, is_active=True).order_by("cert_no"))):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs

    def clean_entity(self) -> str:
        return str(self.cleaned_data["entity"]).strip().upper()


class SweepForm(forms.Form):
    kind = forms.ChoiceField(label=_("筛查"), choices=[("no_report", _("未按时报送年度报告的主体")), ("revocation", _("拟吊销：无法联系满两年的主体"))])
    department = forms.ModelChoiceField(label=_("部门（筛查本部门名录库）"), queryset=Department.objects.none())
    report_year = forms.IntegerField(label=_("报告年度"), min_value=2014, max_value=2100, required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        self.fields["report_year"].initial = timezone.localdate().year - 1
