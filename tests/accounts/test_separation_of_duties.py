"""三权分立 in the model of roles: refused on every path, naming the conflicting roles."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from accounts import roles, services
from accounts.checks import role_separation_check
from accounts.models import User
from audit.models import AuditEvent

SEPARATED_PAIRS = [(roles.ADMIN, roles.SECURITY_ADMIN), (roles.ADMIN, roles.AUDITOR),
                   (roles.SECURITY_ADMIN, roles.AUDITOR), (roles.ADMIN, roles.INSPECTOR),
                   (roles.SECURITY_ADMIN, roles.OFFICIAL), (roles.AUDITOR, roles.INSPECTOR)]


def _roles_of(user):
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


@pytest.mark.parametrize("pair", SEPARATED_PAIRS)
def test_the_rule_refuses_each_forbidden_pair_and_names_it(pair):
    with pytest.raises(ValidationError) as exc:
        roles.check_role_set(pair)
    message = exc.value.messages[0]
    assert f"{pair[0]}与{pair[1]}" in message or f"{pair[1]}与{pair[0]}" in message


def test_two_business_roles_may_be_held_together():
    roles.check_role_set({roles.INSPECTOR, roles.OFFICIAL})


def test_a_setting_may_allow_an_admin_to_inspect_but_never_joins_the_three(settings):
    settings.ROLE_ALLOWED_PAIRS = ["管理员+督导专家", "管理员+安全管理员"]
    roles.check_role_set({roles.ADMIN, roles.INSPECTOR})
    with pytest.raises(ValidationError):
        roles.check_role_set({roles.ADMIN, roles.SECURITY_ADMIN})


def test_the_security_admin_page_refuses_a_combination_and_changes_nothing(login, world):
    before = _roles_of(world.bob)
    response = login(world.security_admin).post(reverse("accounts:user_edit", args=[world.bob.pk]), {
        "username": "bob", "name": "赵专家", "roles": [roles.ADMIN, roles.AUDITOR, roles.INSPECTOR],
        "is_active": "on",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "管理员与审计管理员" in body and "管理员与督导专家" in body
    assert _roles_of(world.bob) == before


def test_a_direct_service_call_is_refused(world):
    with pytest.raises(ValidationError, match="安全管理员与审计管理员"):
        services.user_assign_roles(user=world.bob, role_names=[roles.SECURITY_ADMIN, roles.AUDITOR],
                                   is_active=True, by=world.security_admin)
    assert _roles_of(world.bob) == {roles.INSPECTOR}


def test_the_model_guard_refuses_adding_a_group_from_either_side(world):
    auditor_group = Group.objects.get(name=roles.AUDITOR)
    # Each attempt in its own savepoint: add() runs in the caller's transaction, which the
    # refusal marks for rollback (as it should: nothing of a refused change may be committed).
    with pytest.raises(ValidationError, match="审计管理员"), transaction.atomic():
        world.admin.groups.add(auditor_group)
    with pytest.raises(ValidationError, match="督导专家与审计管理员"), transaction.atomic():
        auditor_group.user_set.add(world.alice)
    assert _roles_of(world.admin) == {roles.ADMIN}
    assert _roles_of(world.alice) == {roles.INSPECTOR}


def test_a_superuser_cannot_also_be_the_auditor(world):
    world.auditor.is_superuser = True
    with pytest.raises(ValidationError, match="管理员与审计管理员"), transaction.atomic():
        world.auditor.save()


def test_the_management_command_is_refused(world):
    with pytest.raises(CommandError, match="管理员与安全管理员"):
        call_command("user_roles", "bob", roles.ADMIN, roles.SECURITY_ADMIN, "--by", "secadmin")
    assert _roles_of(world.bob) == {roles.INSPECTOR}
    call_command("user_roles", "bob", roles.INSPECTOR, roles.OFFICIAL, "--by", "secadmin", stdout=io.StringIO())
    assert _roles_of(world.bob) == {roles.INSPECTOR, roles.OFFICIAL}


def test_nobody_changes_their_own_roles_activation_or_scope(login, world):
    with pytest.raises(PermissionDenied):
        services.user_assign_roles(user=world.security_admin, role_names=[roles.SECURITY_ADMIN],
                                   is_active=False, by=world.security_admin)
    response = login(world.security_admin).post(reverse("accounts:user_edit", args=[world.security_admin.pk]), {
        "username": "secadmin", "name": "安全管理员甲", "roles": [roles.SECURITY_ADMIN],
    })
    assert response.status_code == 400
    assert "不能修改自己的角色、启用状态或查看范围" in response.content.decode()
    assert User.objects.get(pk=world.security_admin.pk).is_active


def test_the_system_check_warns_about_old_violations(world):
    # An account from before the rule (written past the guard, as an old database holds it).
    through = User.groups.through
    through.objects.create(user_id=world.admin.pk, group_id=Group.objects.get(name=roles.AUDITOR).pk)
    warnings = role_separation_check(databases=["default"])
    assert [w.id for w in warnings] == ["accounts.W001"]
    assert "admin" in warnings[0].msg and "管理员与审计管理员" in warnings[0].msg


def test_the_migration_reports_violations(world, capsys):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0004_scopes_and_profile")
    User.groups.through.objects.create(user_id=world.alice.pk, group_id=Group.objects.get(name=roles.ADMIN).pk)
    migration.report_role_conflicts(apps, None)
    assert "alice" in capsys.readouterr().out


# --- Django admin: no takeover of the other two --------------------------------------------


def test_the_system_admin_cannot_set_anyones_password_in_django_admin(login, world):
    client = login(world.admin)
    old = User.objects.get(pk=world.auditor.pk).password
    url = f"/django-admin/accounts/user/{world.auditor.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "Takeover#2026x", "password2": "Takeover#2026x",
                                 "usable_password": "true"})
    assert response.status_code == 403
    assert User.objects.get(pk=world.auditor.pk).password == old


def test_django_admin_is_read_only_for_accounts_even_for_a_superuser(client, world):
    root = User.objects.create_superuser("root", password="Xian-school-2026#")
    client.force_login(root)
    assert client.get(f"/django-admin/accounts/user/{world.bob.pk}/change/").status_code == 200
    assert client.get("/django-admin/accounts/user/add/").status_code == 403
    client.post(f"/django-admin/accounts/user/{world.bob.pk}/change/", {"username": "bob", "is_superuser": "on"})
    assert not User.objects.get(pk=world.bob.pk).is_superuser
    assert client.get(f"/django-admin/accounts/user/{world.bob.pk}/password/").status_code == 403
    group = Group.objects.get(name=roles.INSPECTOR)
    assert client.post(f"/django-admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403


def test_every_password_change_is_audited_whatever_the_path(world):
    world.auditor.set_password("Shell-set-2026#q")
    world.auditor.save()
    event = AuditEvent.objects.filter(event="password.set", object_id=str(world.auditor.pk)).get()
    assert event.detail["flagged"] is True


# --- a reset of a separated-role account ---------------------------------------------------


def test_the_security_admin_cannot_reset_the_audit_admins_password(login, world):
    old = User.objects.get(pk=world.auditor.pk).password
    response = login(world.security_admin).post(reverse("accounts:user_password_reset", args=[world.auditor.pk]))
    assert response.status_code == 302
    assert User.objects.get(pk=world.auditor.pk).password == old
    denied = AuditEvent.objects.get(event="user.password_reset", outcome="denied")
    assert "三权分立" in denied.detail["reason"]


def test_a_reset_from_the_server_needs_a_second_person_and_is_flagged(world):
    with pytest.raises(CommandError, match="三权分立"):
        call_command("reset_password", "auditor", "--by", "secadmin")
    out = io.StringIO()
    call_command("reset_password", "auditor", "--by", "secadmin", "--confirmed-by", "admin", stdout=out)
    fresh = User.objects.get(pk=world.auditor.pk)
    password = out.getvalue().split("：", 1)[1].split("（", 1)[0]
    assert fresh.check_password(password)
    from accounts.middleware import password_expired

    assert password_expired(fresh)
    event = AuditEvent.objects.get(event="user.password_reset", outcome="success")
    assert event.detail["flagged"] is True and event.detail["confirmed_by"] == "admin"


def test_the_first_security_admin_is_created_from_the_command_line(world):
    root = User.objects.create_superuser("root", password="Xian-school-2026#")
    out = io.StringIO()
    call_command("user_roles", "anquan2", roles.SECURITY_ADMIN, "--create", "--name", "郑安", "--by", root.username,
                 "--confirmed-by", "auditor", stdout=out)
    created = User.objects.get(username="anquan2")
    assert roles.held_roles(created) == {roles.SECURITY_ADMIN}
    assert "一次性密码" in out.getvalue()
    with pytest.raises(CommandError, match="管理员与安全管理员"):
        call_command("user_roles", "anquan3", roles.SECURITY_ADMIN, roles.ADMIN, "--create", "--by", "root")
    assert not User.objects.filter(username="anquan3").exists()


# --- nobody changes their own scope; the command refuses --by <self> ------------------------


@pytest.fixture
def secadmin_with_a_scope(world, settings):
    # A small county lets its security admin also read results (ROLE_ALLOWED_PAIRS), so they
    # hold a scope of their own — which they must still not change.
    settings.ROLE_ALLOWED_PAIRS = ["安全管理员+教育局"]
    world.security_admin.groups.add(Group.objects.get(name=roles.OFFICIAL))
    world.security_admin.scope_districts.add(world.district)
    return world.security_admin


def _scope_state(user):
    fresh = User.objects.get(pk=user.pk)
    return (fresh.scope_city_wide, sorted(fresh.scope_districts.values_list("pk", flat=True)),
            sorted(fresh.groups.values_list("name", flat=True)), fresh.is_active)


def test_nobody_changes_their_own_scope_on_the_page(login, world, secadmin_with_a_scope):
    me = secadmin_with_a_scope
    client = login(me)
    before = _scope_state(me)
    for change in ({"scope_city_wide": "on"}, {"scope_districts": [world.district.pk, world.other_district.pk]},
                   {"scope_districts": []}):
        data = {"username": "secadmin", "name": me.name, "is_active": "on",
                "roles": [roles.SECURITY_ADMIN, roles.OFFICIAL], "scope_districts": [world.district.pk], **change}
        response = client.post(reverse("accounts:user_edit", args=[me.pk]), data)
        assert response.status_code == 400, change
        assert services.SELF_CHANGE_MESSAGE in response.content.decode()
        assert _scope_state(me) == before
    # The same form without a change of powers saves (a new phone number is not a power).
    response = client.post(reverse("accounts:user_edit", args=[me.pk]), {
        "username": "secadmin", "name": me.name, "phone": "029-5550000", "is_active": "on",
        "roles": [roles.SECURITY_ADMIN, roles.OFFICIAL], "scope_districts": [world.district.pk]})
    assert response.status_code == 302 and User.objects.get(pk=me.pk).phone == "029-5550000"
    assert _scope_state(me) == before


def test_nobody_changes_their_own_scope_through_the_service(world, secadmin_with_a_scope):
    me = secadmin_with_a_scope
    before = _scope_state(me)
    with pytest.raises(PermissionDenied, match="不能修改自己"):
        services.user_update(user=me, by=me, data=services.AccountData(
            username="secadmin", name=me.name, roles=(roles.SECURITY_ADMIN, roles.OFFICIAL), scope_city_wide=True))
    assert _scope_state(me) == before


@pytest.mark.parametrize("username,role_args", [
    ("secadmin", [roles.SECURITY_ADMIN]),  # even "no change" is refused: the operator is never the account
    ("secadmin", []),
    ("bob", [roles.INSPECTOR, roles.OFFICIAL]),
])
def test_user_roles_by_oneself_is_refused(world, username, role_args):
    target = User.objects.get(username=username)
    before = _scope_state(target)
    with pytest.raises(CommandError, match="不能修改自己"):
        call_command("user_roles", username, *role_args, "--by", username, "--confirmed-by", "auditor")
    assert _scope_state(target) == before
    assert not AuditEvent.objects.filter(event="user.roles").exists()


# The roles migration 0004 knew (its frozen copy of the rule predates the school role, whose group
# only exists since accounts 0006: no old database holds it).
ROLES_OF_0004 = tuple(r for r in roles.ALL_ROLES if r != roles.SCHOOL)


def _every_role_combination(role_names=ROLES_OF_0004):
    """One account per combination of roles (and the superuser flag), written past the guard as
    an old database would hold them; returns {username: role names}."""
    from itertools import combinations

    groups = {g.name: g.pk for g in Group.objects.filter(name__in=role_names)}
    accounts = {}
    links = []
    for size in range(len(role_names) + 1):
        for combo in combinations(role_names, size):
            for superuser in (False, True):
                user = User.objects.create(username=f"combo{len(accounts)}", is_superuser=superuser)
                accounts[user.username] = set(combo) | ({roles.ADMIN} if superuser else set())
                links += [User.groups.through(user_id=user.pk, group_id=groups[name]) for name in combo]
    User.groups.through.objects.bulk_create(links)
    return accounts


def _migration_report(capsys) -> set[str]:
    import importlib
    import re

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0004_scopes_and_profile")
    migration.report_role_conflicts(apps, None)
    return set(re.findall(r"(combo\d+)（", capsys.readouterr().out))


def test_the_migration_and_the_check_apply_the_same_rule(db, capsys):
    accounts = _every_role_combination()
    expected = {name for name, held in accounts.items() if roles.role_conflicts(held)}
    assert len(expected) > 40  # the combinations do include violations
    assert _migration_report(capsys) == expected
    assert {w.obj for w in role_separation_check(databases=["default"])} == expected


def test_the_check_also_flags_a_school_account_holding_another_role(db):
    accounts = _every_role_combination(roles.ALL_ROLES)
    flagged = {w.obj for w in role_separation_check(databases=["default"])}
    assert flagged == {name for name, held in accounts.items() if roles.role_conflicts(held)}
    assert all(name in flagged for name, held in accounts.items() if roles.SCHOOL in held and len(held) > 1)


def test_with_an_allowed_pair_the_check_is_the_authority_and_the_migration_reports_more(db, capsys, settings):
    settings.ROLE_ALLOWED_PAIRS = ["管理员+督导专家"]
    accounts = _every_role_combination()
    checked = {w.obj for w in role_separation_check(databases=["default"])}
    assert checked == {name for name, held in accounts.items() if roles.role_conflicts(held)}
    reported = _migration_report(capsys)
    assert checked < reported  # its frozen copy does not read the setting: it lists more, never fewer


def test_a_plain_check_does_not_query_accounts(db):
    from django.core.checks import run_checks

    User.groups.through.objects.create(user_id=User.objects.create(username="old", is_superuser=True).pk,
                                       group_id=Group.objects.get(name=roles.AUDITOR).pk)
    assert "accounts.W001" not in {m.id for m in run_checks()}  # `manage.py check`: no database
    assert "accounts.W001" in {m.id for m in run_checks(databases=["default"])}
