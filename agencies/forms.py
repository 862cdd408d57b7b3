from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Section


class SectionForm(forms.Form):
    code = forms.CharField(label=_("代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Section.Kind.choices)
    area = forms.CharField(label=_("辖区"), max_length=100, required=False)
