"""rubric_publish_problems / rubric_publish / rubric_retire."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.selectors import rubric_publish_problems, versions_for_new_round
from rubric.services import RubricPublishRefused, rubric_import, rubric_publish, rubric_retire


@pytest.fixture
def sample(small, db):
    return rubric_import(content=json.dumps(small).encode(), filename="s.json")


def _codes(problems):
    return sorted(p.code for p in problems)


def test_a_consistent_draft_has_no_problem(sample):
    assert rubric_publish_problems(version=sample) == []


def test_total_not_matching_the_declared_total(sample):
    Element.objects.filter(version=sample, code="C4").update(points=Decimal("3.5"))
    [problem] = rubric_publish_problems(version=sample)
    assert problem.code == "" and problem.message.startswith("合计 10.5 ≠ 标明总分 10")


def test_step_that_does_not_divide(sample):
    Element.objects.filter(version=sample, code="C2").update(step=Decimal("0.4"))
    [problem] = rubric_publish_problems(version=sample)
    assert problem.code == "C2" and "评分步长 0.4 不能整除标准分 1.5" in problem.message


def test_empty_texts_at_every_level(sample):
    Dimension.objects.filter(version=sample, code="A2").update(name=" ")
    Indicator.objects.filter(version=sample, code="B3").update(text="")
    Element.objects.filter(version=sample, code="C5").update(text="")
    RubricVersion.objects.filter(pk=sample.pk).update(name="")
    sample.refresh_from_db()
    assert _codes(rubric_publish_problems(version=sample)) == ["", "A2", "B3", "C5"]


def test_codes_must_be_contiguous_within_each_level(sample):
    Element.objects.filter(version=sample, code="C5").update(code="C7")
    Indicator.objects.filter(version=sample, code="B3").update(code="B4")
    problems = rubric_publish_problems(version=sample)
    assert {p.code for p in problems} == {"C5", "B3"}
    assert any("缺少 C5" in p.message for p in problems)


def test_codes_out_of_order(sample):
    Element.objects.filter(version=sample, code="C1").update(order=99)
    [problem] = rubric_publish_problems(version=sample)
    assert "评估要素编号顺序不对" in problem.message


def test_items_without_children(sample):
    Element.objects.filter(version=sample, code="C3").delete()
    problems = rubric_publish_problems(version=sample)
    assert "B2" in _codes(problems)
    assert any("二级指标 B2：没有评估要素" in p.message for p in problems)


def test_every_problem_is_returned_not_only_the_first(sample):
    Element.objects.filter(version=sample, code="C2").update(step=Decimal("0.4"))
    Element.objects.filter(version=sample, code="C4").update(points=Decimal("3.5"), text="")
    assert _codes(rubric_publish_problems(version=sample)) == ["", "C2", "C4"]


def test_publish_is_refused_with_every_problem_and_nothing_changes(sample, world):
    Element.objects.filter(version=sample, code="C2").update(step=Decimal("0.4"))
    Element.objects.filter(version=sample, code="C4").update(points=Decimal("3.5"))
    with pytest.raises(RubricPublishRefused) as info:
        rubric_publish(version=sample, by=world.admin)
    assert len(info.value.problems) == 2
    sample.refresh_from_db()
    assert sample.status == RubricVersion.Status.DRAFT and sample.published_at is None
    assert AuditEvent.objects.filter(event="rubric.publish", outcome="failure", object_id=str(sample.pk)).exists()


def test_publish_sets_status_time_audit_and_offers_it_for_new_rounds(sample, world):
    rubric_publish(version=sample, by=world.admin)
    sample.refresh_from_db()
    assert sample.status == RubricVersion.Status.PUBLISHED and sample.published_at is not None
    assert sample in versions_for_new_round()
    assert AuditEvent.objects.filter(event="rubric.publish", outcome="success", user=world.admin).exists()


def test_publishing_twice_is_refused(sample):
    rubric_publish(version=sample)
    with pytest.raises(ValidationError, match="已发布或已停用"):
        rubric_publish(version=sample)


def test_retire_hides_a_version_from_new_rounds_only(world):
    rubric_retire(version=world.version, by=world.admin)
    world.version.refresh_from_db()
    assert world.version.status == RubricVersion.Status.RETIRED and world.version.retired_at
    assert world.version not in versions_for_new_round()
    world.round.refresh_from_db()
    assert world.round.rubric_version == world.version  # the existing round still reads it
    assert AuditEvent.objects.filter(event="rubric.retire", user=world.admin).exists()


def test_a_draft_cannot_be_retired(sample):
    with pytest.raises(ValidationError, match="只有已发布的版本可以停用"):
        rubric_retire(version=sample)


def test_drafts_are_not_offered_for_new_rounds(sample):
    assert sample not in versions_for_new_round()
