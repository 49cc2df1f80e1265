"""Reads of API tokens for the token pages."""

from django.db.models import Q

from .models import ApiToken


def tokens_of(*, user):
    """One person's tokens, newest first (revoked and expired ones stay listed)."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def all_tokens(*, query: str = ""):
    """Everyone's tokens (the security admin's list), optionally by username, name or prefix."""
    qs = ApiToken.objects.select_related("user", "revoked_by")
    if query:
        qs = qs.filter(Q(user__username__icontains=query) | Q(user__name__icontains=query) | Q(prefix__iexact=query)
                       | Q(name__icontains=query))
    return qs
