"""Last line of 三权分立: whatever path adds a role group (a shell, a fixture, a third-party
admin), a forbidden combination is refused before it is written."""

from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

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


@receiver(pre_save, sender=User, dispatch_uid="accounts.guard_superuser")
def guard_superuser(sender, instance, raw=False, **kwargs):
    # A superuser is a system admin: it may not also hold the security or audit role.
    if raw or not instance.is_superuser or instance.pk is None or _restoring():
        return
    names = set(instance.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True)) | {roles.ADMIN}
    roles.check_role_set(names, who=instance.username)
