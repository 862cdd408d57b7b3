"""Inspector rows from a clerk's file, keyed on 执法证号: the checks (reasons in Chinese) and the
django-import-export resource the admin uses. The staff pages write through ``inspectors.importers``.

ID numbers and phones are personal data: an error shows them masked, an export writes them masked,
and a masked value in a file (a re-imported export) keeps the stored one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field as ResourceField
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from agencies.models import Department, Section
from core.audit import audit_bulk, digest_of, rows_suppressed
from core.import_resources import NaturalKeyLoader, cell_text
from inspectors.masking import mask_id_number, mask_phone
from inspectors.models import Field, Inspector

HEADINGS = ["执法证号", "姓名", "部门代码", "科室/所代码", "证件类型", "证件有效期至", "身份证号", "手机号",
            "专业领域", "专家", "专家领域", "责任区"]
NAMES = ["cert_no", "name", "department", "section", "cert_type", "cert_valid_until", "id_number", "phone",
         "fields", "is_expert", "expert_field", "home_area"]
HEADING = dict(zip(NAMES, HEADINGS, strict=True))
COLUMNS = {h: n for n, h in HEADING.items()} | {n: n for n in NAMES} | {
    "科室代码": "section", "所代码": "section", "有效期至": "cert_valid_until", "手机": "phone", "电话": "phone",
    "联系电话": "phone", "责任区（街道/乡镇代码）": "home_area", "是否专家": "is_expert",
}
REQUIRED = {"cert_no", "name", "department"}
MASKS = {"id_number": mask_id_number, "phone": mask_phone}
SPLIT = re.compile(r"[;；、,，|\s]+")
PHONE = re.compile(r"^1\d{10}$")
YES = {"是", "Y", "YES", "TRUE", "1", "√"}
NO = {"", "否", "N", "NO", "FALSE", "0"}
CERT_TYPES = {str(c.label): c.value for c in Inspector.CertType} | {c.value: c.value for c in Inspector.CertType}


def normalize_cert_no(value: Any) -> str:
    return unicodedata.normalize("NFC", cell_text(value)).strip()


def shown(name: str, value: str) -> str:
    """A cell as an error report may show it: personal data masked, long text cut."""
    mask = MASKS.get(name)
    return mask(value) if mask else value[:60]


@dataclass
class CleanInspector:
    cert_no: str
    name: str
    department_id: int
    section_id: int | None = None
    cert_type: str = Inspector.CertType.ADMIN_ENFORCEMENT
    cert_valid_until: dt.date | None = None
    id_number: str | None = ""  # None: the file had a masked value, keep the stored one
    phone: str | None = ""
    fields: list[str] = field(default_factory=list)
    is_expert: bool = False
    expert_field_id: str | None = None
    home_area: str = ""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # field name
    reason: str
    value: str = ""

    @property
    def heading(self) -> str:
        return HEADING.get(self.column, self.column)


def _date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")[:10]
    if not text:
        return None
    return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))


def id_number_reason(value: str) -> str | None:
    try:
        ric.validate(value)
    except InvalidLength:
        return _("身份证号应为 18 位")
    except InvalidChecksum:
        return _("身份证号校验位错误")
    except StdnumError:
        return _("身份证号格式错误（出生日期或地区码无效）")
    return None


class InspectorRowValidator:
    """Checks rows in file order and remembers 执法证号 already seen, to report duplicates.

    ``only_department`` (the staff pages) refuses rows naming any other department.
    """

    def __init__(self, *, departments: dict[str, int], sections: dict[tuple[int, str], int],
                 fields: dict[str, str], only_department: Department | None = None) -> None:
        self.departments, self.sections, self.fields = departments, sections, fields
        self.only_department = only_department
        self.seen: dict[str, int] = {}

    def validate(self, number: int, row: dict[str, str]) -> tuple[CleanInspector | None, list[Problem]]:
        problems: list[Problem] = []

        def err(column: str, reason: str) -> None:
            problems.append(Problem(number, column, reason, shown(column, row.get(column, ""))))

        for col in sorted(REQUIRED):
            if not row.get(col, "").strip():
                err(col, _("必填项为空"))
        cert_no = normalize_cert_no(row.get("cert_no", ""))
        if len(cert_no) > 40:
            err("cert_no", _("执法证号超过 40 个字符"))
        elif cert_no in self.seen:
            err("cert_no", _("与第 %(row)s 行的执法证号重复") % {"row": self.seen[cert_no]})
        elif cert_no:
            self.seen[cert_no] = number
        name = row.get("name", "").strip()
        if len(name) > 50:
            err("name", _("姓名超过 50 字"))
        department_id = self._department(row.get("department", "").strip(), err)
        section_id = None
        if (section := row.get("section", "").strip()) and department_id is not None:
            section_id = self.sections.get((department_id, section))
            if section_id is None:
                err("section", _("该部门没有代码为 %(code)s 的科室/所") % {"code": section})
        cert_type = CERT_TYPES.get(row.get("cert_type", "").strip() or Inspector.CertType.ADMIN_ENFORCEMENT)
        if cert_type is None:
            err("cert_type", _("未知的证件类型（行政执法证、执法监督证、其他）"))
        valid_until = None
        try:
            valid_until = _date(row.get("cert_valid_until", ""))
        except ValueError:
            err("cert_valid_until", _("日期格式应为 YYYY-MM-DD"))
        id_number = self._id_number(row.get("id_number", ""), err)
        phone = self._phone(row.get("phone", ""), err)
        codes = []
        for word in SPLIT.split(row.get("fields", "").strip()):
            if word and word not in self.fields:
                err("fields", _("未知的专业领域：%(name)s") % {"name": word})
            elif word:
                codes.append(self.fields[word])
        expert = row.get("is_expert", "").strip().upper()
        if expert not in YES | NO:
            err("is_expert", _("“专家”一栏应填“是”或“否”"))
        expert_field = row.get("expert_field", "").strip()
        if expert_field and expert_field not in self.fields:
            err("expert_field", _("未知的专业领域：%(name)s") % {"name": expert_field})
        home_area = row.get("home_area", "").strip()
        if home_area and not (home_area.isdigit() and len(home_area) <= 12):
            err("home_area", _("责任区应为街道/乡镇的区划代码（不超过 12 位数字）"))
        if problems or department_id is None or cert_type is None:
            return None, problems
        return CleanInspector(
            cert_no=cert_no, name=name, department_id=department_id, section_id=section_id, cert_type=cert_type,
            cert_valid_until=valid_until, id_number=id_number, phone=phone, fields=sorted(set(codes)),
            is_expert=expert in YES, expert_field_id=self.fields.get(expert_field), home_area=home_area,
        ), []

    def _department(self, code: str, err: Any) -> int | None:
        if not code:
            return None
        department_id = self.departments.get(code)
        if department_id is None:
            err("department", _("未知的部门代码"))
        elif self.only_department is not None and department_id != self.only_department.pk:
            err("department", _("只能导入本部门（%(code)s）的执法人员") % {"code": self.only_department.code})
            return None
        return department_id

    @staticmethod
    def _id_number(raw: str, err: Any) -> str | None:
        value = raw.strip().upper()
        if "*" in value:
            return None
        if value and (reason := id_number_reason(value)):
            err("id_number", reason)
        return value

    @staticmethod
    def _phone(raw: str, err: Any) -> str | None:
        value = re.sub(r"[\s\-]", "", raw)
        if "*" in value:
            return None
        if value and not PHONE.match(value):
            err("phone", _("手机号应为以 1 开头的 11 位数字"))
        return value

    @staticmethod
    def owner_problem(number: int, clean: CleanInspector, owner_id: int | None) -> Problem | None:
        """An existing 执法证号 of another department: an import never moves a person silently."""
        if owner_id is None or owner_id == clean.department_id:
            return None
        return Problem(number, "cert_no", _("该执法证号已登记在其他部门，导入不能调动人员"), clean.cert_no)


def validator_from_db(*, only_department: Department | None = None) -> InspectorRowValidator:
    fields: dict[str, str] = {}
    for code, name in Field.objects.values_list("code", "name"):
        fields[code] = code
        fields[name] = code
    return InspectorRowValidator(
        departments=dict(Department.objects.values_list("code", "pk")),
        sections={(d, c): pk for pk, d, c in Section.objects.values_list("pk", "department_id", "code")},
        fields=fields,
        only_department=only_department,
    )


def owners_of(cert_nos: list[str]) -> dict[str, int]:
    return dict(Inspector.objects.filter(cert_no__in=cert_nos).values_list("cert_no", "department_id"))


# --- The admin's resource -------------------------------------------------------------------
def _field(name: str, *, attribute: str | None = None, widget: Any = None) -> ResourceField:
    return ResourceField(attribute=attribute or name, column_name=HEADING[name], widget=widget or widgets.Widget())


class InspectorResource(resources.ModelResource):
    cert_no = _field("cert_no")
    name = _field("name")
    department = _field("department", attribute="department_id")
    section = _field("section", attribute="section_id")
    cert_type = _field("cert_type")
    cert_valid_until = _field("cert_valid_until", widget=widgets.DateWidget())
    id_number = _field("id_number")
    phone = _field("phone")
    field_codes = _field("fields", widget=widgets.ManyToManyWidget(Field, field="code", separator=";"))
    is_expert = _field("is_expert")
    expert_field = _field("expert_field", attribute="expert_field_id")
    home_area = _field("home_area")

    class Meta:
        model = Inspector
        fields = ("cert_no", "name", "department", "section", "cert_type", "cert_valid_until", "id_number", "phone",
                  "field_codes", "is_expert", "expert_field", "home_area")
        import_order = fields
        export_order = fields
        import_id_fields = ["cert_no"]
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        instance_loader_class = NaturalKeyLoader

    validator: InspectorRowValidator
    owners: dict[str, int]
    _dry_run: bool = False
    _changed: list[str]

    @staticmethod
    def normalize_key(value: Any) -> str:
        return normalize_cert_no(value)

    def import_data(self, dataset: Any, dry_run: bool = False, **kwargs: Any) -> Any:
        self._dry_run, self._changed = dry_run, []
        with rows_suppressed():
            return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        dataset.headers = [HEADING.get(COLUMNS.get(cell_text(h).replace("*", "").strip(), ""), cell_text(h))
                           for h in dataset.headers or []]
        missing = [HEADING[f] for f in sorted(REQUIRED) if HEADING[f] not in dataset.headers]
        if missing:
            raise ValidationError(_("缺少必需的列：%(cols)s。请使用导入模板。") % {"cols": "、".join(missing)})
        self.validator = validator_from_db()
        self.owners = owners_of(sorted({normalize_cert_no(v) for v in dataset[HEADING["cert_no"]]}))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        values = {n: cell_text(row[h]) for n, h in HEADING.items() if h in row}
        number = int(kwargs.get("row_number") or 0) + 1
        clean, problems = self.validator.validate(number, values)
        if clean is not None and (owner := self.validator.owner_problem(number, clean, self.owners.get(clean.cert_no))):
            clean, problems = None, [owner]
        if clean is None:
            for name, mask in MASKS.items():  # the admin shows a bad row's cells: never unmasked
                if HEADING[name] in row:
                    row[HEADING[name]] = mask(cell_text(row[HEADING[name]]))
            reasons: dict[str, list[str]] = {}
            for p in problems:
                reasons.setdefault(p.heading, []).append(p.reason)
            raise ValidationError(reasons)
        for name, heading in HEADING.items():
            if heading not in row:
                continue
            value = getattr(clean, {"department": "department_id", "section": "section_id",
                                    "expert_field": "expert_field_id"}.get(name, name))
            if value is None and name in MASKS:
                del row[heading]  # a masked value keeps the stored one
            else:
                row[heading] = ";".join(value) if name == "fields" else value

    def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
        if row_result.import_type in ("new", "update"):
            self._changed.append(normalize_cert_no(row[HEADING["cert_no"]]))

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if self._dry_run or result.has_errors():
            return
        audit_bulk(action="import.inspectors", object_type="inspectors.inspector", count=len(self._changed),
                   digest=digest_of(self._changed), summary={"via": "import-export", "rows": result.total_rows})

    # Exports go to files that travel: personal data leaves masked, departments as codes.
    def dehydrate_id_number(self, inspector: Inspector) -> str:
        return mask_id_number(inspector.id_number)

    def dehydrate_phone(self, inspector: Inspector) -> str:
        return mask_phone(inspector.phone)

    def dehydrate_department(self, inspector: Inspector) -> str:
        return inspector.department.code

    def dehydrate_section(self, inspector: Inspector) -> str:
        return inspector.section.code if inspector.section is not None else ""
