"""When an account last lost an administrator role (三权分立), so that resets of recent holders
still need a second person. Existing accounts take it from the audit log's role-change records."""

from django.db import migrations, models

# A frozen copy of accounts.roles.SEPARATED_ROLES: a migration must not import app code that may change.
SEPARATED = {"管理员", "安全管理员", "审计管理员"}


def _removed(event) -> bool:
    # Only the services' records: they hold the exact roles before and after. (The generic
    # "user.groups" records list every group a service removed, held or not, so they would
    # mark accounts that never were administrators.)
    detail = event.detail if isinstance(event.detail, dict) else {}
    before, after = set(detail.get("roles_before") or ()), set(detail.get("roles_after") or ())
    return bool((before - after) & SEPARATED)


def stamp_from_audit_log(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.filter(object_type="accounts.User",
                                       event__in=("user.roles", "user.update")).order_by("at", "id")
    latest = {}
    for event in events.iterator():
        if _removed(event) and event.object_id.isdigit():
            latest[int(event.object_id)] = event.at
    for user in User.objects.filter(pk__in=list(latest)):
        user.separated_role_removed_at = latest[user.pk]
        user.save(update_fields=["separated_role_removed_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_scopes_and_profile"), ("audit", "0003_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="user", name="separated_role_removed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       verbose_name="最近取消管理员类角色的时间"),
        ),
        migrations.RunPython(stamp_from_audit_log, migrations.RunPython.noop),
    ]
