"""Account writes of the security admin (三权分立: role assignment and activation only)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.services import audit_record

from . import roles
from .models import User


@transaction.atomic
def user_assign_roles(*, user: User, role_names: list[str], is_active: bool, by: User, request=None) -> User:
    """Set the account's role groups and active flag; a security admin cannot change their own."""
    if user.pk == by.pk:
        raise PermissionDenied("不能修改自己的角色或启用状态。")
    unknown = set(role_names) - set(roles.ALL_ROLES)
    if unknown:
        raise ValueError(f"未知角色：{'、'.join(sorted(unknown))}")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True))
    was_active = user.is_active
    # Groups outside the role list (if any) are left alone: they are not ours to manage.
    user.groups.remove(*Group.objects.filter(name__in=set(roles.ALL_ROLES) - set(role_names)))
    user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in role_names])
    if was_active != is_active:
        user.is_active = is_active
        user.full_clean()
        user.save(update_fields=["is_active"])
    audit_record(
        event="user.roles", request=request, user=by, obj=user,
        roles_before=before, roles_after=sorted(role_names), active_before=was_active, active_after=is_active,
    )
    return user


@transaction.atomic
def user_reset_password(*, user: User, password: str, by: User, request=None) -> User:
    """Set a new password (policy enforced) that the holder must change at next login."""
    validate_password(password, user)
    user.set_password(password)
    user.expire_password()
    user.full_clean()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(event="user.password_reset", request=request, user=by, obj=user)
    return user
