"""System check: accounts that hold roles 三权分立 forbids together (from before the rule).

Tagged `database`: it reads accounts, so it runs with `migrate` and `manage.py check --database
default`, not with a plain `check` or `check --deploy` (which never touch the database).

It applies the live rule (accounts.roles.role_conflicts, with ROLE_ALLOWED_PAIRS). The upgrade
migration 0004 reports with its own frozen copy of the rule, because a migration must not import
app code that may change after it has run; that copy ignores ROLE_ALLOWED_PAIRS (it may list a
pair a deployment allows, never miss one), and tests/accounts/test_separation_of_duties.py checks
that both agree on every role combination under the default settings. This check is the authority.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def role_separation_check(app_configs=None, databases=None, **kwargs):
    """Warn about every account whose roles conflict (run by `migrate` and `check --database default`)."""
    if not databases:
        return []
    from . import roles
    from .models import User

    warnings = []
    try:
        users = list(User.objects.prefetch_related("groups"))
    except DatabaseError:  # tables not created yet
        return []
    for user in users:
        names = {g.name for g in user.groups.all()} | ({roles.ADMIN} if user.is_superuser else set())
        conflicts = roles.role_conflicts(names)
        if conflicts:
            pairs = "；".join(f"{a}与{b}" for a, b in conflicts)
            warnings.append(Warning(
                f"账号 {user.username} 同时持有{pairs}，违反三权分立。",
                hint="请安全管理员在“用户与角色”中调整其角色。",
                obj=user.username, id="accounts.W001",
            ))
    return warnings
