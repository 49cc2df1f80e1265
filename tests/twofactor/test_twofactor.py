"""Two-factor login: who must use it, enrolment, verification, replay, brute force, recovery codes, reset."""

from base64 import b32decode
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests import factories as f
from tests.factories import PASSWORD
from twofactor import services
from twofactor.models import SecondFactorLock

SETUP, VERIFY, MANAGE = "/2fa/setup/", "/2fa/verify/", "/2fa/"


def _login(client, user, ip="10.0.0.9"):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    return response


def _verify(client, code, next_url=""):
    return client.post(VERIFY, {"code": code, "next": next_url})


def _totp_state(user):
    return (
        sorted(TOTPDevice.objects.filter(user=user).values_list("confirmed", "last_t")),
        sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)),
    )


# ---------------------------------------------------------------- who must use it


@pytest.mark.parametrize("role", ["admin", "security_admin", "auditor"])
def test_the_separated_roles_must_enrol_before_anything_else(client, world, role):
    _login(client, getattr(world, role))
    for path in ("/", reverse("audit:event_list"), reverse("accounts:password_change"), "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SETUP), path
    assert client.get(SETUP).status_code == 200


def test_other_roles_may_log_in_without_it(client, world):
    _login(client, world.alice)
    assert client.get(reverse("evaluation:inspector_home")).status_code == 200


def test_a_setting_requires_it_for_everyone(client, world, settings):
    settings.TWO_FACTOR_ALL = True
    _login(client, world.alice)
    response = client.get(reverse("evaluation:inspector_home"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_an_enrolled_optional_user_must_verify_too(client, world):
    f.totp_device(world.alice)
    _login(client, world.alice)
    response = client.get(reverse("evaluation:inspector_home"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


# ---------------------------------------------------------------- enrolment


def test_enrolment_shows_a_local_qr_code_and_confirms_with_a_first_code(client, world):
    _login(client, world.security_admin)
    html = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml' in html  # rendered here, no outside service
    assert not TOTPDevice.objects.exists()  # nothing stored before the first code
    secret = html.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    device = TOTPDevice(key=b32decode(secret).hex())  # what the phone's app computes from the QR code
    assert client.post(SETUP, {"code": f.wrong_codes(device, 1)[0]}).status_code == 400
    assert not TOTPDevice.objects.exists()
    code = f.totp_code(device)
    response = client.post(SETUP, {"code": code})
    assert response.status_code == 200
    codes = [c.strip() for c in response.content.decode().split('id="recovery-codes">')[1].split("</ul>")[0]
             .replace("<li>", "").split("</li>") if c.strip()]
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=world.security_admin).values_list("token", flat=True))
    assert TOTPDevice.objects.get(user=world.security_admin).key == device.key
    assert client.get(reverse("accounts:user_list")).status_code == 200  # the session is verified
    # The code used to enrol cannot be replayed at the next login.
    client.post(reverse("accounts:logout"))
    _login(client, world.security_admin)
    assert _verify(client, code).status_code == 400
    assert AuditEvent.objects.filter(event="otp.enrol", user=world.security_admin).exists()


def test_an_enrolled_account_cannot_enrol_again_over_its_device(client, world):
    device = f.totp_device(world.admin)
    _login(client, world.admin)
    assert client.get(SETUP)["Location"] == reverse("twofactor:verify")
    assert client.post(SETUP, {"code": f.totp_code(device)})["Location"] == reverse("twofactor:verify")
    assert TOTPDevice.objects.filter(user=world.admin).count() == 1


# ---------------------------------------------------------------- verification, replay, brute force


def test_login_with_a_code_from_the_authenticator(client, world):
    device = f.totp_device(world.auditor)
    _login(client, world.auditor)
    next_url = reverse("audit:event_list")
    assert client.get(next_url)["Location"] == f"{VERIFY}?next=%2Faudit%2F"
    response = _verify(client, f.totp_code(device), next_url)
    assert response.status_code == 302 and response["Location"] == next_url
    assert client.get(next_url).status_code == 200
    event = AuditEvent.objects.get(event="auth.otp_verified")
    assert event.user == world.auditor and event.detail["method"] == "totp"


def test_a_used_code_cannot_be_replayed(client, world):
    device = f.totp_device(world.admin)
    code = f.totp_code(device)
    _login(client, world.admin)
    assert _verify(client, code).status_code == 302
    client.post(reverse("accounts:logout"))
    _login(client, world.admin)
    before = _totp_state(world.admin)
    response = _verify(client, code)
    assert response.status_code == 400 and "验证码错误或已使用过" in response.content.decode()
    assert _totp_state(world.admin) == before
    assert client.get("/")["Location"].startswith(VERIFY)
    assert _verify(client, f.totp_code(device, steps_ahead=1)).status_code == 302


def test_wrong_codes_lock_the_second_factor_like_the_password(client, world, settings):
    device = f.totp_device(world.admin)
    _login(client, world.admin)
    *first, last = f.wrong_codes(device, settings.AXES_FAILURE_LIMIT)
    for code in first:
        assert _verify(client, code).status_code == 400
    locked = _verify(client, last)
    assert locked.status_code == 429 and "二次验证已暂时锁定" in locked.content.decode()
    # Even the right code is refused while locked, and nothing about the device changes.
    before = _totp_state(world.admin)
    assert _verify(client, f.totp_code(device)).status_code == 429
    assert _totp_state(world.admin) == before
    assert client.get("/")["Location"].startswith(VERIFY)
    assert AuditEvent.objects.filter(event="auth.otp_failed", outcome="failure").count() == settings.AXES_FAILURE_LIMIT
    assert AuditEvent.objects.filter(event="auth.otp_lockout").count() == 1
    # Once the lockout time has passed, the right code works and the count starts again.
    SecondFactorLock.objects.filter(user=world.admin).update(
        last_failure_at=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert _verify(client, f.totp_code(device)).status_code == 302
    assert SecondFactorLock.objects.get(user=world.admin).failures == 0


def test_the_lock_expires_after_the_lockout_time(world, settings):
    device = f.totp_device(world.admin)
    start = timezone.now()
    *series, wrong = f.wrong_codes(device, settings.AXES_FAILURE_LIMIT + 1)
    for code in series:
        with pytest.raises((services.SecondFactorLocked, services.ValidationError)):
            services.second_factor_verify(user=world.admin, code=code, now=start)
    with pytest.raises(services.SecondFactorLocked):
        services.second_factor_verify(user=world.admin, code=wrong, now=start + settings.AXES_COOLOFF_TIME / 2)
    # After the cool-off a wrong code counts as the first of a new series, not a new lock.
    with pytest.raises(services.ValidationError):
        services.second_factor_verify(user=world.admin, code=wrong, now=start + settings.AXES_COOLOFF_TIME)
    assert SecondFactorLock.objects.get(user=world.admin).failures == 1


def test_a_failed_enrolment_code_counts_towards_the_lock(client, world, settings):
    _login(client, world.admin)
    html = client.get(SETUP).content.decode()
    secret = html.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    *first, last = f.wrong_codes(TOTPDevice(key=b32decode(secret).hex()), settings.AXES_FAILURE_LIMIT)
    for code in first:
        assert client.post(SETUP, {"code": code}).status_code == 400
    assert client.post(SETUP, {"code": last}).status_code == 429


# ---------------------------------------------------------------- recovery codes


def test_a_recovery_code_logs_in_once(client, world):
    f.totp_device(world.admin)
    codes = services.recovery_codes_renew(user=world.admin)
    _login(client, world.admin)
    assert _verify(client, f"  {codes[0].upper()} ").status_code == 302
    event = AuditEvent.objects.get(event="auth.otp_verified")
    assert event.detail == {"method": "recovery", "recovery_codes_left": 9}
    client.post(reverse("accounts:logout"))
    _login(client, world.admin)
    assert _verify(client, codes[0]).status_code == 400
    assert _verify(client, codes[1]).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, world):
    f.totp_device(world.admin)
    old = services.recovery_codes_renew(user=world.admin)
    client.force_login(world.admin)
    response = client.post(reverse("twofactor:recovery"))
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=world.admin).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    assert StaticDevice.objects.filter(user=world.admin).count() == 1
    assert client.get(reverse("twofactor:recovery")).status_code == 405


# ---------------------------------------------------------------- reset by the security admin


def test_the_security_admin_resets_a_lost_authenticator_and_it_is_audited(client, world):
    device = f.totp_device(world.alice)
    services.recovery_codes_renew(user=world.alice)
    # The holder's own verified session loses its verification at once.
    from django.test import Client

    alice_client = Client()
    _login(alice_client, world.alice)
    assert _verify(alice_client, f.totp_code(device)).status_code == 302
    assert alice_client.get(reverse("evaluation:inspector_home")).status_code == 200

    client.force_login(world.security_admin)
    response = client.post(reverse("twofactor:reset", args=[world.alice.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.alice).exists()
    assert not StaticDevice.objects.filter(user=world.alice).exists()
    event = AuditEvent.objects.get(event="otp.reset")
    assert event.user == world.security_admin and event.object_id == str(world.alice.pk)
    assert event.detail == {"was_enrolled": True, "separated_role": False, "flagged": False, "confirmed_by": "",
                            "password_expired": False}
    gone = alice_client.get(reverse("evaluation:inspector_home"))
    assert gone.status_code == 302 and gone["Location"].startswith(VERIFY)


# 三权分立: a second factor of an (ex-)administrator is never reset by the security admin alone —
# else they would enrol their own phone on the audit admin's account (with a password reset
# from the server, or the holder's password learnt elsewhere) and be the audit admin.


def _reset_state(user):
    from accounts.models import User

    fresh = User.objects.get(pk=user.pk)
    return _totp_state(user), fresh.password, fresh.password_changed_at


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_the_page_refuses_to_reset_an_administrators_second_factor(client, world, role):
    target = getattr(world, role)
    f.totp_device(target)
    services.recovery_codes_renew(user=target)
    before = _reset_state(target)
    client.force_login(world.security_admin)
    page = client.get(reverse("accounts:user_edit", args=[target.pk])).content.decode()
    assert reverse("twofactor:reset", args=[target.pk]) not in page  # no button, the reason instead
    assert "manage.py twofactor_reset" in page and "--confirmed-by" in page
    response = client.post(reverse("twofactor:reset", args=[target.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_edit", args=[target.pk])
    assert _reset_state(target) == before
    assert not AuditEvent.objects.filter(event="otp.reset", outcome="success").exists()
    denied = AuditEvent.objects.get(event="otp.reset", outcome="denied")
    assert "三权分立" in denied.detail["reason"]


def test_the_page_refuses_an_account_that_lost_its_administrator_role_recently(client, world):
    from accounts.models import User

    # Strip-reset-restore: the role taken away on the server a month ago; the page still refuses.
    world.bob.separated_role_removed_at = timezone.now() - timedelta(days=30)
    world.bob.save(update_fields=["separated_role_removed_at"])
    f.totp_device(world.bob)
    before = _reset_state(world.bob)
    client.force_login(world.security_admin)
    client.post(reverse("twofactor:reset", args=[world.bob.pk]))
    assert _reset_state(world.bob) == before
    # After 90 days the account is an ordinary one again.
    later = timezone.now() + timedelta(days=61)
    services.second_factor_reset(user=User.objects.get(pk=world.bob.pk), by=world.security_admin, now=later)
    assert not TOTPDevice.objects.filter(user=world.bob).exists()


@pytest.mark.parametrize("role", ["admin", "auditor", "alice", "official", "nobody"])
def test_nobody_else_may_reset(client, world, role):
    f.totp_device(world.auditor)
    before = _totp_state(world.auditor)
    client.force_login(getattr(world, role))
    assert client.post(reverse("twofactor:reset", args=[world.auditor.pk])).status_code == 403
    assert _totp_state(world.auditor) == before
    assert not AuditEvent.objects.filter(event="otp.reset").exists()


def test_the_security_admin_cannot_reset_their_own(client, world):
    f.totp_device(world.security_admin)
    client.force_login(world.security_admin)
    assert client.post(reverse("twofactor:reset", args=[world.security_admin.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=world.security_admin).exists()


def test_reset_of_an_unknown_account_is_404(client, world):
    client.force_login(world.security_admin)
    assert client.post(reverse("twofactor:reset", args=[99999])).status_code == 404


# ---------------------------------------------------------------- the rest of the login


def test_an_expired_password_is_changed_after_the_second_factor(client, world):
    device = f.totp_device(world.admin)
    world.admin.expire_password()
    world.admin.save()
    _login(client, world.admin)
    assert client.get("/")["Location"].startswith(VERIFY)
    assert client.get(VERIFY).status_code == 200  # no redirect loop with the password-expiry rule
    assert _verify(client, f.totp_code(device))["Location"] == "/"
    assert client.get("/")["Location"] == reverse("accounts:password_change")


def test_next_never_leaves_the_site(client, world):
    device = f.totp_device(world.admin)
    _login(client, world.admin)
    assert _verify(client, f.totp_code(device), "https://evil.example/x")["Location"] == "/"


def test_device_secrets_are_not_in_django_admin():
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_the_manage_page_says_what_is_enrolled(client, world):
    client.force_login(world.admin)
    html = client.get(MANAGE).content.decode()
    assert "已启用" in html
    client.force_login(world.alice)
    assert "尚未启用" in client.get(MANAGE).content.decode()


def test_the_command_resets_an_ordinary_account_from_the_shell_and_is_audited(world):
    from django.core.management import CommandError, call_command

    f.totp_device(world.alice)
    call_command("twofactor_reset", "alice")
    assert not TOTPDevice.objects.filter(user=world.alice).exists()
    assert AuditEvent.objects.get(event="otp.reset").username == "manage.py"
    with pytest.raises(CommandError):
        call_command("twofactor_reset", "no-such-user")


def test_the_command_resets_an_administrator_only_with_a_second_person(world):
    import io

    from django.core.management import CommandError, call_command

    from accounts.middleware import password_expired
    from accounts.models import User

    f.totp_device(world.security_admin)
    before = _reset_state(world.security_admin)
    for extra in ([], ["--by", "admin"], ["--by", "admin", "--confirmed-by", "admin"],
                  ["--by", "admin", "--confirmed-by", "secadmin"], ["--by", "admin", "--confirmed-by", "bob"]):
        with pytest.raises(CommandError, match="三权分立|确认人"):
            call_command("twofactor_reset", "secadmin", *extra)
        assert _reset_state(world.security_admin) == before, extra
    assert not AuditEvent.objects.filter(event="otp.reset").exists()
    call_command("twofactor_reset", "secadmin", "--by", "admin", "--confirmed-by", "auditor", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=world.security_admin).exists()
    assert password_expired(User.objects.get(pk=world.security_admin.pk))  # a new password at next login too
    event = AuditEvent.objects.get(event="otp.reset")
    assert event.username == "admin"
    assert event.detail["flagged"] is True and event.detail["confirmed_by"] == "auditor"
