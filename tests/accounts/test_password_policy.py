"""Password rules on every path that sets one, expiry, and idle timeout."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.validators import CharacterClassValidator
from audit.models import AuditEvent
from tests.factories import PASSWORD

GOOD = "Xian-school-2026#"


@pytest.mark.parametrize("password", ["onlyletters!!", "12345678!!", "Letters1234", "Abcdef12"])
def test_the_character_class_validator_rejects_passwords_missing_a_class(password):
    with pytest.raises(ValidationError) as exc:
        CharacterClassValidator().validate(password)
    assert "字母、数字和符号" in str(exc.value)


def test_the_character_class_validator_accepts_letters_digits_and_symbols():
    CharacterClassValidator().validate("a1!bcdefg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["Ab1!", "password1!", "zhangsan2026!", "12345678"],
    ids=["too-short", "common", "like-username", "numeric"],
)
def test_the_configured_validators_reject_weak_passwords(password):
    user = User(username="zhangsan2026", name="张三")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.django_db
def test_the_configured_validators_accept_a_strong_password():
    validate_password(GOOD, User(username="zhangsan"))


@pytest.mark.django_db
def test_setting_a_password_restarts_the_expiry_clock(monkeypatch):
    # The time is injected: the stamp is exactly the instant the password was set.
    at = datetime(2026, 3, 1, 8, 30, tzinfo=dt_timezone.utc)
    monkeypatch.setattr(timezone, "now", lambda: at)
    user = User.objects.create_user(username="u1", password=GOOD)
    assert user.password_changed_at == at
    later = at + timedelta(days=30)
    monkeypatch.setattr(timezone, "now", lambda: later)
    user.set_password(GOOD + "x")
    user.save()
    user.refresh_from_db()
    assert user.password_changed_at == later


def test_an_expired_password_forces_a_change_before_anything_else(client, world):
    alice = world.alice
    User.objects.filter(pk=alice.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(alice)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and "您的密码已过期" in page.content.decode()
    changed = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD,
    })
    assert changed.status_code == 302
    # Still logged in (session hash updated) and free to go on.
    assert client.get(reverse("accounts:home")).status_code == 302
    assert client.get(reverse("accounts:home"))["Location"] != reverse("accounts:password_change")
    assert AuditEvent.objects.filter(event="password.change", username="alice", outcome="success").exists()


def test_a_password_younger_than_the_limit_is_not_expired(client, world):
    User.objects.filter(pk=world.alice.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    client.force_login(world.alice)
    assert client.get(reverse("accounts:home"))["Location"] != reverse("accounts:password_change")


@override_settings(PASSWORD_EXPIRY_DAYS=7)
def test_the_expiry_is_configurable(client, world):
    User.objects.filter(pk=world.alice.pk).update(password_changed_at=timezone.now() - timedelta(days=8))
    client.force_login(world.alice)
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:password_change")


def test_the_change_page_enforces_the_policy(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh1",
    })
    assert response.status_code == 200
    assert "字母、数字和符号" in response.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_a_wrong_old_password_changes_nothing(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "nope", "new_password1": GOOD, "new_password2": GOOD,
    })
    assert response.status_code == 200
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_the_idle_session_expires_after_30_minutes(client, world):
    client.force_login(world.alice)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("django.contrib.sessions.backends.db.timezone.now", return_value=later):
        response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_activity_keeps_the_session_alive(client, world):
    client.force_login(world.alice)
    start = timezone.now()
    for minutes in (20, 40, 60):
        with mock.patch("django.contrib.sessions.backends.db.timezone.now", return_value=start + timedelta(minutes=minutes)), \
             mock.patch("django.contrib.sessions.backends.base.timezone.now", return_value=start + timedelta(minutes=minutes)):
            assert client.get(reverse("accounts:password_change")).status_code == 200


def test_the_admin_add_user_form_is_closed_even_to_a_superuser(client, world):
    # Accounts are created on the security admin's page only (三权分立), which gives a
    # generated one-time password; Django admin's add form would bypass that.
    root = User.objects.create_superuser("root", password=GOOD)
    client.force_login(root)
    response = client.post("/django-admin/accounts/user/add/", {
        "username": "newbie", "password1": GOOD, "password2": GOOD, "usable_password": "true",
    })
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_createsuperuser_enforces_the_policy(world):
    answers = iter(["weakpass", "weakpass", "n", GOOD, GOOD])
    with mock.patch("django.contrib.auth.management.commands.createsuperuser.getpass.getpass",
                    side_effect=lambda *a, **k: next(answers)), \
         mock.patch("builtins.input", side_effect=lambda *a, **k: next(answers)):
        from django.contrib.auth.management.commands import createsuperuser

        import io

        err = io.StringIO()
        call_command(
            createsuperuser.Command(), username="boss", email="boss@example.cn", interactive=True,
            stdin=mock.Mock(isatty=lambda: True), stdout=io.StringIO(), stderr=err,
        )
    boss = User.objects.get(username="boss")
    assert boss.check_password(GOOD)
    assert "字母、数字和符号" in err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("password,reason", [
    ("Passw0rd!", "常见口令"),
    ("P@ssw0rd2026", "常见口令"),
    ("1qaz@WSX", "常见口令"),
    ("Qwer1234!", "常见口令"),
    ("Zhangwei@1988", "姓名"),
])
def test_guessable_passwords_are_refused_with_the_reason(password, reason):
    user = User(username="zw2026", name="张伟")
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user)
    assert reason in " ".join(exc.value.messages)


@pytest.mark.django_db
@pytest.mark.parametrize("password", [GOOD, PASSWORD, "Demo@2026", "Ysd!93kq#Lm"])
def test_unguessable_passwords_pass(password):
    validate_password(password, User(username="zhangsan", name="张三"))


def test_password_spraying_from_one_address_is_throttled(client, world, settings):
    settings.LOGIN_ADDRESS_USERNAME_LIMIT = 3
    for name in ("alice", "bob", "lead"):
        client.post(reverse("accounts:login"), {"username": name, "password": "Spray-2026!x"})
    # The right password of a fourth account is refused now, from this address only.
    response = client.post(reverse("accounts:login"), {"username": "official", "password": PASSWORD})
    assert response.status_code == 429
    assert "不同账号登录失败" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event="auth.throttled", username="official").exists()
    other = type(client)(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("accounts:login"), {"username": "official", "password": PASSWORD}).status_code == 302
