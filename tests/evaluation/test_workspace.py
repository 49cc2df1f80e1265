"""The scoring workspace for a whole visit: a note before the score, clearing a score,
the submit refusal naming the unscored elements, upload results shown at their element."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation import services
from evaluation.models import Score
from tests.evaluation.conftest import elements, fill, save_json

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def c1(world):
    return elements(world.version)[0]


def test_a_note_can_be_saved_before_the_score(world, alice_card, c1):
    score = services.score_save(scorecard=alice_card, element=c1, points="", note="待查阅会议记录", version=0, by=world.alice)
    assert score.points is None and score.note == "待查阅会议记录" and score.version == 1
    # The score comes later on top of the note's version, and the note stays.
    score = services.score_save(scorecard=alice_card, element=c1, points="1", note=None, version=1, by=world.alice)
    assert str(score.points) == "1.00" and score.note == "待查阅会议记录" and score.version == 2
    # The lead's final scores still need a value.
    with pytest.raises(ValidationError, match="请填写得分"):
        services.final_score_set(evaluation=world.evaluation, element=c1, points="", note="", version=0, by=world.lead)


def test_a_score_can_be_cleared_back_to_unscored_with_history(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=0, by=world.alice)
    score = services.score_save(scorecard=alice_card, element=c1, points="  ", note="", version=1, by=world.alice)
    assert score.points is None and score.version == 2
    history = list(Score.history.filter(id=score.pk).order_by("history_date").values_list("points", flat=True))
    assert [None if p is None else str(p) for p in history] == ["1.00", None]
    # Cleared counts as unscored: the card cannot be submitted with it.
    Score.objects.filter(pk=score.pk).delete()
    fill(alice_card)
    version = Score.objects.get(scorecard=alice_card, element=c1).version
    services.score_save(scorecard=alice_card, element=c1, points="", note="", version=version, by=world.alice)
    with pytest.raises(services.ScorecardIncomplete) as refused:
        services.scorecard_submit(scorecard=alice_card, by=world.alice)
    assert refused.value.missing == ["C1"]


def test_an_empty_value_with_nothing_else_is_refused_for_a_new_element(world, alice_card, c1):
    result = services.scores_save_many(scorecard=alice_card, values={"C1": {"points": "", "note": "", "version": 0}},
                                       by=world.alice)
    assert result.errors == {"C1": "请填写得分或备注。"} and not Score.objects.exists()


def test_the_save_endpoint_clears_and_keeps_its_json_shape(world, login, alice_card):
    c = login(world.alice)
    save_json(c, alice_card, {"points_C1": "1", "note_C1": "", "version_C1": "0"})
    data = save_json(c, alice_card, {"points_C1": "", "note_C1": "", "version_C1": "1"}).json()
    assert data["saved"]["C1"] == {"points": "", "note": "", "version": 2}
    assert data["totals"]["total"] == "0.00" and data["totals"]["scored"] == 0
    data = save_json(c, alice_card, {"points_C2": "", "note_C2": "先记下：缺少计划", "version_C2": "0"}).json()
    assert data["saved"]["C2"] == {"points": "", "note": "先记下：缺少计划", "version": 1}


def test_a_conflict_on_a_cleared_score_says_it_was_cleared(world, login, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c1, points="", note="", version=1, by=world.alice)
    data = save_json(login(world.alice), alice_card, {"points_C1": "0.5", "version_C1": "1"}).json()
    assert "清空为未评分" in data["conflicts"]["C1"]["message"]


def test_the_submit_refusal_links_every_unscored_code(world, login, alice_card):
    fill(alice_card)
    Score.objects.filter(scorecard=alice_card, element__code__in=["C7", "C40"]).update(points=None)
    response = login(world.alice).post(reverse("evaluation:scorecard_submit", args=[alice_card.pk]), follow=True)
    html = response.content.decode()
    assert "还有 2 项评估要素未评分" in html
    assert '<a href="#el-C7" class="alert-link">C7</a>、<a href="#el-C40" class="alert-link">C40</a>' in html


def test_upload_results_are_shown_at_their_element_not_at_the_top(world, login, alice_card):
    c = login(world.alice)
    url = reverse("evaluation:evidence_upload", args=[alice_card.pk])
    response = c.post(url, {"element": "C40", "file_C40": SimpleUploadedFile("x.html", b"<html></html>")}, follow=True)
    html = response.content.decode()
    flash = re.search(r'<div class="alert alert-danger[^"]*" id="flash_C40" role="alert">([^<]*)</div>', html)
    assert flash and "C40：不支持的文件类型" in flash.group(1)
    main = html[html.index('<main'):html.index('id="scoreform"')]
    assert "不支持的文件类型" not in main  # not in the messages at the top
    # Shown once: the next visit has no message.
    assert 'id="flash_C40"' not in c.get(reverse("evaluation:scorecard", args=[alice_card.pk])).content.decode()
    response = c.post(url, {"element": "C41", "file_C41": SimpleUploadedFile("会议记录.pdf", PDF)}, follow=True)
    assert re.search(r'id="flash_C41" role="status">C41：已上传“会议记录.pdf”', response.content.decode())


def test_a_replay_of_an_already_saved_value_is_acknowledged_not_a_conflict(world, alice_card, c1):
    # The browser saved C1 (version 1) but lost the answer; it resends the same value on version 0.
    services.score_save(scorecard=alice_card, element=c1, points="1", note="查阅", version=0, by=world.alice)
    score = services.score_save(scorecard=alice_card, element=c1, points="1.0", note="查阅", version=0, by=world.alice)
    assert score.version == 1 and Score.history.filter(id=score.pk).count() == 1
    # A different value on a stale version is still a conflict.
    with pytest.raises(services.ScoreConflict):
        services.score_save(scorecard=alice_card, element=c1, points="0.5", note="查阅", version=0, by=world.alice)
