"""The survey_results command and the notes beside linked elements (scorecard, consolidation)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from surveys import services

from .conftest import NOW, service_data


def _answer(survey, values):
    for code, v in zip(survey.codes, values):
        services.response_submit(code=code, data=service_data(survey.parent, value=v), now=NOW)


def test_survey_results_json(survey):
    _answer(survey, [5, 5, 4, 2])
    out = StringIO()
    call_command("survey_results", "--round", survey.round.name, "--school", survey.school.code, "--format", "json",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert [d["school"] for d in data] == [survey.school.code]
    parent = next(g for g in data[0]["groups"] if g["group"] == "parent")
    assert (parent["issued"], parent["responses"]) == (6, 4)
    first = parent["items"][0]
    assert first["elements"] == ["C84"]
    assert first["counts"] == {"5": 2, "4": 1, "3": 0, "2": 1, "1": 0}
    assert first["rate"] == "0.7500" and (first["low"], first["high"]) == ("0.3006", "0.9544")
    student = next(g for g in data[0]["groups"] if g["group"] == "student")
    assert student["issued"] == 0 and student["rate"] is None
    with pytest.raises(CommandError):
        call_command("survey_results", "--round", "不存在", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("survey_results", "--round", survey.round.name, "--school", "nope", stdout=StringIO())


def test_parents_approval_beside_c84_on_the_scorecard_and_consolidation(login, survey):
    _answer(survey, [5, 5, 4, 2])
    card = survey.evaluation.scorecards.get(inspector=survey.alice)
    page = login(survey.alice).get(reverse("evaluation:scorecard", kwargs={"pk": card.pk})).content.decode()
    assert 'id="survey_C84"' in page and "要求 ≥85%：未达到" in page and "75.0%" in page
    lead = login(survey.lead).get(reverse("evaluation:evaluation_detail", kwargs={"pk": survey.evaluation.pk}))
    assert 'id="survey_C84"' in lead.content.decode()


def test_survey_results_in_the_school_report(login, survey):
    _answer(survey, [5, 5, 5, 5])
    page = login(survey.official).get(reverse("reports:school_report", kwargs={"pk": survey.evaluation.pk}))
    html = page.content.decode()
    assert page.status_code == 200 and "满意度问卷（关联评估要素）" in html and "要求 ≥85%：达到" in html


def test_no_campaign_no_notes(login, world):
    card = world.evaluation.scorecards.get(inspector=world.alice)
    page = login(world.alice).get(reverse("evaluation:scorecard", kwargs={"pk": card.pk})).content.decode()
    assert "survey_C84" not in page


def test_survey_section_in_the_score_sheet_pdf_on_request(login, survey):
    """?surveys=1 adds the 满意度问卷 section after the sheet (text extracted from the real PDF); without it, none."""
    import io

    from pypdf import PdfReader

    _answer(survey, [5, 5, 4, 2])
    client = login(survey.official)

    def text(query):
        response = client.get(reverse("reports:scoresheet_pdf", kwargs={"pk": survey.evaluation.pk}) + query)
        assert response.status_code == 200
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)

    with_section = text("?surveys=1")
    # (the rubric's own 评估方法 mention 满意度问卷 too: look for the results' words)
    assert "满意率" in with_section and "75.0%" in with_section and "未达到" in with_section
    assert "满意率" not in text("")
    assert "满意率" not in text("?surveys=1&blank=1")


def test_hostile_question_texts_are_printed_as_text_in_the_score_sheet_pdf(login, survey, monkeypatch):
    """A question's text is admin-edited: markup, template syntax, formula starts, control characters and
    paths in it come out of the PDF's survey section as the literal text, and nothing is fetched."""
    import io

    from pypdf import PdfReader
    from weasyprint.urls import URLFetcher

    from surveys.models import Item
    from tests.hostile import strings

    _answer(survey, [5, 5, 4, 2])
    fetched = []
    real_fetch = URLFetcher.fetch
    monkeypatch.setattr(URLFetcher, "fetch", lambda self, url, *a, **k: fetched.append(url) or real_fetch(self, url, *a, **k))
    linked = next(i for i in Item.objects.filter(questionnaire__campaign_groups=survey.parent)
                  if i.is_rated and "C84" in i.element_codes)
    client = login(survey.official)
    url = reverse("reports:scoresheet_pdf", kwargs={"pk": survey.evaluation.pk}) + "?surveys=1"
    for hostile in strings("markup", "spreadsheet_formulas", "path_traversal", "control_and_noncharacters"):
        Item.objects.filter(pk=linked.pk).update(text=hostile.replace("\x00", "")[:300] or "x")
        response = client.get(url)
        assert response.status_code == 200, hostile
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "满意率" in text
        visible = "".join(ch for ch in hostile[:40] if ch.isprintable() and ch not in "\ufffe\uffff" and not "\u202a" <= ch <= "\u202e" and not "\u2066" <= ch <= "\u2069")
        if visible.strip():
            assert visible.replace(" ", "") in text.replace(" ", "").replace("\n", ""), hostile
    assert not [u for u in fetched if not u.startswith("data:")], fetched
