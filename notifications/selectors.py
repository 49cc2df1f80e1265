"""Reads: a user's notifications and email choices."""

from __future__ import annotations

from .models import EmailSetting, Kind, Notification


def notifications_of(user):
    return Notification.objects.filter(user=user)


def email_settings_of(user) -> dict[str, bool]:
    """Every kind with the user's choice (default on)."""
    chosen = dict(EmailSetting.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in Kind.values}


def email_wanted(pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of (user id, kind) pairs, those whose user wants that kind by email (no row = yes)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    off = set(
        EmailSetting.objects.filter(user_id__in={u for u, _ in pairs}, email=False).values_list("user_id", "kind")
    )
    return pairs - off
