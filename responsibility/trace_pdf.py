"""The defect trace as an A4 report in Chinese (ReportLab, embedded CJK font), in the order a
reader asks: page 1 names who answers for the work and the materials at the location (the
five roles' leads in office with their pledges, who installed and accepted each material,
who accepted the work); then the evidence — location, acceptance records, materials, the
leads' tenures, letters and pledges, each file with a link; then an appendix with the
checkpoint every proof is against and, per item, its ledger index, leaf hash and inclusion
proof and each file's SHA-256."""

from __future__ import annotations

import datetime
import io
from functools import partial
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from storage.fonts import ArchiveCanvas, archival_finish, cjk_font, markup, markup_rich, pdf_options

WIDTH = 170 * mm


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=17, leading=24, alignment=1, spaceAfter=4 * mm
        ),
        "h1": ParagraphStyle(
            "h1", fontName=font, fontSize=13, leading=19, spaceBefore=5 * mm, spaceAfter=2 * mm
        ),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=10.5, leading=15, spaceBefore=2.5 * mm, wordWrap="CJK"
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK"),
        "small": ParagraphStyle(
            "small", fontName=font, fontSize=7.5, leading=10, wordWrap="CJK", textColor="#333333"
        ),
        "small_bold": ParagraphStyle(
            "small_bold", fontName=font, fontSize=8, leading=11, wordWrap="CJK", spaceBefore=4
        ),
    }


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _name(party: dict | None) -> str:
    return party["name"] if party else "—"


class _Report:
    """The story in reading order, and the appendix of hashes and proofs collected on the
    way: each item's ledger entry and each file's SHA-256, under the label it had above."""

    def __init__(self) -> None:
        self.styles = _styles()
        self.story: list = []
        self.appendix: list[tuple[str, str]] = []  # (label, escaped paragraph)
        self.item = ""

    def para(self, text: str, style: str = "body") -> None:
        """``text`` is Paragraph markup (escaped, may hold links)."""
        self.story.append(Paragraph(markup_rich(text), self.styles[style]))

    def plain(self, text: str, style: str = "body") -> None:
        self.story.append(Paragraph(markup(text), self.styles[style]))

    def heading(self, text: str) -> None:
        """An item of the evidence: its ledger lines go to the appendix under this label."""
        self.item = text
        self.plain(text, "h2")

    def table(self, rows: list[tuple[str, str]]) -> None:
        self.grid([(k, v) for k, v in rows], widths=[38 * mm, WIDTH - 38 * mm], shade_first=True)

    def grid(self, rows: list[tuple], *, widths, header: bool = False, shade_first=False) -> None:
        cells = [[Paragraph(markup(str(c)), self.styles["body"]) for c in row] for row in rows]
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), cjk_font()),  # not Helvetica, unembedded
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if shade_first:
            style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")))
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")))
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def ledger(self, entry: dict | None, label: str | None = None) -> None:
        label = label or self.item
        if entry is None:
            self.appendix.append((label, "账本：无记录（未写入账本的数据）"))
            return
        proof = " ".join(entry["inclusion_proof"]) or "（树中唯一叶子，证明为空）"
        self.appendix.append(
            (
                label,
                f"账本序号 #{entry['index']}（{entry['action']}） 叶哈希 {entry['leaf_hash']}"
                f" 包含证明 {proof}",
            )
        )

    def file(self, label: str, file: dict | None) -> None:
        if file is None:
            return
        url = escape(file["url"], {'"': "&quot;"})
        self.para(
            f"{escape(label)}：{escape(file['name'] or '—')}，"
            f'<a href="{url}" color="blue">{escape(file["url"])}</a>',
            "small",
        )
        name = f"{label}：{file['name'] or '—'}"
        self.appendix.append((name, f"SHA-256 {file['sha256']}"))
        self.ledger(file["ledger"], name)


BATCH_FILE_LABELS = {"certificate_of_conformity": "合格证", "type_test_report": "型式检验报告"}


def _tenure(start, end) -> str:
    return f"{_text(start)} 至 {_text(end) if end else '今'}"


def _answer(report: _Report, trace: dict) -> None:
    """Page 1: who answers for the work and the materials at the location."""
    answer = trace["answer"]
    report.plain("一、责任主体与责任人", "h1")
    report.plain("施工与验收期间在任的五方责任主体项目负责人", "h2")
    rows = [("责任主体", "单位", "项目负责人", "任期", "终身责任承诺书")]
    for lead in answer["leads"]:
        pledge = lead["pledge"]
        rows.append(
            (
                lead["role_display"],
                _name(lead["organization"]),
                _name(lead["person"]),
                _tenure(lead["start_date"], lead["end_date"]),
                f"{pledge['number']}（{_text(pledge['signed_at'])} 签署）" if pledge else "未签署",
            )
        )
    if len(rows) == 1:
        rows.append(("—", "施工与验收期间无在任负责人记录。", "", "", ""))
    report.grid(rows, widths=[24 * mm, 44 * mm, 24 * mm, 34 * mm, 44 * mm], header=True)
    report.plain("该部位使用的材料：安装单位与进场验收人", "h2")
    rows = [("材料", "批号与生产厂家", "安装单位", "进场验收（监理）")]
    for m in answer["materials"]:
        rows.append(
            (
                m["product"],
                f"{m['batch_number']}，{_name(m['manufacturer'])}",
                f"{_name(m['installed_by'])}（{_text(m['used_on'])}）",
                f"{m['accepted_on_delivery_by'] or '—'}（{_text(m['accepted_on_delivery_at'])}）",
            )
        )
    if len(rows) == 1:
        rows.append(("无", "", "", ""))
    report.grid(rows, widths=[34 * mm, 52 * mm, 44 * mm, 40 * mm], header=True)
    report.plain("该部位工程的验收与验收监理", "h2")
    rows = [("验收记录", "验收时间", "验收监理")]
    for item in answer["work_accepted"]:
        rows.append(
            (
                f"{item['level_display']}：{item['title']}",
                _text(item["accepted_at"]),
                "；".join(f"{s['name']}（{s['capacity_display']}）" for s in item["supervisors"])
                or "—",
            )
        )
    if len(rows) == 1:
        rows.append(("无", "", ""))
    report.grid(rows, widths=[80 * mm, 34 * mm, 56 * mm], header=True)


def trace_report_pdf(trace: dict) -> bytes:
    """Draw the report of ``trace`` (``responsibility.trace_json.defect_trace``): the answer
    on page 1, then the evidence, then the hashes and proofs in an appendix."""
    report = _Report()
    case, unit_work, checkpoint = trace["case"], trace["unit_work"], trace["checkpoint"]
    report.plain("工程质量缺陷追溯报告", "title")
    report.table(
        [
            ("案件编号", case["number"]),
            ("工程", trace["project"]["name"]),
            ("单位工程", unit_work["name"]),
            ("部位", " / ".join(loc["name"] for loc in trace["location_path"])),
            ("发现日期", _text(case["discovered_on"])),
            ("类别", case["category_display"]),
            ("起因", case["trigger_display"]),
            ("状态", "处理中" if case["state"] == "open" else "已结案"),
            ("缺陷描述", case["description"]),
            (
                "施工与验收期间",
                f"{_text(trace['work_period']['first'])} 至 {_text(trace['work_period']['last'])}",
            ),
        ]
    )
    report.item = f"案件 {case['number']}"
    report.ledger(case["ledger"])
    _answer(report, trace)

    report.story.append(PageBreak())
    report.plain("二、证据", "h1")
    report.table(
        [
            (
                "责任期限",
                f"竣工 {_text(unit_work['completion_date'])}，设计使用年限"
                f" {unit_work['design_service_life_years']} 年，至"
                f" {_text(unit_work['responsibility_ends'])}",
            ),
        ]
    )
    for photo in case["photos"]:
        report.file("案件照片原件", photo["original"])

    report.plain("（一）部位", "h1")
    for loc in trace["location_path"]:
        report.heading(f"{loc['name']}（{loc['kind_display']}）")
        report.ledger(loc["ledger"])
    report.plain(f"其下共有 {trace['locations_below']} 个下级部位。", "body")

    report.plain("（二）验收记录", "h1")
    if not trace["acceptance_records"]:
        report.plain("无。")
    for record in trace["acceptance_records"]:
        block = []
        report_story, report.story = report.story, block
        report.heading(
            f"{record['level_display']}：{record['title']}（{_text(record['date'])}，"
            f"{record['state_display']}，验收时间 {_text(record['accepted_at'])}）",
        )
        if record["locations"]:
            report.plain("部位：" + "、".join(loc["name"] for loc in record["locations"]), "small")
        report.ledger(record["ledger"])
        for sign_off in record["sign_offs"]:
            line = (
                f"签字：{sign_off['capacity_display']} {_name(sign_off['person'])}"
                f"（{_name(sign_off['organization'])}），{_text(sign_off['signed_at'])}，"
                f"第 {sign_off['round']} 轮"
            )
            report.plain(line, "body")
            report.ledger(sign_off["ledger"], f"{record['title']} {line}")
        for photo in record["photos"]:
            report.file("照片原件", photo["original"])
        report.story = report_story
        report.story.append(KeepTogether(block))

    report.plain("（三）材料使用", "h1")
    if not trace["material_usages"]:
        report.plain("无。")
    for usage in trace["material_usages"]:
        batch, delivery = usage["batch"], usage["delivery"]
        title = (
            f"{batch['category']}：{batch['product']} {batch['model_spec']}，"
            f"批号 {batch['batch_number']}，用于 {usage['location']['name']}，"
            f"{usage['quantity']} {delivery['unit']}，{_text(usage['used_on'])}"
        )
        report.heading(title)
        report.ledger(usage["ledger"], f"材料使用：{title}")
        report.plain(f"安装单位：{_name(usage['installer'])}")
        report.plain(
            f"生产厂家：{_name(batch['manufacturer'])}；生产日期 {_text(batch['production_date'])}",
        )
        report.ledger(batch["ledger"], f"批次 {batch['batch_number']}")
        at_acceptance = delivery["batch_files_at_acceptance"]
        for version in batch["files"]:
            label = BATCH_FILE_LABELS[version["kind"]]
            notes = []
            if (
                at_acceptance.get(version["kind"])
                and at_acceptance[version["kind"]]["id"] == (version["id"])
            ):
                notes.append("验收时现行")
            if version["current"]:
                notes.append("现行")
            else:
                notes.append("已被更正")
            if version["reason"]:
                notes.append(f"更正原因：{version['reason']}")
            name = f"{label}第 {version['version']} 版（{'，'.join(notes)}）"
            report.file(name, version["file"])
            report.ledger(version["ledger"], f"批次 {batch['batch_number']} {name}")
        report.plain(
            f"进场：{_text(delivery['delivered_on'])}，供应单位 {_name(delivery['supplier'])}，"
            f"施工单位检查 {_name(delivery['inspected_by'])}，"
            f"监理验收 {delivery['accepted_by'] or '—'}（{_text(delivery['accepted_at'])}）",
        )
        report.ledger(delivery["ledger"], f"进场 {_text(delivery['delivered_on'])}")
        for photo in delivery["photos"]:
            report.file("进场照片", photo["file"])
        for sample in delivery["samples"]:
            report.plain(
                f"取样：封样编号 {sample['seal_number']}，{_text(sample['sampled_on'])}，"
                f"取样人 {_name(sample['sampler'])}，见证人 {_name(sample['witness'])}，"
                f"检测机构 {_name(sample['testing_lab'])}",
            )
            report.ledger(sample["ledger"], f"取样 {sample['seal_number']}")
            test = sample["report"]
            if test is not None:
                report.plain(
                    f"检测报告 {test['report_number']}：{test['result_display']}"
                    f"（{_text(test['tested_on'])}）",
                )
                report.ledger(test["ledger"], f"检测报告 {test['report_number']}")
                report.file("检测报告文件", test["file"])

    report.plain("（四）五方责任主体项目负责人的任期", "h1")
    for role in trace["roles"]:
        report.heading(role["role_display"])
        if not role["leads_in_office"]:
            report.plain("施工与验收期间无在任负责人记录。")
        for tenure in role["tenure_history"]:
            dates = tenure["work_dates_in_office"]
            line = (
                f"{_name(tenure['person'])}（{_name(tenure['organization'])}），"
                f"任期 {_tenure(tenure['start_date'], tenure['end_date'])}"
            )
            if tenure["in_office_for_the_work"]:
                line += (
                    f"；施工与验收期间在任，工作日期 {dates['count']} 个，"
                    f"{_text(dates['first'])} 至 {_text(dates['last'])}"
                )
            if tenure["end_reason"]:
                line += f"，离任原因：{tenure['end_reason']}"
            report.plain(line)
            report.ledger(tenure["ledger"], f"{role['role_display']} {_name(tenure['person'])}")

    report.plain("（五）法定代表人授权书和终身责任承诺书", "h1")
    if not trace["letters_and_pledges"]:
        report.plain("无已签署的文件。")
    for document in trace["letters_and_pledges"]:
        report.heading(
            f"{document['kind_display']} {document['number']}：签署人 {_name(document['signer'])}，"
            f"{_text(document['signed_at'])}（{document['status']}）",
        )
        report.ledger(document["ledger"], f"{document['kind_display']} {document['number']}")
        report.file("签署的 PDF", document["pdf"])

    report.story.append(PageBreak())
    report.plain("附录：哈希与包含证明", "h1")
    report.plain("账本检查点（以下全部包含证明均针对此检查点）", "h2")
    report.table(
        [
            ("日志", checkpoint["origin"]),
            ("树大小", str(checkpoint["tree_size"])),
            ("根哈希", checkpoint["root_hash"]),
            ("签署时间", _text(checkpoint["signed_at"])),
            ("公钥 (Ed25519)", checkpoint["public_key"]),
            ("签名", checkpoint["signature"]),
        ]
    )
    report.plain(
        "验证方法：按 RFC 9162 用叶哈希、账本序号、树大小和包含证明计算根哈希，"
        "应与检查点根哈希一致；检查点签名可用上述公钥验证；文件的 SHA-256 应与下载的文件一致。",
        "small",
    )
    for label, line in report.appendix:
        report.story.append(
            KeepTogether(
                [
                    Paragraph(markup(label), report.styles["small_bold"]),
                    Paragraph(markup(line), report.styles["small"]),
                ]
            )
        )

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        **pdf_options(),
    )
    finish = partial(
        archival_finish,
        title=f"工程质量缺陷追溯报告 {case['number']}",
        subject=f"{trace['project']['name']} {unit_work['name']}",
    )
    doc.build(
        report.story, onFirstPage=lambda canvas, _doc: finish(canvas), canvasmaker=ArchiveCanvas
    )
    return out.getvalue()
