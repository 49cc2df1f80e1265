"""Refused requests leave a trace: 403s, object 404s and CSRF failures."""

from django.urls import reverse

from audit.models import AuditEvent


def test_a_403_is_recorded(login, world):
    login(world.alice).get(reverse("audit:event_list"))
    event = AuditEvent.objects.get(event="access.denied")
    assert event.username == "alice" and event.outcome == "denied"
    assert event.detail["status"] == 403 and event.detail["view"] == "audit:event_list"


def test_a_404_on_an_object_url_is_recorded(login, world):
    login(world.security_admin).get(reverse("accounts:user_edit", kwargs={"pk": 987654}))
    event = AuditEvent.objects.get(event="access.denied")
    assert event.detail["status"] == 404 and event.username == "secadmin"


def test_a_404_on_an_unknown_url_is_not_noise(login, world):
    login(world.alice).get("/no/such/page/")
    assert not AuditEvent.objects.filter(event="access.denied").exists()


def test_a_post_without_csrf_token_is_refused_recorded_and_changes_nothing(world):
    from django.test import Client

    from accounts import roles

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.security_admin)
    response = client.post(reverse("accounts:user_edit", kwargs={"pk": world.bob.pk}), {"roles": [roles.ADMIN]})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode() and "请刷新页面" in response.content.decode()
    world.bob.refresh_from_db()
    assert world.bob.is_active and not world.bob.groups.filter(name=roles.ADMIN).exists()
    assert AuditEvent.objects.filter(event="access.denied", detail__status=403).exists()


def test_a_login_post_without_csrf_token_is_refused(world):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
