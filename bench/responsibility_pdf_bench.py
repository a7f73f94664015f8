"""Render and archive-sign a pledge PDF, against a bare ReportLab canvas page in the same run.

Run: .venv/bin/python bench/responsibility_pdf_bench.py  (no database or S3 needed)
Goal (issue 3): p95 of render + sign < 0.5 s on this machine.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from responsibility import pdf  # noqa: E402
from responsibility.services import signed_pdf, text_sha256  # noqa: E402
from responsibility.text import TEMPLATES_V1  # noqa: E402
from storage.fonts import cjk_font  # noqa: E402

WARMUP, RUNS = 3, 40


def pledge():
    title, body = TEMPLATES_V1["pledge"]
    text = body.format_map(
        {
            "project": "杭州市滨江区某住宅小区3号楼",
            "address": "浙江省杭州市滨江区长河街道江汉路与长江路交叉口东南侧",
            "unit_works": "3号楼",
            "design_life": "50年",
            "organization": "浙江宏业建设集团有限公司",
            "credit_code": "913301057276148204",
            "role": "施工单位",
            "lead_title": "项目经理",
            "person": "吴海涛",
            "id_number": "330106********3134",
            "qualification": "注册建造师",
            "cert_no": "浙1332016201705678",
            "legal_representative": "郑国华",
            "start_date": "2025年08月20日",
        }
    )
    template = SimpleNamespace(title=title, version=1, get_kind_display=lambda: "承诺书")
    document = SimpleNamespace(
        number="CN20261124-BENCH001",
        signer=SimpleNamespace(name="吴海涛"),
        template=template,
        text=text,
        text_sha256=text_sha256(text),
    )
    evidence = SimpleNamespace(
        signed_at=timezone.now(),
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)",
        auth_method="SessionAuthentication + password re-entered",
        document_sha256=document.text_sha256,
    )
    signature = io.BytesIO()
    Image.new("RGBA", (600, 200), (255, 255, 255, 0)).save(signature, format="PNG")
    return document, evidence, signature.getvalue()


def bare_page() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont(cjk_font(), 12)
    page.drawString(72, 770, "工程质量终身责任承诺书")
    page.showPage()
    page.save()
    return out.getvalue()


def timed(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def p95(times):
    return sorted(times)[int(len(times) * 0.95) - 1]


def main():
    document, evidence, signature = pledge()

    def ours():
        return signed_pdf(document=document, evidence=evidence, signature_png=signature)

    def render_only():
        return pdf.document_pdf(
            number=document.number,
            title=document.template.title,
            text=document.text,
            evidence=[("k", "v")] * 8,
            signature_png=signature,
        )

    for function in (ours, render_only, bare_page):
        timed(function, WARMUP)
    signed = timed(ours, RUNS)
    render = timed(render_only, RUNS)
    bare = timed(bare_page, RUNS)
    size = len(ours())
    print(f"pledge PDF render + PAdES sign, {RUNS} runs (1 A4 page, {size / 1024:.0f} KiB):")
    print(f"  median {statistics.median(signed) * 1000:7.1f} ms   p95 {p95(signed) * 1000:7.1f} ms")
    print(f"  pages/s (median) {1 / statistics.median(signed):8.1f}")
    print("pledge PDF render only (ReportLab platypus, CJK font, signature image):")
    print(f"  median {statistics.median(render) * 1000:7.1f} ms   p95 {p95(render) * 1000:7.1f} ms")
    print(f"  pages/s (median) {1 / statistics.median(render):8.1f}")
    print("bare ReportLab canvas page (one CJK line), same run:")
    print(f"  median {statistics.median(bare) * 1000:7.1f} ms   p95 {p95(bare) * 1000:7.1f} ms")
    print(f"  pages/s (median) {1 / statistics.median(bare):8.1f}")
    ratio = statistics.median(bare) / statistics.median(signed)
    print(f"our signed pledge vs bare page: {ratio:.3f}x the pages/s")
    goal = "met" if p95(signed) < 0.5 else "NOT met"
    print(f"goal p95 < 500 ms: {goal}")


if __name__ == "__main__":
    main()
