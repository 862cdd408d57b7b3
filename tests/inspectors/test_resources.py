"""The inspector import checks and resource (admin), keyed on 执法证号; personal data stays masked.

``inspector_rows`` builds a file with 1% bad rows; tests/core/test_imports.py uses it too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest
import tablib
from stdnum.cn import ric

from agencies.models import Department, Role, Section
from inspectors.models import Field, Inspector
from inspectors.resources import InspectorResource, validator_from_db
from tests.factories import DepartmentFactory, SectionFactory, person

pytestmark = pytest.mark.django_db

HEADINGS = ["执法证号", "姓名", "部门代码", "科室/所代码", "证件类型", "证件有效期至", "身份证号", "手机号",
            "专业领域", "专家", "专家领域", "责任区"]


def id_number_for(n: int) -> str:
    body = f"11010519800101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "X")


def wrong_id_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def phone_for(n: int) -> str:
    return f"138{n:08d}"


def make_fields() -> None:
    Field.objects.get_or_create(code="food", defaults={"name": "食品"})
    Field.objects.get_or_create(code="special-equipment", defaults={"name": "特种设备"})


def good_inspector_rows(n: int, department: str = "A") -> list[list[str]]:
    return [[f"执A{i:05d}", f"执法员{i:04d}", department, "A1" if department == "A" else "", "行政执法证",
             "2027-12-31", id_number_for(i), phone_for(i), "食品；特种设备" if i % 2 else "food", "否", "",
             "370113001"] for i in range(n)]


def inspector_rows(n: int = 500) -> tuple[list[list[str]], dict[int, str]]:
    """``n`` (at least 500) rows of department A, five of them bad: {Excel row number: reason}."""
    rows = good_inspector_rows(n)
    bad = {}
    rows[40][6] = wrong_id_check(rows[40][6])
    bad[42] = "身份证号校验位错误"
    rows[140][7] = "1380013800"
    bad[142] = "手机号应为以 1 开头的 11 位数字"
    rows[240][8] = "食品;园艺"
    bad[242] = "未知的专业领域：园艺"
    rows[340][0] = rows[3][0]
    bad[342] = "与第 5 行的执法证号重复"
    rows[440][2] = "B"
    bad[442] = "只能导入本部门（A）的执法人员"
    return rows, bad


def dataset(rows: list[list[str]]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADINGS)


@dataclass
class Departments:
    dept_a: Department
    dept_b: Department


@pytest.fixture
def setup(db) -> Departments:  # type: ignore[no-untyped-def]
    """Departments A and B with sections A1 and B1, no people: the checks need no logins."""
    make_fields()
    dept_a, dept_b = DepartmentFactory(code="A", name="甲局"), DepartmentFactory(code="B", name="乙局")
    SectionFactory(department=dept_a, code="A1", name="甲科")
    SectionFactory(department=dept_b, code="B1", name="乙科")
    return Departments(dept_a, dept_b)


def _validate(row: list[str], department=None):  # type: ignore[no-untyped-def]
    values = {k: v for k, v in zip(
        ["cert_no", "name", "department", "section", "cert_type", "cert_valid_until", "id_number", "phone",
         "fields", "is_expert", "expert_field", "home_area"], row, strict=True)}
    return validator_from_db(only_department=department).validate(2, values)


def test_a_good_row_is_cleaned(setup) -> None:  # type: ignore[no-untyped-def]
    clean, problems = _validate(good_inspector_rows(2)[1], setup.dept_a)
    assert problems == []
    assert clean.department_id == setup.dept_a.pk
    assert clean.section_id == Section.objects.get(department=setup.dept_a, code="A1").pk
    assert clean.fields == ["food", "special-equipment"] and clean.cert_type == "admin"


@pytest.mark.parametrize(("column", "value", "reason"), [
    (0, "", "必填项为空"),
    (1, "", "必填项为空"),
    (2, "ZZ", "未知的部门代码"),
    (3, "B1", "该部门没有代码为 B1 的科室/所"),
    (4, "工作证", "未知的证件类型"),
    (5, "2027-13-45", "日期格式应为 YYYY-MM-DD"),
    (6, "110105198001010011", "身份证号校验位错误"),
    (6, "11010519800101", "身份证号应为 18 位"),
    (7, "23800138000", "手机号应为以 1 开头的 11 位数字"),
    (8, "烹饪", "未知的专业领域：烹饪"),
    (9, "也许", "“专家”一栏应填“是”或“否”"),
    (10, "烹饪", "未知的专业领域：烹饪"),
    (11, "文昌街道", "责任区应为街道/乡镇的区划代码"),
])
def test_each_bad_cell_has_a_reason_in_chinese(setup, column, value, reason) -> None:  # type: ignore[no-untyped-def]
    row = good_inspector_rows(1)[0]
    row[column] = value
    clean, problems = _validate(row)
    assert clean is None
    assert any(reason in p.reason and p.row == 2 for p in problems), problems


def test_a_row_of_another_department_is_refused_on_the_staff_pages_only(setup) -> None:  # type: ignore[no-untyped-def]
    row = good_inspector_rows(1, department="B")[0]
    assert _validate(row)[0] is not None
    clean, problems = _validate(row, setup.dept_a)
    assert clean is None and problems[0].reason == "只能导入本部门（A）的执法人员"


def test_personal_data_in_a_problem_is_masked(setup) -> None:  # type: ignore[no-untyped-def]
    row = good_inspector_rows(1)[0]
    row[6] = "110105198001010011"
    row[7] = "13800138"
    _clean, problems = _validate(row)
    shown = {p.column: p.value for p in problems}
    assert shown["id_number"] != row[6] and shown["id_number"].startswith("1101") and "*" in shown["id_number"]
    assert shown["phone"] != row[7] and shown["phone"].startswith("138") and "*" in shown["phone"]


def test_cert_numbers_are_nfc_normalised(setup) -> None:  # type: ignore[no-untyped-def]
    decomposed = unicodedata.normalize("NFD", "鲁执é001")
    rows = good_inspector_rows(1)
    rows[0][0] = decomposed
    InspectorResource().import_data(dataset(rows), dry_run=False)
    assert Inspector.objects.get().cert_no == unicodedata.normalize("NFC", "鲁执é001")


def test_the_resource_imports_and_a_second_import_changes_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    rows = good_inspector_rows(30)
    first = InspectorResource().import_data(dataset(rows), dry_run=False)
    assert first.totals["new"] == 30 and not first.has_validation_errors()
    inspector = Inspector.objects.get(cert_no="执A00001")
    assert sorted(inspector.fields.values_list("code", flat=True)) == ["food", "special-equipment"]
    again = InspectorResource().import_data(dataset(rows), dry_run=False)
    assert again.totals["new"] == 0 and again.totals["update"] == 0 and Inspector.objects.count() == 30


def test_the_resource_never_moves_an_inspector_to_another_department(setup) -> None:  # type: ignore[no-untyped-def]
    InspectorResource().import_data(dataset(good_inspector_rows(3)), dry_run=False)
    moved = good_inspector_rows(3, department="B")
    result = InspectorResource().import_data(dataset(moved), dry_run=False)
    assert len(result.invalid_rows) == 3
    assert "已登记在其他部门" in str(result.invalid_rows[0].error_dict)
    assert set(Inspector.objects.values_list("department__code", flat=True)) == {"A"}


def test_bad_rows_in_the_admin_show_no_personal_data(setup) -> None:  # type: ignore[no-untyped-def]
    rows, bad = inspector_rows(500)
    result = InspectorResource().import_data(dataset(rows), dry_run=True)
    # The admin may import any department: row 442 fails only because 乙局 has no section A1.
    assert {r.number + 1 for r in result.invalid_rows} == set(bad)
    for r in result.invalid_rows:
        values = " ".join(str(v) for v in r.values)
        assert rows[r.number - 1][6] not in values and rows[r.number - 1][7] not in values


def test_an_exported_file_is_masked_and_reimports_without_losing_the_stored_values(setup) -> None:  # type: ignore[no-untyped-def]
    InspectorResource().import_data(dataset(good_inspector_rows(3)), dry_run=False)
    exported = InspectorResource().export()
    assert id_number_for(1) not in exported.csv and phone_for(1) not in exported.csv
    assert "A1" in exported.csv  # departments and sections as codes
    result = InspectorResource().import_data(tablib.Dataset(*exported, headers=exported.headers), dry_run=False)
    assert not result.has_validation_errors(), result.invalid_rows
    assert result.totals["update"] == 0
    assert Inspector.objects.get(cert_no="执A00001").id_number == id_number_for(1)


def test_the_admin_list_masks_id_numbers_and_phones(setup, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    InspectorResource().import_data(dataset(good_inspector_rows(3)), dry_run=False)
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "Correct-Horse-9"))
    text = client.get("/admin/inspectors/inspector/").content.decode()
    assert "执A00001" in text
    assert id_number_for(1) not in text and phone_for(1) not in text
    assert "138****0001" in text


def test_a_person_with_several_departments_can_import_into_the_one_they_pick(setup, client) -> None:  # type: ignore[no-untyped-def]
    person("erin", setup.dept_a, Role.STAFF)
    both = person("erin", setup.dept_b, Role.STAFF)
    client.force_login(both)
    page = client.get("/imports/new/inspectors/")
    text = page.content.decode()
    assert page.status_code == 200 and "甲局" in text and "乙局" in text
