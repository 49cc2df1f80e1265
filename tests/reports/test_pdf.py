"""PDF score sheet and school report, read back from real PDFs."""

import io
import re
import shutil
import subprocess

import pdfplumber
import pytest
from pypdf import PdfReader

from reports.pdf import school_report_pdf, scoresheet_pdf
from reports.selectors import evaluation_totals
from rubric.selectors import rubric_tree
from schools.models import School


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


@pytest.fixture
def sheet(scored):
    return scoresheet_pdf(evaluation_totals(evaluation=scored.evaluation))


def test_scoresheet_has_school_total_and_every_element_code(scored, sheet):
    text = _text(sheet)
    assert "雁塔区第一小学" in text
    assert "99.50" in text
    codes = set(re.findall(r"\bC[0-9]+\b", text))
    expected = {e.code for e in rubric_tree(version=scored.version).elements}
    assert expected <= codes
    assert len(expected) == 84


def test_scoresheet_lists_inspectors_and_signature_lines(sheet):
    text = _text(sheet)
    assert "李组长" in text and "张专家" in text
    assert "签字" in text and "日期" in text


def test_scoresheet_is_a4(sheet):
    page = PdfReader(io.BytesIO(sheet)).pages[0]
    assert round(page.mediabox.width) == 595 and round(page.mediabox.height) == 842


def test_header_row_repeats_on_every_page(sheet):
    with pdfplumber.open(io.BytesIO(sheet)) as doc:
        assert len(doc.pages) > 1
        table_pages = [p.extract_text() or "" for p in doc.pages if re.search(r"\bC[0-9]+\b", p.extract_text() or "")]
        assert len(table_pages) > 1
        for text in table_pages:
            assert "评估要素" in text


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="pdffonts (poppler-utils) missing")
def test_cjk_font_is_embedded(sheet, tmp_path):
    path = tmp_path / "s.pdf"
    path.write_bytes(sheet)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if "WenQuanYi" in line]
    assert lines, out
    assert all(" yes " in line for line in lines)  # embedded


def test_blank_sheet_has_no_scores(scored):
    pdf = scoresheet_pdf(evaluation_totals(evaluation=scored.evaluation, blank=True), blank=True)
    text = _text(pdf)
    assert "99.50" not in text and "0.50" not in text
    assert "C84" in text


def test_user_text_is_escaped_in_pdf(scored):
    School.objects.filter(pk=scored.school.pk).update(name="<b>坏</b>&学校")
    text = _text(scoresheet_pdf(evaluation_totals(evaluation=scored.evaluation)))
    assert "<b>坏</b>&学校" in text  # printed literally, not interpreted as markup


def test_school_report_has_total_rank_and_charts(scored):
    t = evaluation_totals(evaluation=scored.evaluation)
    pdf = school_report_pdf(t, rank=1, count=2, averages=t.dimensions)
    text = _text(pdf)
    assert "雁塔区第一小学" in text and "99.50" in text and "1 / 2" in text
    assert "本校" in text and "A7" in text and "B21" in text  # SVG chart labels are real text
