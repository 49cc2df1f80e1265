"""Overview dashboard and the school report page."""

from decimal import Decimal

from django.urls import reverse

from evaluation.models import Evidence, Scorecard, Score
from reports.selectors import round_overview, round_totals
from rubric.selectors import rubric_tree
from schools.models import School


def test_dashboard_charts_have_data_and_tables(login, scored):
    html = login(scored.city_official).get(reverse("reports:dashboard")).content.decode()
    assert 'id="chart-data"' in html and "echarts.min.js" in html and "reports/charts.js" in html
    assert "<script>" not in html.replace('<script id="chart-data" type="application/json">', "")
    assert "查看数据表" in html and "12.00" in html  # A2 mean of 16 and 8


def test_district_official_dashboard_only_counts_own_district(login, scored):
    response = login(scored.official).get(reverse("reports:dashboard"))
    assert response.context["overview"].count == 1


def test_overview_location_gap(scored):
    School.objects.filter(pk=scored.other_school.pk).update(location="rural")
    tree = rubric_tree(version=scored.version)
    ov = round_overview(rows=round_totals(round=scored.round, tree=tree), tree=tree)
    a2 = next(d for d in ov.by_dimension if d["code"] == "A2")
    assert a2["gap"] == Decimal("50.00")  # 100 % urban vs 50 % rural
    assert sum(b["count"] for b in ov.distribution) == 2
    assert [d["name"] for d in ov.by_district] == ["雁塔区", "碑林区"]


def test_school_page_shows_total_rank_weakest_and_notes(login, scored):
    card = Scorecard.objects.get(evaluation=scored.evaluation, is_lead=True)
    Score.objects.filter(scorecard=card, element__code="C1").update(note="<script>alert(1)</script>党建记录不全")
    response = login(scored.official).get(reverse("reports:school_report", args=[scored.evaluation.pk]))
    html = response.content.decode()
    assert response.context["rank"] == 1 and response.context["count"] == 2
    assert "99.50" in html and 'id="radar-data"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;党建记录不全" in html
    assert response.context["weakest"][0].element.code == "C1"


def test_school_page_lists_evidence(login, scored):
    card = Scorecard.objects.get(evaluation=scored.evaluation, is_lead=True)
    el = rubric_tree(version=scored.version).elements[0]
    Evidence.objects.create(scorecard=card, element=el, file="evidence/x.pdf", original_name="会议记录.pdf",
                            content_type="application/pdf", size=2048, sha256="0" * 64, uploaded_by=scored.lead)
    html = login(scored.official).get(reverse("reports:school_report", args=[scored.evaluation.pk])).content.decode()
    assert "会议记录.pdf" in html


def test_a_school_with_nothing_scored_shows_an_empty_state_not_zero_figures(login, world):
    """No "0.00 暂定" and no all-zero radar: the page says there is nothing to show yet."""
    response = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂无评分数据" in html and 'id="radar-empty"' in html
    assert 'id="radar-data"' not in html and 'data-chart="radar"' not in html
    assert "0.00" not in html and "暂定" not in html
    assert 'id="indicator-table"' not in html
    # The first score ends the empty state: figures and the chart are back, labelled 暂定.
    card = Scorecard.objects.get(evaluation=world.evaluation, is_lead=True)
    Score.objects.create(scorecard=card, element=rubric_tree(version=world.version).elements[0], points=Decimal("1"))
    html = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk])).content.decode()
    assert "暂无评分数据" not in html and 'id="radar-data"' in html and "暂定" in html
