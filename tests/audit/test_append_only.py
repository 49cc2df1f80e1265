"""Audit records can be added, never changed or deleted from application code."""

import pytest

from audit.models import AuditEvent
from audit.services import audit_record


@pytest.fixture
def event(db):
    return audit_record(event="test.event", username="someone")


def test_a_record_cannot_be_saved_again(event):
    event.event = "forged"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


def test_a_record_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_and_delete_are_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(event="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).event == "test.event"


def test_no_permission_to_add_change_or_delete_exists(db):
    from django.contrib.auth.models import Permission

    codenames = set(Permission.objects.filter(content_type__app_label="audit").values_list("codename", flat=True))
    assert codenames == {"view_auditevent"}


def test_the_admin_screen_is_read_only_even_for_a_superuser(client, world):
    from accounts.models import User

    # 三权分立 keeps a superuser out of the audit group, and so out of the log altogether;
    # the auditor (given admin-site access) may read it, and nobody may alter it.
    root = User.objects.create_superuser("root", password="Xian-school-2026#")
    ev = audit_record(event="test.event")
    client.force_login(root)
    assert client.get("/django-admin/audit/auditevent/").status_code == 403
    auditor = User.objects.get(pk=world.auditor.pk)
    auditor.is_staff = True
    auditor.save(update_fields=["is_staff"])
    client.force_login(auditor)
    assert client.get("/django-admin/audit/auditevent/").status_code == 200
    assert client.get("/django-admin/audit/auditevent/add/").status_code == 403
    client.post(f"/django-admin/audit/auditevent/{ev.pk}/change/", {"event": "forged"})
    assert client.post(f"/django-admin/audit/auditevent/{ev.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=ev.pk).event == "test.event"


def test_the_system_admin_cannot_see_the_log_in_django_admin(login, world):
    assert login(world.admin).get("/django-admin/audit/auditevent/").status_code == 403


@pytest.mark.django_db
def test_hostile_text_is_recorded_not_refused():
    ev = audit_record(event="x", username="a\x00b" + "x" * 500, note="c\x00d", nested={"k\x00": ["e\x00"]}, n=3)
    ev = AuditEvent.objects.get(pk=ev.pk)
    assert ev.username.startswith("a\ufffdb") and len(ev.username) == 150
    assert ev.detail == {"note": "c\ufffdd", "nested": {"k\ufffd": ["e\ufffd"]}, "n": 3}
