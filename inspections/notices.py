"""检查通知书: issued per visit, delivered, opened by the entity through its unique link or QR
code (no account), read, and the visit date agreed (双预约). Every step is a ``NoticeEvent``.

The code on the notice (``Notice.token``) is also what the entity types to object to a published
result (``inspections.objections``): it is printed as is, upper case in groups, unguessable.
What the entity sees of the inspectors is what the law puts on a notice: unit, name and 执法证号;
never an ID number or a phone number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inspections.fieldwork_services import FieldworkRefused, team_check, team_of, visit_items, visit_tasks
from inspections.models import Method, Notice, NoticeEvent, TeamMember, TrainingAttendance, Visit

TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105  (no 0/O, 1/I: read aloud, typed from paper)
TOKEN_GROUPS = 5  # 20 characters, 100 bits
MAX_PROPOSED = 3
PUBLIC_LIMIT_PER_HOUR = 120  # page views and submissions per client address
DEFAULT_MATERIALS = {
    Method.ON_SITE: "营业执照（登记证）正本或副本",
    Method.DOCUMENTS: "与检查事项相关的许可证件、台账、记录等书面材料",
    Method.TESTING: "需检验检测的产品或设备的相关资料",
    Method.ONLINE: "网店、网站或公示信息的访问方式",
}
AVOIDANCE_TEXT = gettext_noop(
    "检查人员与你单位有直接利害关系，或者有其他关系可能影响公正检查的，你单位有权申请其回避。"
    "可在通知书链接页面提出，也可在检查开始时向检查组提出。"
)
REFUSAL_TEXT = gettext_noop(
    "你单位应当配合检查，如实提供有关材料和情况。无正当理由拒绝、阻碍检查的，检查结果将记为“不配合检查情节严重”"
    "并依法向社会公示；构成违反治安管理行为的，由公安机关依法处理；构成犯罪的，依法追究刑事责任。"
)


class NoticeRefused(FieldworkRefused):
    pass


def new_token() -> str:
    raw = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(4 * TOKEN_GROUPS))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_token(raw: str | None) -> str:
    """The code as a person may type it from the paper notice, in the form it is stored:
    full-width characters (a Chinese input method) become ASCII, letters upper case, and
    twenty letters and digits however spaced or hyphenated are grouped by four as printed."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    chars = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    if len(chars) == 4 * TOKEN_GROUPS and len(chars) == sum(ch.isalnum() for ch in text):
        return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))
    return text


def notice_url(notice: Notice) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("fieldwork:public_notice", args=[notice.token])


# --- What the notice says --------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeItem:
    department: str
    name: str
    basis: str
    methods: list[str]
    materials: list[str]


@dataclass(frozen=True)
class NoticePerson:
    unit: str
    name: str
    cert_no: str  # 执法证号: empty for assisting staff and institutions
    role: str


@dataclass(frozen=True)
class NoticeContent:
    entity_name: str
    uscc: str
    address: str
    units: list[str]
    tasks: list[str]
    window: tuple[dt.date, dt.date]
    proposed: list[dt.date]
    agreed: dt.date | None
    items: list[NoticeItem]
    people: list[NoticePerson]
    token: str
    url: str
    issued_on: dt.date


def materials_of(item: Any) -> list[str]:
    lines = [line.strip(" \t-•·") for line in (item.materials or "").splitlines()]
    lines = [line for line in lines if line]
    return lines or [DEFAULT_MATERIALS[m] for m in item.methods if m in DEFAULT_MATERIALS] or [DEFAULT_MATERIALS[Method.ON_SITE]]


def _people(visit: Visit) -> list[NoticePerson]:
    people = []
    for m in team_of(visit=visit):
        unit = m.department.name if m.department else str(m.get_kind_display())
        cert = m.inspector.cert_no if m.inspector is not None and (m.kind == TeamMember.Kind.DRAWN or m.is_section_chief) else ""
        role = _("组长") if m.is_leader else str(m.get_kind_display())
        if m.is_section_chief:
            role = f"{role}（{_('科所长')}）"
        if m.kind == TeamMember.Kind.THIRD_PARTY and m.item is not None:
            role = f"{role}：{m.item.name}"
        people.append(NoticePerson(unit=unit, name=m.name or str(m.inspector), cert_no=cert, role=role))
    return people


def notice_items(*, visit: Visit) -> list[NoticeItem]:
    return [
        NoticeItem(department=ti.department.name, name=ti.item.name, basis=ti.item.legal_basis,
                   methods=[str(Method(m).label) for m in ti.item.methods if m in Method.values], materials=materials_of(ti.item))
        for ti in visit_items(visit=visit)
    ]


def notice_content(*, notice: Notice) -> NoticeContent:
    visit = notice.visit
    items = notice_items(visit=visit)
    tasks = list(visit_tasks(visit=visit))
    units = list(dict.fromkeys(i.department for i in items)) or [t.department.name for t in tasks]
    return NoticeContent(
        entity_name=visit.entity.name, uscc=visit.entity_id, address=visit.entity.address, units=units,
        tasks=[f"{t.title}（{t.code}）" for t in tasks], window=(visit.window_start, visit.window_end),
        proposed=[dt.date.fromisoformat(d) for d in notice.proposed_dates], agreed=notice.agreed_date,
        items=items, people=_people(visit), token=notice.token, url=notice_url(notice),
        issued_on=timezone.localtime(notice.issued_at).date(),
    )


# --- Staff side ----------------------------------------------------------------------------------
def _check_dates(visit: Visit, dates: list[dt.date], today: dt.date) -> list[dt.date]:
    dates = sorted(set(dates))
    if not 1 <= len(dates) <= MAX_PROPOSED:
        raise NoticeRefused(_("请提出 1 至 3 个拟检查日期供主体选择。"))
    for day in dates:
        if not visit.window_start <= day <= visit.window_end:
            raise NoticeRefused(_("拟检查日期须在检查期间（%(a)s 至 %(b)s）内。") % {"a": visit.window_start, "b": visit.window_end})
        if day < today:
            raise NoticeRefused(_("拟检查日期不能早于今天。"))
    return dates


@transaction.atomic
def notice_issue(*, visit: Visit, user: Any, proposed: list[dt.date], today: dt.date | None = None) -> Notice:
    """One notice per visit, once the team is complete."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if Notice.objects.filter(visit=visit).exists():
        raise NoticeRefused(_("本户的检查通知书已经发出。"))
    check = team_check(visit=visit)
    if not check.ready:
        raise NoticeRefused(" ".join(check.problems))
    dates = _check_dates(visit, proposed, today or timezone.localdate())
    return Notice.objects.create(visit=visit, token=new_token(), issued_by=user, proposed_dates=[d.isoformat() for d in dates])


@transaction.atomic
def notice_repropose(*, notice: Notice, user: Any, proposed: list[dt.date], today: dt.date | None = None) -> Notice:
    notice = Notice.objects.select_for_update().select_related("visit").get(pk=notice.pk)
    if notice.agreed_date is not None:
        raise NoticeRefused(_("检查日期已约定，如需变更请登记新的约定日期。"))
    notice.proposed_dates = [d.isoformat() for d in _check_dates(notice.visit, proposed, today or timezone.localdate())]
    notice.save(update_fields=["proposed_dates"])
    return notice


@transaction.atomic
def notice_record_delivery(*, notice: Notice, user: Any, via: str, note: str = "") -> NoticeEvent:
    if via not in NoticeEvent.Via.values:
        raise NoticeRefused(_("请选择送达方式。"))
    return NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.DELIVERED, via=via, note=note.strip()[:500], by=user)


def _set_date(notice: Notice, day: dt.date) -> None:
    notice.agreed_date = day
    notice.save(update_fields=["agreed_date"])
    notice.visit.planned_on = day
    notice.visit.save(update_fields=["planned_on"])


@transaction.atomic
def notice_record_date(*, notice: Notice, user: Any, day: dt.date, note: str = "") -> Notice:
    """双预约 by telephone or in person: staff record the date agreed with the entity."""
    notice = Notice.objects.select_for_update().select_related("visit").get(pk=notice.pk)
    if not notice.visit.window_start <= day <= notice.visit.window_end:
        raise NoticeRefused(_("约定日期须在检查期间内。"))
    _set_date(notice, day)
    NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.DATE_RECORDED, date=day, note=note.strip()[:500], by=user)
    return notice


def notice_status(notice: Notice) -> dict[str, Any]:
    events = list(notice.events.select_related("by"))
    first = {k: next((e for e in events if e.kind == k), None) for k in NoticeEvent.Kind.values}
    proposal = next((e for e in reversed(events) if e.kind == NoticeEvent.Kind.DATE_PROPOSED), None)
    return {"events": events, "delivered": first["delivered"], "opened": first["opened"], "read": first["read"],
            "proposal": proposal if proposal and not notice.agreed_date else None}


# --- The entity's side (no account) ---------------------------------------------------------------
def public_allowance(client: str) -> bool:
    """A simple hourly budget per client address; beyond it the page answers 429."""
    key = "notice-page:" + hashlib.sha256(client.encode()).hexdigest()[:32] + timezone.now().strftime(":%Y%m%d%H")
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= PUBLIC_LIMIT_PER_HOUR


def notice_by_token(token: str) -> Notice | None:
    token = normalize_token(token)
    if not token or len(token) > 40:
        return None
    return Notice.objects.select_related("visit", "visit__entity").filter(token=token).first()


@transaction.atomic
def notice_opened(*, notice: Notice) -> None:
    """The first opening proves delivery; later openings are not recorded one by one."""
    if notice.events.filter(kind=NoticeEvent.Kind.OPENED).exists():
        return
    NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.OPENED, via=NoticeEvent.Via.LINK)
    if not notice.events.filter(kind=NoticeEvent.Kind.DELIVERED).exists():
        NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.DELIVERED, via=NoticeEvent.Via.LINK)


@transaction.atomic
def notice_confirm(*, notice: Notice, signer: str, day: dt.date | None, other_day: dt.date | None = None,
                   note: str = "", today: dt.date | None = None) -> Notice:
    """The entity confirms reading, then agrees one of the proposed dates or proposes another."""
    notice = Notice.objects.select_for_update().select_related("visit").get(pk=notice.pk)
    today = today or timezone.localdate()
    signer = signer.strip()[:100]
    if not signer:
        raise NoticeRefused(_("请填写签收人。"))
    if notice.read_at is None:
        notice.read_at, notice.entity_contact = timezone.now(), signer
        notice.save(update_fields=["read_at", "entity_contact"])
        NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.READ, note=signer)
    if day is None and other_day is None:
        return notice
    if notice.agreed_date is not None:
        raise NoticeRefused(_("检查日期已约定为 %(d)s，如需变更请与检查组联系。") % {"d": notice.agreed_date})
    if day is not None:
        if day.isoformat() not in notice.proposed_dates:
            raise NoticeRefused(_("请选择通知书上拟定的日期之一。"))
        _set_date(notice, day)
        NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.DATE_AGREED, date=day)
        return notice
    assert other_day is not None
    if not (notice.visit.window_start <= other_day <= notice.visit.window_end) or other_day < today:
        raise NoticeRefused(_("建议日期须在检查期间（%(a)s 至 %(b)s）内，且不早于今天。") % {"a": notice.visit.window_start, "b": notice.visit.window_end})
    NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.DATE_PROPOSED, date=other_day, note=note.strip()[:500])
    return notice


@transaction.atomic
def notice_request_avoidance(*, notice: Notice, text: str) -> Notice:
    text = text.strip()
    if not text or len(text) > 1000:
        raise NoticeRefused(_("请写明申请回避的人员和理由（1000 字以内）。"))
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    notice.avoidance_request = (notice.avoidance_request + "\n" if notice.avoidance_request else "") + f"[{stamp}] {text}"
    notice.save(update_fields=["avoidance_request"])
    NoticeEvent.objects.create(notice=notice, kind=NoticeEvent.Kind.AVOIDANCE, note=text[:500])
    return notice


def trainings_for(*, notice: Notice, today: dt.date | None = None) -> list[Any]:
    today = today or timezone.localdate()
    rows = TrainingAttendance.objects.filter(entity_id=notice.visit.entity_id, session__held_on__gte=today)
    return [a.session for a in rows.select_related("session").order_by("session__held_on")]


# --- QR code and PDF -----------------------------------------------------------------------------
def qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def notice_pdf(content: NoticeContent) -> bytes:
    """An A4 PDF; Chinese text in the CID font every PDF reader has (STSong-Light), no font file."""
    from xml.sax.saxutils import escape

    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=18, leading=26, alignment=1, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4"))]))
        return t

    c = content
    dates = "、".join(d.isoformat() for d in c.proposed)
    story: list[Any] = [p(_("检查通知书"), head), p("、".join(c.units), ParagraphStyle("u", parent=body, alignment=1)), Spacer(1, 4 * mm),
                        p(f"{c.entity_name}（{_('统一社会信用代码')}：{c.uscc}）："),
                        p(_("根据“双随机、一公开”监管工作安排，你单位被随机抽取为检查对象。现将有关事项通知如下：")),
                        p(_("一、抽查任务"), h2), *[p(t) for t in c.tasks],
                        p(_("二、检查时间"), h2),
                        p(_("检查期间：%(a)s 至 %(b)s。拟检查日期：%(d)s。") % {"a": c.window[0], "b": c.window[1], "d": dates}
                          + (_("约定检查日期：%(d)s。") % {"d": c.agreed} if c.agreed else "")),
                        p(_("三、检查事项、方式及需准备的材料"), h2)]
    rows = [[p(_("部门")), p(_("检查事项")), p(_("检查方式")), p(_("需准备的材料"))]]
    rows += [[p(i.department), p(i.name + (f"（{i.basis}）" if i.basis else "")), p("、".join(i.methods)),
              p("；".join(i.materials))] for i in c.items]
    story += [table(rows, [28 * mm, 55 * mm, 30 * mm, 62 * mm]), p(_("四、检查人员"), h2)]
    rows = [[p(_("单位")), p(_("姓名")), p(_("执法证号")), p(_("职责"))]]
    rows += [[p(x.unit), p(x.name), p(x.cert_no or "—"), p(x.role)] for x in c.people]
    story += [table(rows, [50 * mm, 30 * mm, 45 * mm, 50 * mm]),
              p(_("五、申请回避的权利"), h2), p(_(AVOIDANCE_TEXT)),
              p(_("六、拒绝检查的后果"), h2), p(_(REFUSAL_TEXT)),
              p(_("七、确认阅读与约定日期"), h2),
              p(_("请扫描二维码或访问下列链接，确认已阅读本通知书，并选择或提出检查日期。对公示的检查结果有异议的，凭本通知书验证码提出。")),
              p(f"{_('链接')}：{c.url}"),
              Paragraph(escape(f"{_('通知书验证码')}：") + f'<font face="Courier-Bold" size="12">{escape(c.token)}</font>', body)]
    qr = QrCodeWidget(c.url)
    x0, y0, x1, y1 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    story += [drawing, Spacer(1, 4 * mm), p(_("发出日期：%(d)s") % {"d": c.issued_on})]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
                            title=_("检查通知书"), author="、".join(c.units))
    doc.build(story)
    return buffer.getvalue()


def published_results_for(*, notice: Notice) -> list[dict[str, Any]]:
    """The entity's published results of this visit's tasks, each with its objection link."""
    from core.models import PublicationRecord

    rows: dict[str, Any] = {}
    for task in visit_tasks(visit=notice.visit):
        prefix = f"result:{task.code}:{notice.visit.entity_id}:"
        for record in PublicationRecord.objects.filter(kind="result", public_id__startswith=prefix).order_by("public_id", "version"):
            rows[record.public_id] = record  # the latest version wins
    return [
        {"public_id": r.public_id, "item": r.payload.get("检查事项", ""), "results": r.payload.get("检查结果", []),
         "url": reverse("publicity:objection", args=[r.public_id])}
        for r in rows.values() if not r.withdrawn
    ]
