"""整改事项 in a school's story and in its next round's scoring pages (issue 14 parts 6–7 together):
the story shows each round's items with status, deadline, overdue flag and latest 复核; the next
round's scorecard and consolidation show the items raised on each element beside its previous score."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from rectification import services as rs
from tests.hostile import strings
from tests.reports import story_world

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def story_today(monkeypatch):
    monkeypatch.setattr("reports.views._today", lambda: TODAY)


def _item(evaluation, by, *, codes="C1", problem="课程评价机制有待完善。", deadline=date(2025, 6, 30)):
    return rs.rectification_item_create(
        evaluation=evaluation, element_codes=codes, problem=problem, requirement="完善校本评价制度。",
        deadline=deadline, responsible="张校长", source="low_score", by=by, today=date(2024, 11, 20))


@pytest.fixture
def story(world):
    w = story_world.build(world)
    w.old_item = _item(w.old_evaluation, w.lead)  # 2024, on C1, deadline passed by TODAY and never reported
    return w


def _story_url(school):
    return reverse("reports:school_story", args=[school.pk])


def test_the_story_lists_each_rounds_items_with_status_and_overdue(story, login):
    html = login(story.admin).get(_story_url(story.school)).content.decode()
    assert "课程评价机制有待完善。" in html and reverse("rectification:item_detail", args=[story.old_item.pk]) in html
    assert 'data-overdue="1"' in html and "待整改" in html and "2025-06-30" in html
    # The current round (2026) has no items: said so.
    assert "本轮没有整改事项。" in html


def test_the_story_shows_the_latest_review(story, login):
    rs.rectification_report(item=story.old_item, text="已修订。", by=story.school_user)
    story.old_item.refresh_from_db()
    rs.rectification_review(item=story.old_item, outcome="passed", note="", by=story.admin)
    html = login(story.admin).get(_story_url(story.school)).content.decode()
    assert "复核通过" in html and 'data-overdue="1"' not in html  # passed: no longer overdue


def test_the_school_sees_the_items_of_its_published_rounds_only(story, login):
    hidden = _item(story.evaluation, story.lead, problem="二〇二六年的事项。", deadline=date(2027, 6, 30))
    for url in (_story_url(story.school), reverse("reports:my_results")):
        html = login(story.school_user).get(url).content.decode()
        assert "课程评价机制有待完善。" in html  # 2024: published
        assert "二〇二六年的事项。" not in html  # 2026: not published to schools
    assert "二〇二六年的事项。" in login(story.admin).get(_story_url(story.school)).content.decode()
    assert hidden.pk


def test_the_next_rounds_scorecard_and_consolidation_show_the_items_on_each_element(story, login):
    card = story.evaluation.scorecards.get(inspector=story.alice)
    for user, url in ((story.alice, reverse("evaluation:scorecard", args=[card.pk])),
                      (story.lead, reverse("evaluation:evaluation_detail", args=[story.evaluation.pk]))):
        html = login(user).get(url).content.decode()
        start = html.index('id="prevnotes_C1"')
        assert "上轮整改：课程评价机制有待完善。（待整改，期限 2025-06-30）" in html[start:start + 400]
        assert 'id="prevnotes_C2"' not in html
    # The first round has no previous round, so nothing of the kind.
    first = story.old_evaluation.scorecards.get(inspector=story.alice)
    assert "prevnotes_" not in login(story.alice).get(reverse("evaluation:scorecard", args=[first.pk])).content.decode()


@pytest.mark.parametrize("text", [t for t in strings("markup", "names") if t.strip()])
def test_hostile_problems_are_escaped_in_the_story_and_the_scorecard(world, login, text):
    w = story_world.build(world)
    _item(w.old_evaluation, w.lead, problem=text)
    card = w.evaluation.scorecards.get(inspector=w.alice)
    for user, url in ((w.admin, _story_url(w.school)), (w.alice, reverse("evaluation:scorecard", args=[card.pk]))):
        html = login(user).get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert escape(text[:100]) in html or escape(text[:119]) in html
