"""Last line of 三权分立: whatever path adds a role group (a shell, a fixture, a third-party
admin), a forbidden combination is refused before it is written."""

from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import roles
from .models import User


def _restoring() -> bool:
    # A restore replays a past database as it was (the migration and system check report any
    # old violation); it is not a new role change.
    from audit.signals import _suppressed

    return _suppressed.get()


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.guard_role_sets")
def guard_role_sets(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action != "pre_add" or not pk_set or _restoring():
        return
    if reverse:  # group.user_set.add(...): instance is the Group, pk_set the users
        for user in User.objects.filter(pk__in=pk_set):
            roles.check_role_set(roles.held_roles(user) | {instance.name}, who=user.username)
            if instance.name == roles.SCHOOL:
                roles.check_school_account(user)
        return
    added = set(model.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    roles.check_role_set(roles.held_roles(instance) | added, who=instance.username)
    if roles.SCHOOL in added:
        roles.check_school_account(instance)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.stamp_separated_removal")
def stamp_separated_removal(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Note when an account loses an administrator role, whatever the path (services, shell):
    resets of its password or second factor need a second person for a while after
    (accounts.roles.needs_second_person)."""
    if action not in ("pre_remove", "pre_clear") or _restoring():
        return
    separated = set(roles.SEPARATED_ROLES)
    if reverse:  # group.user_set.remove(...) / .clear(): instance is the Group
        if instance.name not in separated:
            return
        losing = User.objects.filter(groups=instance)
        if action == "pre_remove":
            losing = losing.filter(pk__in=pk_set or ())
        ids = list(losing.values_list("pk", flat=True))
    else:
        # remove() announces every group it was given, held or not: only held ones count.
        held = instance.groups.filter(name__in=separated)
        if action == "pre_remove":
            held = held.filter(pk__in=pk_set or ())
        ids = [instance.pk] if held.exists() else []
    if ids:
        now = timezone.now()
        User.objects.filter(pk__in=ids).update(separated_role_removed_at=now)
        if isinstance(instance, User) and instance.pk in ids:
            instance.separated_role_removed_at = now


@receiver(pre_save, sender=User, dispatch_uid="accounts.guard_superuser")
def guard_superuser(sender, instance, raw=False, **kwargs):
    # A superuser is a system admin: it may not also hold the security or audit role.
    if raw or not instance.is_superuser or instance.pk is None or _restoring():
        return
    names = set(instance.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True)) | {roles.ADMIN}
    roles.check_role_set(names, who=instance.username)
