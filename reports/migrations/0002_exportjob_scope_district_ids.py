"""Export jobs keep the requester's scope (a two-district official's job listed the whole round)."""

from django.db import migrations, models


def scope_from_district(apps, schema_editor):
    # Jobs made before: a district job covered that district, the others the whole round (None).
    ExportJob = apps.get_model("reports", "ExportJob")
    for job in ExportJob.objects.filter(district__isnull=False, scope_district_ids__isnull=True):
        job.scope_district_ids = [job.district_id]
        job.save(update_fields=["scope_district_ids"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="exportjob", name="scope_district_ids",
            field=models.JSONField(blank=True, default=None, null=True, verbose_name="导出范围（区县编号）"),
        ),
        migrations.RunPython(scope_from_district, migrations.RunPython.noop),
    ]
