"""Chinese error pages while DEBUG is on (the demo started by bin/serve runs with DEBUG=1).

With DEBUG on, Django answers an unknown URL with its English technical 404 page, which
lists every URL pattern, and a crash with a traceback. The demo is shown to inspectors
and officials, so it gets the product's own pages (templates/404.html, 400.html, 500.html).
DEBUG_TECHNICAL_PAGES=1 brings Django's pages back for a developer.

RejectNulMiddleware refuses requests carrying NUL characters before any view sees them:
PostgreSQL cannot store or compare a string holding U+0000 (psycopg raises ValueError), so a
NUL in a path segment, a query parameter or a form field turned into HTTP 500 wherever the
value reached a query. No legitimate input contains one: the whole request gets a clear 400.
Uploaded files are not inspected here (they are judged by config.uploads).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, MiddlewareNotUsed, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("django.request")


class DebugErrorPagesMiddleware:
    """Renders the product's 404/400/500 pages instead of Django's technical ones under DEBUG."""

    def __init__(self, get_response):
        if not settings.DEBUG or settings.DEBUG_TECHNICAL_PAGES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        # An unknown URL never reaches a view (nor process_exception): resolve it here first.
        try:
            resolve(request.path_info, getattr(request, "urlconf", None) or get_urlconf())
        except Resolver404 as exc:
            return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # Django renders 403.html whatever DEBUG says
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return defaults.bad_request(request, exception)
        # The traceback still goes to the console/log, only not to the browser.
        logger.error("Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500, "request": request})
        return defaults.server_error(request)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


class RejectNulMiddleware:
    """HTTP 400 with a Chinese message for a NUL in the path, the query string or a form field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (
            request.method == "POST" and request.content_type in _FORM_TYPES and _has_nul(request.POST)
        ):
            reason = _("请求中含有不允许的空字符（NUL），已拒绝处理。")
            if request.path.startswith("/api/"):  # the REST API answers errors as JSON (api.exceptions)
                from django.http import JsonResponse

                return JsonResponse({"detail": reason, "code": "invalid", "errors": []}, status=400)
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)
