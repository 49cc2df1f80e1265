"""Roles are Django groups; these helpers are the one place that names them.

Group names are Chinese because administrators see them in the admin screens.
"""

from django.contrib.auth.models import AnonymousUser

ADMIN = "管理员"
INSPECTOR = "督导专家"
OFFICIAL = "教育局"

ALL_ROLES = (ADMIN, INSPECTOR, OFFICIAL)


def _in_group(user, name: str) -> bool:
    if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return False
    # Cache the group names on the user object: navigation asks several times per request.
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return name in names


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or _in_group(user, ADMIN)


def is_inspector(user) -> bool:
    return _in_group(user, INSPECTOR)


def is_official(user) -> bool:
    return _in_group(user, OFFICIAL)


def can_view_results(user) -> bool:
    """Officials and admins read results; inspectors only see their own evaluations."""
    return is_admin(user) or is_official(user)


def role_labels(user) -> list[str]:
    labels = []
    if is_admin(user):
        labels.append(ADMIN)
    if is_inspector(user):
        labels.append(INSPECTOR)
    if is_official(user):
        labels.append(OFFICIAL)
    return labels
