"""Forms of the draw pages: randomness sources, values, entity lists, redraws, substitutions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.models import Directory, DirectoryEntry, EntityStatus
from inspections import randomness
from inspections.models import Draw, DrawAssignment, Task
from inspectors.models import Inspector

LOTTERY, WITNESS, BEACON, TRIAL = "lottery", "witness", "beacon", "trial"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # <input type=date> takes ISO dates only, in any locale


SOURCE_CHOICES = [
    (LOTTERY, _("彩票开奖号码：指定日期的福彩3D与体彩排列5（默认为次日）")),
    (WITNESS, _("现场见证摇号：由操作人以外的见证人当众摇出号码")),
    (BEACON, _("公共随机信标：指定一轮尚未产生的信标输出")),
]
TRIAL_CHOICE = (TRIAL, _("试抽：仅用服务器熵，结果标记为“试抽”，永远不能成为任务的正式抽取"))


class SourcesForm(forms.Form):
    """Where the randomness will come from, fixed before it exists."""

    source = forms.ChoiceField(
        label=_("随机数来源"),
        widget=forms.RadioSelect,
        choices=SOURCE_CHOICES,
        initial=LOTTERY,
    )
    lottery_date = forms.DateField(label=_("开奖日期"), required=False, widget=DateInput,
                                   help_text=_("须为今天之后的日期：公告时开奖号码尚不存在。"))
    witness = forms.CharField(label=_("见证人姓名"), max_length=50, required=False)
    ceremony_date = forms.DateField(label=_("摇号日期"), required=False, widget=DateInput)
    count = forms.IntegerField(label=_("摇出号码个数（每个 0–99）"), min_value=1, max_value=20, required=False, initial=3)
    beacon_round = forms.IntegerField(label=_("信标轮次"), min_value=1, required=False)
    server_entropy = forms.BooleanField(label=_("同时加入服务器熵（公告时先公布其哈希值）"), required=False)

    def __init__(self, *args: Any, trial_allowed: bool = False, replaces: Draw | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        # A redraw needs fresh sources: by default the day after the latest date the old draw named.
        named = [dt.date.fromisoformat(s["date"]) for s in (replaces.sources if replaces else []) if s.get("date")]
        self.fields["lottery_date"].initial = max([today, *named]) + dt.timedelta(days=1)
        self.fields["ceremony_date"].initial = today
        if trial_allowed:
            field = self.fields["source"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [*SOURCE_CHOICES, TRIAL_CHOICE]

    def _required(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            self.add_error(name, _("请填写此项。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        choice = data.get("source")
        self.sources: list[dict[str, Any]] = []
        if choice == LOTTERY and (day := self._required("lottery_date")):
            if day <= today:
                self.add_error("lottery_date", _("开奖日期须在今天之后，否则号码在公告时已经公开。"))
            else:
                self.sources = [randomness.lottery_source("fc3d", day), randomness.lottery_source("pl5", day)]
        elif choice == WITNESS:
            who, day, count = self._required("witness"), self._required("ceremony_date"), self._required("count")
            if day and day < today:
                self.add_error("ceremony_date", _("摇号日期不能早于今天。"))
            elif who and day and count:
                self.sources = [randomness.witness_source(witness=who, ceremony=day, count=count)]
        elif choice == BEACON and (round_id := self._required("beacon_round")):
            self.sources = [randomness.beacon_source(round_id=round_id)]
        return data

    @property
    def trial(self) -> bool:
        return self.cleaned_data.get("source") == TRIAL

    def announce_kwargs(self) -> dict[str, Any]:
        return {"sources": self.sources, "server_entropy": self.trial or bool(self.cleaned_data.get("server_entropy"))}


class RandomnessForm(forms.Form):
    """One value per announced source; server entropy is revealed by the platform itself."""

    def __init__(self, *args: Any, draw: Draw, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draw = draw
        for i, source in enumerate(draw.sources):
            if source["kind"] == "server":
                continue
            help_text = {
                "lottery": _("按开奖顺序录入各位数字，例如 4 0 7。"),
                "witness": _("按摇出顺序录入，以空格或逗号分隔。"),
                "beacon": _("信标该轮输出值（十六进制）；可点“获取”自动取回。"),
            }.get(source["kind"], "")
            self.fields[f"value_{i}"] = forms.CharField(label=source["description"], max_length=600, help_text=help_text)

    def rows(self) -> list[tuple[int, dict[str, Any], Any]]:
        """(index, announced source, its bound field or None for server entropy), in announced order."""
        return [(i, s, self[f"value_{i}"] if f"value_{i}" in self.fields else None) for i, s in enumerate(self.draw.sources)]

    def raw_values(self) -> list[str]:
        return [self.cleaned_data.get(f"value_{i}", "") for i in range(len(self.draw.sources))]


class EntityListForm(forms.Form):
    """A superior's list or full coverage of a directory: recorded as such, never as a draw."""

    usccs = forms.CharField(label=_("统一社会信用代码（每行一个，或以逗号、空格分隔）"), widget=forms.Textarea(attrs={"rows": 8}),
                            required=False)
    directory = forms.ModelChoiceField(label=_("或：整库全覆盖（选择名录库）"), queryset=Directory.objects.none(), required=False)
    note = forms.CharField(label=_("名单来源说明"), max_length=300, help_text=_("如上级文件文号，或名录库名称与全覆盖依据。"))

    def __init__(self, *args: Any, task: Task, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["directory"]
        assert isinstance(field, forms.ModelChoiceField)
        if task.draw_mode == Task.DrawMode.FULL_COVERAGE:
            field.queryset = Directory.objects.filter(department=task.department).order_by("code")
        else:
            del self.fields["directory"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        codes = [c for c in re.split(r"[\s,，、;；]+", data.get("usccs", "")) if c]
        directory = data.get("directory")
        if bool(codes) == bool(directory):
            raise forms.ValidationError(_("请粘贴统一社会信用代码，或选择一个名录库（二者选一）。"))
        if directory:
            codes = list(
                DirectoryEntry.objects.filter(directory=directory, entity__status=EntityStatus.ACTIVE).values_list("entity_id", flat=True)
            )
            if not codes:
                raise forms.ValidationError(_("该名录库中没有存续的主体。"))
        self.codes = codes
        return data


class RedrawRequestForm(forms.Form):
    reason = forms.CharField(label=_("申请重新抽取的理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("不予批准的理由"), max_length=300)


class InspectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.cert_no}）"


class SubstitutionForm(forms.Form):
    new_inspector = InspectorChoiceField(label=_("替换为"), queryset=Inspector.objects.none())
    reason = forms.CharField(label=_("替换理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args: Any, assignment: DrawAssignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_inspector"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Inspector.objects.filter(department_id=assignment.department_id, is_active=True)
            .exclude(pk=assignment.inspector_id)
            .order_by("cert_no")
        )
