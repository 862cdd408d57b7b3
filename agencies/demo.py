"""The demo district, after the article: a joint-meeting office and ten member departments."""

from __future__ import annotations

from typing import Any

from agencies.models import Department, JointMeeting, Membership, Role, Section, User
from core.demo import DEMO_PASSWORD, demo_step

DEPARTMENTS = [
    # code, name, short name
    ("SCJG", "区市场监督管理局", "市场监管局"),
    ("ZJJ", "区住房和城乡建设局", "住建局"),
    ("WJJ", "区卫生健康局", "卫健局"),
    ("XF", "区消防救援大队", "消防救援大队"),
    ("GA", "公安分局", "公安分局"),
    ("HB", "生态环境分局", "生态环境分局"),
    ("WL", "区文化和旅游局", "文旅局"),
    ("YJ", "区应急管理局", "应急局"),
    ("JT", "区教育和体育局", "教体局"),
    ("NY", "区农业农村局", "农业农村局"),
]
SECTIONS = {
    "SCJG": [
        ("XYJG", "信用监督管理科", "office", ""),
        ("SPAQ", "食品安全监督管理科", "office", ""),
        ("TSSB", "特种设备安全监察科", "office", ""),
        ("CGS", "城关市场监管所", "station", "城关街道"),
        ("DCS", "东城市场监管所", "station", "东城街道"),
        ("XCS", "西城市场监管所", "station", "西城街道"),
    ],
    "ZJJ": [("FCGL", "房产管理科", "office", "")],
    "WJJ": [("WSJD", "卫生监督所", "station", "")],
    "XF": [("FHJD", "防火监督科", "office", "")],
    "GA": [("ZAGL", "治安管理大队", "office", "")],
    "HB": [("HJZF", "环境执法大队", "office", "")],
    "WL": [("WHSC", "文化市场综合执法大队", "office", "")],
    "YJ": [("AQJG", "安全生产监管科", "office", "")],
    "JT": [("JYJD", "教育督导室", "office", "")],
    "NY": [("NYZF", "农业综合执法大队", "office", "")],
}
# username, display name, department code, section code or "", roles
PEOPLE = [
    ("scj_staff", "王晓明", "SCJG", "XYJG", [Role.STAFF]),
    ("scj_chief", "李建国", "SCJG", "XYJG", [Role.SECTION_CHIEF, Role.INSPECTOR]),
    ("scj_liaison", "赵丽", "SCJG", "XYJG", [Role.LIAISON, Role.STAFF]),
    ("scj_admin", "陈静", "SCJG", "", [Role.DEPT_ADMIN, Role.STAFF]),
    ("scj_inspector", "刘洋", "SCJG", "CGS", [Role.INSPECTOR]),
    ("ga_staff", "张伟", "GA", "ZAGL", [Role.STAFF, Role.INSPECTOR]),
    ("ga_chief", "孙强", "GA", "ZAGL", [Role.SECTION_CHIEF, Role.INSPECTOR]),
    ("zjj_staff", "周敏", "ZJJ", "FCGL", [Role.STAFF, Role.INSPECTOR]),
    ("wjj_staff", "吴芳", "WJJ", "WSJD", [Role.STAFF, Role.INSPECTOR]),
    ("xf_staff", "郑磊", "XF", "FHJD", [Role.STAFF, Role.INSPECTOR]),
    ("hb_staff", "冯涛", "HB", "HJZF", [Role.STAFF, Role.INSPECTOR]),
    ("office", "何晴", "LXB", "", [Role.OFFICE]),
    ("discipline", "马骏", "JJZ", "", [Role.DISCIPLINE]),
    ("assessor", "高远", "GGB", "", [Role.ASSESSOR]),
    ("superior", "林峰", "SSCJ", "", [Role.SUPERIOR]),
]


@demo_step(10, "agencies: departments, sections, people")
def seed(out: Any) -> None:
    city, _ = Department.objects.update_or_create(
        code="SSCJ", defaults={"name": "市市场监督管理局", "short_name": "市局", "level": Department.Level.CITY}
    )
    departments = {}
    for code, name, short in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "parent": city if code == "SCJG" else None}
        )
    offices: list[tuple[str, str, str]] = [
        ("LXB", "区双随机一公开监管工作联席会议办公室", Department.Kind.OFFICE),
        ("JJZ", "区纪委监委派驻纪检监察组", Department.Kind.DISCIPLINE),
        ("GGB", "区优化营商环境改革领导小组办公室", Department.Kind.ASSESSOR),
    ]
    for code, name, kind in offices:
        departments[code], _ = Department.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})
    departments["SSCJ"] = city
    meeting, _ = JointMeeting.objects.update_or_create(
        office=departments["LXB"], defaults={"name": "区双随机一公开监管工作联席会议"}
    )
    meeting.members.set([departments[c] for c, _, _ in DEPARTMENTS])
    sections = {}
    for dept_code, rows in SECTIONS.items():
        for code, name, kind, area in rows:
            sections[(dept_code, code)], _ = Section.objects.update_or_create(
                department=departments[dept_code], code=code, defaults={"name": name, "kind": kind, "area": area}
            )
    for username, display, dept_code, section_code, roles in PEOPLE:
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        for role in roles:
            Membership.objects.update_or_create(
                user=user,
                department=departments[dept_code],
                role=role,
                defaults={"section": sections.get((dept_code, section_code)), "is_active": True},
            )
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"display_name": "系统管理员", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    out.write(f"\n演示账号 / demo accounts (password: {DEMO_PASSWORD})\n")
    for username, display, dept_code, _s, roles in [*PEOPLE, ("admin", "系统管理员", "", "", [])]:
        label = "、".join(str(Role(r).label) for r in roles) or "系统管理员"
        out.write(f"  {username:<14} {display:<6} {departments[dept_code].label if dept_code else '':<10} {label}\n")
