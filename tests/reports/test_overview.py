"""What officials see first: the round overview, the default round, empty states, the pass mark
on the school report."""

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from evaluation.models import Round, Score, Scorecard
from reports.pdf import school_report_pdf
from reports.selectors import evaluation_totals, round_progress
from rubric.selectors import rubric_tree
from tests import factories as f
from tests.reports.conftest import full, give_scores, half

D = Decimal


def _counts(html: str) -> dict[str, int]:
    block = html.split('id="status-counts"', 1)[1].split('id="pass-mark"', 1)[0]
    return {k: int(v) for k, v in re.findall(r'data-status="(\w+)">(\d+)<', block)}


@pytest.fixture
def states(world):
    """Four schools of 雁塔区 in each state, plus the world's two (雁塔 in progress, 碑林 not started)."""
    tree = rubric_tree(version=world.version)
    lead_card = Scorecard.objects.get(evaluation=world.evaluation, is_lead=True)
    Score.objects.create(scorecard=lead_card, element=tree.elements[0], points=D("1"))
    finalized = f.evaluation(world.round, f.school(world.district), lead=world.bob)
    give_scores(finalized, full, by=world.bob)
    low = f.evaluation(world.round, f.school(world.district), lead=world.bob)
    give_scores(low, half, by=world.bob)
    submitted = f.evaluation(world.round, f.school(world.district), lead=world.bob)
    give_scores(submitted, full, finalize=False)
    Scorecard.objects.filter(evaluation=submitted).update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    Round.objects.filter(pk=world.round.pk).update(pass_mark=D("85"))
    world.round.refresh_from_db()
    return world


def test_officials_land_on_the_round_overview(world, login):
    for person in (world.official, world.city_official, world.admin):
        response = login(person).get(reverse("accounts:home"))
        assert response.status_code == 302 and response.url == reverse("reports:overview")


def test_overview_counts_schools_by_status_and_pass_mark(states, login):
    html = login(states.city_official).get(reverse("reports:overview")).content.decode()
    assert _counts(html) == {"not_started": 1, "in_progress": 1, "submitted": 1, "finalized": 2}
    # Finalized: 100 and 50 against a pass mark of 85; in progress: the submitted full marks (暂定).
    assert 'data-passed="final">1<' in html
    assert 'data-passed="provisional">1<' in html and "暂定" in html
    table = html.split('id="district-progress"', 1)[1]
    assert "雁塔区" in table and "碑林区" in table


def test_a_district_official_sees_only_their_district(states, login):
    html = login(states.other_official).get(reverse("reports:overview")).content.decode()
    assert _counts(html) == {"not_started": 1, "in_progress": 0, "submitted": 0, "finalized": 0}
    assert "雁塔区" not in html.split('id="district-progress"', 1)[1]


def test_overview_query_count_does_not_grow_with_schools(states, login, django_assert_max_num_queries):
    client = login(states.city_official)
    client.get(reverse("reports:overview"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("reports:overview"))
    for _ in range(5):
        give_scores(f.evaluation(states.round, f.school(states.district), lead=states.bob), half, by=states.bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reports:overview"))


def test_progress_selector_per_district(states):
    p = round_progress(round=states.round)
    assert p.total == 5 and p.passed == 1 and p.finalized_ranked == 2
    yanta = next(d for d in p.districts if d.name == "雁塔区")
    assert yanta.total == 4 and yanta.finalized_pct == 50


def test_empty_round_shows_no_data_everywhere(world, login):
    empty = f.round_(world.version, name="2027年度新优质学校评估", year=2027)
    client = login(world.city_official)
    for name in ("reports:overview", "reports:dashboard"):
        html = client.get(reverse(name), {"round": empty.pk}).content.decode()
        assert "暂无数据" in html, name
        assert 'class="report-chart"' not in html, name  # no blank axes


def test_no_round_at_all_shows_no_data(db, login):
    official = f.user("o", roles.OFFICIAL)
    html = login(official).get(reverse("reports:overview")).content.decode()
    assert "暂无数据" in html


def test_an_empty_new_round_does_not_become_the_default(scored, login):
    """Creating an empty 2027 round switched everyone's ranking and dashboard to it."""
    f.round_(scored.version, name="2027年度新优质学校评估", year=2027)
    client = login(scored.city_official)
    for name in ("reports:ranking", "reports:dashboard", "reports:overview"):
        response = client.get(reverse(name))
        assert response.context["round"] == scored.round, name
    out = io.StringIO()
    call_command("ranking", "--format", "json", stdout=out)
    assert len(json.loads(out.getvalue())) == 2


def test_school_report_says_whether_the_pass_mark_is_reached(scored, login):
    Round.objects.filter(pk=scored.round.pk).update(pass_mark=D("60"))
    client = login(scored.city_official)
    html = client.get(reverse("reports:school_report", args=[scored.evaluation.pk])).content.decode()
    assert 'data-passed="yes"' in html and "达到" in html
    html = client.get(reverse("reports:school_report", args=[scored.other_evaluation.pk])).content.decode()
    assert 'data-passed="no"' in html and "未达到" in html


def test_school_report_pdf_says_whether_the_pass_mark_is_reached(scored):
    import pdfplumber

    Round.objects.filter(pk=scored.round.pk).update(pass_mark=D("60"))
    totals = evaluation_totals(evaluation=scored.other_evaluation)
    pdf = school_report_pdf(totals, rank=2, count=2, averages=totals.dimensions)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text()
    assert "认定分数线" in text and "未达到" in text


def test_school_report_without_a_pass_mark_says_so(scored, login):
    html = login(scored.city_official).get(
        reverse("reports:school_report", args=[scored.evaluation.pk])).content.decode()
    assert "本批次未设定认定分数线" in html

HOSTILE = Path("/work/shared/testdata/hostile-inputs.json")


def test_hostile_district_and_round_names_are_escaped_on_the_overview(world, login):
    data = (json.loads(HOSTILE.read_text(encoding="utf-8")) if HOSTILE.exists()
            else {"markup": ["<script>alert(1)</script>"]})
    client = login(world.city_official)
    for n, text in enumerate(data["markup"]):
        world.district.name = text[:50]
        world.district.save(update_fields=["name"])
        Round.objects.filter(pk=world.round.pk).update(name=f"{text[:80]}#{n}")
        html = client.get(reverse("reports:overview"), {"round": world.round.pk}).content.decode()
        assert html.count(text[:50]) == 0 or not set(text) & set("<>\"'"), text
