"""On PostgreSQL the database itself refuses to change or delete audit records.

The model and its queryset already refuse in Python; this closes the path around them (raw
SQL, a shell, another client using the application's credentials). Two exceptions:

* deleting a user account sets `user_id` to NULL (on_delete=SET_NULL) and changes nothing
  else — the record keeps the username as text;
* `purge_audit` sets the transaction-local flag `audit.purge` and may then delete rows older
  than 180 days (the legal minimum of 《网络安全法》第二十一条; the command refuses younger dates
  itself, this is the floor the database keeps even if that check were bypassed).

Other databases (SQLite in development) keep the application-level guard only.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.user_id IS NULL AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '审计记录只能追加，不能修改。' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(current_setting('audit.purge', true), '') = 'on' AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计记录不能删除（过期记录请用 purge_audit 命令清理）。' USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_view_only_permissions")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
