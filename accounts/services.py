"""Account writes of the security admin: create, edit, (de)activate, roles, scope, reset.

三权分立 (accounts.roles.check_role_set) and "no one changes their own roles, activation or
scope" are enforced here, for the pages, the import, the commands and any other caller alike;
the m2m guard in accounts.signals is the last line behind them.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from audit.services import audit_record

from . import roles
from .models import User

SELF_CHANGE_MESSAGE = "不能修改自己的角色、启用状态或查看范围。"
SEPARATED_ROLE_CHANGE_MESSAGE = (
    "三权分立：%(roles)s角色不能在系统页面或导入中授予或取消（否则安全管理员一人就能造出一个管理员账号）。"
    "须由运维人员在服务器上执行 manage.py user_roles %(username)s 角色… --by 执行人 --confirmed-by 另一名管理员"
    "（两人办理，记入审计）。"
)
SEPARATED_RESET_MESSAGE = (
    "%(user)s 持有管理员类角色（管理员、安全管理员或审计管理员），或在 %(days)s 天内持有过：三权分立要求其密码"
    "和双因素认证不能由安全管理员在页面上重置（否则安全管理员可以登录为该账号）。请由本人修改，或由运维人员在服务器上执行 "
    "manage.py %(command)s %(username)s --by 执行人 --confirmed-by 另一名管理员（两人办理，下次登录须修改密码，记入审计）。"
)
CONFIRMER_MESSAGE = "确认人须是执行人与该账号本人以外、已启用的管理员类账号（管理员、安全管理员或审计管理员）。"


class SecondPersonRequired(PermissionDenied):
    """An administrator-role change, or a reset of an (ex-)administrator's account, without a
    valid second person (三权分立)."""


class SeparatedResetRefused(SecondPersonRequired):
    """A page reset of an administrator's password or second factor (三权分立: needs a second person)."""


def reset_refusal_message(user: User, *, command: str = "reset_password") -> str:
    """Why a page reset of this account is refused, and the server command that does it."""
    return SEPARATED_RESET_MESSAGE % {"user": user.display_name, "username": user.username, "command": command,
                                      "days": roles.SEPARATED_RESET_WINDOW.days}


def _only_administrator(*, by: User | None, user_pk) -> bool:
    """True while `by` is the only active administrator-role holder (a fresh installation: the
    superuser creates the first security admin and nobody exists to confirm)."""
    if by is None or not by.is_active or not roles.is_separated(roles.held_roles(by)):
        return False
    others = (User.objects.filter(is_active=True)
              .filter(Q(groups__name__in=roles.SEPARATED_ROLES) | Q(is_superuser=True))
              .exclude(pk__in=[pk for pk in (by.pk, user_pk) if pk is not None]))
    return not others.exists()


def second_person_check(*, user_pk, by: User | None, confirmed_by: User | None, refusal: str,
                        bootstrap: bool = False) -> dict:
    """Check the second person of a 三权分立-sensitive act; returns what the audit entry records.

    `confirmed_by` must be an active administrator-role holder other than `by` and the account
    itself. `bootstrap` (only the server command sets it) lets the only administrator of a fresh
    installation act alone; the entry is flagged either way.
    """
    if confirmed_by is None:
        if bootstrap and _only_administrator(by=by, user_pk=user_pk):
            return {"flagged": True, "confirmed_by": "", "bootstrap": True}
        raise SecondPersonRequired(refusal)
    if by is None:
        raise SecondPersonRequired(refusal)
    confirmer = User.objects.filter(pk=confirmed_by.pk, is_active=True).first()
    if confirmer is None or confirmer.pk in {user_pk, by.pk} or not roles.is_separated(roles.held_roles(confirmer)):
        raise SecondPersonRequired(CONFIRMER_MESSAGE)
    return {"flagged": True, "confirmed_by": confirmer.username}


def _separated_role_change(*, user_pk, username: str, before, after, by, confirmed_by, bootstrap) -> dict:
    changed = roles.separated_change(before, after)
    if not changed:
        return {}
    refusal = SEPARATED_ROLE_CHANGE_MESSAGE % {
        "roles": "、".join(r for r in roles.ALL_ROLES if r in changed), "username": username}
    return second_person_check(user_pk=user_pk, by=by, confirmed_by=confirmed_by, refusal=refusal,
                               bootstrap=bootstrap)


@dataclass
class AccountData:
    """What the security admin sets on an account (the page's form and the import both fill it)."""

    username: str
    name: str = ""
    phone: str = ""
    organization: str = ""
    district: object = None  # schools.District of the unit, or None
    expertise: str = ""
    roles: tuple[str, ...] = ()
    school: object = None  # schools.School: a 学校（填报） account's school, an inspector's own school (回避)
    scope_city_wide: bool = False
    scope_districts: tuple = field(default_factory=tuple)
    is_active: bool = True


def one_time_password() -> str:
    """A random password that meets the policy, shown once and changed at first login."""
    # No = + - @ anywhere: a password is printed on sheets and into CSV, where a leading one
    # would be neutralized as a formula and the printed password would no longer work.
    alphabet = string.ascii_letters + string.digits + "#%!?*"
    while True:
        candidate = secrets.choice(string.ascii_letters) + "".join(secrets.choice(alphabet) for _ in range(13))
        try:
            validate_password(candidate)
        except ValidationError:
            continue
        return candidate


def _role_names(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True))


def _scope_of(user: User) -> dict:
    return {"city_wide": user.scope_city_wide,
            "districts": sorted(user.scope_districts.values_list("name", flat=True))}


def _check_roles(role_names, *, who: str, is_superuser: bool = False) -> list[str]:
    unknown = set(role_names) - set(roles.ALL_ROLES)
    if unknown:
        raise ValidationError(f"未知角色：{'、'.join(sorted(unknown))}", code="unknown_role")
    roles.check_role_set(set(role_names) | ({roles.ADMIN} if is_superuser else set()), who=who)
    return [r for r in roles.ALL_ROLES if r in set(role_names)]


def _apply_roles(user: User, role_names: list[str]) -> None:
    # Remove first, then add: the m2m guard sees the final set, not a union of old and new.
    user.groups.remove(*Group.objects.filter(name__in=set(roles.ALL_ROLES) - set(role_names)))
    user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in role_names])
    user.__dict__.pop("_role_names", None)


def _apply_scope(user: User, data: AccountData, role_names: list[str]) -> None:
    # A scope means something only for 教育局; kept empty on other accounts so it cannot lie dormant.
    official = roles.OFFICIAL in role_names
    city = bool(data.scope_city_wide) and official
    if user.scope_city_wide != city:
        user.scope_city_wide = city
        user._change_audited = True
        user.save(update_fields=["scope_city_wide"])
    user.scope_districts.set(list(data.scope_districts) if official and not city else [])
    user.__dict__.pop("_scope_district_ids", None)


def _profile(user: User, data: AccountData) -> None:
    user.username = data.username
    user.name = data.name
    user.phone = data.phone
    user.organization = data.organization
    user.district = data.district
    user.expertise = data.expertise
    user.school = data.school
    user.is_active = data.is_active


@transaction.atomic
def user_create(*, data: AccountData, by: User, request=None, confirmed_by: User | None = None,
                bootstrap: bool = False) -> tuple[User, str]:
    """Create an account with a one-time password (returned once, to show or print).

    An administrator role (三权分立) is given only with a second person (`confirmed_by`, from
    the server command); the pages and the import never pass one.
    """
    role_names = _check_roles(data.roles, who=data.username)
    second = _separated_role_change(user_pk=None, username=data.username, before=(), after=role_names, by=by,
                                    confirmed_by=confirmed_by, bootstrap=bootstrap)
    user = User(username=data.username)
    _profile(user, data)
    if roles.SCHOOL in role_names:
        roles.check_school_account(user)
    password = one_time_password()
    user.set_password(password)
    user.expire_password()
    user.full_clean(exclude=["password"])
    user._password_event_recorded = user._change_audited = True
    user.save()
    _apply_roles(user, role_names)
    _apply_scope(user, data, role_names)
    audit_record(event="user.create", request=request, user=by, obj=user,
                 roles_after=role_names, scope_after=_scope_of(user), one_time_password=True, **second)
    return user, password


def self_change_refused(*, user: User, by: User, role_names, is_active: bool, scope_city_wide: bool,
                        scope_districts) -> bool:
    """True when `by` would change their own roles, activation or scope (nobody may)."""
    if user.pk is None or user.pk != by.pk:
        return False
    official = roles.OFFICIAL in set(role_names)
    wanted_scope = {"city_wide": bool(scope_city_wide) and official,
                    "districts": sorted(d.name for d in scope_districts) if official and not scope_city_wide else []}
    return set(role_names) != set(_role_names(user)) or is_active != user.is_active or wanted_scope != _scope_of(user)


@transaction.atomic
def user_update(*, user: User, data: AccountData, by: User, request=None, confirmed_by: User | None = None) -> User:
    """Change an account's profile, roles, scope and activation (not one's own powers; an
    administrator role only with a second person, see user_create)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    role_names = _check_roles(data.roles, who=user.username, is_superuser=user.is_superuser)
    before_roles, before_scope, was_active = _role_names(user), _scope_of(user), user.is_active
    if self_change_refused(user=user, by=by, role_names=role_names, is_active=data.is_active,
                           scope_city_wide=data.scope_city_wide, scope_districts=data.scope_districts):
        raise PermissionDenied(SELF_CHANGE_MESSAGE)
    second = _separated_role_change(user_pk=user.pk, username=user.username, before=before_roles, after=role_names,
                                    by=by, confirmed_by=confirmed_by, bootstrap=False)
    _profile(user, data)
    if roles.SCHOOL in role_names:
        roles.check_school_account(user)
    user.full_clean(exclude=["password"])
    user._change_audited = True
    user.save()
    _apply_roles(user, role_names)
    _apply_scope(user, data, role_names)
    audit_record(event="user.update", request=request, user=by, obj=user,
                 roles_before=before_roles, roles_after=role_names,
                 scope_before=before_scope, scope_after=_scope_of(user),
                 active_before=was_active, active_after=user.is_active, **second)
    return user


@transaction.atomic
def user_assign_roles(*, user: User, role_names: list[str], is_active: bool, by: User, request=None,
                      confirmed_by: User | None = None, bootstrap: bool = False) -> User:
    """Set the account's role groups and active flag; nobody changes their own; an
    administrator role is granted or removed only with a second person (see user_create)."""
    if user.pk == by.pk:
        raise PermissionDenied(SELF_CHANGE_MESSAGE)
    user = User.objects.select_for_update().get(pk=user.pk)
    role_names = _check_roles(role_names, who=user.username, is_superuser=user.is_superuser)
    if roles.SCHOOL in role_names:
        roles.check_school_account(user)
    before = _role_names(user)
    second = _separated_role_change(user_pk=user.pk, username=user.username, before=before, after=role_names,
                                    by=by, confirmed_by=confirmed_by, bootstrap=bootstrap)
    was_active = user.is_active
    _apply_roles(user, role_names)
    if roles.OFFICIAL not in role_names:
        _apply_scope(user, AccountData(username=user.username), role_names)
    if was_active != is_active:
        user.is_active = is_active
        user.full_clean(exclude=["password"])
        user._change_audited = True
        user.save(update_fields=["is_active"])
    audit_record(
        event="user.roles", request=request, user=by, obj=user,
        roles_before=before, roles_after=role_names, active_before=was_active, active_after=is_active, **second,
    )
    return user


@transaction.atomic
def user_reset_password(*, user: User, by: User | None, request=None, confirmed_by: User | None = None,
                        now=None) -> str:
    """Give the account a one-time password (returned once) that must be changed at next login.

    An account that holds an administrator role, or held one in the last 90 days (三权分立), is
    refused unless a second person confirms (the server command): the security admin could
    otherwise log in as the audit admin. Such a reset is flagged.
    """
    if by is not None and user.pk == by.pk:
        raise PermissionDenied("不能在这里重置自己的密码，请用“修改密码”。")
    user = User.objects.select_for_update().get(pk=user.pk)
    held = roles.held_roles(user)
    second = {}
    if roles.needs_second_person(user, now=now):
        try:
            second = second_person_check(user_pk=user.pk, by=by, confirmed_by=confirmed_by,
                                         refusal=reset_refusal_message(user))
        except SecondPersonRequired as exc:
            raise SeparatedResetRefused(str(exc)) from None
    password = one_time_password()
    user.set_password(password)
    user.expire_password()
    user._password_event_recorded = user._change_audited = True
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(event="user.password_reset", request=request, user=by, obj=user,
                 flagged=bool(second), roles=sorted(held), confirmed_by=second.get("confirmed_by", ""))
    return password


# ---------------------------------------------------------------- school accounts (学校（填报）)


def school_account_username(school) -> str:
    """The username a school's account gets from the bulk action: "xx" and the school code."""
    return f"xx{school.code}"


class SchoolAccountsRefused(ValidationError):
    """The bulk action is refused as a whole; the messages name each school and why."""


@transaction.atomic
def school_accounts_create(*, schools, by: User, request=None) -> tuple[list[tuple[User, str]], list]:
    """One 学校（填报） account for each school that has none yet, all or none.

    Returns (created accounts with their one-time passwords, schools skipped because they
    already have an account). A username already taken refuses the whole batch.
    """
    from django.db.models.functions import Lower

    from .forms import clean_username

    schools = list(schools)
    have = set(User.objects.filter(groups__name=roles.SCHOOL, school__in=schools).values_list("school_id", flat=True))
    todo = [s for s in schools if s.pk not in have]
    skipped = [s for s in schools if s.pk in have]
    problems = []
    wanted = {}
    for school in todo:
        username = school_account_username(school)
        try:
            clean_username(username)
        except ValidationError:
            problems.append(f"{school.name}（{school.code}）：学校代码不能用作用户名，请在“新建用户”中逐个建立。")
            continue
        wanted[username.lower()] = (username, school)
    taken = set(User.objects.annotate(lower=Lower("username")).filter(lower__in=list(wanted))
                .values_list("lower", flat=True))
    for key in sorted(taken):
        username, school = wanted[key]
        problems.append(f"{school.name}（{school.code}）：用户名“{username}”已被其他账号使用，请在“新建用户”中为该校另建账号。")
    if problems:
        raise SchoolAccountsRefused(problems)
    created = []
    for username, school in wanted.values():
        created.append(user_create(data=AccountData(
            username=username, name=school.name[:50], organization=school.name[:100], district=school.district,
            roles=(roles.SCHOOL,), school=school,
        ), by=by, request=request))
    audit_record(event="user.school_accounts", request=request, user=by, created=len(created),
                 schools=[s.code for _u, s in wanted.values()], skipped=[s.code for s in skipped])
    return created, skipped
