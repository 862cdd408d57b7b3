"""The demo district's item lists, this year's plans, the hotel-industry campaign and a few tasks
in different states. Safe to run again: what exists is left as it is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from agencies.models import Department, User
from core.demo import demo_step
from inspections import services
from inspections.models import (
    AnnualPlan,
    Campaign,
    InspectionItem,
    ItemListPublication,
    ParticipantStatus,
    Task,
)
from inspectors.models import Field

FIELDS = [("food", "食品"), ("special-equipment", "特种设备"), ("fire", "消防"), ("health", "卫生")]
ON_SITE, DOCS, ONLINE, TESTING = "on_site", "documents", "online", "testing"
# department, code, name, parent code, category, cap bp, yearly floor bp, methods, fields, expert, object, basis
ITEMS: list[tuple[Any, ...]] = [
    ("SCJG", "SCJG-001", "营业执照（登记证）规范使用情况的检查", "", "general", 500, None, [ON_SITE, DOCS], [], False,
     "企业、个体工商户、农民专业合作社", "《市场主体登记管理条例》第三十六条"),
    ("SCJG", "SCJG-002", "企业信息公示情况的检查", "", "general", 1000, 300, [DOCS, ONLINE, ON_SITE], [], False,
     "企业、农民专业合作社", "《企业信息公示暂行条例》第十四条：每年抽查比例不低于 3%"),
    ("SCJG", "SCJG-002-01", "年度报告公示信息的检查", "SCJG-002", "general", 1000, None, [DOCS, ONLINE], [], False,
     "企业、农民专业合作社", "《企业信息公示暂行条例》第八条"),
    ("SCJG", "SCJG-002-02", "即时公示信息的检查", "SCJG-002", "general", 1000, None, [DOCS, ONLINE], [], False,
     "企业", "《企业信息公示暂行条例》第十条"),
    ("SCJG", "SCJG-003", "食品经营者经营条件的检查", "", "key", None, None, [ON_SITE, TESTING], ["food"], False,
     "食品经营者", "《中华人民共和国食品安全法》第一百一十条"),
    ("SCJG", "SCJG-004", "特种设备使用单位的检查", "", "key", None, None, [ON_SITE], ["special-equipment"], True,
     "特种设备使用单位", "《中华人民共和国特种设备安全法》第五十七条"),
    ("GA", "GA-001", "旅馆业治安管理情况的检查", "", "key", None, None, [ON_SITE], [], False,
     "旅馆、民宿", "《旅馆业治安管理办法》"),
    ("ZJJ", "ZJJ-001", "房屋使用安全的检查", "", "key", None, None, [ON_SITE], [], True,
     "经营性用房使用人", "《城市危险房屋管理规定》"),
    ("WJJ", "WJJ-001", "公共场所卫生的检查", "", "general", None, None, [ON_SITE, TESTING], ["health"], False,
     "住宿、沐浴、美容美发等公共场所", "《公共场所卫生管理条例》"),
    ("XF", "XF-001", "消防安全的检查", "", "key", None, None, [ON_SITE], ["fire"], False,
     "人员密集场所、消防安全重点单位", "《中华人民共和国消防法》第五十三条"),
    ("HB", "HB-001", "排污许可执行情况的检查", "", "general", 500, None, [ON_SITE, DOCS, TESTING], [], False,
     "排污单位", "《排污许可管理条例》"),
    ("WL", "WL-001", "文化市场经营单位的检查", "", "general", 500, None, [ON_SITE], [], False,
     "娱乐场所、互联网上网服务营业场所", "《娱乐场所管理条例》"),
    ("YJ", "YJ-001", "危险化学品经营单位安全生产的检查", "", "key", None, None, [ON_SITE], [], True,
     "危险化学品经营单位", "《危险化学品安全管理条例》"),
    ("JT", "JT-001", "民办学校办学行为的检查", "", "general", 1000, None, [ON_SITE, DOCS], [], False,
     "民办学校、校外培训机构", "《中华人民共和国民办教育促进法》"),
    ("NY", "NY-001", "农药经营单位的检查", "", "general", 500, None, [ON_SITE, TESTING], [], False,
     "农药经营单位", "《农药管理条例》"),
]
CLERKS = {"SCJG": "scj_staff", "GA": "ga_staff", "ZJJ": "zjj_staff", "WJJ": "wjj_staff", "XF": "xf_staff", "HB": "hb_staff"}
HOTEL = {"tags": ["hotel"], "industries": ["61"]}


def _fields() -> dict[str, Field]:
    found = {}
    for code, name in FIELDS:
        field = Field.objects.filter(name=name).first() or Field.objects.get_or_create(code=code, defaults={"name": name})[0]
        found[code] = field
    return found


def _items(departments: dict[str, Department]) -> dict[str, InspectionItem]:
    fields, items = _fields(), dict[str, InspectionItem]()
    for dept, code, name, parent, category, cap, floor, methods, needs, expert, obj, basis in ITEMS:
        items[code], _ = InspectionItem.objects.get_or_create(
            department=departments[dept], code=code,
            defaults={"name": name, "parent": items.get(parent), "category": category, "ratio_cap_bp": cap,
                      "min_yearly_ratio_bp": floor, "methods": methods, "requires_expert": expert,
                      "object_type": obj, "legal_basis": basis, "frequency": "每年一次"},
        )
        if needs and not items[code].required_fields.exists():
            items[code].required_fields.set([fields[n] for n in needs])
    return items


def _clerk(code: str) -> Any:
    return User.objects.get(username=CLERKS.get(code, "scj_admin"))


def _plan(department: Department, items: list[InspectionItem], *, year: int, filed_with: Department,
          participants: tuple[Department, ...] = ()) -> None:
    if AnnualPlan.objects.filter(department=department, year=year).exists():
        return
    user = User.objects.filter(memberships__department=department, memberships__role__in=["staff", "dept_admin"]).first()
    plan = services.plan_save(department=department, user=user, year=year, title=f"{department.name}{year}年度双随机抽查工作计划")
    for n, item in enumerate(items, start=1):
        services.plan_batch_save(
            plan=plan, title=item.name.removesuffix("的检查") + "抽查", items=[item], participants=participants,
            window_start=dt.date(year, 3 + n, 1), window_end=dt.date(year, 10, 31),
            ratio_bp=300 if item.min_yearly_ratio_bp else 500,
            risk_ratios_bp={"A": 100, "B": 200, "C": 1000, "D": 3000} if item.category == "key" else None,
        )
    services.plan_file(plan=plan, user=user, filed_with=filed_with)
    services.plan_publish(plan=plan, user=user)


def _task(out: Any, dept: Department, title: str, items: list[InspectionItem], *, publish: bool = True,
          claims: dict[str, list[InspectionItem]] | None = None, **fields: Any) -> Task | None:
    if Task.objects.filter(department=dept, title=title).exists():
        return None
    today = timezone.localdate()
    defaults: dict[str, Any] = {
        "title": title, "window_start": today + dt.timedelta(days=14), "window_end": today + dt.timedelta(days=44),
        "deadline": today + dt.timedelta(days=74), "sampling": Task.Sampling.RATIO, "ratio_bp": 500,
    }
    user = _clerk(dept.code)
    task = services.task_create(user=user, department=dept, items=items, **{**defaults, **fields})
    if not publish:
        return task
    try:
        services.task_publish(task=task, user=user)
    except services.TaskError as exc:  # a registry too small for the ratio cap: left as a draft
        out.write(f"  {task.code} left as a draft: {exc}\n")
        return task
    for code, claimed in (claims or {}).items():
        part = task.participants.get(department__code=code, status=ParticipantStatus.INVITED)
        services.task_claim(part=part, user=_clerk(code), items=claimed, inspectors_per_entity=1)
    return task


@demo_step(30, "inspections: item lists, plans, tasks")
def seed(out: Any) -> None:
    codes = ["SCJG", "GA", "ZJJ", "WJJ", "XF", "HB", "WL", "YJ", "JT", "NY", "SSCJ", "LXB"]
    d = {x.code: x for x in Department.objects.filter(code__in=codes)}
    items = _items(d)
    for code in codes[:10]:
        if not ItemListPublication.objects.filter(department=d[code]).exists():
            services.item_list_publish(department=d[code], user=_clerk(code))
    year = timezone.localdate().year
    for code in codes[:10]:
        own = [i for i in items.values() if i.department_id == d[code].pk and i.parent_id is None]
        partners = (d["ZJJ"], d["WJJ"], d["XF"]) if code == "GA" else ()
        _plan(d[code], own, year=year, filed_with=d["SSCJ"] if code == "SCJG" else d["LXB"], participants=partners)
    campaign = Campaign.objects.filter(name="旅馆业专项整治", year=year).first() or services.campaign_save(
        lead=d["GA"], user=_clerk("GA"), name="旅馆业专项整治", year=year, departments=[d["ZJJ"], d["WJJ"], d["XF"]],
        description="公安、住建、卫健、消防联合开展旅馆业专项整治：进一次门、查多项事。",
    )
    today = timezone.localdate()
    joint: dict[str, Any] = {"participants": [d["ZJJ"], d["WJJ"], d["XF"]], "claim_deadline": today + dt.timedelta(days=10)}
    _task(out, d["GA"], "旅馆业联合抽查（第一批）", [items["GA-001"]], campaign=campaign, filters=HOTEL,
          ratio_bp=2000, **joint)
    _task(out, d["SCJG"], "餐饮服务单位联合抽查", [items["SCJG-003"]], participants=[d["WJJ"]],
          claim_deadline=today + dt.timedelta(days=7), sampling=Task.Sampling.RISK_RATIO,
          risk_ratios_bp={"A": 100, "B": 200, "C": 1000, "D": 3000}, filters={"industries": ["62"]},
          claims={"WJJ": [items["WJJ-001"]]})
    _task(out, d["ZJJ"], "经营性用房使用安全抽查", [items["ZJJ-001"]], publish=False,
          draw_mode=Task.DrawMode.UNTARGETED)
    _task(out, d["SCJG"], "企业信息公示情况抽查（第一批）", [items["SCJG-002"]], ratio_bp=300,
          draw_mode=Task.DrawMode.UNTARGETED)
    _task(out, d["SCJG"], "特种设备使用单位抽查（市局部署）", [items["SCJG-004"]], source=Task.Source.SUPERIOR,
          superior=d["SSCJ"], superior_ref=f"济市监随机〔{year}〕3号", filters={"tags": ["special-equipment"]},
          sampling=Task.Sampling.COUNT, count=10, ratio_bp=None)


@demo_step(40, "inspections: draws and matchings for the ready demo tasks")
def seed_draws(out: Any) -> None:
    """Real draws through the services: announcement, then the day's lottery numbers, then the
    selection and the visits. The outbox items queued on the way find the work done later."""
    from inspections.drawing import (
        draw_announce,
        draw_execute,
        draw_record_randomness,
        draw_visits,
        matching_announce,
    )
    from inspections.models import Draw
    from inspections.randomness import lottery_source

    today = timezone.localdate()
    for title, numbers, match in (("餐饮服务单位联合抽查", ("318", "50927"), True), ("企业信息公示情况抽查（第一批）", ("604", "21736"), False)):
        task = Task.objects.filter(title=title).first()
        if task is None or task.status != "ready" or Draw.objects.filter(task=task).exists():
            continue
        user = _clerk(task.department.code)
        sources = [lottery_source("fc3d", today), lottery_source("pl5", today)]
        draw = draw_announce(task=task, user=user, sources=sources)
        draw_record_randomness(draw=draw, raw_values=list(numbers), user=user, today=today)
        draw_execute(draw_id=draw.pk)
        draw_visits(draw_id=draw.pk)  # the demo's later steps need the visits now
        task.refresh_from_db()
        if match and task.status == "entities_drawn":
            matching = matching_announce(task=task, user=user, sources=[lottery_source("pl3", today)])
            draw_record_randomness(draw=matching, raw_values=["729"], user=user, today=today)
            draw_execute(draw_id=matching.pk)
        out.write(f"  {task.code}: {Draw.objects.filter(task=task, status='done').count()} draw(s) done\n")


from inspections import fieldwork_demo  # noqa: E402, F401  (registers the field-work demo step)
