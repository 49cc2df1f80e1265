"""purge_audit deletes only what is older than 180 days and the date given."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record


def _aged(days: int) -> AuditEvent:
    # Written at an injected time: neither the model nor (on PostgreSQL) the database lets a record be back-dated.
    past = timezone.now() - timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=past):
        return audit_record(event=f"test.age{days}")


@pytest.mark.django_db
def test_it_deletes_records_older_than_the_date_and_keeps_the_rest():
    old, older, recent = _aged(400), _aged(500), _aged(10)
    cutoff = (timezone.localdate() - timedelta(days=300)).isoformat()
    out = StringIO()
    call_command("purge_audit", before=cutoff, stdout=out)
    assert "已删除 2 条" in out.getvalue()
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert recent.pk in remaining and old.pk not in remaining and older.pk not in remaining
    assert AuditEvent.objects.filter(event="audit.purge", detail__deleted=2).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("days_ago", [0, 100, 179])
def test_it_refuses_a_date_within_180_days(days_ago):
    ev = _aged(days_ago + 1)
    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit", before=(timezone.localdate() - timedelta(days=days_ago)).isoformat())
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


@pytest.mark.django_db
def test_a_dry_run_deletes_nothing():
    ev = _aged(400)
    out = StringIO()
    call_command("purge_audit", before=(timezone.localdate() - timedelta(days=200)).isoformat(), dry_run=True, stdout=out)
    assert "将删除 1 条" in out.getvalue()
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2020-13-01", "yesterday", "2020-01-01; DROP TABLE audit_auditevent", ""])
def test_a_malformed_date_is_refused(value):
    ev = _aged(400)
    with pytest.raises(CommandError):
        call_command("purge_audit", before=value)
    assert AuditEvent.objects.filter(pk=ev.pk).exists()
