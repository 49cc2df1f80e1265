"""The security admin's users & roles pages (三权分立)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.middleware import password_expired
from accounts.models import User
from audit.models import AuditEvent
from tests.factories import PASSWORD



def _edit(pk):
    return reverse("accounts:user_edit", kwargs={"pk": pk})


def _reset(pk):
    return reverse("accounts:user_password_reset", kwargs={"pk": pk})


def test_the_list_requires_login(client, world):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_security_admin_sees_every_user_with_roles(login, world, django_assert_max_num_queries):
    client = login(world.security_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "alice" in body and "督导专家" in body and "用户与角色" in body


def test_the_list_filters_by_role_and_text(login, world):
    client = login(world.security_admin)
    body = client.get(reverse("accounts:user_list"), {"role": roles.OFFICIAL}).content.decode()
    assert "city_official" in body and ">alice<" not in body
    body = client.get(reverse("accounts:user_list"), {"q": "张专家"}).content.decode()
    assert ">alice<" in body and ">bob<" not in body


@pytest.mark.parametrize("params", [
    {"q": "' OR 1=1 --"}, {"role": "管理员' OR '1'='1"}, {"active": "1; DROP TABLE accounts_user"},
    {"page": "-1"}, {"page": "abc"}, {"q": "<script>alert(1)</script>"}, {"q": "a\x00b"}, {"role": "\x00"},
])
def test_the_list_survives_hostile_filters(login, world, params):
    response = login(world.security_admin).get(reverse("accounts:user_list"), params)
    # A NUL is refused at the door (config.middleware), the rest by the list's own checks.
    assert response.status_code == (400 if any("\x00" in v for v in params.values()) else 200)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert User.objects.filter(username="alice").exists()


@pytest.mark.parametrize("who", ["admin", "alice", "official", "city_official", "auditor", "nobody"])
def test_other_roles_get_403(login, world, who):
    client = login(getattr(world, who))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(_edit(world.bob.pk)).status_code == 403
    response = client.post(_edit(world.bob.pk), {"roles": [roles.ADMIN], "is_active": "on"})
    assert response.status_code == 403
    assert not world.bob.groups.filter(name=roles.ADMIN).exists()


def test_an_unknown_user_is_404(login, world):
    assert login(world.security_admin).get(_edit(999999)).status_code == 404


def test_wrong_methods_get_405(login, world):
    client = login(world.security_admin)
    assert client.post(reverse("accounts:user_list")).status_code == 405
    assert client.get(_reset(world.bob.pk)).status_code == 405
    assert client.put(_edit(world.bob.pk)).status_code == 405


def _form(user, **changes):
    """The edit form as the page would post it for `user`, with some fields changed."""
    data = {"username": user.username, "name": user.name, "phone": user.phone,
            "organization": user.organization, "expertise": user.expertise,
            "roles": list(user.groups.values_list("name", flat=True)), "is_active": "on" if user.is_active else ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", None)}


def _one_time_password(response) -> str:
    import re

    return re.search(r'<code class="fs-6">([^<]+)</code>', response.content.decode()).group(1)


def test_it_assigns_roles_and_records_before_and_after(login, world):
    client = login(world.security_admin)
    response = client.post(_edit(world.bob.pk), _form(world.bob, roles=[roles.INSPECTOR, roles.OFFICIAL]))
    assert response.status_code == 302
    assert set(world.bob.groups.values_list("name", flat=True)) == {roles.INSPECTOR, roles.OFFICIAL}
    event = AuditEvent.objects.get(event="user.update")
    assert event.username == "secadmin" and event.object_id == str(world.bob.pk)
    assert event.detail["roles_before"] == [roles.INSPECTOR]
    assert event.detail["roles_after"] == [roles.INSPECTOR, roles.OFFICIAL]


def test_an_unknown_role_is_rejected_and_nothing_changes(login, world):
    client = login(world.security_admin)
    response = client.post(_edit(world.bob.pk), _form(world.bob, roles=["超级用户"]))
    assert response.status_code == 400
    assert "不是可用的选项" in response.content.decode() or "有效" in response.content.decode()
    assert list(world.bob.groups.values_list("name", flat=True)) == [roles.INSPECTOR]


def test_deactivation_ends_the_users_access_at_once(login, world):
    from django.test import Client

    bob_client = Client()
    bob_client.force_login(world.bob)
    assert bob_client.get(reverse("accounts:password_change")).status_code == 200
    login(world.security_admin).post(_edit(world.bob.pk), _form(world.bob, is_active=""))
    world.bob.refresh_from_db()
    assert not world.bob.is_active
    response = bob_client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_security_admin_cannot_change_their_own_roles(login, world):
    client = login(world.security_admin)
    response = client.post(_edit(world.security_admin.pk), _form(world.security_admin, roles=[roles.OFFICIAL]))
    assert response.status_code == 400
    assert "不能修改自己" in response.content.decode()
    assert not world.security_admin.groups.filter(name=roles.OFFICIAL).exists()


def test_a_reset_gives_a_one_time_password_that_meets_the_policy(login, world):
    from django.contrib.auth.password_validation import validate_password

    response = login(world.security_admin).post(_reset(world.bob.pk))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = _one_time_password(response)
    validate_password(password, world.bob)
    world.bob.refresh_from_db()
    assert world.bob.check_password(password) and not world.bob.check_password(PASSWORD)


def test_a_reset_password_must_be_changed_at_next_login(login, world, client):
    admin_client = login(world.security_admin)
    password = _one_time_password(admin_client.post(_reset(world.bob.pk)))
    world.bob.refresh_from_db()
    assert password_expired(world.bob)
    assert AuditEvent.objects.filter(event="user.password_reset", object_id=str(world.bob.pk)).exists()
    admin_client.logout()
    client.post(reverse("accounts:login"), {"username": "bob", "password": password})
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:password_change")
    # The holder is told who reset the password, and when.
    notice = client.get(reverse("accounts:password_change")).content.decode()
    assert "由 secadmin 重置" in notice


def test_the_system_admin_cannot_grant_roles_in_django_admin(login, world):
    client = login(world.admin)
    response = client.get(f"/django-admin/accounts/user/{world.bob.pk}/change/")
    assert response.status_code == 200
    assert 'name="groups"' not in response.content.decode()
    client.post(f"/django-admin/accounts/user/{world.bob.pk}/change/", {
        "username": "bob", "name": "赵专家", "groups": [Group.objects.get(name=roles.ADMIN).pk],
        "is_superuser": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    })
    world.bob.refresh_from_db()
    assert not world.bob.is_superuser
    assert not world.bob.groups.filter(name=roles.ADMIN).exists()


def test_the_new_role_groups_exist_with_only_their_permissions(db):
    sec = Group.objects.get(name=roles.SECURITY_ADMIN)
    aud = Group.objects.get(name=roles.AUDITOR)
    assert set(sec.permissions.values_list("codename", flat=True)) == {"view_user", "change_user"}
    assert set(aud.permissions.values_list("codename", flat=True)) == {"view_auditevent"}
    admin_perms = set(Group.objects.get(name=roles.ADMIN).permissions.values_list("codename", flat=True))
    assert "view_auditevent" not in admin_perms and "change_group" not in admin_perms
