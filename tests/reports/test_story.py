"""学校发展档案, what a school sees of its own results, and the previous round (issue 14 part 7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation import services as evaluation_services
from evaluation.selectors import previous_evaluation, previous_scores
from reports.selectors import evaluation_totals
from reports.story import DimensionChange, changes_since_previous, school_story
from rubric.models import Element
from tests.hostile import strings
from tests.reports import story_world

TODAY = date(2026, 11, 20)


@pytest.fixture
def story(world):
    return story_world.build(world)


@pytest.fixture(autouse=True)
def story_today(monkeypatch):
    monkeypatch.setattr("reports.views._today", lambda: TODAY)


# ---------------------------------------------------------------- selectors


def test_previous_evaluation_is_the_latest_finalized_earlier_round(story):
    assert previous_evaluation(evaluation=story.evaluation) == story.old_evaluation  # 2025 is not finalized
    assert previous_evaluation(evaluation=story.mid_evaluation) == story.old_evaluation
    assert previous_evaluation(evaluation=story.old_evaluation) is None
    assert previous_evaluation(evaluation=story.other_evaluation) is None  # another school's rounds never count


def test_previous_evaluation_follows_a_later_finalization(story):
    from evaluation.models import Evaluation, FinalScore

    FinalScore.objects.bulk_create(FinalScore(evaluation=story.mid_evaluation, element=e, points=e.points)
                                   for e in Element.objects.filter(version=story.version))
    Evaluation.objects.filter(pk=story.mid_evaluation.pk).update(status=Evaluation.Status.FINALIZED)
    assert previous_evaluation(evaluation=story.evaluation).pk == story.mid_evaluation.pk


def test_previous_scores_are_the_final_scores_by_element_code(story):
    prev = previous_scores(evaluation=story.evaluation)
    c1 = Element.objects.get(version=story.version, code="C1")
    assert prev.evaluation == story.old_evaluation
    assert prev.of("C1") == c1.points / 2 and isinstance(prev.of("C1"), Decimal)
    assert len(prev.points) == Element.objects.filter(version=story.version).count()
    assert previous_scores(evaluation=story.old_evaluation).evaluation is None


def test_changes_per_dimension_are_signed_decimals(story):
    totals = evaluation_totals(evaluation=story.evaluation)
    changes = changes_since_previous(totals=totals)
    before = evaluation_totals(evaluation=story.old_evaluation)
    assert changes.previous == story.old_evaluation
    for row in changes.rows:
        assert isinstance(row.delta, Decimal)
        assert row.delta == totals.dimensions[row.code] - before.dimensions[row.code]
        assert row.delta > 0 and row.signed.startswith("+")
    assert changes.total.delta == totals.total - before.total
    assert changes_since_previous(totals=before) is None


def test_the_sign_of_a_change():
    assert DimensionChange("A1", "", Decimal("8"), Decimal("10"), Decimal("-2.00")).signed == "-2.00"
    assert DimensionChange("A1", "", Decimal("10"), Decimal("10"), Decimal("0.00")).signed == "±0.00"
    assert DimensionChange("A1", "", Decimal("10.5"), Decimal("10"), Decimal("0.50")).signed == "+0.50"
    assert DimensionChange("A1", "", Decimal("10"), None, None).signed == "—"


def test_the_school_sees_only_published_rounds(story):
    mine = school_story(school=story.school, published_only=True, today=TODAY)
    assert [r.evaluation for r in mine.rounds] == [story.old_evaluation]
    everything = school_story(school=story.school, published_only=False, today=TODAY)
    assert [r.evaluation for r in everything.rounds] == [story.old_evaluation, story.evaluation]  # not 2025
    assert everything.rounds[0].recognition.document_no == "市教发〔2024〕8号"
    assert everything.rounds[0].standing.state == "valid"
    assert everything.codes[:2] == ["A1", "A2"]
    evaluation_services.round_results_publish(round=story.round, published=True, by=story.admin)
    assert len(school_story(school=story.school, published_only=True, today=TODAY).rounds) == 2


def test_the_standing_of_a_recognition(story):
    valid_until = story.old_recognition.valid_until
    near = school_story(school=story.school, published_only=False, today=valid_until.replace(year=valid_until.year - 1))
    assert near.rounds[0].standing.state == "valid"
    from datetime import timedelta

    soon = school_story(school=story.school, published_only=False, today=valid_until - timedelta(days=30))
    assert soon.rounds[0].standing.state == "expiring" and soon.rounds[0].standing.days_left == 30
    over = school_story(school=story.school, published_only=False, today=valid_until + timedelta(days=1))
    assert over.rounds[0].standing.state == "expired" and over.rounds[0].standing.label == "已过期"


# ---------------------------------------------------------------- the school's own results page


def test_my_results_shows_the_published_round_only(story, login):
    html = login(story.school_user).get(reverse("reports:my_results")).content.decode()
    old = evaluation_totals(evaluation=story.old_evaluation)
    assert story.old_round.name in html and str(old.total) in html
    assert "二〇二四年总体良好。" in html and "市教发〔2024〕8号" in html
    assert reverse("reports:opinion_pdf", args=[story.old_evaluation.pk]) in html
    assert story.round.name not in html and "二〇二六年进步明显。" not in html
    assert 'data-passed="yes"' in html


def test_my_results_after_publication_and_empty_before(world, login):
    c = login(world.school_user)
    assert 'id="no-results"' in c.get(reverse("reports:my_results")).content.decode()
    story_world.build(world, publish_current=True)
    html = c.get(reverse("reports:my_results")).content.decode()
    assert world.round.name in html and "二〇二六年进步明显。" in html


def test_my_results_is_for_school_accounts_only(story, login, client):
    assert client.get(reverse("reports:my_results")).status_code == 302  # login required
    for user in (story.admin, story.official, story.lead, story.nobody):
        assert login(user).get(reverse("reports:my_results")).status_code == 403
    assert login(story.school_user).post(reverse("reports:my_results")).status_code == 405


def test_the_self_assessment_home_links_to_the_results(story, login):
    html = login(story.school_user).get(reverse("selfassessment:home")).content.decode()
    assert reverse("reports:my_results") in html


def test_the_school_downloads_its_opinion_document_only_when_published(story, login):
    c = login(story.school_user)
    old = c.get(reverse("reports:opinion_pdf", args=[story.old_evaluation.pk]))
    assert old.status_code == 200 and old["Content-Type"] == "application/pdf"
    assert c.get(reverse("reports:opinion_pdf", args=[story.evaluation.pk])).status_code == 404
    assert c.get(reverse("reports:opinion_pdf", args=[story.other_evaluation.pk])).status_code == 404
    evaluation_services.round_results_publish(round=story.round, published=True, by=story.admin)
    assert c.get(reverse("reports:opinion_pdf", args=[story.evaluation.pk])).status_code == 200
    assert login(story.other_school_user).get(
        reverse("reports:opinion_pdf", args=[story.evaluation.pk])).status_code == 404
    evaluation_services.round_results_publish(round=story.mid_round, published=True, by=story.admin)
    assert c.get(reverse("reports:opinion_pdf", args=[story.mid_evaluation.pk])).status_code == 404  # not finalized


# ---------------------------------------------------------------- 学校发展档案


def _story_url(school):
    return reverse("reports:school_story", args=[school.pk])


@pytest.mark.parametrize("role,status", [
    ("admin", 200), ("official", 200), ("city_official", 200), ("other_official", 404), ("school_user", 200),
    ("other_school_user", 404), ("lead", 403), ("alice", 403), ("nobody", 403), ("auditor", 403),
    ("security_admin", 403), ("unscoped_official", 403)])
def test_story_access_per_role(story, login, role, status):
    assert login(getattr(story, role)).get(_story_url(story.school)).status_code == status


def test_story_requires_login_and_get(story, client, login):
    assert client.get(_story_url(story.school)).status_code == 302
    assert login(story.admin).post(_story_url(story.school)).status_code == 405


def test_the_story_shows_every_finalized_round_with_chart_and_table(story, login):
    html = login(story.official).get(_story_url(story.school)).content.decode()
    assert html.count('role="img"') >= 1 and '<title id="story-chart-title">' in html and "story-chart-desc" in html
    table = html.split('id="story-table"')[1].split("</table>")[0]
    assert story.old_round.name in table and story.round.name in table and story.mid_round.name not in table
    for ev in (story.old_evaluation, story.evaluation):
        assert str(evaluation_totals(evaluation=ev).total) in table
    assert "二〇二六年进步明显。" in html and "市教发〔2024〕8号" in html
    assert reverse("reports:school_report", args=[story.evaluation.pk]) in html


def test_the_school_sees_its_story_of_published_rounds(story, login):
    html = login(story.school_user).get(_story_url(story.school)).content.decode()
    assert story.old_round.name in html and story.round.name not in html
    assert 'href="%s"' % reverse("reports:school_report", args=[story.old_evaluation.pk]) not in html


def test_an_empty_story(world, login):
    html = login(world.admin).get(_story_url(world.school)).content.decode()
    assert 'id="no-story"' in html


def test_the_story_page_query_count_is_bounded_per_round(story, login, django_assert_max_num_queries):
    c = login(story.admin)
    with django_assert_max_num_queries(40):
        assert c.get(_story_url(story.school)).status_code == 200


@pytest.mark.parametrize("text", strings("markup", "names", "sql_like"))
def test_hostile_names_and_opinions_are_escaped(world, login, text):
    from django.utils.html import escape

    world.school.name = text[:100]
    world.school.save()
    story_world.build(world, opinion_text=text, publish_current=True)
    for user, url in ((world.admin, _story_url(world.school)), (world.school_user, _story_url(world.school)),
                      (world.school_user, reverse("reports:my_results"))):
        html = login(user).get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert escape(text) in html  # the opinion, shown as text
    # The chart's title carries the school's name: escaped inside the SVG too.
    story = school_story(school=world.school, published_only=False, today=TODAY)
    assert escape(text[:100]) in story.chart_svg()


def test_the_schools_list_and_the_school_report_link_to_the_story(story, login):
    assert _story_url(story.school) in login(story.admin).get(reverse("schools:school_list")).content.decode()
    report = login(story.official).get(reverse("reports:school_report", args=[story.evaluation.pk])).content.decode()
    assert _story_url(story.school) in report


# ---------------------------------------------------------------- the previous round in a later round


def test_the_school_report_shows_the_change_per_dimension(story, login):
    html = login(story.official).get(reverse("reports:school_report", args=[story.evaluation.pk])).content.decode()
    changes = changes_since_previous(totals=evaluation_totals(evaluation=story.evaluation))
    assert 'id="changes"' in html and story.old_round.name in html
    for row in changes.rows:
        assert f'data-delta="{row.code}">{row.signed}<' in html
    assert f'data-delta="total">{changes.total.signed}<' in html
    first = login(story.official).get(reverse("reports:school_report", args=[story.old_evaluation.pk])).content.decode()
    assert 'id="changes"' not in first


def test_the_scorecard_and_the_consolidation_show_the_previous_score(story, login):
    from evaluation.parsing import fmt

    c1 = Element.objects.get(version=story.version, code="C1")
    card = story.evaluation.scorecards.get(inspector=story.alice)
    html = login(story.alice).get(reverse("evaluation:scorecard", args=[card.pk])).content.decode()
    assert f'id="prev_C1">上轮得分 {fmt(c1.points / 2)}</div>' in html and 'id="previous-round"' in html
    assert "prev_C1 state_C1" in html  # the input is described by it (not colour only)
    html = login(story.lead).get(reverse("evaluation:evaluation_detail", args=[story.evaluation.pk])).content.decode()
    assert f'id="prev_C1">上轮得分 {fmt(c1.points / 2)}</div>' in html
    first = story.old_evaluation.scorecards.get(inspector=story.alice)
    assert "prev_C1" not in login(story.alice).get(reverse("evaluation:scorecard", args=[first.pk])).content.decode()


def test_the_school_report_pdf_shows_the_change_per_dimension(story, login):
    import io

    import pdfplumber

    response = login(story.official).get(reverse("reports:report_pdf", args=[story.evaluation.pk]))
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    changes = changes_since_previous(totals=evaluation_totals(evaluation=story.evaluation))
    assert "与上一轮" in text.replace(" ", "") and story.old_round.name in text.replace(" ", "")
    assert changes.total.signed in text and changes.rows[0].signed in text
