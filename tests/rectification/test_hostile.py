"""Hostile strings through every rectification form and out through the HTML pages, the xlsx and the CSV."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rectification.models import RectificationItem
from tests.hostile import strings
from tests.rectification.conftest import create

TEXTS = [s for s in strings() if "\x00" not in s]


def _inert(page: str) -> None:
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page


@pytest.mark.parametrize("text", TEXTS)
def test_hostile_text_through_the_create_form(rect, login, text):
    response = login(rect.lead).post(reverse("rectification:create", args=[rect.evaluation.pk]), {
        "element_codes": text, "problem": text, "requirement": text, "deadline": "2026-12-31",
        "responsible": text[:100], "source": "other"})
    assert response.status_code in (302, 400)
    _inert(response.content.decode())
    response = login(rect.lead).post(reverse("rectification:create", args=[rect.evaluation.pk]), {
        "element_codes": "C1", "problem": text, "requirement": text, "deadline": "2026-12-31",
        "responsible": text[:100], "source": "other"})
    assert response.status_code in (302, 400)
    _inert(response.content.decode())
    # The rate and the filters: a bad value is a message, never an error page.
    assert login(rect.lead).get(reverse("rectification:create", args=[rect.evaluation.pk]),
                                {"rate": text, "elements": text, "source": text}).status_code == 200
    for params in ({"status": text}, {"round": text}, {"district": text}, {"school": text}):
        assert login(rect.admin).get(reverse("rectification:ledger"), params).status_code == 200


@pytest.mark.parametrize("text", TEXTS)
def test_hostile_text_is_inert_on_the_pages_and_in_the_xlsx(rect, login, text):
    item = create(rect, problem=text.strip() or "x", requirement=text.strip() or "x",
                  responsible=(text.strip() or "x")[:100])
    c = login(rect.school_user)
    response = c.post(reverse("rectification:item_report", args=[item.pk]),
                      {f"r{item.pk}-text": text, f"r{item.pk}-version": item.version})
    assert response.status_code in (302, 400)
    item.refresh_from_db()
    if item.status == "reported":
        response = login(rect.official).post(reverse("rectification:item_review", args=[item.pk]),
                                             {"outcome": "failed", "note": text, "version": item.version})
        assert response.status_code in (302, 400)
    for user, url in ((rect.admin, reverse("rectification:ledger")),
                      (rect.official, reverse("rectification:item_detail", args=[item.pk])),
                      (rect.school_user, reverse("rectification:school_items")),
                      (rect.lead, reverse("rectification:create", args=[rect.evaluation.pk]))):
        _inert(login(user).get(url).content.decode())
    wb = load_workbook(io.BytesIO(login(rect.admin).get(reverse("rectification:ledger_xlsx")).content))
    for row in wb.worksheets[0].iter_rows(min_row=3):
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value[:1] in "=+-@＝＋－＠")


def test_an_overlong_problem_is_refused_at_the_field(rect, login):
    response = login(rect.lead).post(reverse("rectification:create", args=[rect.evaluation.pk]), {
        "element_codes": "", "problem": "x" * 100_000, "requirement": "r", "deadline": "2026-12-31",
        "responsible": "张", "source": "other"})
    assert response.status_code == 400 and "存在问题不能超过 5000 字" in response.content.decode()
    assert not RectificationItem.objects.exists()


def test_a_report_text_that_is_only_spaces_is_refused(rect, login):
    item = create(rect)
    response = login(rect.school_user).post(reverse("rectification:item_report", args=[item.pk]),
                                            {f"r{item.pk}-text": "   ", f"r{item.pk}-version": item.version})
    assert response.status_code == 400 and "请填写整改情况。" in response.content.decode()
