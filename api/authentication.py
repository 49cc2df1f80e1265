"""`Authorization: Bearer nqs_<prefix>_<secret>`: the token's owner, with the token as request.auth."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from audit.models import AuditEvent
from audit.services import audit_record

from . import services
from .models import ApiToken


def _now():
    """The clock of token checks (a function, so tests set the time instead of reading the clock)."""
    return timezone.now()


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        # The audit records below read the address from Django's request: DRF's would authenticate again.
        django_request = getattr(request, "_request", request)
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为：Bearer <令牌>。"))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from None
        parts = services.split_token(raw)
        token = None
        if parts is not None:
            token = ApiToken.objects.select_related("user").filter(prefix=parts[0]).first()
        if token is None or not services.secret_matches(token, parts[1]):
            audit_record(event="api_token.refused", request=django_request, outcome=AuditEvent.Outcome.DENIED,
                         reason="invalid", prefix=parts[0] if parts else "")
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        now = _now()
        reason = None
        if token.revoked_at is not None:
            reason, message = "revoked", _("令牌已被撤销。")
        elif token.expires_at <= now:
            reason, message = "expired", _("令牌已过期，请在“API 令牌”页面重新创建。")
        elif not token.user.is_active:
            reason, message = "inactive", _("令牌所属账号已停用。")
        if reason:
            audit_record(event="api_token.refused", request=django_request, user=token.user, obj=token,
                         outcome=AuditEvent.Outcome.DENIED, reason=reason, prefix=token.prefix)
            raise exceptions.AuthenticationFailed(message)
        services.token_touch(token=token, now=now, request=django_request)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
