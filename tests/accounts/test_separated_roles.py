"""三权分立: the security admin never obtains a working administrator login alone.

Granting or removing 管理员, 安全管理员 or 审计管理员 is refused on the pages, in the import and
in the services they call; only `manage.py user_roles … --by X --confirmed-by Y` (two people)
does it. A password or second-factor reset of an account that holds such a role, or held one in
the last 90 days, is refused on the pages and needs --by and --confirmed-by on the server.
"""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles, services
from accounts.middleware import password_expired
from accounts.models import User
from audit.models import AuditEvent
from tests import factories as f

SEPARATED = list(roles.SEPARATED_ROLES)


def _snapshot():
    """Everything a refused change must leave as it was (accounts, roles, passwords, devices)."""
    return sorted(
        (u.username, u.name, u.is_active, u.password, u.password_changed_at, u.separated_role_removed_at,
         tuple(sorted(u.groups.values_list("name", flat=True))),
         tuple(TOTPDevice.objects.filter(user=u).values_list("key", flat=True)))
        for u in User.objects.all()
    )


def _edit(user, **changes):
    data = {"username": user.username, "name": user.name, "is_active": "on",
            "roles": list(user.groups.values_list("name", flat=True))}
    data.update(changes)
    return data


# --- the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", SEPARATED)
def test_the_create_page_refuses_an_administrator_role(login, world, role):
    client = login(world.security_admin)
    before = _snapshot()
    response = client.post(reverse("accounts:user_create"), {
        "username": "takeover", "name": "接管", "roles": [role], "is_active": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "不能在系统页面或导入中授予或取消" in body and "--confirmed-by" in body
    assert 'class="fs-6"' not in body  # no one-time password shown
    assert _snapshot() == before


@pytest.mark.parametrize("role", SEPARATED)
def test_the_edit_page_refuses_to_grant_an_administrator_role(login, world, role):
    client = login(world.security_admin)
    before = _snapshot()
    response = client.post(reverse("accounts:user_edit", args=[world.nobody.pk]),
                                                 _edit(world.nobody, roles=[role]))
    assert response.status_code == 400
    assert "不能在系统页面或导入中授予或取消" in response.content.decode()
    assert _snapshot() == before


def test_the_edit_page_cannot_take_an_administrator_role_away(login, world):
    client = login(world.security_admin)
    before = _snapshot()
    # The boxes are disabled, so a browser sends no administrator role: the account keeps its own.
    response = client.post(reverse("accounts:user_edit", args=[world.auditor.pk]), _edit(world.auditor, roles=[]))
    assert response.status_code == 302
    assert roles.held_roles(User.objects.get(pk=world.auditor.pk)) == {roles.AUDITOR}
    # A hand-made post swapping it for another role is refused, and nothing changes.
    response = client.post(reverse("accounts:user_edit", args=[world.auditor.pk]),
                           _edit(world.auditor, name="改名", roles=[roles.INSPECTOR]))
    assert response.status_code == 400
    assert _snapshot() == before


def test_the_page_shows_the_administrator_roles_disabled_with_the_reason(login, world):
    body = login(world.security_admin).get(reverse("accounts:user_create")).content.decode()
    import re

    boxes = dict(re.findall(r'<input type="checkbox"[^>]*value="([^"]+)"([^>]*)>', body))
    for role in SEPARATED:
        assert "disabled" in boxes[role], role
    for role in roles.BUSINESS_ROLES:
        assert "disabled" not in boxes[role], role
    assert "须由运维人员在服务器上执行 manage.py user_roles" in body
    assert "仅限服务器上两人办理" in body


def test_the_page_still_edits_an_administrators_profile(login, world):
    response = login(world.security_admin).post(reverse("accounts:user_edit", args=[world.auditor.pk]),
                                                _edit(world.auditor, name="审计管理员丙", phone="029-1234567"))
    assert response.status_code == 302
    fresh = User.objects.get(pk=world.auditor.pk)
    assert fresh.name == "审计管理员丙" and roles.held_roles(fresh) == {roles.AUDITOR}


# --- the services --------------------------------------------------------------------------


@pytest.mark.parametrize("role", SEPARATED)
def test_the_services_refuse_to_grant_or_remove_an_administrator_role(world, role):
    holder = {roles.ADMIN: world.admin, roles.SECURITY_ADMIN: world.security_admin, roles.AUDITOR: world.auditor}[role]
    by = world.security_admin if holder != world.security_admin else world.auditor
    before = _snapshot()
    with pytest.raises(PermissionDenied, match="三权分立"):
        services.user_create(data=services.AccountData(username="x9", name="某", roles=(role,)), by=by)
    with pytest.raises(PermissionDenied, match="三权分立"):
        services.user_assign_roles(user=world.nobody, role_names=[role], is_active=True, by=by)
    with pytest.raises(PermissionDenied, match="三权分立"):
        services.user_update(user=world.nobody, data=services.AccountData(username="nobody", name="无角色", roles=(role,)),
                             by=by)
    with pytest.raises(PermissionDenied, match="三权分立"):  # strip: the first step of strip-reset-restore
        services.user_assign_roles(user=holder, role_names=[], is_active=True, by=by)
    with pytest.raises(PermissionDenied, match="三权分立"):
        services.user_update(user=holder, data=services.AccountData(username=holder.username, name=holder.name), by=by)
    assert _snapshot() == before


def test_strip_reset_restore_is_refused_at_every_step(world):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.user_assign_roles(user=world.auditor, role_names=[], is_active=True, by=world.security_admin)
    with pytest.raises(services.SeparatedResetRefused):
        services.user_reset_password(user=world.auditor, by=world.security_admin)
    assert _snapshot() == before
    # Even stripped on the server with a second person, the page reset stays refused for 90 days.
    call_command("user_roles", "auditor", "--by", "admin", "--confirmed-by", "secadmin", stdout=io.StringIO())
    stripped = User.objects.get(pk=world.auditor.pk)
    assert roles.held_roles(stripped) == set() and stripped.separated_role_removed_at is not None
    now = stripped.separated_role_removed_at
    assert roles.needs_second_person(stripped, now=now + timedelta(days=89))
    assert not roles.needs_second_person(stripped, now=now + timedelta(days=91))
    with pytest.raises(services.SeparatedResetRefused, match="90 天内持有过"):
        services.user_reset_password(user=stripped, by=world.security_admin, now=now + timedelta(days=89))
    assert User.objects.get(pk=world.auditor.pk).password == stripped.password


def test_a_page_reset_of_a_recent_administrator_is_refused_and_changes_nothing(login, world):
    world.bob.separated_role_removed_at = timezone.now() - timedelta(days=10)
    world.bob.save(update_fields=["separated_role_removed_at"])
    client = login(world.security_admin)
    before = _snapshot()
    page = client.get(reverse("accounts:user_edit", args=[world.bob.pk])).content.decode()
    assert reverse("accounts:user_password_reset", args=[world.bob.pk]) not in page
    assert "90 天内持有过" in page and "manage.py reset_password bob" in page
    response = client.post(reverse("accounts:user_password_reset", args=[world.bob.pk]))
    assert response.status_code == 302
    assert _snapshot() == before
    assert AuditEvent.objects.get(event="user.password_reset", outcome="denied").object_id == str(world.bob.pk)


def test_removing_a_role_in_the_shell_is_noted_too(world):
    from django.contrib.auth.models import Group

    world.admin.groups.remove(Group.objects.get(name=roles.ADMIN))
    assert User.objects.get(pk=world.admin.pk).separated_role_removed_at is not None
    Group.objects.get(name=roles.AUDITOR).user_set.clear()
    assert User.objects.get(pk=world.auditor.pk).separated_role_removed_at is not None
    # Removing a role the account never held (the services remove every unwanted group) notes nothing.
    world.bob.groups.remove(*Group.objects.filter(name__in=SEPARATED))
    assert User.objects.get(pk=world.bob.pk).separated_role_removed_at is None


# --- the import ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", SEPARATED)
def test_the_import_refuses_each_administrator_role(login, world, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(world.security_admin)
    before = _snapshot()
    content = f"用户名,姓名,角色\nnew1,新人,{role}\nbob,赵专家,督导专家、{role}\n".encode()
    response = client.post(reverse("accounts:user_import"),
                                                 {"file": SimpleUploadedFile("a.csv", content)})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"第 2 行「角色」：导入不能授予{role}角色" in body and "第 3 行「角色」" in body
    assert _snapshot() == before


# --- the server command: two people --------------------------------------------------------


@pytest.mark.parametrize("extra,message", [
    ([], "三权分立"),
    (["--confirmed-by", "secadmin"], "确认人"),  # the operator themselves
    (["--confirmed-by", "nobody"], "确认人"),  # the account itself
    (["--confirmed-by", "bob"], "确认人"),  # not an administrator
    (["--confirmed-by", "no-such-user"], "找不到确认人"),
])
def test_user_roles_needs_a_second_administrator(world, extra, message):
    before = _snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("user_roles", "nobody", roles.AUDITOR, "--by", "secadmin", *extra)
    with pytest.raises(CommandError, match=message):
        call_command("user_roles", "newaudit", roles.AUDITOR, "--create", "--by", "secadmin", *extra)
    assert _snapshot() == before


def test_user_roles_refuses_an_inactive_confirmer(world):
    world.admin.is_active = False
    world.admin.save(update_fields=["is_active"])
    before = _snapshot()
    with pytest.raises(CommandError, match="确认人"):
        call_command("user_roles", "nobody", roles.AUDITOR, "--by", "secadmin", "--confirmed-by", "admin")
    assert _snapshot() == before


def test_user_roles_grants_and_removes_with_a_second_person_flagged(world):
    call_command("user_roles", "nobody", roles.AUDITOR, "--by", "secadmin", "--confirmed-by", "admin",
                 stdout=io.StringIO())
    assert roles.held_roles(User.objects.get(pk=world.nobody.pk)) == {roles.AUDITOR}
    granted = AuditEvent.objects.get(event="user.roles", object_id=str(world.nobody.pk))
    assert granted.username == "secadmin"
    assert granted.detail["flagged"] is True and granted.detail["confirmed_by"] == "admin"
    call_command("user_roles", "nobody", "--by", "secadmin", "--confirmed-by", "auditor", stdout=io.StringIO())
    assert roles.held_roles(User.objects.get(pk=world.nobody.pk)) == set()
    # Business roles need no second person.
    call_command("user_roles", "bob", roles.INSPECTOR, roles.OFFICIAL, "--by", "secadmin", stdout=io.StringIO())
    assert "flagged" not in AuditEvent.objects.filter(event="user.roles").order_by("-id").first().detail


def test_a_fresh_installation_creates_its_first_security_admin_alone(db):
    root = User.objects.create_superuser("root", password="Xian-school-2026#")
    call_command("user_roles", "anquan", roles.SECURITY_ADMIN, "--create", "--by", "root", stdout=io.StringIO())
    anquan = User.objects.get(username="anquan")
    assert roles.held_roles(anquan) == {roles.SECURITY_ADMIN}
    event = AuditEvent.objects.get(event="user.create", object_id=str(anquan.pk))
    assert event.detail["bootstrap"] is True and event.detail["flagged"] is True
    # From now on there is a second administrator: acting alone is refused.
    with pytest.raises(CommandError, match="三权分立"):
        call_command("user_roles", "shenji", roles.AUDITOR, "--create", "--by", "root")
    assert not User.objects.filter(username="shenji").exists()
    call_command("user_roles", "shenji", roles.AUDITOR, "--create", "--by", "root", "--confirmed-by", "anquan",
                 stdout=io.StringIO())
    assert roles.held_roles(User.objects.get(username="shenji")) == {roles.AUDITOR}
    assert root.is_superuser


def test_reset_password_of_a_recent_administrator_needs_a_second_person(world):
    world.bob.separated_role_removed_at = timezone.now() - timedelta(days=5)
    world.bob.save(update_fields=["separated_role_removed_at"])
    before = _snapshot()
    with pytest.raises(CommandError, match="三权分立"):
        call_command("reset_password", "bob", "--by", "secadmin")
    with pytest.raises(CommandError, match="确认人"):
        call_command("reset_password", "bob", "--by", "secadmin", "--confirmed-by", "lead")
    assert _snapshot() == before
    out = io.StringIO()
    call_command("reset_password", "bob", "--by", "secadmin", "--confirmed-by", "auditor", stdout=out)
    fresh = User.objects.get(pk=world.bob.pk)
    assert password_expired(fresh)
    event = AuditEvent.objects.get(event="user.password_reset", outcome="success")
    assert event.detail["flagged"] is True and event.detail["confirmed_by"] == "auditor"


def test_an_ordinary_reset_from_the_pages_still_works(login, world):
    f.totp_device(world.bob)
    client = login(world.security_admin)
    assert client.post(reverse("accounts:user_password_reset", args=[world.bob.pk])).status_code == 200
    assert client.post(reverse("twofactor:reset", args=[world.bob.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.bob).exists()


def test_the_migration_takes_past_removals_from_the_audit_log(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0005_separated_role_removed_at")
    AuditEvent.objects.create(event="user.roles", object_type="accounts.User", object_id=str(world.bob.pk),
                              detail={"roles_before": [roles.AUDITOR], "roles_after": []})
    AuditEvent.objects.create(event="user.update", object_type="accounts.User", object_id=str(world.alice.pk),
                              detail={"roles_before": [roles.INSPECTOR], "roles_after": [roles.INSPECTOR, roles.OFFICIAL]})
    migration.stamp_from_audit_log(apps, None)
    assert User.objects.get(pk=world.bob.pk).separated_role_removed_at is not None
    assert User.objects.get(pk=world.alice.pk).separated_role_removed_at is None
