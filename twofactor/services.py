"""Writes of the two-factor login (django-otp): enrolment, verification with lockout, recovery codes, reset.

TOTP replay is refused by django-otp itself (a code is accepted only for a time step later than the
last one used); recovery codes are deleted when used. django-otp's own exponential back-off is off
(OTP_*_THROTTLE_FACTOR = 0) because the lockout here applies the same rule as the password login.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from accounts import roles
from audit.services import audit_record

from . import selectors
from .models import SecondFactorLock

RECOVERY_CODE_COUNT = 10


class SecondFactorLocked(Exception):
    """Too many wrong codes in a row; `until` is when the account may try again."""

    def __init__(self, until: datetime):
        self.until = until
        super().__init__(_("二次验证已暂时锁定。"))


def _normalized(code: str) -> str:
    # Authenticator apps show "123 456"; recovery codes are printed in lower case.
    return "".join((code or "").split()).lower()[:32]


def enrolment_key(*, user, pending: str | None = None) -> TOTPDevice:
    """An unsaved authenticator for enrolment: the pending key kept in the session, or a new random one.

    Nothing is stored until the first code confirms it, so opening the page writes nothing.
    """
    if selectors.is_enrolled(user):
        raise ValidationError(_("已启用双因素认证。"))
    device = TOTPDevice(user=user, name=_("身份验证器"), confirmed=True)
    if pending:
        try:
            key_validator(pending)
        except ValidationError:
            pending = None
    device.key = pending or default_key()
    return device


def enrolment_confirm(*, user, key: str, code: str, request=None, now: datetime | None = None) -> list[str]:
    """Store the authenticator once a first code from it is right; returns the new recovery codes (shown once)."""
    now = now or timezone.now()
    _check_lock(user, now)
    device = enrolment_key(user=user, pending=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    token = _normalized(code)
    if not (token.isdigit() and totp.verify(int(token), device.tolerance)):
        _fail(user, request=request, now=now, step="enrol")
    with transaction.atomic():
        if selectors.is_enrolled(user):  # a second tab finished first
            raise ValidationError(_("已启用双因素认证。"))
        device.last_t = totp.t()  # the enrolment code cannot be used again to log in
        device.save()
        _reset_lock(user)
        codes = _issue_recovery_codes(user)
        audit_record(event="otp.enrol", request=request, user=user, obj=user)
    return codes


def _issue_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def recovery_codes_renew(*, user, request=None) -> list[str]:
    """Replace the account's recovery codes with new ones (the old ones stop working)."""
    if not selectors.is_enrolled(user):
        raise ValidationError(_("请先启用双因素认证。"))
    codes = _issue_recovery_codes(user)
    audit_record(event="otp.recovery_codes", request=request, user=user, obj=user)
    return codes


def second_factor_verify(*, user, code: str, request=None, now: datetime | None = None):
    """Check a login's second factor (authenticator code or recovery code); returns the device that matched.

    Wrong codes count towards the lockout (LOGIN_FAILURE_LIMIT in a row locks for LOGIN_LOCKOUT_MINUTES);
    a locked account is refused even with a right code.
    """
    now = now or timezone.now()
    _check_lock(user, now)
    token = _normalized(code)
    matched = None
    if token:
        statics = list(StaticDevice.objects.filter(user=user, confirmed=True))
        devices = [selectors.totp_device(user), *statics] if token.isdigit() else statics
        for device in devices:
            if device is not None and (matched := verify_token(user, device.persistent_id, token)):
                break
    if matched is None:
        _fail(user, request=request, now=now, step="login")
    _reset_lock(user)
    method = "recovery" if isinstance(matched, StaticDevice) else "totp"
    detail = {"method": method}
    if method == "recovery":
        detail["recovery_codes_left"] = selectors.recovery_codes_left(user)
    audit_record(event="auth.otp_verified", request=request, user=user, obj=user, **detail)
    return matched


def _check_lock(user, now: datetime) -> None:
    until = selectors.locked_until(user, now=now)
    if until is not None:
        raise SecondFactorLocked(until)


def _fail(user, *, request, now: datetime, step: str):
    """Count one wrong code (a fresh count once an earlier lock has expired) and refuse."""
    # Its own transaction, finished before the refusal is raised, so the count is kept
    # (callers must not wrap this in a transaction that the exception rolls back).
    with transaction.atomic():
        lock, _created = SecondFactorLock.objects.select_for_update().get_or_create(user=user)
        expired = lock.last_failure_at is not None and now - lock.last_failure_at >= settings.AXES_COOLOFF_TIME
        lock.failures = 1 if expired else lock.failures + 1
        lock.last_failure_at = now
        lock.save(update_fields=["failures", "last_failure_at"])
        audit_record(event="auth.otp_failed", request=request, user=user, obj=user, outcome="failure", step=step)
        left = settings.AXES_FAILURE_LIMIT - lock.failures
        if left <= 0:
            audit_record(event="auth.otp_lockout", request=request, user=user, obj=user, outcome="failure")
    if left <= 0:
        raise SecondFactorLocked(now + settings.AXES_COOLOFF_TIME)
    raise ValidationError(_("验证码错误或已使用过，还可尝试 %(n)s 次。") % {"n": left})


def _reset_lock(user) -> None:
    SecondFactorLock.objects.filter(user=user).update(failures=0, last_failure_at=None)


@transaction.atomic
def second_factor_reset(*, user, by, request=None, confirmed_by=None, from_server: bool = False,
                        now: datetime | None = None) -> None:
    """安全管理员 removes an account's authenticator and recovery codes (lost phone); audited.

    The holder enrols again at the next login; sessions verified with the removed device lose
    their verification at once (django-otp no longer finds the device). An account that holds an
    administrator role, or held one in the last 90 days, needs a second person (`confirmed_by`,
    from the server command: otherwise the security admin could enrol their own phone on the
    audit admin's account); it must then also change its password at next login.
    """
    from accounts import services as account_services
    from accounts.models import User

    # On the pages only the security admin resets, never their own; `manage.py twofactor_reset`
    # (from_server) names its operator in --by.
    if not from_server and (by is None or not roles.is_security_admin(by) or by.pk == user.pk):
        raise PermissionDenied(_("只有安全管理员可以重置他人的双因素认证。"))
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("不能重置自己的双因素认证。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    second = {}
    if roles.needs_second_person(user, now=now):
        try:
            second = account_services.second_person_check(
                user_pk=user.pk, by=by, confirmed_by=confirmed_by,
                refusal=account_services.reset_refusal_message(user, command="twofactor_reset"))
        except account_services.SecondPersonRequired as exc:
            raise account_services.SeparatedResetRefused(str(exc)) from None
        user.expire_password()
        user._change_audited = True
        user.save(update_fields=["password_changed_at"])
    had = selectors.is_enrolled(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    SecondFactorLock.objects.filter(user=user).delete()
    audit_record(
        event="otp.reset", request=request, user=by, obj=user,
        username="" if by else "manage.py",  # the command line without an operator named
        was_enrolled=had, separated_role=selectors.second_factor_required(user),
        flagged=bool(second), confirmed_by=second.get("confirmed_by", ""),
        password_expired=bool(second),
    )
