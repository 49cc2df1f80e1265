"""round_analytics over the database: which scores count, the one total rule, query counts,
and the two commands (analytics JSON, export_scores CSV)."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import roles
from analytics.selectors import Rate, round_analytics, round_submitted_scores
from config.spreadsheet import cell_text_read
from evaluation.models import Scorecard
from reports.selectors import round_totals
from schools.models import District
from tests import factories as f
from tests.reports.conftest import give_scores

HOSTILE = Path("/work/shared/testdata/hostile-inputs.json")


def submit(evaluation, *, at=None):
    Scorecard.objects.filter(evaluation=evaluation).update(
        status=Scorecard.Status.SUBMITTED, submitted_at=at or timezone.now())


def lenient(el, k):
    """The lead gives full points; the second inspector half a step less on every element."""
    return el.points if k == 0 else el.points - D("0.5")


@pytest.fixture
def scored_round(world):
    give_scores(world.evaluation, lenient, by=world.lead)
    submit(world.evaluation)
    give_scores(world.other_evaluation, lambda el, k: el.points / 2, by=world.bob)
    submit(world.other_evaluation)
    return world


def test_only_submitted_scores_count(scored_round):
    w = scored_round
    Scorecard.objects.filter(evaluation=w.evaluation, inspector=w.alice).update(status=Scorecard.Status.DRAFT)
    rows = round_submitted_scores(round=w.round)
    assert {r.username for r in rows} == {"lead", "bob"}
    assert len(rows) == 2 * 84


def test_the_document_of_a_round(scored_round):
    w = scored_round
    a = round_analytics(round=w.round, leniency_share=D("0.1"))
    c1 = a.agreement[0]
    # One pairable evaluation (lead vs alice, 0.5 apart, one step): not exact, within one step.
    assert (c1.code, c1.units, c1.exact_share, c1.within_step_share) == ("C1", 1, D("0.0000"), D("1.0000"))
    assert a.agreement_total.units == 1
    by_user = {x.username: x for x in a.leniency}
    assert by_user["lead"].overall.mean_deviation == D("0.5000") and by_user["lead"].overall.n == 84
    assert by_user["alice"].overall.mean_deviation == D("-0.5000")
    # bob scored alone: no one to compare with.
    assert by_user["bob"].overall.n == 0 and not by_user["bob"].overall.flagged
    totals = round_totals(round=w.round)
    city = a.cv[-1]
    assert city.n == len(totals) == 2
    assert city.mean == (sum(r.total for r in totals) / 2).quantize(D("0.0001"))
    # Final points: full in 雁塔, half in 碑林 → every element at 0.75 city-wide.
    assert {e.rate for e in a.elements} == {D("0.7500")}
    assert a.elements[0].by_district == {"雁塔区": Rate(D("1.0000"), 1), "碑林区": Rate(D("0.5000"), 1)}


def test_totals_come_from_the_one_total_rule(scored_round, monkeypatch):
    import analytics.selectors as sel

    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        return round_totals(**kwargs)

    monkeypatch.setattr(sel, "round_totals", spy)
    round_analytics(round=scored_round.round)
    assert len(calls) == 1 and calls[0]["with_elements"] is True


def _panel_round(n, name):
    version = f.xian_rubric()
    r = f.round_(version, name=name)
    inspectors = [f.user(f"{name}-i{k}", roles.INSPECTOR) for k in range(3)]
    for i in range(n):
        ev = f.evaluation(r, f.school(f.district()), lead=inspectors[i % 3], inspectors=[inspectors[(i + 1) % 3]])
        give_scores(ev, lenient, by=inspectors[i % 3])
        submit(ev)
    return r


@pytest.mark.parametrize("n", [2, 6])
def test_constant_number_of_queries(db, n, django_assert_max_num_queries):
    r = _panel_round(n, f"批次{n}")
    with django_assert_max_num_queries(7):
        a = round_analytics(round=r)
    assert a.cv[-1].n == n and a.agreement[0].units == n


def test_analytics_command_prints_the_document(scored_round):
    out = io.StringIO()
    call_command("analytics", "--round", scored_round.round.name, "--format", "json", stdout=out)
    doc = json.loads(out.getvalue())
    assert list(doc)[1:] == ["agreement", "agreement_by_dimension", "agreement_total", "leniency", "cv", "elements"]
    assert set(doc["agreement"][0]) >= {"element", "alpha", "units", "exact_share", "within_step_share"}
    assert doc["agreement"][0]["within_step_share"] == "1.0000"
    lead = next(x for x in doc["leniency"] if x["username"] == "lead")
    assert lead["mean_deviation"] == "0.5000" and lead["n"] == 84 and set(lead["by_dimension"]) == {
        f"A{i}" for i in range(1, 8)}
    assert set(doc["cv"][-1]) >= {"district", "stage", "n", "mean", "sd", "cv", "by_dimension"}
    assert doc["elements"][0]["rate"] == "0.7500" and "by_location" in doc["elements"][0]


def test_analytics_command_refuses_an_unknown_round(world):
    with pytest.raises(CommandError, match="找不到评估批次"):
        call_command("analytics", "--round", "没有这个批次", stdout=io.StringIO())


def test_export_scores_writes_every_submitted_score(scored_round):
    w = scored_round
    at = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    submit(w.evaluation, at=at)
    out = io.StringIO()
    call_command("export_scores", "--round", str(w.round.pk), "--format", "csv", stdout=out)
    records = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(records) == 3 * 84
    first = records[0]
    assert list(first) == ["school_code", "district", "stage", "location", "inspector_username", "element_code",
                           "points", "submitted_at"]
    assert (first["school_code"], first["district"], first["inspector_username"], first["element_code"]) == (
        w.school.code, "雁塔区", "alice", "C1")
    assert first["points"] == "0.50" and first["submitted_at"] == at.isoformat()


def test_export_scores_neutralizes_hostile_names(scored_round):
    w = scored_round
    data = json.loads(HOSTILE.read_text(encoding="utf-8")) if HOSTILE.exists() else {
        "spreadsheet_formulas": ["=cmd|' /C calc'!A0", "+SUM(1,2)"]}
    for n, text in enumerate(data["spreadsheet_formulas"]):
        District.objects.filter(pk=w.district.pk).update(name=text[:45] + f"#{n}")
        type(w.alice).objects.filter(pk=w.alice.pk).update(username=f"{text[:100]}{n}")
        out = io.StringIO()
        call_command("export_scores", "--round", str(w.round.pk), stdout=out)
        records = list(csv.reader(io.StringIO(out.getvalue())))[1:]
        districts = {r[1] for r in records if r[0] == w.school.code}
        users = {r[4] for r in records}
        assert districts == {"'" + text[:45] + f"#{n}"}, text
        assert "'" + f"{text[:100]}{n}" in users
        assert cell_text_read(next(iter(districts))) == text[:45] + f"#{n}"
