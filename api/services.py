"""Writes for API tokens: create (the secret is returned once), revoke, record a use."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from audit.services import audit_record
from config.text import clean_field_text

from .models import ApiToken

TOKEN_PREFIX = "nqs"
EXPIRY_CHOICES_DAYS = (7, 30, 90, 180, 365)
# A use refreshes last_used_at at most this often (one UPDATE, not one per request); the audit log gets
# a "used" event at the first use and then at most once per calendar day (Asia/Shanghai) per token.
LAST_USED_RESOLUTION = timedelta(minutes=5)
MAX_ACTIVE_TOKENS = 20


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a presented token, or None for anything not shaped like one of ours."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    if len(parts[1]) > 16 or len(parts[2]) > 100 or not (parts[1] + parts[2]).isascii():
        return None
    return parts[1], parts[2]


def secret_matches(token: ApiToken, secret: str) -> bool:
    return hmac.compare_digest(token.secret_hash, hash_secret(secret))


@dataclass
class CreatedToken:
    token: ApiToken
    key: str  # nqs_<prefix>_<secret>: shown once, never stored


@transaction.atomic
def token_create(*, user, name: str, scope: str, days: int, now: datetime | None = None, request=None) -> CreatedToken:
    """A new token for `user`; the key is in the result only."""
    now = now or timezone.now()
    name = clean_field_text(name, field_name="name", label=_("令牌名称"), max_length=100, required=True)
    errors = {}
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("请选择权限范围（只读或读写）。")
    if days not in EXPIRY_CHOICES_DAYS:
        errors["days"] = _("有效期只能选择 %(days)s 天。") % {"days": "、".join(str(d) for d in EXPIRY_CHOICES_DAYS)}
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= MAX_ACTIVE_TOKENS:
        errors["name"] = _("有效令牌已达 %(n)s 个，请先撤销不用的令牌。") % {"n": MAX_ACTIVE_TOKENS}
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=hash_secret(secret), scope=scope,
                                    created_at=now, expires_at=now + timedelta(days=days))
    audit_record(event="api_token.create", request=request, user=user, obj=token, prefix=prefix, scope=scope,
                 expires_at=token.expires_at.isoformat())
    return CreatedToken(token=token, key=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def may_manage_all(user) -> bool:
    """Credentials are the security admin's (三权分立): they list and revoke anyone's tokens."""
    return roles.is_security_admin(user)


@transaction.atomic
def token_revoke(*, token: ApiToken, by, now: datetime | None = None, request=None) -> ApiToken:
    """Revoke a token: its owner or the security admin; a revoked token stays revoked."""
    if token.user_id != by.pk and not may_manage_all(by):
        raise PermissionDenied(_("只能撤销自己的令牌。"))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = now or timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(event="api_token.revoke", request=request, user=by, obj=token, prefix=token.prefix,
                     owner=token.user.get_username())
    return token


def token_touch(*, token: ApiToken, now: datetime | None = None, request=None) -> None:
    """Record a use: last_used_at at most every LAST_USED_RESOLUTION (a conditional UPDATE, so parallel
    requests write it once), and an audit event at the first use and then once per calendar day."""
    now = now or timezone.now()
    previous = token.last_used_at
    if previous is not None and now - previous < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    if not ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        return  # another request recorded it a moment ago
    token.last_used_at = now
    if previous is None or timezone.localdate(previous) != timezone.localdate(now):
        audit_record(event="api_token.use", request=request, user=token.user, obj=token, prefix=token.prefix,
                     first=previous is None)
