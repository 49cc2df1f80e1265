"""The PDF score sheet page by page: the signature block keeps company, continued pages say
what they continue (续), a provisional sheet says 暂定 on every page, 合议说明 on request."""

import io
import json
import re
from pathlib import Path

import pdfplumber
import pytest

from evaluation.models import FinalScore
from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals
from tests.reports.conftest import give_scores


def _pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


@pytest.fixture
def pages(scored):
    return _pages(scoresheet_pdf(evaluation_totals(evaluation=scored.evaluation)))


def test_signature_block_is_never_alone_on_the_last_page(pages):
    last = pages[-1]
    assert "组长签字" in last
    # The total (and at least the last subtotal before it) print on the signatures' page.
    assert "总分" in last and "小计" in last


def test_continued_pages_name_the_dimension_and_indicator_they_continue(scored, pages):
    tree = evaluation_totals(evaluation=scored.evaluation).tree
    dim_of = {el.code: dim for dim in tree.dimensions for el in dim.elements}
    ind_of = {el.code: ind for ind in tree.indicators for el in ind.elements}
    first_of_dim = {dim.elements[0].code for dim in tree.dimensions}
    checked = 0
    for text in pages[1:]:
        codes = re.findall(r"(?m)^.*?\b(C\d+)\b", text)
        if not codes or codes[0] in first_of_dim:
            continue
        dim = dim_of[codes[0]]
        assert f"续：{dim.code} {dim.name}" in text, text[:200]
        ind = ind_of[codes[0]]
        # The indicator is named only when the page starts inside it, not at its first element.
        assert (f"· {ind.code}" in text.splitlines()[0]) == (codes[0] != ind.elements[0].code), text[:200]
        checked += 1
    assert checked >= 2


def test_provisional_sheet_says_so_on_every_page(world):
    give_scores(world.evaluation, lambda el, k: el.points, finalize=False)
    pages = _pages(scoresheet_pdf(evaluation_totals(evaluation=world.evaluation)))
    assert len(pages) > 1
    assert all("暂定" in text for text in pages)


def test_finalized_sheet_is_not_marked_provisional(pages):
    assert not any("暂定" in text for text in pages)


def test_optional_column_with_the_leads_notes(scored):
    FinalScore.objects.filter(evaluation=scored.evaluation, element__code="C1").update(note="扣半分")
    totals = evaluation_totals(evaluation=scored.evaluation)
    plain = "".join(_pages(scoresheet_pdf(totals)))
    with_notes = "".join(_pages(scoresheet_pdf(totals, notes=True)))
    assert "合议说明" not in plain and "扣半分" not in plain
    assert "合议说明" in with_notes and "扣半分" in with_notes


def test_school_page_offers_the_sheet_with_notes(scored, login):
    from django.urls import reverse

    c = login(scored.city_official)
    page = c.get(reverse("reports:school_report", args=[scored.evaluation.pk])).content.decode()
    url = reverse("reports:scoresheet_pdf", args=[scored.evaluation.pk]) + "?notes=1"
    assert url in page
    response = c.get(url)
    assert response.status_code == 200
    assert "合议说明" in "".join(_pages(response.content))


def test_hostile_notes_and_names_print_as_text(scored):
    """Markup prints literally; control characters and non-characters are dropped without
    taking the page's text with them (readers found no text at all on such a page)."""
    path = Path("/work/shared/testdata/hostile-inputs.json")
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    hostile = ["bell\x07", "vertical\x0btab", "non\uffffchar", "nul\x00byte", "<svg onload=alert(1)>"]
    hostile += [t for kind in ("markup", "spreadsheet_formulas", "control_and_noncharacters") for t in data.get(kind, [])]
    totals = evaluation_totals(evaluation=scored.evaluation)
    for line, text in zip(totals.lines, hostile):
        line.final_note = text
    totals.school.name = "<script>alert(1)</script>"
    pages = _pages(scoresheet_pdf(totals, notes=True))
    assert all(pages), "a page without extractable text"
    text = "".join(pages)
    assert "<script>alert(1)</script>" in text and "<svg onload=alert(1)>" in text
    assert "bell" in text and "vertical" in text and "nonchar" in text
