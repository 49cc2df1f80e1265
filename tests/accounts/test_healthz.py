"""/healthz for monitoring: database, migrations, storage."""

from unittest import mock

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_is_public_and_healthy(client):
    response = client.get(reverse("accounts:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "storage": "ok"}}


@pytest.mark.django_db
def test_it_leaves_no_probe_file_behind(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.get(reverse("accounts:healthz"))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_it_reports_unwritable_storage_with_503(client, settings, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"  # a path under a regular file can never be created
    response = client.get(reverse("accounts:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error")


@pytest.mark.django_db
def test_it_reports_pending_migrations_with_503(client):
    with mock.patch("django.db.migrations.executor.MigrationExecutor.migration_plan", return_value=[("x", False)]):
        response = client.get(reverse("accounts:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 pending"


@pytest.mark.django_db
def test_it_reports_an_unreachable_database_with_503(client):
    with mock.patch("django.db.migrations.executor.MigrationExecutor.__init__", side_effect=OSError("down")):
        response = client.get(reverse("accounts:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OSError"


@pytest.mark.django_db
def test_it_only_answers_get(client):
    assert client.post(reverse("accounts:healthz")).status_code == 405
