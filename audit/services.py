"""Write audit records. Every part of the app records events through audit_record()."""

from __future__ import annotations

from django.db import models

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


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
        username=username or (user.get_username() if user is not None else ""),
        ip=client_ip(request),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        outcome=outcome,
        detail={k: (str(v) if not isinstance(v, (int, bool, type(None), list, dict)) else v) for k, v in detail.items()},
    )
