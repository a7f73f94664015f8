"""What a reader of a generated PDF gets, checked with tools the archive did not write:
poppler's pdffonts (every font embedded), pdftotext (the text comes back, with where each
word is) and pdftoppm (the page rendered: the words have ink)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pypdf
from PIL import Image


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace removed (runs of another font break lines)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(data: bytes) -> list[dict]:
    """pdffonts' table: name, type and whether each font is embedded."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        out = subprocess.run(
            ["pdffonts", file.name], capture_output=True, text=True, check=True
        ).stdout
    rows = []
    for line in out.splitlines()[2:]:
        # name, type (may have a space: "CID TrueType"), encoding, emb, sub, uni, object, id
        parts = line.split()
        rows.append({"name": parts[0], "emb": parts[-5], "line": line})
    return rows


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def ink_under(data: bytes, chars: str, *, resolution: int = 150) -> dict[str, int]:
    """For each of ``chars``, the dark pixels inside the box pdftotext gives the word holding
    it, on the page rendered by pdftoppm: 0 means the reader sees nothing there."""
    found: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        html = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode(errors="replace")
        pages = html.split("<page ")[1:]
        for number, page in enumerate(pages, start=1):
            words = WORD.findall(page)
            wanted = [w for w in words if any(c in w[4] for c in chars)]
            if not wanted:
                continue
            prefix = Path(tmp) / f"p{number}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-gray",
                    "-r",
                    str(resolution),
                    "-f",
                    str(number),
                    "-l",
                    str(number),
                    "-singlefile",
                    "-png",
                    str(pdf),
                    str(prefix),
                ],
                check=True,
            )
            image = Image.open(f"{prefix}.png").convert("L")
            scale = resolution / 72
            for x0, y0, x1, y1, text in wanted:
                x0, y0, x1, y1 = (float(v) * scale for v in (x0, y0, x1, y1))
                # Every character of an all-CJK word is one em wide: each gets its own cell.
                wide = all(unicodedata.east_asian_width(c) in "WF" for c in text)
                step = (x1 - x0) / len(text)
                for i, char in enumerate(text):
                    if char not in chars:
                        continue
                    left, right = (x0 + i * step, x0 + (i + 1) * step) if wide else (x0, x1)
                    region = image.crop((int(left), int(y0), int(right) + 1, int(y1) + 1))
                    ink = region.point(lambda v: 255 if v < 128 else 0).histogram()[255]
                    found[char] = max(found.get(char, 0), ink)
    return found
