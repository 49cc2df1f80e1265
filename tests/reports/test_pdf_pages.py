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


def test_a_provisional_school_report_says_so_on_every_page(world, login):
    """The school report (reports.pdf.school_report_pdf) of an evaluation still in progress."""
    from django.urls import reverse

    from evaluation.models import Score

    give_scores(world.evaluation, lambda el, k: el.points / 2, finalize=False)
    # The inspectors' notes on the weakest elements make the report run over several pages.
    Score.objects.filter(scorecard__evaluation=world.evaluation).update(note="现场查看了课堂与校本课程资料。" * 40)
    response = login(world.city_official).get(reverse("reports:report_pdf", args=[world.evaluation.pk]))
    assert response.status_code == 200
    pages = _pages(response.content)
    assert len(pages) > 1
    assert all("暂定" in text for text in pages), [i for i, text in enumerate(pages, 1) if "暂定" not in text]


def test_a_finalized_school_report_is_not_marked_provisional(scored, login):
    from django.urls import reverse

    response = login(scored.city_official).get(reverse("reports:report_pdf", args=[scored.evaluation.pk]))
    assert not any("暂定" in text for text in _pages(response.content))


def test_a_provisional_pdf_prints_its_figures_in_black_with_only_the_notice_in_red(world, login):
    """The body carries the class that puts 暂定 on every page; the notice's red frame and colour
    (div.provisional) must not turn the whole sheet red inside a frame."""
    from collections import Counter

    from django.urls import reverse

    give_scores(world.evaluation, lambda el, k: el.points, finalize=False)
    c = login(world.city_official)
    for name in ("reports:scoresheet_pdf", "reports:report_pdf"):
        pdf = c.get(reverse(name, args=[world.evaluation.pk])).content
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            colours = Counter(tuple(round(v, 2) for v in (ch.get("non_stroking_color") or (0,)))
                              for page in doc.pages for ch in page.chars)
            page = doc.pages[0]
            framed = [r for r in page.rects if r["width"] > page.width * 0.8 and r["height"] > page.height * 0.8]
        red = sum(n for colour, n in colours.items() if len(colour) == 3 and colour[0] > 0.5 and colour[1] < 0.2)
        assert red < sum(colours.values()) / 10, (name, colours.most_common(3))
        assert not framed, name
