"""Write audit records. Every part of the app records events through audit_record()."""

from __future__ import annotations

from django.db import models

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def _text(value) -> str:
    # PostgreSQL text and jsonb cannot hold NUL; an audit write must never fail on hostile input.
    return str(value).replace("\x00", "\ufffd")


def _json_safe(value):
    if isinstance(value, (int, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {_text(k): _json_safe(v) for k, v in value.items()}
    return _text(value)


def audit_record(
    *,
    event: str,
    request=None,
    user=None,
    obj: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    username: str = "",
    **detail,
) -> AuditEvent:
    """Append one audit event (who, from where, what, on which object, with what outcome).

    `event` is a dotted name such as "score.change", "evaluation.finalize", "export.pdf".
    """
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        event=event,
        user=user,
        username=_text(username or (user.get_username() if user is not None else ""))[:150],
        ip=client_ip(request),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_text(obj)[:300] if obj is not None else "",
        outcome=outcome,
        detail={k: _json_safe(v) for k, v in detail.items()},
    )
