"""Remember at login whether the account has an authenticator, so each request needs no query for it."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import selectors

ENROLLED_KEY = "twofactor_enrolled"


@receiver(user_logged_in)
def _remember_enrolment(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_KEY] = selectors.is_enrolled(user)
