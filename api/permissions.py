"""Who may call the API at all; what each endpoint allows is decided by the pages' access helpers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken


class TokenScope(permissions.BasePermission):
    """A read-only token (只读) may only read: every write is refused with 403."""

    message = _("此令牌为只读令牌，不能用于修改数据。请使用读写令牌。")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True
