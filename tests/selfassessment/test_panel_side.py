"""Inspectors see the school's side: the self-score beside the input, 自评说明 and files in the scoring
workspace and on the consolidation page (read-only, constant queries), the district's opinion one click
away; the school report and the score sheet PDF show self-scores beside the panel's, with the gaps."""

import io
from decimal import Decimal

import pdfplumber
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from evaluation.models import Scorecard
from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals, self_comparison
from rubric.models import Element
from selfassessment.models import SelfAssessment, SelfEvidence, SelfScore
from tests.hostile import strings
from tests.reports.conftest import give_scores

from .conftest import PDF
from .conftest import admitted_on_panel as _admitted


def _card(w, user):
    return Scorecard.objects.get(evaluation=w.evaluation, inspector=user)


def test_the_inspector_sees_the_self_score_beside_the_input_and_the_files(world, login):
    sa = _admitted(world)
    client = login(world.alice)
    html = client.get(reverse("evaluation:scorecard", args=[_card(world, world.alice).pk])).content.decode()
    assert 'id="self_C1"' in html and "学校自评 0.5" in html  # C1: 1 point, step 0.5
    assert 'aria-describedby="max_C1 self_C1 state_C1' in html
    assert "C1 自评说明" in html and "C1材料0.pdf" in html
    assert "办学规范，特色鲜明，同意推荐。" in html
    review = reverse("selfassessment:review", args=[sa.pk])
    assert review in html and client.get(review).status_code == 200
    first = SelfEvidence.objects.filter(element__code="C1").first()
    assert client.get(reverse("selfassessment:evidence_download", args=[first.pk])).status_code == 200


def test_inspectors_off_the_panel_see_nothing_of_it(world, login):
    sa = _admitted(world)
    client = login(world.bob)
    first = SelfEvidence.objects.first()
    assert client.get(reverse("selfassessment:evidence_download", args=[first.pk])).status_code == 404
    assert client.get(reverse("selfassessment:review", args=[sa.pk])).status_code == 404
    html = client.get(reverse("evaluation:scorecard", args=[
        Scorecard.objects.get(evaluation=world.other_evaluation, inspector=world.bob).pk])).content.decode()
    assert "self_C1" not in html


def test_a_submission_the_district_has_not_recommended_is_not_shown(world, login):
    _admitted(world, status=SelfAssessment.Status.SUBMITTED)
    html = login(world.alice).get(reverse("evaluation:scorecard", args=[_card(world, world.alice).pk])).content.decode()
    assert 'id="self_C1"' not in html


@pytest.mark.parametrize("status,visible", [("submitted", False), ("returned", False), ("declined", False),
                                            ("recommended", True), ("admitted", True)])
def test_panel_inspectors_reach_only_what_the_district_stood_behind(world, login, status, visible):
    """The side-status rule lives in accounts.scopes: the review page and the files answer 404 to the
    panel before the district recommends (and after the city declines)."""
    from accounts import scopes

    sa = _admitted(world, status=status)
    assert scopes.self_assessments_visible_to(world.alice).filter(pk=sa.pk).exists() is visible
    client = login(world.alice)
    expected = 200 if visible else 404
    assert client.get(reverse("selfassessment:review", args=[sa.pk])).status_code == expected
    first = SelfEvidence.objects.filter(self_assessment=sa).first()
    assert client.get(reverse("selfassessment:evidence_download", args=[first.pk])).status_code == expected


def test_the_workspace_runs_a_constant_number_of_queries_with_the_school_side(world, login, django_assert_max_num_queries):
    _admitted(world)
    client = login(world.alice)
    url = reverse("evaluation:scorecard", args=[_card(world, world.alice).pk])
    # 15 before, + the self-assessment, its scores, its files, + 2 for the previous round's scores
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    SelfEvidence.objects.all().delete()
    sa = SelfAssessment.objects.get()
    stored = SelfEvidence(self_assessment=sa)
    stored.file.save("more.pdf", ContentFile(PDF), save=False)
    SelfEvidence.objects.bulk_create(
        SelfEvidence(self_assessment=sa, element=e, file=stored.file.name, original_name=f"{e.code}-{n}.pdf",
                     content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=world.school_user)
        for e in Element.objects.filter(version=world.version) for n in range(3))
    with django_assert_max_num_queries(20):
        response = client.get(url)
    html = response.content.decode()
    assert html.count('<details class="small mt-1 self-side">') == 84 and "C84-2.pdf" in html


def test_the_consolidation_page_has_a_school_column(world, login, django_assert_max_num_queries):
    _admitted(world)
    client = login(world.lead)
    url = reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])
    # 16 before, + three, + the panel's opinion (评价意见), + 2 for the previous round's scores, + the 满意度问卷 campaign
    with django_assert_max_num_queries(23):
        html = client.get(url).content.decode()
    assert "学校自评" in html and 'id="self_C84"' in html and "C84 自评说明" in html
    assert 'colspan="' in html


def test_hostile_self_explanations_are_inert_for_the_panel(world, login):
    texts = [s for s in strings() if "\x00" not in s and len(s) < 2000]
    sa = _admitted(world, note="")
    for score, text in zip(SelfScore.objects.filter(self_assessment=sa).order_by("element__order"), texts):
        score.note = text
        score.save()
    html = login(world.alice).get(reverse("evaluation:scorecard", args=[_card(world, world.alice).pk])).content.decode()
    assert "<script>alert" not in html
    html = login(world.lead).get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).content.decode()
    assert "<script>alert" not in html


# ---------------------------------------------------------------- reports


def _pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_the_report_shows_the_gap_per_element_and_dimension(world, login):
    _admitted(world)
    give_scores(world.evaluation, lambda el, k: el.points, by=world.lead)  # the panel gives full points
    totals = evaluation_totals(evaluation=world.evaluation)
    comparison = self_comparison(totals=totals)
    a1 = comparison.dimensions[0]
    assert a1.panel_sum == Decimal("3.00") and a1.self_sum == Decimal("1.50") and a1.gap == Decimal("-1.50")
    assert comparison.sums.total == Decimal("58.00") and comparison.total_gap == Decimal("-42.00")
    html = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk])).content.decode()
    assert 'id="self-comparison"' in html and 'data-gap="A1">-1.50' in html and "低估" in html
    # Each element: self (points − one step) against the panel's full points, so the gap is −step.
    for s in comparison.lines:
        assert s.self_points == s.line.element.points - s.line.element.step
        assert s.gap == -s.line.element.step, s.line.element.code
        assert f'data-gap="{s.line.element.code}">{s.gap}</td>' in html, s.line.element.code
    assert "?self=1" in html


def test_the_comparison_takes_both_totals_from_the_total_rule(world):
    """The panel's total is the one evaluation_totals gives (never re-summed from the A rows) and the
    self-total is the school's own running total (both evaluation.totals.sum_tree)."""
    from selfassessment.selectors import self_totals

    sa = _admitted(world)
    give_scores(world.evaluation, lambda el, k: el.points if k == 0 else el.points - el.step, by=world.lead)
    totals = evaluation_totals(evaluation=world.evaluation)
    comparison = self_comparison(totals=totals)
    assert comparison.panel_total == totals.total
    assert comparison.self_total == self_totals(self_assessment=sa)["total"]
    assert comparison.total_gap == comparison.self_total - totals.total
    assert all(d.gap == d.self_sum - d.panel_sum for d in comparison.dimensions)


def test_the_score_sheet_pdf_can_show_the_self_scores(world, login, tmp_path):
    _admitted(world)
    give_scores(world.evaluation, lambda el, k: el.points, by=world.lead)
    totals = evaluation_totals(evaluation=world.evaluation)
    plain = _pdf_text(scoresheet_pdf(totals))
    both = _pdf_text(scoresheet_pdf(totals, notes=True, self_scores=self_comparison(totals=totals)))
    # The self-total (58) prints only with the column; the panel's total (100) in both.
    assert "58.00" not in plain and "58.00" in both and "100.00" in plain and "合议说明" in both
    response = login(world.official).get(reverse("reports:scoresheet_pdf", args=[world.evaluation.pk]) + "?self=1")
    assert response.status_code == 200 and "58.00" in _pdf_text(response.content)
    out = tmp_path / "s.pdf"
    call_command("scoresheet", "--round", world.round.name, "--school", world.school.code, "--self-scores",
                 "-o", str(out), stdout=io.StringIO())
    assert "58.00" in _pdf_text(out.read_bytes())


def test_without_a_self_assessment_the_report_has_no_comparison(world, login):
    give_scores(world.evaluation, lambda el, k: el.points, by=world.lead)
    html = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk])).content.decode()
    assert 'id="self-comparison"' not in html and "?self=1" not in html
