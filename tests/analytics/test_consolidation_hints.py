"""The lead's consolidation page: each element's agreement in the round so far beside the flag, and the
panel's leniency, for admins and the lead only, through evaluation.hooks (evaluation/ never imports analytics)."""

import ast
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.selectors import consolidation_hints, round_analytics
from evaluation import hooks
from rubric.selectors import rubric_tree
from tests import factories as f
from tests.reports.conftest import give_scores

from .test_round_analytics import lenient, submit


@pytest.fixture
def scored(world):
    give_scores(world.evaluation, lenient, finalize=False)
    submit(world.evaluation)
    return world


def _page(client, ev):
    return client.get(reverse("evaluation:evaluation_detail", args=[ev.pk]))


def test_the_lead_sees_agreement_beside_each_element_and_the_panel_leniency(scored, login):
    w = scored
    html = _page(login(w.lead), w.evaluation).content.decode()
    a = round_analytics(round=w.round)
    c1 = a.agreement[0]
    assert 'id="agr_C1"' in html and f"完全一致 {c1.exact_share}" in html and "1 校" in html
    assert 'id="panel-leniency"' in html
    by_name = {x.username: x.overall for x in a.leniency}
    assert by_name["lead"].mean_deviation == D("0.5000") and by_name["alice"].mean_deviation == D("-0.5000")
    assert "0.5000" in html and "-0.5000" in html


def test_the_admin_sees_them_and_an_official_does_not(scored, login, client):
    w = scored
    assert 'id="panel-leniency"' in _page(login(w.admin), w.evaluation).content.decode()
    client.logout()
    response = _page(login(w.city_official), w.evaluation)
    html = response.content.decode()
    assert response.status_code == 200 and "C1" in html
    assert 'id="panel-leniency"' not in html and 'agreement-hint' not in html


def test_hints_use_submitted_scores_of_the_whole_round_in_one_query(scored, django_assert_num_queries):
    w = scored
    tree = rubric_tree(version=w.round.rubric_version)
    with django_assert_num_queries(1):
        hints = consolidation_hints(w.evaluation, tree)
    a = round_analytics(round=w.round)
    assert {code: (x.alpha, x.units, x.exact_share) for code, x in hints["elements"].items()} == {
        x.code: (x.alpha, x.units, x.exact_share) for x in a.agreement}
    assert hints["inspectors"][w.lead.pk].mean_deviation == D("0.5000")
    # the other evaluation's draft scorecard adds nothing
    give_scores(w.other_evaluation, lambda el, k: el.points, finalize=False)
    assert consolidation_hints(w.evaluation, tree)["elements"]["C1"].units == 1


def test_the_page_query_count_does_not_grow_with_the_round(scored, login):
    w = scored
    client = login(w.lead)
    _page(client, w.evaluation)  # warm caches
    with CaptureQueriesContext(connection) as small:
        _page(client, w.evaluation)
    for n in range(4):
        school = f.school(w.district, name=f"雁塔区第{n + 2}小学")
        ev = f.evaluation(w.round, school, lead=w.alice, inspectors=[w.bob])
        give_scores(ev, lenient, finalize=False)
        submit(ev)
    with CaptureQueriesContext(connection) as large:
        html = _page(client, w.evaluation).content.decode()
    assert len(large.captured_queries) <= len(small.captured_queries)
    assert "5 校" in html


def test_evaluation_asks_through_the_hook_and_never_imports_analytics():
    assert consolidation_hints in hooks._ROUND_QUALITY
    root = Path(__file__).resolve().parents[2] / "evaluation"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "analytics" or n.startswith("analytics.") for n in names), path
