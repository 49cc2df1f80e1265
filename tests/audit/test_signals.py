"""Account and role changes are audited wherever they happen."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import User
from audit.models import AuditEvent


@pytest.mark.django_db
def test_creating_and_changing_a_user_is_recorded():
    user = User.objects.create_user("newbie", password="Xian-school-2026#")
    assert AuditEvent.objects.filter(event="user.create", object_id=str(user.pk)).exists()
    user.is_active = False
    user.save()
    change = AuditEvent.objects.filter(event="user.change", object_id=str(user.pk)).get()
    assert change.detail["is_active"] is False


@pytest.mark.django_db
def test_a_last_login_stamp_is_not_an_account_change():
    user = User.objects.create_user("newbie", password="Xian-school-2026#")
    before = AuditEvent.objects.count()
    user.save(update_fields=["last_login"])
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_group_membership_changes_are_recorded_from_both_sides():
    user = User.objects.create_user("newbie", password="Xian-school-2026#")
    admin_group = Group.objects.get(name=roles.ADMIN)
    user.groups.add(admin_group)
    added = AuditEvent.objects.get(event="user.groups", detail__action="post_add")
    assert added.detail["groups"] == [roles.ADMIN] and added.object_id == str(user.pk)
    admin_group.user_set.remove(user)
    removed = AuditEvent.objects.get(event="user.groups", detail__action="post_remove")
    assert removed.object_id == str(user.pk) and removed.detail["groups"] == [roles.ADMIN]
