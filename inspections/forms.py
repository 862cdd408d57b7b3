"""Forms of the item list, plans, campaigns, tasks and claims. Ratios are typed as percentages and
stored as basis points; checks that need the database live in ``inspections.services``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from entities.models import EntityType, RiskClass
from entities.selectors import directories_for_user, industry_divisions, tag_list, town_list
from inspections.models import AnnualPlan, Campaign, InspectionItem, Method, PlanBatch, Task, TaskStatus
from inspectors.selectors import field_list

RISK_CLASSES = ("A", "B", "C", "D")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs, format=format or "%Y-%m-%d")  # what <input type="date"> reads


class Checkboxes(forms.CheckboxSelectMultiple):
    """Check boxes laid out by ``.checks`` in the stylesheet (wrap on a phone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs.setdefault("class", "checks")


class Radios(forms.RadioSelect):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs.setdefault("class", "checks")


def percent_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal("0.01"), max_value=Decimal(100), max_digits=5,
        decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}), **kwargs,
    )


def to_bp(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def from_bp(bp: int | None) -> Decimal | None:
    return None if bp is None else Decimal(bp) / 100


def _department_field(departments: Any, field: forms.Field) -> None:
    field.queryset = departments  # type: ignore[attr-defined]
    if departments.count() == 1:
        field.initial = departments.first()


# --- Items ----------------------------------------------------------------------------------
class ItemForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none())
    code = forms.CharField(label=_("事项编号"), max_length=40)
    name = forms.CharField(label=_("抽查事项"), max_length=200)
    parent = forms.ModelChoiceField(label=_("上级事项"), required=False, queryset=InspectionItem.objects.none(),
                                    help_text=_("子项选择其所属的一级事项；一级事项留空。"))
    legal_basis = forms.CharField(label=_("检查依据"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    object_type = forms.CharField(label=_("检查对象"), required=False, max_length=200)
    category = forms.ChoiceField(label=_("事项类别"), choices=InspectionItem.Category.choices, widget=Radios,
                                 initial=InspectionItem.Category.GENERAL)
    ratio_cap = percent_field(_("抽查比例上限（%）"), help_text=_("仅一般检查事项；重点检查事项不设上限。"))
    min_yearly_ratio = percent_field(
        _("年度最低抽查比例（%）"), help_text=_("法律规定的下限，如企业公示信息抽查每年不低于 3%；计划低于此值时提示。")
    )
    frequency = forms.CharField(label=_("抽查频次"), required=False, max_length=100)
    methods = forms.MultipleChoiceField(label=_("检查方式"), choices=Method.choices, widget=Checkboxes)
    required_fields = forms.ModelMultipleChoiceField(label=_("执法人员所需专业领域"), required=False,
                                                     queryset=field_list(), widget=Checkboxes)
    requires_expert = forms.BooleanField(label=_("需要专家参与"), required=False)
    materials = forms.CharField(label=_("检查对象需准备的材料"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    def __init__(self, *args: Any, departments: Any, item: InspectionItem | None = None, **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault("initial", {
                "code": item.code, "name": item.name, "parent": item.parent_id, "legal_basis": item.legal_basis,
                "object_type": item.object_type, "category": item.category, "ratio_cap": from_bp(item.ratio_cap_bp),
                "min_yearly_ratio": from_bp(item.min_yearly_ratio_bp), "frequency": item.frequency,
                "methods": item.methods, "required_fields": list(item.required_fields.all()),
                "requires_expert": item.requires_expert, "materials": item.materials, "is_active": item.is_active,
            })
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        dept_ids = [item.department_id] if item else list(departments.values_list("pk", flat=True))
        parents = InspectionItem.objects.filter(department_id__in=dept_ids, parent__isnull=True).order_by("code")
        fields["parent"].queryset = parents.exclude(pk=item.pk) if item else parents
        if item is not None:
            del fields["department"]
        else:
            _department_field(departments, fields["department"])

    def item_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": d["code"].strip(), "name": d["name"].strip(), "parent": d.get("parent"),
            "legal_basis": d["legal_basis"], "object_type": d["object_type"], "category": d["category"],
            "ratio_cap_bp": to_bp(d.get("ratio_cap")), "min_yearly_ratio_bp": to_bp(d.get("min_yearly_ratio")),
            "frequency": d["frequency"], "methods": d["methods"], "requires_expert": d["requires_expert"],
            "materials": d["materials"], "is_active": d["is_active"], "required_fields": list(d["required_fields"]),
        }


# --- Targeting filters, shared by batches and tasks -----------------------------------------
class FilterFields(forms.Form):
    entity_types = forms.MultipleChoiceField(label=_("主体类型"), required=False, choices=EntityType.choices, widget=Checkboxes)
    industries = forms.MultipleChoiceField(label=_("行业（国民经济行业分类大类）"), required=False,
                                           help_text=_("可多选（按住 Ctrl 或 ⌘）。"))
    regions = forms.MultipleChoiceField(label=_("街道/乡镇"), required=False, widget=Checkboxes)
    risk_classes = forms.MultipleChoiceField(label=_("信用风险分类"), required=False, choices=RiskClass.choices, widget=Checkboxes)
    tags = forms.MultipleChoiceField(label=_("标签"), required=False, widget=Checkboxes)

    FILTER_NAMES = ("entity_types", "industries", "regions", "risk_classes", "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["industries"].choices = [(i.code, f"{i.code} {i.name}") for i in industry_divisions()]
        fields["industries"].widget.attrs["size"] = 6
        fields["regions"].choices = [(t.code, t.name) for t in town_list()[:300]]
        fields["tags"].choices = [(t.code, t.name) for t in tag_list()]

    def filters(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.FILTER_NAMES if self.cleaned_data.get(k)}


class RatioFields(forms.Form):
    ratio = percent_field(_("抽查比例（%）"))
    risk_a = percent_field(_("A 类（低风险）比例（%）"))
    risk_b = percent_field(_("B 类（一般风险）比例（%）"))
    risk_c = percent_field(_("C 类（较高风险）比例（%）"))
    risk_d = percent_field(_("D 类（高风险）比例（%）"))
    count = forms.IntegerField(label=_("抽查数量（户）"), required=False, min_value=1)

    def risk_ratios_bp(self) -> dict[str, int]:
        d = self.cleaned_data
        return {c: bp for c in RISK_CLASSES if (bp := to_bp(d.get(f"risk_{c.lower()}")))}


def _ratio_initial(ratio_bp: int | None, risk: dict[str, Any], count: int | None) -> dict[str, Any]:
    return {"ratio": from_bp(ratio_bp), "count": count,
            **{f"risk_{c.lower()}": from_bp(int(risk[c])) for c in RISK_CLASSES if risk.get(c)}}


# --- Plans ----------------------------------------------------------------------------------
class PlanForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("计划名称"), max_length=200)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, departments: Any, plan: AnnualPlan | None = None, **kwargs: Any) -> None:
        initial = {"title": plan.title, "note": plan.note, "year": plan.year} if plan else {"year": timezone.localdate().year}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if plan is not None:
            del fields["department"], fields["year"]
        else:
            _department_field(departments, fields["department"])


class BatchForm(FilterFields, RatioFields):
    title = forms.CharField(label=_("批次名称"), max_length=200)
    items = forms.ModelMultipleChoiceField(label=_("抽查事项"), queryset=InspectionItem.objects.none(), widget=Checkboxes)
    participants = forms.ModelMultipleChoiceField(label=_("参与部门（联合抽查）"), required=False,
                                                  queryset=Department.objects.none(), widget=Checkboxes)
    window_start = forms.DateField(label=_("计划开始"), widget=DateInput)
    window_end = forms.DateField(label=_("计划结束"), widget=DateInput)

    field_order = ["title", "items", "participants", "window_start", "window_end", "ratio", "risk_a", "risk_b",
                   "risk_c", "risk_d", "count"]

    def __init__(self, *args: Any, plan: AnnualPlan, items: Any, participants: Any, batch: PlanBatch | None = None,
                 **kwargs: Any) -> None:
        if batch is not None:
            kwargs.setdefault("initial", {
                "title": batch.title, "items": list(batch.items.all()), "participants": list(batch.participants.all()),
                "window_start": batch.window_start, "window_end": batch.window_end, **(batch.scope or {}),
                **_ratio_initial(batch.ratio_bp, batch.risk_ratios_bp or {}, batch.count),
            })
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["items"].queryset = items
        fields["participants"].queryset = participants.exclude(pk=plan.department_id)

    def batch_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"], "items": list(d["items"]), "participants": list(d["participants"]),
            "window_start": d["window_start"], "window_end": d["window_end"], "scope": self.filters(),
            "ratio_bp": to_bp(d.get("ratio")), "count": d.get("count"), "risk_ratios_bp": self.risk_ratios_bp(),
        }


class PlanFileForm(forms.Form):
    filed_with = forms.ModelChoiceField(label=_("备案机关"), queryset=Department.objects.none())

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["filed_with"].queryset = authorities
        fields["filed_with"].initial = authorities.first()


# --- Campaigns ------------------------------------------------------------------------------
class CampaignForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("牵头部门"), queryset=Department.objects.none())
    name = forms.CharField(label=_("名称"), max_length=200)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    departments = forms.ModelMultipleChoiceField(label=_("参与部门"), queryset=Department.objects.none(), widget=Checkboxes)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, leads: Any, departments: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        _department_field(leads, fields["lead"])
        fields["departments"].queryset = departments


# --- Tasks ----------------------------------------------------------------------------------
class TaskForm(FilterFields, RatioFields):
    department = forms.ModelChoiceField(label=_("发起部门"), queryset=Department.objects.none())
    title = forms.CharField(label=_("任务名称"), max_length=200)
    description = forms.CharField(label=_("任务说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    plan_batch = forms.ModelChoiceField(label=_("计划批次"), required=False, queryset=PlanBatch.objects.none(),
                                        help_text=_("按年度计划开展的任务请选择批次；临时任务留空。"))
    campaign = forms.ModelChoiceField(label=_("专项整治"), required=False, queryset=Campaign.objects.none())
    source = forms.ChoiceField(label=_("任务来源"), choices=Task.Source.choices, initial=Task.Source.OWN, widget=Radios)
    superior = forms.ModelChoiceField(label=_("下发机关"), required=False, queryset=Department.objects.none())
    superior_ref = forms.CharField(label=_("上级任务编号"), required=False, max_length=80)
    items = forms.ModelMultipleChoiceField(label=_("本部门检查事项"), queryset=InspectionItem.objects.none(), widget=Checkboxes)
    participants = forms.ModelMultipleChoiceField(
        label=_("邀请参与部门（跨部门联合）"), required=False, queryset=Department.objects.none(), widget=Checkboxes,
        help_text=_("不选即为本部门任务；所选部门须在认领截止前认领各自的检查事项。"),
    )
    draw_mode = forms.ChoiceField(label=_("抽取方式"), choices=Task.DrawMode.choices[:3], initial=Task.DrawMode.TARGETED,
                                  widget=Radios)
    directory = forms.TypedChoiceField(label=_("检查对象名录库"), required=False, coerce=int, empty_value=None,
                                       help_text=_("定向抽取时可限定在名录库内；重点全覆盖时必选。"))
    sampling = forms.ChoiceField(label=_("抽取规则"), choices=Task.Sampling.choices[:3], initial=Task.Sampling.RATIO,
                                 widget=Radios)
    round_up = forms.BooleanField(label=_("比例为“不低于”，按层向上取整"), required=False, initial=True)
    inspectors_per_entity = forms.IntegerField(label=_("每户执法人员数"), min_value=2, max_value=10, initial=2)
    window_start = forms.DateField(label=_("检查开始日期"), widget=DateInput)
    window_end = forms.DateField(label=_("检查结束日期"), widget=DateInput)
    claim_deadline = forms.DateField(label=_("认领截止日期"), required=False, widget=DateInput,
                                     help_text=_("联合任务必填，不晚于检查开始日期。"))
    deadline = forms.DateField(label=_("任务完成期限"), widget=DateInput)
    secret = forms.BooleanField(label=_("检查开始前不公开抽取名单"), required=False)

    def __init__(self, *args: Any, user: Any, departments: Any, items: Any, participants: Any, batches: Any,
                 campaigns: Any, superiors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        _department_field(departments, fields["department"])
        fields["items"].queryset = items
        fields["participants"].queryset = participants
        fields["plan_batch"].queryset = batches
        fields["plan_batch"].label_from_instance = lambda b: f"{b.plan.code} · {b.seq} · {b.title}"
        fields["campaign"].queryset = campaigns
        fields["superior"].queryset = superiors
        fields["directory"].choices = [("", _("不限")), *((d.pk, str(d)) for d in directories_for_user(user=user))]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("source") == Task.Source.SUPERIOR and not (d.get("superior") and d.get("superior_ref")):
            self.add_error("superior_ref", _("上级下发的任务须填写下发机关和上级任务编号。"))
        if d.get("participants") and not d.get("claim_deadline"):
            self.add_error("claim_deadline", _("联合任务须设认领截止日期。"))
        return d

    def task_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        filters = self.filters() if d["draw_mode"] != Task.DrawMode.UNTARGETED else {}
        if d.get("directory") and d["draw_mode"] != Task.DrawMode.UNTARGETED:
            filters["directory"] = d["directory"]
        own = d["source"] == Task.Source.OWN
        return {
            "title": d["title"].strip(), "description": d["description"], "plan_batch": d.get("plan_batch"),
            "campaign": d.get("campaign"), "source": d["source"], "superior": None if own else d.get("superior"),
            "superior_ref": "" if own else d.get("superior_ref", ""), "draw_mode": d["draw_mode"], "filters": filters,
            "sampling": Task.Sampling.ALL if d["draw_mode"] == Task.DrawMode.FULL_COVERAGE else d["sampling"],
            "ratio_bp": to_bp(d.get("ratio")), "risk_ratios_bp": self.risk_ratios_bp(), "count": d.get("count"),
            "round_up": d["round_up"], "inspectors_per_entity": d["inspectors_per_entity"],
            "window_start": d["window_start"], "window_end": d["window_end"], "claim_deadline": d.get("claim_deadline"),
            "deadline": d["deadline"], "secret": d["secret"],
        }


def task_initial(*, batch: PlanBatch | None = None, campaign: Any = None, today: dt.date | None = None) -> dict[str, Any]:
    """Defaults for a new task; from a plan batch, its items, departments, window, scope and ratios."""
    today = today or timezone.localdate()
    initial: dict[str, Any] = {
        "window_start": today + dt.timedelta(days=14), "window_end": today + dt.timedelta(days=44),
        "claim_deadline": today + dt.timedelta(days=7), "deadline": today + dt.timedelta(days=74),
    }
    if campaign is not None:
        initial.update(campaign=campaign.pk, title=campaign.name, participants=list(campaign.departments.all()),
                       department=campaign.lead_id)
    if batch is not None:
        scope = batch.scope or {}
        initial.update(
            plan_batch=batch.pk, department=batch.plan.department_id, title=batch.title,
            items=list(batch.items.all()), participants=list(batch.participants.all()),
            window_start=max(batch.window_start, today), window_end=batch.window_end, **scope,
            draw_mode=Task.DrawMode.TARGETED if scope else Task.DrawMode.UNTARGETED,
            sampling=(Task.Sampling.COUNT if batch.count else
                      Task.Sampling.RISK_RATIO if batch.risk_ratios_bp and not batch.ratio_bp else Task.Sampling.RATIO),
            **_ratio_initial(batch.ratio_bp, batch.risk_ratios_bp or {}, batch.count),
        )
        initial["claim_deadline"] = min(initial["claim_deadline"], initial["window_start"])
        initial["deadline"] = max(batch.window_end, initial["window_start"])
    return initial


class SuperiorImportForm(forms.Form):
    department = forms.ModelChoiceField(label=_("承接部门"), queryset=Department.objects.none())
    file = forms.FileField(label=_("上级任务文件（JSON 或 CSV）"),
                           help_text=_("格式见《上级下发任务交换格式》；同一下发机关的同一任务编号不会重复导入。"))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _department_field(departments, self.fields["department"])


class TaskStatusFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *TaskStatus.choices])


# --- Claims and transitions -----------------------------------------------------------------
class ClaimForm(forms.Form):
    items = forms.ModelMultipleChoiceField(label=_("本部门认领的检查事项"), queryset=InspectionItem.objects.none(), widget=Checkboxes)
    inspectors_per_entity = forms.IntegerField(label=_("每户派出执法人员数"), min_value=1, max_value=10, initial=1)

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("拒绝理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, max_length=30)
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)
