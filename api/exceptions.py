"""Every API error as JSON: {"detail": Chinese message, "code": ..., "errors": [{"field": path, "message": ...}]}.

Field paths are dotted with list indexes (`rows[2].code`, `scores.C1.points`); errors that belong to no
field have the path "" (non-field).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY

MESSAGES = {
    exceptions.NotAuthenticated: lambda exc: _("未登录或未提供令牌（Authorization: Bearer <令牌>）。"),
    exceptions.MethodNotAllowed: lambda exc: _("不支持此请求方法。"),
    exceptions.ParseError: lambda exc: _("请求内容不是有效的 JSON。"),
    exceptions.UnsupportedMediaType: lambda exc: _("不支持此内容类型，请使用 application/json。"),
    exceptions.NotAcceptable: lambda exc: _("无法按请求的格式返回内容，请接受 application/json。"),
    exceptions.Throttled: lambda exc: _("请求过于频繁，请 %(s)s 秒后再试。") % {"s": exc.wait and int(exc.wait + 0.999) or 1},
}


def flatten(detail, path: str = "") -> list[dict]:
    """[{"field": "rows[0].code", "message": "..."}] from DRF's nested error detail."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys a list's errors by position
                out += flatten(value, f"{path}[{key}]")
                continue
            key = "" if key in (NON_FIELD, "__all__") else str(key)
            out += flatten(value, f"{path}.{key}" if path and key else (key or path))
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out += [{"field": path, "message": str(v)} for v in detail]
        else:
            for i, value in enumerate(detail):
                if value:
                    out += flatten(value, f"{path}[{i}]")
    else:
        out.append({"field": path, "message": str(detail)})
    return out


def error_response(*, status_code: int, detail: str, code: str, errors: list[dict] | None = None, **extra) -> Response:
    return Response({"detail": detail, "code": code, "errors": errors or [], **extra}, status=status_code)


def handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        errors = flatten(detail)
        return error_response(status_code=400, detail=errors[0]["message"] if errors else _("输入有误。"),
                              code="invalid", errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到，或您无权查看。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc.args[0]) if exc.args else _("您没有权限执行此操作。"))
    response = drf_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling (and logging) applies
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
        message = errors[0]["message"] if errors else _("输入有误。")
        response.data = {"detail": message, "code": "invalid", "errors": errors}
        return response
    message = None
    for kind, make in MESSAGES.items():
        if isinstance(exc, kind):
            message = make(exc)
            break
    if message is None:
        message = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else _("请求有误。")
    codes = exc.get_codes()
    response.data = {"detail": message, "code": codes if isinstance(codes, str) else "error", "errors": []}
    if response.status_code == status.HTTP_403_FORBIDDEN and not message:
        response.data["detail"] = _("您没有权限执行此操作。")
    return response
