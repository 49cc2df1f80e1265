"""Audit receivers for events that happen outside any one view: logins, lockouts, account changes."""

import contextlib
import contextvars

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .models import AuditEvent
from .services import audit_record

User = get_user_model()

# Saves that are bookkeeping, not account changes.
_QUIET_FIELDS = {"last_login"}


_suppressed = contextvars.ContextVar("audit_signals_suppressed", default=False)


@contextlib.contextmanager
def suppressed():
    """Silence the model-change receivers (restore replays rows; they are not new changes)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _current_request():
    # HistoryRequestMiddleware (simple_history) keeps the request of the running thread.
    return getattr(HistoricalRecords.context, "request", None)


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender, request, user, **kwargs):
    audit_record(event="auth.login", request=request, user=user, obj=user)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Credentials arrive with the password already masked by Django; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        event="auth.login_failed", request=request, user=None, username=username,
        outcome=AuditEvent.Outcome.FAILURE,
    )


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender, request, user, **kwargs):
    audit_record(event="auth.logout", request=request, user=user, obj=user)


@receiver(user_locked_out, dispatch_uid="audit.lockout")
def on_lockout(sender, request, username, ip_address, **kwargs):
    audit_record(
        event="auth.lockout", request=request, user=None, username=str(username or "")[:150],
        outcome=AuditEvent.Outcome.DENIED,
    )


@receiver(post_save, sender=User, dispatch_uid="audit.user_saved")
def on_user_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or _suppressed.get():  # loaddata (restore) replays history; it is not a new change
        return
    if update_fields is not None and set(update_fields) <= _QUIET_FIELDS:
        return
    if getattr(instance, "_change_audited", False):
        return  # accounts.services records this change itself, with before and after
    request = _current_request()
    audit_record(
        event="user.create" if created else "user.change", request=request, obj=instance,
        fields=sorted(update_fields) if update_fields else "all",
        is_active=instance.is_active, is_superuser=instance.is_superuser,
    )
    # Every password change leaves its own record, whatever the path (a page, changepassword,
    # a shell); the services that record a more specific event mark the instance.
    password_changed = instance.password != getattr(instance, "_password_at_load", instance.password)
    if password_changed and not created and not getattr(instance, "_password_event_recorded", False):
        from accounts import roles

        held = sorted(roles.held_roles(instance))
        audit_record(event="password.set", request=request, obj=instance,
                     flagged=roles.is_separated(held), roles=held)
    instance._password_event_recorded = False


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit.user_groups")
def on_user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or _suppressed.get():
        return
    if action != "post_clear" and not pk_set:
        return
    request = _current_request()
    if reverse:  # group.user_set.add(...): instance is the Group
        users = list(User.objects.filter(pk__in=pk_set or ())) if action != "post_clear" else []
        for user in users:
            audit_record(event="user.groups", request=request, obj=user, action=action, groups=[instance.name])
        if action == "post_clear":
            audit_record(event="user.groups", request=request, obj=instance, action=action)
        return
    names = sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True)) if pk_set else []
    audit_record(event="user.groups", request=request, obj=instance, action=action, groups=names)
