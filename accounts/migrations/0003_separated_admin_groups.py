"""三权分立: the security-admin and audit-admin groups (permissions are synced after migrate)."""

from django.db import migrations

GROUPS = ["安全管理员", "审计管理员"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
