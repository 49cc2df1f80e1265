"""A clone is never called the same as its source (two identical names in every round form)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rubric.models import RubricVersion
from rubric.services import rubric_clone


def test_a_clone_without_a_name_gets_the_source_name_with_its_code(world):
    new = rubric_clone(version=world.version, code="xian-2027", by=world.admin)
    assert new.name != world.version.name
    assert new.name == f"{world.version.name}（xian-2027）"


def test_a_clone_named_like_its_source_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        rubric_clone(version=world.version, code="xian-2027", name=world.version.name, by=world.admin)
    assert "name" in exc.value.message_dict
    assert not RubricVersion.objects.filter(code="xian-2027").exists()


def test_the_clone_page_refuses_the_same_name_at_the_field(login, world):
    client = login(world.admin)
    response = client.post(reverse("rubric:version_clone", args=[world.version.pk]),
                           {"code": "xian-2027", "name": world.version.name})
    assert response.status_code == 400
    assert "新版本名称不能与来源版本相同" in response.content.decode()


def test_the_clone_page_with_an_empty_name_names_the_copy_by_its_code(login, world):
    client = login(world.admin)
    client.post(reverse("rubric:version_clone", args=[world.version.pk]), {"code": "xian-2028", "name": ""})
    assert RubricVersion.objects.get(code="xian-2028").name.endswith("（xian-2028）")
