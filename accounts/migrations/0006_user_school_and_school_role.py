"""Accounts of schools (学校（填报）): the role group and the account's school.

The same field records the school an inspector works at, which 回避 uses (evaluation.recusal).
"""

import django.db.models.deletion
from django.db import migrations, models

SCHOOL = "学校（填报）"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SCHOOL)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_separated_role_removed_at"), ("schools", "0002_xian_districts")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="school",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="accounts", to="schools.school", verbose_name="所在学校"),
        ),
        migrations.RunPython(create_group, migrations.RunPython.noop),
    ]
