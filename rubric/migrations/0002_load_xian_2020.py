"""Load the official Xi'an rubric, published, so a fresh database is usable after `migrate`."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "rubric" / "xian-2020.json"


def load(apps, schema_editor):
    from rubric.loading import create_version_rows
    from rubric.schema import parse_rubric

    RubricVersion = apps.get_model("rubric", "RubricVersion")
    spec = parse_rubric(json.loads(FIXTURE.read_text(encoding="utf-8")))
    if RubricVersion.objects.filter(code=spec.code).exists():
        return  # idempotent: never touch a version that is already there
    create_version_rows(
        spec,
        RubricVersion=RubricVersion,
        Dimension=apps.get_model("rubric", "Dimension"),
        Indicator=apps.get_model("rubric", "Indicator"),
        Element=apps.get_model("rubric", "Element"),
        status="published",
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("rubric", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
