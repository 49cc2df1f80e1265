"""Authentication backends."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no HTTP request.

    Only requests can be brute-forced from outside; code paths without one (the test
    client's login(), a management shell) would otherwise raise instead of authenticating.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
