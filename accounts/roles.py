"""Roles are Django groups; these helpers are the one place that names them.

Group names are Chinese because administrators see them in the admin screens.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

ADMIN = "管理员"
INSPECTOR = "督导专家"
OFFICIAL = "教育局"
# 三权分立 (等保 2.0): system, security and audit administration are held by different people.
SECURITY_ADMIN = "安全管理员"
AUDITOR = "审计管理员"
# A school's own account (学校自评申报, later its results and rectification): an outside party,
# scoped to exactly one school (User.school), never combined with any other role.
SCHOOL = "学校（填报）"

ALL_ROLES = (ADMIN, INSPECTOR, OFFICIAL, SECURITY_ADMIN, AUDITOR, SCHOOL)

# 三权分立: these three are never held together, and none of them with a business role unless
# settings.ROLE_ALLOWED_PAIRS names the pair (e.g. "管理员+督导专家" for a small county).
SEPARATED_ROLES = (ADMIN, SECURITY_ADMIN, AUDITOR)
BUSINESS_ROLES = (INSPECTOR, OFFICIAL)


def _allowed_pairs() -> set[frozenset[str]]:
    pairs = set()
    for item in getattr(settings, "ROLE_ALLOWED_PAIRS", ()):
        parts = frozenset(p.strip() for p in item.split("+"))
        # The three separated roles stay apart whatever the setting says.
        if len(parts) == 2 and len(parts & set(SEPARATED_ROLES)) == 1 and len(parts & set(BUSINESS_ROLES)) == 1:
            pairs.add(parts)
    return pairs


def role_conflicts(names) -> list[tuple[str, str]]:
    """The pairs among `names` that 三权分立 forbids, in a stable order."""
    held = [r for r in ALL_ROLES if r in set(names)]
    allowed = _allowed_pairs()
    conflicts = []
    for i, first in enumerate(held):
        for second in held[i + 1:]:
            if SCHOOL in (first, second):
                # A school account holding 督导专家 or 教育局 would judge itself: never, whatever the setting.
                conflicts.append((first, second))
                continue
            if first not in SEPARATED_ROLES and second not in SEPARATED_ROLES:
                continue  # two business roles (督导专家 + 教育局) may be held together
            if frozenset((first, second)) in allowed:
                continue
            conflicts.append((first, second))
    return conflicts


class RoleConflict(ValidationError):
    """A role set that 三权分立 forbids; the message names the conflicting roles."""


def check_role_set(names, *, who: str = "") -> None:
    """Raise RoleConflict naming the forbidden pairs (the one rule every path calls)."""
    conflicts = role_conflicts(names)
    if conflicts:
        prefix = f"{who}：" if who else ""
        school = [b if a == SCHOOL else a for a, b in conflicts if SCHOOL in (a, b)]
        others = [(a, b) for a, b in conflicts if SCHOOL not in (a, b)]
        parts = []
        if others:
            pairs = "；".join(f"{a}与{b}" for a, b in others)
            parts.append(f"三权分立不允许同一账号同时担任{pairs}。")
        if school:
            parts.append(f"{SCHOOL}账号是学校自己的账号，不能兼任其他角色（{'、'.join(school)}）。")
        raise RoleConflict(prefix + "".join(parts), code="role_conflict")


SCHOOL_WITHOUT_SCHOOL = f"{SCHOOL}账号须设置所在学校（它只能看到这所学校）。"


def check_school_account(user) -> None:
    """Refuse a 学校（填报） account without its school: its whole scope is that one school."""
    if not getattr(user, "school_id", None):
        raise ValidationError({"school": SCHOOL_WITHOUT_SCHOOL}, code="school_required")


def held_roles(user) -> set[str]:
    """Role names stored on the account (a superuser counts as 管理员), read from the database."""
    names = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True)) if user.pk else set()
    if getattr(user, "is_superuser", False):
        names.add(ADMIN)
    return names


def is_separated(names) -> bool:
    """True for a role set with one of the three administrator roles."""
    return bool(set(names) & set(SEPARATED_ROLES))


def separated_change(before, after) -> set[str]:
    """The administrator roles granted or removed going from role set `before` to `after`.

    Such a change is never made in the product (pages, import, services called by them): only
    on the server, by one person with a second one confirming (manage.py user_roles --confirmed-by).
    """
    return (set(before) ^ set(after)) & set(SEPARATED_ROLES)


# After losing an administrator role, an account's password or second factor is still reset
# only with a second person for this long (else: strip the role, reset, give it back).
SEPARATED_RESET_WINDOW = timedelta(days=90)


def needs_second_person(user, *, now: datetime | None = None) -> bool:
    """True when a reset of this account's password or second factor needs a second person:
    it holds one of the three administrator roles, or held one within SEPARATED_RESET_WINDOW."""
    if is_separated(held_roles(user)):
        return True
    removed = getattr(user, "separated_role_removed_at", None)
    return removed is not None and removed > (now or timezone.now()) - SEPARATED_RESET_WINDOW


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


def is_school(user) -> bool:
    """A school's own account (学校（填报）): sees only its own school (accounts.scopes.school_of)."""
    return _in_group(user, SCHOOL)


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
    if is_school(user):
        labels.append(SCHOOL)
    return labels
