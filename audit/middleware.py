"""Records refused requests (等保 2.0: 访问控制失败要留痕)."""

from .models import AuditEvent
from .services import audit_record


class DenialAuditMiddleware:
    """Audits every 403, and every 404 an authenticated user gets on a URL that names an object.

    Views answer 404 to outsiders on purpose (not to reveal that an evaluation exists), so an
    object URL's 404 is a denial too; a 404 on an unknown URL is just a typo and not recorded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status == 403 or (status == 404 and self._is_object_404(request)):
            audit_record(
                event="access.denied", request=request, outcome=AuditEvent.Outcome.DENIED,
                status=status, method=request.method, path=request.path[:300],
                view=getattr(getattr(request, "resolver_match", None), "view_name", "") or "",
            )
        return response

    @staticmethod
    def _is_object_404(request) -> bool:
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        return bool(match and match.kwargs and user is not None and user.is_authenticated)
