"""Django admin screens for districts, schools and users: Chinese, searchable, filterable."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model,params",
    [
        ("schools_school", {"q": "雁塔"}),
        ("schools_school", {"stage__exact": "primary", "location__exact": "urban"}),
        ("schools_district", {"q": "区", "kind__exact": "county"}),
        ("accounts_user", {"q": "专家"}),
    ],
)
def test_admin_changelists_search_and_filter(login, world, model, params):
    response = login(world.admin).get(reverse(f"admin:{model}_changelist"), params)
    assert response.status_code == 200


def test_school_changelist_filters_by_district(login, world):
    response = login(world.admin).get(reverse("admin:schools_school_changelist"), {"district__id__exact": world.district.pk})
    body = response.content.decode()
    assert "雁塔区第一小学" in body and "碑林区第一小学" not in body


def test_user_admin_shows_name_roles_and_district(login, world):
    response = login(world.admin).get(reverse("admin:accounts_user_changelist"), {"q": "official"})
    body = response.content.decode()
    assert "雁塔教育局" in body and "教育局" in body and "雁塔区" in body
    change = login(world.admin).get(reverse("admin:accounts_user_change", args=[world.official.pk]))
    assert change.status_code == 200
    assert "角色与范围" in change.content.decode()


def test_admin_cannot_add_a_user_in_django_admin(login, world):
    from accounts.models import User

    response = login(world.admin).post(
        reverse("admin:accounts_user_add"),
        {"username": "newofficial", "name": "新官员", "district": world.district.pk, "usable_password": "true",
         "password1": "Strong#Pass2026", "password2": "Strong#Pass2026"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newofficial").exists()


def test_inspectors_and_officials_cannot_enter_the_admin(login, world):
    for person in (world.alice, world.official):
        response = login(person).get(reverse("admin:schools_school_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
