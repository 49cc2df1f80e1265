"""Every rubric view: login required, admins only (inspectors and officials 403), 405 on wrong methods."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent

# (url name, needs a version pk, allowed methods)
VIEWS = [
    ("rubric:version_list", False, "GET"),
    ("rubric:version_import", False, "POST"),
    ("rubric:version_compare", False, "GET"),
    ("rubric:version_detail", True, "GET"),
    ("rubric:version_save", True, "POST"),
    ("rubric:version_publish", True, "POST"),
    ("rubric:version_retire", True, "POST"),
    ("rubric:version_delete", True, "POST"),
    ("rubric:version_clone", True, "GET"),
    ("rubric:version_history", True, "GET"),
    ("rubric:version_export", True, "GET"),
]
NON_ADMINS = ["lead", "alice", "bob", "official", "other_official", "city_official", "nobody"]


def _url(world, name, needs_pk):
    if name == "rubric:version_export":
        return reverse(name, args=[world.version.pk, "json"])
    return reverse(name, args=[world.version.pk]) if needs_pk else reverse(name)


@pytest.mark.parametrize("name,needs_pk,method", VIEWS)
def test_anonymous_is_sent_to_login(client, world, name, needs_pk, method):
    url = _url(world, name, needs_pk)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("person", NON_ADMINS)
@pytest.mark.parametrize("name,needs_pk,method", VIEWS)
def test_non_admins_get_403(login, world, person, name, needs_pk, method):
    client = login(getattr(world, person))
    url = _url(world, name, needs_pk)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 403


def test_a_refused_visit_is_audited_once(login, world):
    login(world.alice).get(reverse("rubric:version_list"))
    denied = AuditEvent.objects.filter(user=world.alice, outcome="denied")
    assert list(denied.values_list("event", flat=True)) == ["access.denied"]


@pytest.mark.parametrize("name,needs_pk,method", [v for v in VIEWS if v[2] == "GET"])
def test_admin_may_read(login, world, name, needs_pk, method):
    response = login(world.admin).get(_url(world, name, needs_pk))
    assert response.status_code == 200


@pytest.mark.parametrize("name,needs_pk,method", VIEWS)
def test_wrong_method_is_405(login, world, name, needs_pk, method):
    client = login(world.admin)
    url = _url(world, name, needs_pk)
    if name == "rubric:version_clone":
        response = client.put(url)
    else:
        response = client.post(url) if method == "GET" else client.get(url)
    assert response.status_code == 405


def test_unknown_version_is_404_for_admin(login, world):
    response = login(world.admin).get(reverse("rubric:version_detail", args=[999999]))
    assert response.status_code == 404


def test_unknown_export_format_is_404(login, world):
    response = login(world.admin).get(reverse("rubric:version_export", args=[world.version.pk, "pdf"]))
    assert response.status_code == 404
