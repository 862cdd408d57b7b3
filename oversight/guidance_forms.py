"""Forms of the office's guidance and training sessions for departments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from oversight.models import GuidanceKind


class GuidanceForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("形式"), choices=GuidanceKind.choices)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200)
    topic = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000)
    departments = forms.ModelMultipleChoiceField(
        label=_("参加部门"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["departments"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            is_active=True, kind=Department.Kind.REGULATOR
        ).order_by("code")
