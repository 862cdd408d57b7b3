from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from entities.models import Directory, EntityStatus, EntityType, RiskClass
from entities.selectors import EntityFilters, industry_divisions, industry_list, tag_list, town_list
from entities.validation import uscc_reason

ANY = [("", _("全部"))]
# Above this many towns the region filter is a code box, not a drop-down.
TOWN_SELECT_LIMIT = 300


class DateInput(forms.DateInput):
    input_type = "date"


def _industry_groups(*, whole_sections: bool) -> list[Any]:
    """GB/T 4754 divisions grouped by section; optionally each section itself as a choice."""
    sections = {i.code: i.name for i in industry_list().filter(code__regex=r"^[A-Z]$")}
    groups: dict[str, list[tuple[str, str]]] = {}
    for i in industry_divisions():
        label = f"{i.section} {sections.get(i.section, '')}"
        if whole_sections and label not in groups:
            groups[label] = [(i.section, _("%(code)s 整个门类") % {"code": i.section})]
        groups.setdefault(label, []).append((i.code, f"{i.code} {i.name}"))
    return list(groups.items())


class EntityFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或统一社会信用代码"), required=False, max_length=200)
    entity_type = forms.ChoiceField(label=_("主体类型"), required=False, choices=[*ANY, *EntityType.choices])
    industry = forms.ChoiceField(label=_("行业"), required=False)
    region = forms.ChoiceField(label=_("所在街道/乡镇"), required=False)
    risk_class = forms.ChoiceField(label=_("信用风险分类"), required=False, choices=[*ANY, *RiskClass.choices])
    status = forms.ChoiceField(label=_("登记状态"), required=False, choices=[*ANY, *EntityStatus.choices])
    tag = forms.ChoiceField(label=_("标签"), required=False)
    directory = forms.TypedChoiceField(label=_("名录库"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, directories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["industry"].choices = [*ANY, *_industry_groups(whole_sections=False)]
        towns = list(town_list()[: TOWN_SELECT_LIMIT + 1])
        if len(towns) > TOWN_SELECT_LIMIT:
            fields["region"] = forms.CharField(
                label=_("所在街道/乡镇代码"), required=False, max_length=12, help_text=_("9 位统计用区划代码")
            )
        else:
            fields["region"].choices = [*ANY, *((t.code, t.name) for t in towns)]
        fields["tag"].choices = [*ANY, *((t.code, t.name) for t in tag_list())]
        fields["directory"].choices = [*ANY, *((d.pk, f"{d.department.label} · {d.name}") for d in directories)]

    def filters(self) -> EntityFilters:
        """The filters from the fields that are valid; an invalid one is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        return EntityFilters(
            q=(data.get("q") or "").strip(),
            entity_type=data.get("entity_type") or "",
            industry=data.get("industry") or "",
            region=(data.get("region") or "").strip(),
            risk_class=data.get("risk_class") or "",
            status=data.get("status") or "",
            tag=data.get("tag") or "",
            directory=data.get("directory"),
        )


class DirectoryForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none())
    code = forms.SlugField(label=_("代码"), max_length=40, help_text=_("字母、数字、连字符，部门内唯一，创建后不可修改。"))
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Directory.Kind.choices, help_text=_("专项库可记录许可证号和有效期。"))
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rule_tags = forms.MultipleChoiceField(label=_("标签（任一）"), required=False)
    rule_industries = forms.MultipleChoiceField(label=_("行业（任一）"), required=False)
    rule_entity_types = forms.MultipleChoiceField(
        label=_("主体类型（任一）"), required=False, choices=EntityType.choices
    )

    def __init__(self, *args: Any, departments: Any = None, directory: Directory | None = None, **kwargs: Any) -> None:
        if directory is not None:
            rule = directory.rule or {}
            kwargs.setdefault("initial", {
                "name": directory.name, "description": directory.description,
                "rule_tags": rule.get("tags", []), "rule_industries": rule.get("industries", []),
                "rule_entity_types": rule.get("entity_types", []),
            })
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if directory is not None:
            for name in ("department", "code", "kind"):
                del fields[name]
        else:
            fields["department"].queryset = departments
            if departments is not None and departments.count() == 1:
                fields["department"].initial = departments.first()
        fields["rule_tags"].choices = [(t.code, t.name) for t in tag_list()]
        fields["rule_industries"].choices = _industry_groups(whole_sections=True)
        for name in ("rule_tags", "rule_industries", "rule_entity_types"):
            fields[name].help_text = _("可多选（按住 Ctrl 或 ⌘）；留空即不限。")
            fields[name].widget.attrs["size"] = 6

    def rule(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            "tags": data.get("rule_tags") or [],
            "industries": data.get("rule_industries") or [],
            "entity_types": data.get("rule_entity_types") or [],
        }


class EntryForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    licence_no = forms.CharField(label=_("许可证号"), required=False, max_length=60)
    licence_valid_until = forms.DateField(label=_("许可有效期至"), required=False, widget=DateInput)

    def __init__(self, *args: Any, thematic: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not thematic:
            del self.fields["licence_no"]
            del self.fields["licence_valid_until"]

    def clean_uscc(self) -> str:
        code = str(self.cleaned_data["uscc"]).strip().upper()
        reason = uscc_reason(code)
        if reason:
            raise forms.ValidationError(reason)
        return code
