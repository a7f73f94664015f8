"""The recall report: a Chinese PDF of every affected delivery and usage of a notice."""

from __future__ import annotations

import io
from functools import partial

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from materials.models import DefectNotice, Delivery
from projects.models import Role
from storage.fonts import archival_finish, cjk_font, markup, pdf_options

STATES = {
    Delivery.State.PENDING: "待检",
    Delivery.State.SAMPLED: "已取样",
    Delivery.State.ACCEPTED: "已验收",
    Delivery.State.REJECTED: "已退场",
}
ROLES = {
    Role.OWNER: "建设",
    Role.SURVEY: "勘察",
    Role.DESIGN: "设计",
    Role.CONTRACTOR: "施工",
    Role.SUPERVISOR: "监理",
}


def notice_report_pdf(*, notice: DefectNotice, rows: list[dict]) -> bytes:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, wordWrap="CJK")
    text = ParagraphStyle("text", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    batches = f"{notice.batch_number_from} 至 {notice.batch_number_to}" if notice.has_range else ""
    named = "、".join(b.batch_number for b in notice.batches.all())
    projects = {row["project_id"] for row in rows}
    story = [
        Paragraph(markup("缺陷材料召回追溯报告"), title),
        Spacer(1, 4 * mm),
        Paragraph(markup(f"生产厂家：{notice.manufacturer.name}"), text),
        Paragraph(markup(f"产品：{notice.product}"), text),
        Paragraph(markup(f"批号范围：{batches or '—'}；单独批次：{named or '—'}"), text),
        Paragraph(markup(f"来源：{notice.source}（{notice.issued_on:%Y年%m月%d日}）"), text),
        Paragraph(markup(f"缺陷说明：{notice.description or '—'}"), text),
        Paragraph(
            markup(
                f"涉及工程 {len(projects)} 项，记录 {len(rows)} 条。"
                f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}"
            ),
            text,
        ),
        Spacer(1, 4 * mm),
    ]
    header = [
        "工程",
        "批号",
        "进场数量",
        "进场日期",
        "状态",
        "验收监理",
        "使用部位",
        "使用数量",
        "使用日期",
        "施工单位",
        "现任项目负责人",
    ]
    data = [[Paragraph(markup(h), body) for h in header]]
    for row in rows:
        leads = "；".join(
            f"{ROLES.get(lead['role'], lead['role'])}：{lead['name']}" for lead in row["leads"]
        )
        cells = [
            row["project"],
            row["batch_number"],
            f"{row['delivered_quantity'].normalize():f} {row['unit']}",
            row["delivered_on"].isoformat(),
            STATES.get(row["delivery_state"], row["delivery_state"]),
            row["accepted_by"] or "—",
            row["location"] or "—",
            f"{row['used_quantity'].normalize():f}" if row["used_quantity"] is not None else "—",
            row["used_on"].isoformat() if row["used_on"] else "—",
            row["installer"] or "—",
            leads,
        ]
        data.append([Paragraph(markup(str(cell)), body) for cell in cells])
    widths = [40, 22, 20, 20, 14, 18, 28, 16, 20, 34, 45]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), cjk_font()),  # not Helvetica, unembedded
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        **pdf_options(),
    )
    finish = partial(
        archival_finish,
        title=f"缺陷材料召回追溯报告 {notice.manufacturer.name} {notice.product}",
        subject="缺陷材料召回追溯报告",
    )
    document.build(story, onFirstPage=lambda canvas, _doc: finish(canvas))
    return buffer.getvalue()
