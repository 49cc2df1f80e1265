"""Session policy enforced on every request."""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .models import PASSWORD_EXPIRED_MARK, User

# Paths a user with an expired password may still reach: the change page itself, logout, health.
_EXEMPT_NAMES = ("accounts:password_change", "accounts:logout", "accounts:login", "accounts:healthz",
                 # The second factor comes first (twofactor.middleware), so its pages stay reachable.
                 "twofactor:verify", "twofactor:setup")


def password_expired(user) -> bool:
    """True when the user's password is older than PASSWORD_EXPIRY_DAYS (or was marked expired)."""
    days = getattr(settings, "PASSWORD_EXPIRY_DAYS", 90)
    changed = getattr(user, "password_changed_at", None)
    if changed is not None and changed <= PASSWORD_EXPIRED_MARK:
        return True  # a reset or one-time password: changed at next login even with expiry off (0)
    if not days or changed is None:
        return False
    return timezone.now() - changed > timedelta(days=days)


class PasswordExpiryMiddleware:
    """Sends a user whose password has expired to the change page before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and isinstance(user, User) and password_expired(user):
            if self._exempt is None:
                self._exempt = {reverse(name) for name in _EXEMPT_NAMES}
            if request.path not in self._exempt and not request.path.startswith(settings.STATIC_URL):
                return redirect("accounts:password_change")
        return self.get_response(request)
