"""Officials' scopes become explicit, and accounts violating 三权分立 are reported.

Until now an 教育局 account without a district saw the whole city. Each existing official keeps
exactly what they saw: no district → scope_city_wide, a district → that district in their scope.
"""

from django.db import migrations, models

OFFICIAL = "教育局"
SEPARATED = ("管理员", "安全管理员", "审计管理员")
BUSINESS = ("督导专家", "教育局")


def scopes_from_districts(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(groups__name=OFFICIAL).distinct():
        if user.district_id:
            user.scope_districts.add(user.district_id)
        else:
            user.scope_city_wide = True
            user.save(update_fields=["scope_city_wide"])


def report_role_conflicts(apps, schema_editor):
    # Report only: deciding which role a person keeps is the security admin's call, not a migration's.
    User = apps.get_model("accounts", "User")
    found = []
    for user in User.objects.prefetch_related("groups"):
        names = {g.name for g in user.groups.all()}
        if user.is_superuser:
            names.add("管理员")
        separated = names & set(SEPARATED)
        if len(separated) > 1 or (separated and names & set(BUSINESS)):
            found.append(f"{user.username}（{'、'.join(sorted(names))}）")
    if found:
        print("\n  三权分立：以下账号同时持有互斥角色，请由安全管理员调整：" + "；".join(found))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_separated_admin_groups"), ("schools", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="user", name="district",
            field=models.ForeignKey(blank=True, null=True, on_delete=models.deletion.PROTECT,
                                    related_name="officials", to="schools.district", verbose_name="单位所在区县"),
        ),
        migrations.AddField(
            model_name="user", name="expertise",
            field=models.CharField(blank=True, help_text="多个标签用顿号或逗号分隔，如：语文、德育。",
                                   max_length=200, verbose_name="专长/学科"),
        ),
        migrations.AddField(
            model_name="user", name="scope_city_wide",
            field=models.BooleanField(default=False, verbose_name="查看范围：全市"),
        ),
        migrations.AddField(
            model_name="user", name="scope_districts",
            field=models.ManyToManyField(blank=True, related_name="scoped_users", to="schools.district",
                                         verbose_name="查看范围：区县"),
        ),
        migrations.RunPython(scopes_from_districts, migrations.RunPython.noop),
        migrations.RunPython(report_role_conflicts, migrations.RunPython.noop),
    ]
