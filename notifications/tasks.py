"""Email for notifications, sent by the background worker (django-tasks), never inside a request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks import task

from .models import Notification
from .selectors import email_wanted


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send each listed notification once (emailed_at marks it) to users with an address who want the
    kind by email. Returns the number of emails sent."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("user")
    )
    wanted = email_wanted([(n.user_id, n.kind) for n in pending])
    messages, sent = [], []
    for n in pending:
        if not n.user.email or not n.user.is_active or (n.user_id, n.kind) not in wanted:
            continue
        body = n.body
        if n.url:
            body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{n.url}" if settings.SITE_URL else f"{body}\n\n{n.url}"
        messages.append(EmailMessage(subject=f"[新优质学校评估] {n.title}", body=body.strip(), to=[n.user.email]))
        sent.append(n.pk)
    if messages:
        get_connection().send_messages(messages)
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(messages)
