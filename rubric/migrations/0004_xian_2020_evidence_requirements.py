"""Give the published xian-2020 version the evidence requirements its fixture now carries.

The requirements were derived by this system from each dimension's 评估方法 (the materials
inspectors are told to read) and are not part of the official text; see the fixture's
"requirements_source". Historical models are used, so the version lock of the live models does
not apply: this adds rows to a published version once, and never changes any existing row.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "rubric" / "xian-2020.json"


def add(apps, schema_editor):
    from rubric.loading import create_requirement_rows
    from rubric.schema import parse_rubric

    RubricVersion = apps.get_model("rubric", "RubricVersion")
    EvidenceRequirement = apps.get_model("rubric", "EvidenceRequirement")
    spec = parse_rubric(json.loads(FIXTURE.read_text(encoding="utf-8")))
    version = RubricVersion.objects.filter(code=spec.code).first()
    if version is None or EvidenceRequirement.objects.filter(version=version).exists():
        return  # idempotent; a database without the version gets it whole from 0002 + this
    Element = apps.get_model("rubric", "Element")
    codes = set(Element.objects.filter(version=version).values_list("code", flat=True))
    if codes != {e.code for e in spec.elements()}:
        return  # not the official tree (a hand-made version under the same code): leave it alone
    create_requirement_rows(spec, version=version, Element=Element, EvidenceRequirement=EvidenceRequirement)


def remove(apps, schema_editor):
    RubricVersion = apps.get_model("rubric", "RubricVersion")
    EvidenceRequirement = apps.get_model("rubric", "EvidenceRequirement")
    EvidenceRequirement.objects.filter(version__in=RubricVersion.objects.filter(code="xian-2020")).delete()


class Migration(migrations.Migration):
    dependencies = [("rubric", "0003_evidence_requirements")]

    operations = [migrations.RunPython(add, remove)]
