"""Published and retired versions never change: services, models and Django admin refuse."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from rubric.models import Element, RubricLocked, RubricVersion
from rubric.services import (
    dimension_update,
    element_update,
    indicator_update,
    rubric_delete,
    rubric_publish,
    rubric_retire,
    version_update,
)


def test_services_refuse_to_edit_a_published_version(world):
    element = world.version.elements.get(code="C1")
    for call in (
        lambda: element_update(element=element, points=Decimal("2")),
        lambda: dimension_update(dimension=world.version.dimensions.get(code="A1"), name="x"),
        lambda: indicator_update(indicator=world.version.indicators.get(code="B1"), text="x"),
        lambda: version_update(version=world.version, total=Decimal("120")),
    ):
        with pytest.raises(RubricLocked):
            call()
    assert world.version.elements.get(code="C1").points == Decimal("1")


def test_models_refuse_saves_of_items_of_a_published_version(world):
    element = Element.objects.get(version=world.version, code="C1")
    element.points = Decimal("2")
    with pytest.raises(RubricLocked):
        element.save()
    dimension = world.version.dimensions.get(code="A1")
    dimension.name = "改名"
    with pytest.raises(RubricLocked):
        dimension.save()
    assert Element.objects.get(pk=element.pk).points == Decimal("1")


def test_models_refuse_deleting_items_of_a_published_version(world):
    with pytest.raises(RubricLocked):
        world.version.indicators.get(code="B1").delete()
    assert world.version.indicators.filter(code="B1").exists()


def test_a_published_version_keeps_its_name_and_total(world):
    world.version.total = Decimal("120")
    with pytest.raises(RubricLocked):
        world.version.save()
    world.version.refresh_from_db()
    world.version.status = RubricVersion.Status.DRAFT
    with pytest.raises(RubricLocked):
        world.version.save()


def test_a_retired_version_is_locked_too(world):
    rubric_retire(version=world.version)
    element = world.version.elements.get(code="C1")
    with pytest.raises(RubricLocked):
        element_update(element=element, text="新内容")


def test_a_published_version_cannot_be_deleted(world):
    with pytest.raises(RubricLocked):
        world.version.delete()
    with pytest.raises(RubricLocked):
        rubric_delete(version=world.version)


def test_a_version_used_by_a_round_cannot_be_deleted_even_at_database_level(world):
    # Round.rubric_version is PROTECT: a bulk delete bypassing the model still fails.
    with pytest.raises(ProtectedError):
        RubricVersion.objects.filter(pk=world.version.pk).delete()


def test_a_draft_in_use_cannot_be_deleted(draft, world):
    from tests import factories as f

    f.round_(draft, name="草稿上的批次")
    with pytest.raises(ValidationError, match="已被评估批次使用"):
        rubric_delete(version=draft)


def test_an_unused_draft_can_be_deleted(draft):
    rubric_delete(version=draft)
    assert not RubricVersion.objects.filter(code="xian-2027").exists()


def test_publishing_locks_the_draft(draft):
    element = draft.elements.get(code="C19")
    element_update(element=element, points=Decimal("2"))
    element_update(element=draft.elements.get(code="C9"), points=Decimal("1"))
    rubric_publish(version=draft)
    with pytest.raises(RubricLocked):
        element_update(element=draft.elements.get(code="C19"), points=Decimal("1"))


def test_django_admin_is_read_only_for_a_published_version(login, world):
    client = login(world.admin)
    element = world.version.elements.get(code="C1")
    url = reverse("admin:rubric_element_change", args=[element.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, {"text": "改", "points": "5", "step": "0.5"})
    assert response.status_code == 403
    assert Element.objects.get(pk=element.pk).points == Decimal("1")
    version_url = reverse("admin:rubric_rubricversion_change", args=[world.version.pk])
    assert client.post(version_url, {"name": "x", "total": "1", "code": "xian-2020"}).status_code == 403
    delete_url = reverse("admin:rubric_rubricversion_delete", args=[world.version.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403


def test_django_admin_may_edit_a_draft(login, world, draft):
    client = login(world.admin)
    element = draft.elements.get(code="C1")
    url = reverse("admin:rubric_element_change", args=[element.pk])
    response = client.post(url, {"text": element.text, "points": "1.5", "step": "0.5"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Element.objects.get(pk=element.pk).points == Decimal("1.5")


def test_a_published_rubric_can_still_be_built_row_by_row(db):
    # Tests and fixtures (e.g. reports' synthetic shapes) create published versions directly.
    from rubric.models import Dimension, Indicator

    version = RubricVersion.objects.create(code="built", name="逐行建立", total=Decimal("1"), status="published")
    dim = Dimension.objects.create(version=version, code="A1", name="维度", order=1)
    ind = Indicator.objects.create(version=version, dimension=dim, code="B1", text="指标", order=1)
    element = Element.objects.create(version=version, indicator=ind, code="C1", text="要素", points=Decimal("1"))
    element.text = "改"
    with pytest.raises(RubricLocked):
        element.save()
