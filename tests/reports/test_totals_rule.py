"""One rule for every total (evaluation/totals.py): the lead's consolidation page, the school
page, `ranking --include-in-progress`, the PDF score sheet and the xlsx score sheet all show
the same A1…, total and 暂定 label, whatever state the panel is in."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from evaluation import services
from evaluation.models import FinalScore, Score, Scorecard
from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals, round_totals
from reports.xlsx import scoresheet_xlsx
from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.selectors import rubric_tree
from tests import factories as f

D = Decimal


# --------------------------------------------------------------------------- reading each output


def _consolidation_page(client, ev) -> tuple[dict[str, Decimal], Decimal, bool]:
    html = client.get(reverse("evaluation:evaluation_detail", args=[ev.pk])).content.decode()
    dims = {code: D(v or "0") for code, v in re.findall(r'data-dim="(A\d+)">([0-9.]*)<', html)}
    total = D(re.search(r'id="final-total">([0-9.]*)<', html).group(1) or "0")
    return dims, total, 'id="total-provisional"' in html


def _school_page(client, ev) -> tuple[dict[str, Decimal], Decimal, bool] | None:
    """(A1…, total, labelled 暂定), or None for the empty state of a school with nothing scored."""
    html = client.get(reverse("reports:school_report", args=[ev.pk])).content.decode()
    if "暂无评分数据" in html:
        return None
    dims = {code: D(v) for code, v in re.findall(r'data-dim="(A\d+)">([0-9.]+)<', html)}
    total = D(re.search(r'id="school-total">([0-9.]+)<', html).group(1))
    return dims, total, "暂定" in html


def _ranking_row(round_obj, code: str) -> dict | None:
    out = io.StringIO()
    call_command("ranking", "--round", str(round_obj.pk), "--include-in-progress", "--format", "json", stdout=out)
    return next((r for r in json.loads(out.getvalue()) if r["school_code"] == code), None)


def _pdf_sheet(totals) -> tuple[dict[str, Decimal], Decimal, list[str]]:
    with pdfplumber.open(io.BytesIO(scoresheet_pdf(totals))) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
    text = "\n".join(pages)
    dims = {code: D(score) for code, score in re.findall(r"(A\d+) 小计 [0-9.]+ ([0-9.]+)", text)}
    total = D(re.search(r"总分 [0-9.]+ ([0-9.]+)", text).group(1))
    return dims, total, pages


def _xlsx_sheet(totals) -> tuple[dict[str, Decimal], Decimal, str]:
    ws = openpyxl.load_workbook(io.BytesIO(scoresheet_xlsx(totals)), data_only=True).active
    dims, total = {}, None
    for row in ws.iter_rows(values_only=True):
        label = row[0] or ""
        if isinstance(label, str) and label.endswith("小计"):
            dims[label.split()[0]] = D(str(row[5]))
        elif label == "总分":
            total = D(str(row[5]))
    return dims, total, f"{ws['A2'].value} {ws.oddHeader.center.text or ''}"


# --------------------------------------------------------------------------- the seen defect


def test_consolidation_page_and_reports_agree_on_the_seen_panel(world, client):
    """Alice submitted full marks; the lead scored 0 everywhere without submitting and set C1's
    final score to 0. Today the lead's page shows 99.00 and everything else 50.00."""
    tree = rubric_tree(version=world.version)
    lead_card = Scorecard.objects.get(evaluation=world.evaluation, is_lead=True)
    alice_card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    Score.objects.bulk_create([Score(scorecard=alice_card, element=e, points=e.points) for e in tree.elements])
    Score.objects.bulk_create([Score(scorecard=lead_card, element=e, points=D("0")) for e in tree.elements])
    Scorecard.objects.filter(pk=alice_card.pk).update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    c1 = next(e for e in tree.elements if e.code == "C1")
    FinalScore.objects.create(evaluation=world.evaluation, element=c1, points=D("0"))
    expected = tree.points - c1.points
    assert expected == D("99")

    client.force_login(world.lead)
    _dims, lead_total, lead_provisional = _consolidation_page(client, world.evaluation)
    client.force_login(world.city_official)
    _dims, school_total, school_provisional = _school_page(client, world.evaluation)
    totals = evaluation_totals(evaluation=world.evaluation)
    assert lead_total == school_total == totals.total == expected
    assert lead_provisional and school_provisional and totals.provisional
    row = _ranking_row(world.round, world.school.code)
    assert D(row["total"]) == expected and row["provisional"] == "暂定"
    assert _pdf_sheet(totals)[1] == _xlsx_sheet(totals)[1] == expected


def test_drafts_count_while_no_scorecard_is_submitted(world):
    tree = rubric_tree(version=world.version)
    lead_card = Scorecard.objects.get(evaluation=world.evaluation, is_lead=True)
    alice_card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    Score.objects.bulk_create([Score(scorecard=alice_card, element=e, points=e.points) for e in tree.elements])
    Score.objects.bulk_create([Score(scorecard=lead_card, element=e, points=D("0")) for e in tree.elements])
    assert evaluation_totals(evaluation=world.evaluation).total == D("50.00")
    [row] = round_totals(round=world.round, include_in_progress=True)
    assert row.total == D("50.00") and row.provisional


def test_a_school_with_nothing_scored_is_not_ranked(world):
    lead_card = Scorecard.objects.get(evaluation=world.evaluation, is_lead=True)
    element = rubric_tree(version=world.version).elements[0]
    Score.objects.create(scorecard=lead_card, element=element, points=None, note="先记一条备注")
    assert round_totals(round=world.round, include_in_progress=True) == []
    totals = evaluation_totals(evaluation=world.evaluation)
    assert totals.scored == 0 and totals.passed is None


# --------------------------------------------------------------------------- the property


SMALL = Path(django_settings.BASE_DIR) / "fixtures" / "rubric" / "sample-small.json"


@pytest.fixture
def small(db):
    """A round on the five-element sample rubric, five inspectors and a city official."""
    from rubric.loading import create_version_rows
    from rubric.schema import parse_rubric

    spec = parse_rubric(json.loads(SMALL.read_text(encoding="utf-8")))
    version = create_version_rows(
        spec, RubricVersion=RubricVersion, Dimension=Dimension, Indicator=Indicator, Element=Element,
        status=RubricVersion.Status.PUBLISHED,
    )
    district = f.district()
    people = [f.user(f"insp{i}", roles.INSPECTOR, name=f"专家{i}") for i in range(5)]
    return {
        # Finals are drawn freely; the 合议说明 rule at finalize is tested in test_consolidation.py.
        "round": f.round_(version, name="小细则批次", require_consolidation_notes=False),
        "tree": rubric_tree(version=version),
        "district": district,
        "people": people,
        "official": f.user("city", roles.OFFICIAL, name="市教育局"),
    }


def _step_values(element) -> st.SearchStrategy:
    steps = int(element.points / element.step)
    return st.integers(min_value=0, max_value=steps).map(lambda k: element.step * k)


@st.composite
def panels(draw, tree):
    """A panel of 1–5 inspectors, each draft (partly scored) or submitted (fully scored),
    final scores partly set, and sometimes finalized."""
    elements = tree.elements
    size = draw(st.integers(min_value=1, max_value=5))
    finalized = draw(st.booleans())
    cards = []
    for _ in range(size):
        submitted = finalized or draw(st.booleans())
        scored = elements if submitted else draw(st.lists(st.sampled_from(elements), unique_by=lambda e: e.pk))
        cards.append((submitted, {e.pk: draw(_step_values(e)) for e in scored}))
    final_elements = draw(st.lists(st.sampled_from(elements), unique_by=lambda e: e.pk))
    finals = {e.pk: draw(_step_values(e)) for e in final_elements}
    return {"finalized": finalized, "cards": cards, "finals": finals}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_output_shows_the_same_totals(small, client, data):
    panel = data.draw(panels(small["tree"]))
    tree, people = small["tree"], small["people"]
    lead = people[0]
    school = f.school(small["district"])
    ev = f.evaluation(small["round"], school, lead=lead, inspectors=people[1:len(panel["cards"])])
    cards = list(Scorecard.objects.filter(evaluation=ev).order_by("-is_lead", "inspector__username"))
    elements = {e.pk: e for e in tree.elements}
    for card, (submitted, points) in zip(cards, panel["cards"]):
        Score.objects.bulk_create(
            [Score(scorecard=card, element=elements[pk], points=value) for pk, value in points.items()])
        if submitted:
            Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    FinalScore.objects.bulk_create(
        [FinalScore(evaluation=ev, element=elements[pk], points=value) for pk, value in panel["finals"].items()])
    if panel["finalized"]:
        services.evaluation_finalize(evaluation=ev, by=lead)
    ev.refresh_from_db()

    totals = evaluation_totals(evaluation=ev, tree=tree)
    codes = [d.code for d in tree.dimensions]
    expected_dims = {c: totals.dimensions[c] for c in codes}
    provisional = not ev.is_finalized
    assert totals.provisional is provisional

    client.force_login(lead)
    dims, total, label = _consolidation_page(client, ev)
    assert (dims, total, label) == (expected_dims, totals.total, provisional)

    client.force_login(small["official"])
    shown = _school_page(client, ev)
    if totals.scored == 0:
        assert shown is None  # nothing scored: 暂无评分数据, not "0.00 暂定"
    else:
        assert shown == (expected_dims, totals.total, provisional)

    row = _ranking_row(small["round"], school.code)
    if totals.scored == 0:
        assert row is None  # nothing scored: not ranked
    else:
        assert {c: D(row[c]) for c in codes} == expected_dims and D(row["total"]) == totals.total
        assert row["provisional"] == ("暂定" if provisional else "")
    # round_totals is the fast path of evaluation_totals: the same figures.
    fast = {r.evaluation_id: r for r in round_totals(round=small["round"], include_in_progress=True, tree=tree)}
    if totals.scored:
        assert fast[ev.pk].dimensions == expected_dims and fast[ev.pk].total == totals.total
    else:
        assert ev.pk not in fast

    dims, total, pages = _pdf_sheet(totals)
    assert (dims, total) == (expected_dims, totals.total)
    assert all(("暂定" in page) is provisional for page in pages)

    dims, total, label = _xlsx_sheet(totals)
    assert (dims, total) == (expected_dims, totals.total)
    assert ("暂定" in label) is provisional
