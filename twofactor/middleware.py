"""Second factor on every request: a signed-in account that has (or must have) an authenticator
reaches nothing but the verify/enrol pages, logout and health until this session is verified."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import selectors
from .signals import ENROLLED_KEY

_EXEMPT_NAMES = ("twofactor:verify", "twofactor:setup", "accounts:logout", "accounts:login", "accounts:healthz")


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: sends unverified sessions to verification or enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            if self._exempt is None:
                self._exempt = {reverse(name) for name in _EXEMPT_NAMES}
            if request.path not in self._exempt and not request.path.startswith(settings.STATIC_URL):
                enrolled = request.session.get(ENROLLED_KEY)
                if enrolled is None:  # a session from before this feature
                    enrolled = request.session[ENROLLED_KEY] = selectors.is_enrolled(user)
                if enrolled or selectors.second_factor_required(user):
                    target = "twofactor:verify" if enrolled else "twofactor:setup"
                    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                    return redirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)
