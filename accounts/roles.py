"""Roles are Django groups; these helpers are the one place that names them.

Group names are Chinese because administrators see them in the admin screens.
"""

from django.contrib.auth.models import AnonymousUser

ADMIN = "管理员"
INSPECTOR = "督导专家"
OFFICIAL = "教育局"
# 三权分立 (等保 2.0): system, security and audit administration are held by different people.
SECURITY_ADMIN = "安全管理员"
AUDITOR = "审计管理员"

ALL_ROLES = (ADMIN, INSPECTOR, OFFICIAL, SECURITY_ADMIN, AUDITOR)


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


def is_security_admin(user) -> bool:
    """Assigns roles and (de)activates accounts; never touches schools, rubric or scores."""
    return _in_group(user, SECURITY_ADMIN)


def is_auditor(user) -> bool:
    """Reads the audit log and nothing else."""
    return _in_group(user, AUDITOR)


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
    if is_security_admin(user):
        labels.append(SECURITY_ADMIN)
    if is_auditor(user):
        labels.append(AUDITOR)
    return labels
