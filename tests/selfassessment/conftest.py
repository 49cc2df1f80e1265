"""Helpers for 学校自评申报 tests: a round open for self-assessment on the small sample rubric
(5 elements, 4 evidence requirements of which 3 required), and ways to fill a self-assessment.

People come from tests/conftest.py's `world`: school_user (雁塔区第一小学), other_school_user
(碑林区第一小学), official (雁塔 reviewer), other_official (碑林), city_official, admin.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rubric.loading import create_version_rows
from rubric.models import Dimension, Element, EvidenceRequirement, Indicator, RubricVersion
from rubric.schema import parse_rubric
from selfassessment import selectors, services
from selfassessment.models import SelfAssessment, SelfEvidence, SelfScore
from tests import factories as f

SMALL = Path(settings.BASE_DIR) / "fixtures" / "rubric" / "sample-small.json"
PDF = b"%PDF-1.4\n%test\n%%EOF\n"
# A 1×1 PNG (verified by Pillow in config.uploads).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100"
    "c9fe92ef0000000049454e44ae426082"
)


def small_version() -> RubricVersion:
    found = RubricVersion.objects.filter(code="sample-small").first()
    if found:
        return found
    spec = parse_rubric(json.loads(SMALL.read_text(encoding="utf-8")))
    return create_version_rows(spec, RubricVersion=RubricVersion, Dimension=Dimension, Indicator=Indicator,
                               Element=Element, EvidenceRequirement=EvidenceRequirement,
                               status=RubricVersion.Status.PUBLISHED)


def open_round(version, *, name="2027年度新优质学校申报", **fields):
    today = timezone.localdate()
    defaults = dict(self_assessment=True, apply_opens_on=today - timedelta(days=10),
                    apply_closes_on=today + timedelta(days=10), district_review_closes_on=today + timedelta(days=20),
                    visit_starts_on=today + timedelta(days=30), visit_ends_on=today + timedelta(days=60), year=2027)
    defaults.update(fields)
    return f.round_(version, name=name, **defaults)


@pytest.fixture
def sa(world):
    """world plus `sa_round` (open for 申报 on the small rubric) and its elements by code."""
    world.small = small_version()
    world.sa_round = open_round(world.small)
    world.elements = {e.code: e for e in Element.objects.filter(version=world.small)}
    world.requirements = {r.element.code: r for r in EvidenceRequirement.objects.filter(version=world.small)
                          .select_related("element")}
    return world


def pdf(name="材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name="照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def upload_for(requirement):
    return png() if requirement.kind_list == ["image"] else pdf()


def fill(w, *, school_user=None, round=None, summary="三年来学校坚持……") -> SelfAssessment:
    """A complete self-assessment (every score, every required file, the report), through the services."""
    user = school_user or w.school_user
    round = round or w.sa_round
    sa = selectors.self_assessment_of(round=round, school=user.school)
    values = {code: {"points": str(e.points), "note": f"{code} 自评说明", "version": 0}
              for code, e in w.elements.items()}
    sa = services.self_scores_save_many(self_assessment=sa, values=values, by=user).self_assessment
    for r in EvidenceRequirement.objects.filter(version=round.rubric_version, required=True).select_related("element"):
        services.self_evidence_add(self_assessment=sa, requirement=r, element=r.element, upload=upload_for(r), by=user)
    sa.refresh_from_db()
    services.self_assessment_report_save(self_assessment=sa, summary=summary, version=sa.report_version, by=user)
    sa.refresh_from_db()
    return sa


def submitted(w, **kw) -> SelfAssessment:
    sa = fill(w, **kw)
    return services.self_assessment_submit(self_assessment=sa, by=kw.get("school_user") or w.school_user)


def recommended(w, **kw) -> SelfAssessment:
    sa = submitted(w, **kw)
    reviewer = w.official if sa.school.district_id == w.district.pk else w.other_official
    return services.self_assessment_recommend(self_assessment=sa, by=reviewer, opinion="办学规范，同意推荐。")


def admitted_on_panel(w, *, files_per_element=1, status=SelfAssessment.Status.ADMITTED, note="自评说明"):
    """An admitted (by default) self-assessment of the 雁塔 school in world.round (the panel's evaluation): every
    element self-scored at its points minus one step, one file each, written straight to the models."""
    sa = SelfAssessment.objects.create(round=w.round, school=w.school, status=status, evaluation=w.evaluation,
                                       district_opinion="办学规范，特色鲜明，同意推荐。", report_summary="自评报告")
    elements = list(Element.objects.filter(version=w.version).order_by("order"))
    SelfScore.objects.bulk_create(SelfScore(self_assessment=sa, element=e, points=e.points - e.step,
                                            note=f"{e.code} {note}", version=1) for e in elements)
    requirements = {r.element_id: r for r in EvidenceRequirement.objects.filter(version=w.version)}
    stored = SelfEvidence(self_assessment=sa)
    stored.file.save("demo.pdf", ContentFile(PDF), save=False)
    SelfEvidence.objects.bulk_create(
        SelfEvidence(self_assessment=sa, element=e, requirement=requirements.get(e.pk), file=stored.file.name,
                     original_name=f"{e.code}材料{n}.pdf", content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                     uploaded_by=w.school_user)
        for e in elements for n in range(files_per_element))
    return sa
