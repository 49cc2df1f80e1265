"""On PostgreSQL the database refuses UPDATE and DELETE of audit records (issue 12), except:
a deleted user's id set to NULL, and purge_audit's delete of rows past the retention period."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"),
    pytest.mark.django_db,
]
TABLE = AuditEvent._meta.db_table


def _aged(days: int) -> AuditEvent:
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=days)):
        return audit_record(event=f"test.age{days}", username="someone")


def _sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_raw_sql_cannot_change_a_record():
    ev = _aged(1)
    for statement in (f"UPDATE {TABLE} SET event = 'forged' WHERE id = %s", f"UPDATE {TABLE} SET at = now() - interval '400 days' WHERE id = %s"):
        with pytest.raises(DatabaseError, match="只能追加"):
            _sql(statement, [ev.pk])
    assert AuditEvent.objects.get(pk=ev.pk).event == "test.age1"


def test_raw_sql_cannot_delete_a_record_even_an_old_one():
    ev = _aged(400)
    with pytest.raises(DatabaseError, match="不能删除"):
        _sql(f"DELETE FROM {TABLE} WHERE id = %s", [ev.pk])
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


def test_the_purge_flag_does_not_open_records_within_the_retention_period():
    young = _aged(179)
    with pytest.raises(DatabaseError, match="不能删除"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.purge = 'on'")
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [young.pk])
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_the_purge_flag_does_not_allow_updates():
    ev = _aged(400)
    with pytest.raises(DatabaseError, match="只能追加"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.purge = 'on'")
            cursor.execute(f"UPDATE {TABLE} SET event = 'forged' WHERE id = %s", [ev.pk])


def test_purge_audit_still_deletes_expired_records():
    old, recent = _aged(400), _aged(10)
    out = StringIO()
    call_command("purge_audit", before=(timezone.localdate() - timedelta(days=300)).isoformat(), stdout=out)
    assert "已删除 1 条" in out.getvalue()
    assert not AuditEvent.objects.filter(pk=old.pk).exists() and AuditEvent.objects.filter(pk=recent.pk).exists()
    # The flag was local to the command's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('audit.purge', true), '')")
        assert cursor.fetchone()[0] in ("", "off")


def test_deleting_a_user_keeps_their_records_with_the_name():
    from tests import factories as f

    carol = f.user("carol")
    ev = audit_record(event="test.event", user=carol)
    carol.delete()
    ev = AuditEvent.objects.get(pk=ev.pk)
    assert ev.user_id is None and ev.username == "carol"
