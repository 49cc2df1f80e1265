"""Reads of the two-factor login: who must use it, what an account has enrolled, whether it is locked."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles

from .models import SecondFactorLock


def second_factor_required(user) -> bool:
    """True for 系统管理员, 安全管理员 and 审计管理员 (and superusers); for everyone if TWO_FACTOR_ALL is set."""
    if not getattr(user, "is_authenticated", False):
        return False
    if settings.TWO_FACTOR_ALL:
        return True
    return roles.is_admin(user) or roles.is_security_admin(user) or roles.is_auditor(user)


def totp_device(user) -> TOTPDevice | None:
    """The account's authenticator (one per account)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def is_enrolled(user) -> bool:
    """True once the account has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    """How many unused recovery codes the account still holds."""
    return sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user, confirmed=True))


def locked_until(user, *, now: datetime) -> datetime | None:
    """When the second factor unlocks, or None if it is not locked (LOGIN_FAILURE_LIMIT wrong codes in a row)."""
    lock = SecondFactorLock.objects.filter(user=user).first()
    if lock is None or lock.failures < settings.AXES_FAILURE_LIMIT or lock.last_failure_at is None:
        return None
    until = lock.last_failure_at + settings.AXES_COOLOFF_TIME
    return until if until > now else None
