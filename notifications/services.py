"""Writes: create notifications (in the caller's transaction), mark them read, save email choices.

Every step that tells someone something calls `notify` inside its own transaction: the notification
rows commit or roll back with the step, and the email goes out afterwards through the background task
(enqueued on commit). The actor is never told about their own action.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.text import strip_noncharacters

from .models import EmailSetting, Kind, Notification

TITLE_MAX = 200
BODY_MAX = 2000


def _clip(text: str, limit: int) -> str:
    text = strip_noncharacters(str(text or "")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notify(*, users: Iterable, kind: str, title: str, body: str = "", url: str = "", actor=None,
           now=None) -> list[Notification]:
    """Tell each (active, distinct) user, except the actor. Returns the notifications written."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    actor_id = getattr(actor, "pk", None)
    recipients = {u.pk: u for u in users if u is not None and u.is_active and u.pk != actor_id}
    if not recipients:
        return []
    now = now or timezone.now()
    rows = Notification.objects.bulk_create([
        Notification(user_id=pk, kind=kind, title=_clip(title, TITLE_MAX), body=_clip(body, BODY_MAX),
                     url=url[:300], created_at=now)
        for pk in recipients
    ])
    get_user_model().objects.filter(pk__in=recipients).update(unread_notifications=F("unread_notifications") + 1)
    ids = [n.pk for n in rows if n.pk] or list(
        Notification.objects.filter(user_id__in=recipients, kind=kind, created_at=now).values_list("pk", flat=True)
    )
    from .tasks import send_notification_emails

    transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return rows


def _recount(user) -> None:
    count = Notification.objects.filter(user=user, read_at__isnull=True).count()
    get_user_model().objects.filter(pk=user.pk).update(unread_notifications=count)
    user.unread_notifications = count


@transaction.atomic
def notification_read(*, notification: Notification, by, now=None) -> Notification:
    """Mark one of the user's own notifications read (another user's is a 404 in the view)."""
    if notification.user_id != by.pk:
        raise PermissionError
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
        _recount(by)
    return notification


@transaction.atomic
def notifications_read_all(*, by, now=None) -> int:
    count = Notification.objects.filter(user=by, read_at__isnull=True).update(read_at=now or timezone.now())
    _recount(by)
    return count


@transaction.atomic
def email_settings_save(*, by, choices: dict[str, bool]) -> None:
    """Store the user's email choice for every kind (unknown kinds ignored)."""
    for kind in Kind.values:
        EmailSetting.objects.update_or_create(user=by, kind=kind, defaults={"email": bool(choices.get(kind))})
