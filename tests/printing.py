"""Print a workbook with the real LibreOffice and read what lands on paper.

`print_xlsx` converts with `soffice --headless --convert-to pdf`, each conversion in its own
user profile (parallel runs would otherwise share and lock one); `printed_lines` reads the PDF's
characters with their boxes (pdfplumber) and groups them into text lines, one per run of text in
a cell; `assert_legible` fails when two lines are drawn over each other or an expected text
(an element code) is missing or unreadable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_soffice = pytest.mark.skipif(
    not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice missing"
)


def print_xlsx(data: bytes, tmp_path: Path, name: str = "sheet") -> Path:
    """The workbook printed to PDF by LibreOffice (every sheet, its own print setup)."""
    src = tmp_path / f"{name}.xlsx"
    src.write_bytes(data)
    out = tmp_path / f"{name}-pdf"
    profile = tmp_path / f"{name}-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    return out / f"{name}.pdf"


@dataclass
class Line:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    text: str

    def overlaps(self, other: "Line", tolerance: float = 0.5) -> bool:
        return (self.page == other.page
                and min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance
                and min(self.bottom, other.bottom) - max(self.top, other.top) > tolerance)


def _overlap_fraction(a: dict, b: dict) -> float:
    w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a["x1"] - a["x0"]) * (a["bottom"] - a["top"]), (b["x1"] - b["x0"]) * (b["bottom"] - b["top"]))
    return w * h / smaller if smaller > 0 else 0.0


def printed_lines(pdf: Path) -> tuple[list[Line], list[tuple[str, str]]]:
    """(text lines, pairs of characters drawn over each other) of every page."""
    import pdfplumber

    lines: list[Line] = []
    clashes: list[tuple[str, str]] = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            # LibreOffice draws a merged cell's whole text on every page the cell reaches and
            # clips it; what lies outside the page is not printed.
            chars = [c for c in page.chars if c["text"].strip()
                     and c["top"] >= 0 and c["bottom"] <= page.height and c["x0"] >= 0 and c["x1"] <= page.width]
            # Characters of two texts drawn on top of each other: boxes that mostly coincide.
            chars.sort(key=lambda c: c["top"])
            for i, a in enumerate(chars):
                for b in chars[i + 1:]:
                    if b["top"] >= a["bottom"]:
                        break
                    if _overlap_fraction(a, b) > 0.3:
                        clashes.append((a["text"], b["text"]))
            # A line is a run of characters on one baseline without a gap wider than a character.
            visible = page.filter(lambda obj: obj.get("object_type") != "char" or (
                obj["top"] >= 0 and obj["bottom"] <= page.height and obj["x0"] >= 0 and obj["x1"] <= page.width))
            for word in visible.extract_words(x_tolerance=3, y_tolerance=1, keep_blank_chars=True, use_text_flow=False):
                lines.append(Line(page=number, x0=word["x0"], top=word["top"], x1=word["x1"],
                                  bottom=word["bottom"], text=word["text"]))
    return lines, clashes


def overlapping_lines(lines: list[Line]) -> list[tuple[Line, Line]]:
    """Pairs of text lines whose boxes overlap (on the same page)."""
    found = []
    ordered = sorted(lines, key=lambda line: (line.page, line.top))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.page != a.page or b.top >= a.bottom:
                break
            if a.overlaps(b):
                found.append((a, b))
    return found


def page_texts(pdf: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def assert_legible(pdf: Path, *, codes: list[str] = ()) -> list[Line]:
    """No two printed lines overlap, no characters coincide, and every code starts a readable line."""
    lines, clashes = printed_lines(pdf)
    overlaps = overlapping_lines(lines)
    assert not overlaps, f"{len(overlaps)} overlapping printed lines, e.g. " + "; ".join(
        f"p{a.page} {a.text[:20]!r} × {b.text[:20]!r}" for a, b in overlaps[:5])
    assert not clashes, f"{len(clashes)} characters printed over others, e.g. {clashes[:5]}"
    if codes:
        starts = {m.group(1) for line in lines for m in [re.match(r"\s*(C\d+)(?!\d)", line.text)] if m}
        missing = [c for c in codes if c not in starts]
        assert not missing, f"{len(missing)} element codes not printed legibly: {missing}"
    return lines


HEADER_WORDS = ("一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分", "备注", "合议说明")


def element_parents(tree) -> dict[str, tuple[str, str]]:
    """{element code: (dimension code, indicator code)} of a rubric tree."""
    return {el.code: (dim.code, ind.code) for dim in tree.dimensions for ind in dim.indicators for el in ind.elements}


def assert_groups_labelled(lines: list[Line], parents: dict[str, tuple[str, str]]) -> None:
    """Every page that prints an element also prints its dimension (A) and indicator (B)
    label, and nothing is drawn into the repeated header row."""
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page, page_lines in by_page.items():
        header = [ln for ln in page_lines if ln.text.strip() in HEADER_WORDS]
        if header:
            top, bottom = min(h.top for h in header), max(h.bottom for h in header)
            intruders = [ln.text[:20] for ln in page_lines
                         if ln not in header and min(ln.bottom, bottom) - max(ln.top, top) > 0.5]
            assert not intruders, f"page {page}: text drawn into the header row: {intruders}"
        starts = {m.group(1) for ln in page_lines for m in [re.match(r"\s*([ABC]\d+)(?!\d)", ln.text)] if m}
        for code in sorted(c for c in starts if c.startswith("C")):
            dim, ind = parents[code]
            assert dim in starts and ind in starts, (
                f"page {page} prints {code} without its labels {dim}/{ind} (found {sorted(starts)})")
