"""`manage.py changepassword` is the product's own: no one-person takeover of an administrator,
the password policy, a forced change at next login, an audit record."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.utils import timezone

from accounts.management.commands import changepassword
from accounts.middleware import password_expired
from accounts.models import User
from audit.models import AuditEvent

GOOD = "Qingshan#Lu7-2026"


@pytest.fixture
def typed(monkeypatch):
    """typed(*answers): what the person at the keyboard enters at each password prompt."""

    def _typed(*answers):
        answers = list(answers)
        monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": answers.pop(0))

    return _typed


def _state(user):
    fresh = User.objects.get(pk=user.pk)
    return fresh.password, fresh.password_changed_at


def test_the_command_is_ours_not_djangos():
    assert get_commands()["changepassword"] == "accounts.overrides"


@pytest.mark.parametrize("who", ["auditor", "security_admin", "admin"])
def test_an_administrators_password_is_refused_with_the_way_to_do_it(world, typed, who):
    target = getattr(world, who)
    typed(GOOD, GOOD)
    before = _state(target)
    with pytest.raises(CommandError, match="reset_password .* --by 执行人 --confirmed-by"):
        call_command("changepassword", target.username)
    assert _state(target) == before
    assert not AuditEvent.objects.filter(event="password.set").exists()


def test_an_account_that_held_an_administrator_role_recently_is_refused(world, typed):
    world.bob.separated_role_removed_at = timezone.now() - timedelta(days=20)
    world.bob.save(update_fields=["separated_role_removed_at"])
    typed(GOOD, GOOD)
    before = _state(world.bob)
    with pytest.raises(CommandError, match="90 天内持有过"):
        call_command("changepassword", "bob")
    assert _state(world.bob) == before


def test_another_account_gets_the_password_must_change_it_and_it_is_audited(world, typed):
    typed(GOOD, GOOD)
    call_command("changepassword", "bob")
    fresh = User.objects.get(pk=world.bob.pk)
    assert fresh.check_password(GOOD)
    assert password_expired(fresh)
    event = AuditEvent.objects.get(event="password.set", object_id=str(world.bob.pk))
    assert event.username == "manage.py" and event.detail["source"] == "manage.py changepassword"
    assert event.detail["password_expired"] is True


def test_the_password_policy_applies_and_three_failures_change_nothing(world, typed):
    typed("Passw0rd!", "Passw0rd!", "a", "b", "Zhaozhuanjia@1", "Zhaozhuanjia@1")
    before = _state(world.bob)
    with pytest.raises(CommandError, match="3 次均未成功"):
        call_command("changepassword", "bob")
    assert _state(world.bob) == before
    assert not AuditEvent.objects.filter(event="password.set").exists()


def test_an_unknown_account_is_refused(world, typed):
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("changepassword", "no-such-user")


def test_a_forced_change_holds_even_with_password_expiry_switched_off(world, typed, settings):
    settings.PASSWORD_EXPIRY_DAYS = 0
    typed(GOOD, GOOD)
    call_command("changepassword", "bob")
    assert password_expired(User.objects.get(pk=world.bob.pk))
    assert not password_expired(User.objects.get(pk=world.alice.pk))
